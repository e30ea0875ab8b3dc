//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong reading or writing a plaudit data file.
///
/// Every variant names the file; those about a row or a column name them too.
/// Rows are numbered from 0 across the whole file, like pandas' default
/// index. The message says where, the [`source`](std::error::Error::source)
/// says why, so print the chain (`{:#}` with anyhow) to see both.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IoError {
    /// The file could not be opened for reading.
    #[error("cannot open `{}`", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file could not be created for writing.
    #[error("cannot create `{}`", path.display())]
    Create {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not Parquet, or its footer is damaged (a truncated file
    /// ends up here).
    #[cfg(feature = "parquet")]
    #[error("`{}` is not a readable Parquet file", path.display())]
    NotParquet {
        /// The file.
        path: PathBuf,
        /// What the Parquet reader said.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A column has a Parquet type this crate cannot turn into JSON.
    #[error(
        "`{}`: column `{column}` has the Parquet type {parquet_type}, which cannot be read as JSON",
        path.display()
    )]
    UnsupportedColumn {
        /// The file.
        path: PathBuf,
        /// The column's dotted path (`extra_info.index`).
        column: String,
        /// The offending type, as Parquet names it.
        parquet_type: String,
    },
    /// A row group could not be opened.
    #[cfg(feature = "parquet")]
    #[error("`{}`: cannot read row group {row_group} (starting at row {first_row})", path.display())]
    ReadRowGroup {
        /// The file.
        path: PathBuf,
        /// The row group, from 0.
        row_group: usize,
        /// The index of its first row in the file.
        first_row: u64,
        /// What the Parquet reader said.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A row could not be decoded (a damaged page, invalid UTF-8 in a
    /// string column…).
    #[cfg(feature = "parquet")]
    #[error("`{}`: cannot read row {row}", path.display())]
    ReadRow {
        /// The file.
        path: PathBuf,
        /// The row.
        row: u64,
        /// What the Parquet reader said.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// Two aspects would get the same columns, or a name is empty.
    #[error("`{}`: cannot name columns after the aspect `{name}`: {reason}", path.display())]
    AspectName {
        /// The file.
        path: PathBuf,
        /// The aspect name.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A score row does not have one cell per aspect of the table.
    #[error(
        "`{}`: row {row} (id `{id}`) has {found} aspect cells, the table has {expected} aspects",
        path.display()
    )]
    AspectCount {
        /// The file.
        path: PathBuf,
        /// The row.
        row: u64,
        /// The row's id.
        id: String,
        /// How many cells the row has.
        found: usize,
        /// How many aspects the table was created with.
        expected: usize,
    },
    /// Writing a column failed (usually a full disk).
    #[cfg(feature = "parquet")]
    #[error(
        "`{}`: cannot write column `{column}` for rows {first_row}..{end_row}",
        path.display()
    )]
    WriteColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// The first row of the row group being written.
        first_row: u64,
        /// One past its last row.
        end_row: u64,
        /// What the Parquet writer said.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// Writing the file's header, a row group or its footer failed.
    #[cfg(feature = "parquet")]
    #[error("`{}`: cannot write the Parquet {part}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Which part: `header`, `row group` or `footer`.
        part: &'static str,
        /// What the Parquet writer said.
        #[source]
        source: parquet::errors::ParquetError,
    },
}
