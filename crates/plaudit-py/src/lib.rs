//! Python bindings of plaudit: the native half of the `plaudit` package.
//!
//! The Python package (`python/plaudit`) is thin: trainer adapters (TRL,
//! verl, OpenRLHF, verifiers) and the Ray scorer are plain Python over the
//! few types this crate exports as `plaudit._native`:
//!
//! - [`PyEngine`] (`plaudit.Engine`): a spec built into an engine. Samples
//!   are converted to Rust with the GIL held, then the GIL is released for the
//!   whole of scoring, so Python threads calling one engine run in parallel.
//! - [`PyScore`] and [`PyAspectResult`]: typed results.
//! - [`PyColumns`]: the results of a batch as columns, the shape trainers
//!   want (one list of rewards, one list per aspect), built without a
//!   Python object per aspect result.
//! - typed exceptions, all subclasses of `plaudit.PlauditError`.
//!
//! The bindings mirror the engine rather than wrap it in new concepts:
//! everything a score says (status, reason, details, latency) is reachable
//! from Python, and nothing is turned into a number that the spec did not
//! turn into one.
//!
//! **Fork safety.** An engine's worker pool is a set of threads, and a child
//! made by `fork` has none of them. Each [`PyEngine`] remembers the process
//! that built its engine; a call from any other process rebuilds the engine
//! (from the spec text it keeps) before scoring. The old engine is leaked in
//! the child rather than dropped, since dropping it would touch locks and
//! queues whose owning threads do not exist there.
#![deny(missing_docs)]

mod columns;
mod convert;
mod engine;
mod errors;
mod results;
mod routes;

use pyo3::prelude::*;

pub use columns::PyColumns;
pub use engine::PyEngine;
pub use results::{PyAspectResult, PyScore};

/// The `plaudit._native` module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<PyEngine>()?;
    m.add_class::<PyScore>()?;
    m.add_class::<PyAspectResult>()?;
    m.add_class::<PyColumns>()?;
    m.add_function(wrap_pyfunction!(engine::_engine_from_state, m)?)?;
    m.add_function(wrap_pyfunction!(engine::_set_result, m)?)?;
    m.add_function(wrap_pyfunction!(engine::_set_exception, m)?)?;
    m.add_function(wrap_pyfunction!(routes::read_routes, m)?)?;
    m.add_function(wrap_pyfunction!(routes::strip_end_of_turn, m)?)?;
    m.add("PlauditError", py.get_type::<errors::PlauditError>())?;
    m.add("SpecError", py.get_type::<errors::SpecError>())?;
    m.add("SampleError", py.get_type::<errors::SampleError>())?;
    m.add("ConfigError", py.get_type::<errors::ConfigError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "DEFAULT_EOT_TOKENS",
        plaudit_core::turn::DEFAULT_EOT_TOKENS.to_vec(),
    )?;
    Ok(())
}
