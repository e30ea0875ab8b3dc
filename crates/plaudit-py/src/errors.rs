//! The Python exceptions: one base class, one subclass per kind of mistake,
//! each carrying the Rust error's message unchanged.

use pyo3::create_exception;
use pyo3::exceptions::PyException;

create_exception!(
    plaudit,
    PlauditError,
    PyException,
    "The base class of every error plaudit raises."
);
create_exception!(
    plaudit,
    SpecError,
    PlauditError,
    "A reward spec that cannot be read, parsed, validated or built; the message names the file, line and field."
);
create_exception!(
    plaudit,
    SampleError,
    PlauditError,
    "A sample of the wrong shape (a missing `response`, a value that is not JSON); the message names the sample and field."
);
create_exception!(
    plaudit,
    ConfigError,
    PlauditError,
    "An adapter configuration that cannot be used (a routing file, an unknown data source, a missing spec)."
);

/// A spec error as a Python exception, with the full located message.
pub(crate) fn spec_error(e: &plaudit_core::SpecError) -> pyo3::PyErr {
    SpecError::new_err(e.to_string())
}
