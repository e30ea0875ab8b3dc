//! The crate's error type.

use std::path::Path;

/// What stops an evaluation as a whole. I/O causes are the error's
/// `source()`, not repeated in its message (print the chain: `{:#}`). A bad row does not: it becomes a
/// [`crate::RowError`] and the good rows go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A file could not be opened, read or decompressed.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file that must be one JSON document (a JSON-array dataset) is not.
    #[error("{path}: {message}")]
    Malformed {
        /// The file.
        path: String,
        /// What is wrong, with the line where serde_json saw it.
        message: String,
    },
    /// A report could not be written.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The data and scores leave nothing to evaluate, or break a rule of
    /// the benchmark's metric.
    #[error("{0}")]
    Invalid(String),
}

impl EvalError {
    pub(crate) fn read(path: &Path, source: std::io::Error) -> Self {
        EvalError::Read {
            path: path.display().to_string(),
            source,
        }
    }

    pub(crate) fn write(path: &Path, source: std::io::Error) -> Self {
        EvalError::Write {
            path: path.display().to_string(),
            source,
        }
    }
}
