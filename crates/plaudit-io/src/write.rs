//! Writing score tables as Parquet.

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use parquet::schema::types::Type;

use crate::{IoError, ScoreRow};

/// Rows per row group unless [`ScoreTableWriter::with_row_group_rows`] says
/// otherwise.
pub const DEFAULT_ROW_GROUP_ROWS: usize = 16_384;

/// Buffered bytes (strings and numbers) after which a row group is written
/// even if it has fewer rows, so that rows with large details cannot make
/// the buffer grow without bound.
const MAX_BUFFERED_BYTES: usize = 64 << 20;

/// Writes [`ScoreRow`]s to a Parquet file, one flat column per field.
///
/// The columns, in order:
///
/// | column | type |
/// |---|---|
/// | `id` | string, required |
/// | `reward` | double, optional |
/// | `raw_reward` | double, optional |
/// | `error` | string, optional |
/// | `{aspect}.status` | string, required, for each aspect |
/// | `{aspect}.value` | double, optional |
/// | `{aspect}.details` | string holding JSON, optional |
///
/// Flat dotted names rather than a struct per aspect, so that pandas,
/// DuckDB and spreadsheets show one column per number without unnesting.
/// Columns are zstd-compressed (level 3).
///
/// Rows are buffered and written one row group at a time, every
/// [`DEFAULT_ROW_GROUP_ROWS`] rows (or 64 MiB of buffered data, whichever
/// comes first). The file is only valid once [`finish`](Self::finish) has
/// written its footer; dropping the writer leaves a truncated file.
pub struct ScoreTableWriter {
    path: PathBuf,
    writer: SerializedFileWriter<File>,
    columns: Vec<Column>,
    aspects: usize,
    row_group_rows: usize,
    buffered_rows: usize,
    buffered_bytes: usize,
    rows_written: u64,
}

impl ScoreTableWriter {
    /// Creates (or truncates) `path` for a table with one set of columns per
    /// aspect, in the order given.
    ///
    /// # Errors
    ///
    /// [`IoError::AspectName`] for an empty or repeated aspect name,
    /// [`IoError::Create`] when the file cannot be created.
    pub fn create(path: &Path, aspect_names: &[String]) -> Result<Self, IoError> {
        let mut columns = vec![
            Column::text("id", Repetition::REQUIRED),
            Column::double("reward"),
            Column::double("raw_reward"),
            Column::text("error", Repetition::OPTIONAL),
        ];
        let mut seen = HashSet::new();
        for name in aspect_names {
            let reason = if name.is_empty() {
                Some("it is empty")
            } else if !seen.insert(name.as_str()) {
                Some("it is given twice")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(IoError::AspectName {
                    path: path.to_owned(),
                    name: name.clone(),
                    reason,
                });
            }
            columns.push(Column::text(
                &format!("{name}.status"),
                Repetition::REQUIRED,
            ));
            columns.push(Column::double(&format!("{name}.value")));
            columns.push(Column::text(
                &format!("{name}.details"),
                Repetition::OPTIONAL,
            ));
        }

        let write_error = |source| IoError::Write {
            path: path.to_owned(),
            part: "header",
            source,
        };
        let schema = Type::group_type_builder("plaudit_scores")
            .with_fields(columns.iter().map(|c| c.schema.clone()).collect())
            .build()
            .map_err(write_error)?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_created_by(format!("plaudit-io version {}", env!("CARGO_PKG_VERSION")))
            .build();
        let file = File::create(path).map_err(|source| IoError::Create {
            path: path.to_owned(),
            source,
        })?;
        let writer = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(properties))
            .map_err(write_error)?;
        Ok(Self {
            path: path.to_owned(),
            writer,
            columns,
            aspects: aspect_names.len(),
            row_group_rows: DEFAULT_ROW_GROUP_ROWS,
            buffered_rows: 0,
            buffered_bytes: 0,
            rows_written: 0,
        })
    }

    /// Sets how many rows make a row group (at least 1; default
    /// [`DEFAULT_ROW_GROUP_ROWS`]). Smaller groups let readers start
    /// sooner and hold less; larger ones compress better.
    #[must_use]
    pub fn with_row_group_rows(mut self, rows: usize) -> Self {
        self.row_group_rows = rows.max(1);
        self
    }

    /// Appends rows, writing a row group whenever enough are buffered.
    ///
    /// # Errors
    ///
    /// [`IoError::AspectCount`] when a row does not have one cell per
    /// aspect; nothing of the batch is kept then and the writer stays
    /// usable. [`IoError::WriteColumn`] or [`IoError::Write`] when writing
    /// fails; the file is unusable after that.
    pub fn write_batch(&mut self, rows: &[ScoreRow]) -> Result<(), IoError> {
        let first_row = self.rows_written + self.buffered_rows as u64;
        if let Some((i, row)) = rows
            .iter()
            .enumerate()
            .find(|(_, row)| row.aspects.len() != self.aspects)
        {
            return Err(IoError::AspectCount {
                path: self.path.clone(),
                row: first_row + i as u64,
                id: row.id.clone(),
                found: row.aspects.len(),
                expected: self.aspects,
            });
        }
        for row in rows {
            self.push(row);
            if self.buffered_rows >= self.row_group_rows
                || self.buffered_bytes >= MAX_BUFFERED_BYTES
            {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Writes the buffered rows and the footer, and closes the file.
    ///
    /// # Errors
    ///
    /// [`IoError::WriteColumn`] or [`IoError::Write`] when writing fails.
    pub fn finish(mut self) -> Result<(), IoError> {
        self.flush()?;
        self.writer.close().map_err(|source| IoError::Write {
            path: self.path.clone(),
            part: "footer",
            source,
        })?;
        Ok(())
    }

    fn push(&mut self, row: &ScoreRow) {
        let mut bytes = row.id.len() + 16;
        let [id, reward, raw_reward, error, aspects @ ..] = &mut self.columns[..] else {
            unreachable!("the four fixed columns are created with the writer");
        };
        id.push_text(Some(&row.id));
        reward.push_double(row.reward);
        raw_reward.push_double(row.raw_reward);
        error.push_text(row.error.as_deref());
        bytes += row.error.as_ref().map_or(0, String::len);
        for (cell, columns) in row.aspects.iter().zip(aspects.chunks_exact_mut(3)) {
            columns[0].push_text(Some(&cell.status));
            columns[1].push_double(cell.value);
            columns[2].push_text(cell.detail_json.as_deref());
            bytes += cell.status.len() + 8 + cell.detail_json.as_ref().map_or(0, String::len);
        }
        self.buffered_rows += 1;
        self.buffered_bytes += bytes;
    }

    fn flush(&mut self) -> Result<(), IoError> {
        if self.buffered_rows == 0 {
            return Ok(());
        }
        let first_row = self.rows_written;
        let end_row = first_row + self.buffered_rows as u64;
        let path = &self.path;
        let group_error = |source| IoError::Write {
            path: path.clone(),
            part: "row group",
            source,
        };
        let mut row_group = self.writer.next_row_group().map_err(group_error)?;
        for column in &mut self.columns {
            let name = column.schema.clone();
            let column_error = |source| IoError::WriteColumn {
                path: path.clone(),
                column: name.name().to_owned(),
                first_row,
                end_row,
                source,
            };
            let writer = row_group
                .next_column()
                .and_then(|writer| {
                    writer.ok_or_else(|| {
                        ParquetError::General("the schema ran out of columns".into())
                    })
                })
                .map_err(column_error)?;
            column.write(writer).map_err(column_error)?;
        }
        row_group.close().map_err(group_error)?;
        self.rows_written = end_row;
        self.buffered_rows = 0;
        self.buffered_bytes = 0;
        Ok(())
    }
}

impl fmt::Debug for ScoreTableWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScoreTableWriter")
            .field("path", &self.path)
            .field("aspects", &self.aspects)
            .field("row_group_rows", &self.row_group_rows)
            .field("buffered_rows", &self.buffered_rows)
            .field("rows_written", &self.rows_written)
            .finish_non_exhaustive()
    }
}

/// One column's schema and the values buffered for the next row group.
struct Column {
    schema: Arc<Type>,
    values: Values,
    /// Definition levels, for optional columns only.
    levels: Option<Vec<i16>>,
}

enum Values {
    Text(Vec<ByteArray>),
    Double(Vec<f64>),
}

impl Column {
    fn text(name: &str, repetition: Repetition) -> Self {
        Self::new(
            name,
            PhysicalType::BYTE_ARRAY,
            repetition,
            Values::Text(Vec::new()),
        )
    }

    fn double(name: &str) -> Self {
        Self::new(
            name,
            PhysicalType::DOUBLE,
            Repetition::OPTIONAL,
            Values::Double(Vec::new()),
        )
    }

    fn new(name: &str, physical: PhysicalType, repetition: Repetition, values: Values) -> Self {
        let logical = (physical == PhysicalType::BYTE_ARRAY).then_some(LogicalType::String);
        let schema = Type::primitive_type_builder(name, physical)
            .with_repetition(repetition)
            .with_logical_type(logical)
            .build()
            .expect("a string or double column with a non-empty name is a valid Parquet type");
        let levels = (repetition == Repetition::OPTIONAL).then(Vec::new);
        Self {
            schema: Arc::new(schema),
            values,
            levels,
        }
    }

    fn push_text(&mut self, value: Option<&str>) {
        let Values::Text(values) = &mut self.values else {
            unreachable!("push_text on a double column");
        };
        if let Some(value) = value {
            values.push(ByteArray::from(value));
        }
        self.push_level(value.is_some());
    }

    fn push_double(&mut self, value: Option<f64>) {
        let Values::Double(values) = &mut self.values else {
            unreachable!("push_double on a string column");
        };
        if let Some(value) = value {
            values.push(value);
        }
        self.push_level(value.is_some());
    }

    fn push_level(&mut self, present: bool) {
        if let Some(levels) = &mut self.levels {
            levels.push(i16::from(present));
        }
    }

    /// Writes the buffered values into `writer`, closes it and empties the
    /// buffer.
    fn write(&mut self, mut writer: SerializedColumnWriter<'_>) -> Result<(), ParquetError> {
        let levels = self.levels.as_deref();
        match &mut self.values {
            Values::Text(values) => {
                writer
                    .typed::<ByteArrayType>()
                    .write_batch(values, levels, None)?;
                values.clear();
            }
            Values::Double(values) => {
                writer
                    .typed::<DoubleType>()
                    .write_batch(values, levels, None)?;
                values.clear();
            }
        }
        if let Some(levels) = &mut self.levels {
            levels.clear();
        }
        writer.close()
    }
}
