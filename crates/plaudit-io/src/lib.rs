//! plaudit's data files: datasets in, score tables out.
//!
//! RL post-training datasets travel as Parquet. verl's preprocessing scripts
//! write one row per prompt with nested columns (`prompt` is a list of
//! `{role, content}` structs, `reward_model` a struct holding the ground
//! truth), and trainers read the rewards back from Parquet too. This crate
//! turns such a file into a stream of JSON objects, the form every other
//! plaudit input already takes, and writes scoring results as a flat Parquet
//! table:
//!
//! - [`parquet_rows`] opens a file and yields each row as a
//!   `serde_json::Map`, one row group at a time, so memory does not grow
//!   with the file. [`ParquetRows`] documents how every Parquet type maps to
//!   JSON.
//! - [`ScoreTableWriter`] writes [`ScoreRow`]s, one column per field and per
//!   aspect, readable by pandas, polars and DuckDB without unnesting.
//!
//! # Why no Arrow
//!
//! The usual way to read Parquet in Rust goes through `arrow`, which brings
//! a dozen crates and a columnar in-memory model. plaudit consumes rows one at
//! a time and turns each into JSON anyway, so this crate uses the `parquet`
//! crate's own row API (`parquet::record`) to read and its typed column
//! writers to write. The build stays smaller and no batch of columns is
//! materialized only to be taken apart again.
//!
//! # Features
//!
//! - `parquet` (off by default): everything that reads or writes Parquet.
//!   Without it only the format-independent types ([`ScoreRow`],
//!   [`AspectCell`], [`IoError`]) are compiled, so a build that never
//!   touches Parquet does not compile zstd and the Parquet codec stack.
#![deny(missing_docs)]

mod error;
mod score_row;

#[cfg(feature = "parquet")]
mod encode;
#[cfg(feature = "parquet")]
mod json;
#[cfg(feature = "parquet")]
mod read;
#[cfg(feature = "parquet")]
mod write;

pub use error::IoError;
pub use score_row::{AspectCell, ScoreRow};

#[cfg(feature = "parquet")]
pub use read::{ParquetRows, parquet_rows};
#[cfg(feature = "parquet")]
pub use write::{DEFAULT_ROW_GROUP_ROWS, ScoreTableWriter};
