//! Streaming the rows of a Parquet file as JSON objects.

use std::any::Any;
use std::fmt;
use std::fs::File;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use parquet::basic::{ConvertedType, Repetition, Type as PhysicalType};
use parquet::errors::ParquetError;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::reader::{ReaderIter, TreeBuilder};
use parquet::schema::types::{SchemaDescPtr, Type};
use serde_json::{Map, Value};

use crate::IoError;

/// Opens a Parquet file for reading row by row.
///
/// Only the footer is read here; rows are decoded one row group at a time,
/// page by page, as the iterator advances, so memory stays flat however big
/// the file is. The schema is checked up front: a column this crate cannot
/// convert fails here, naming the column, rather than in the middle of a run.
///
/// # Errors
///
/// [`IoError::Open`] when the file cannot be opened, [`IoError::NotParquet`]
/// when it is not Parquet or is truncated, [`IoError::UnsupportedColumn`] for
/// a column type with no JSON form (`INTERVAL`, malformed lists and maps).
pub fn parquet_rows(path: &Path) -> Result<ParquetRows, IoError> {
    let file = File::open(path).map_err(|source| IoError::Open {
        path: path.to_owned(),
        source,
    })?;
    let not_parquet = |source| IoError::NotParquet {
        path: path.to_owned(),
        source,
    };
    let reader = guarded(|| SerializedFileReader::new(file)).map_err(not_parquet)?;
    let metadata = reader.metadata();
    let mut total: u64 = 0;
    for (i, row_group) in metadata.row_groups().iter().enumerate() {
        let damaged =
            |what: String| not_parquet(ParquetError::General(format!("row group {i} {what}")));
        let rows = u64::try_from(row_group.num_rows())
            .map_err(|_| damaged(format!("claims {} rows", row_group.num_rows())))?;
        // The reader asserts on these when it reaches the row group.
        for column in row_group.columns() {
            let start = column
                .dictionary_page_offset()
                .unwrap_or(column.data_page_offset());
            if start < 0 || column.compressed_size() < 0 {
                return Err(damaged(format!(
                    "places column `{}` at offset {start} with length {}",
                    column.column_path(),
                    column.compressed_size()
                )));
            }
        }
        total += rows;
    }
    let descr = metadata.file_metadata().schema_descr_ptr();
    for field in descr.root_schema().get_fields() {
        check_type(field, &mut Vec::new()).map_err(|(column, parquet_type)| {
            IoError::UnsupportedColumn {
                path: path.to_owned(),
                column,
                parquet_type,
            }
        })?;
    }
    Ok(ParquetRows {
        path: path.to_owned(),
        reader,
        descr,
        tree: TreeBuilder::new(),
        next_row_group: 0,
        rows: None,
        next_row: 0,
        total,
        done: false,
    })
}

/// The rows of a Parquet file, each a JSON object keyed by column name.
///
/// Made by [`parquet_rows`]. Values convert as follows:
///
/// | Parquet | JSON |
/// |---|---|
/// | null (any type) | `null` |
/// | boolean | `true` / `false` |
/// | integers of any width and sign | number |
/// | float16, float, double | number; NaN and ±infinity become `null` |
/// | decimal | string with every digit (`"12.34"`) |
/// | string, enum, JSON | string (JSON text is not parsed) |
/// | binary, BSON | string: the text when the bytes are UTF-8, else standard base64 with padding |
/// | UUID | hyphenated lowercase string |
/// | date | `"2024-03-01"` |
/// | time | `"12:34:56.789"`, as many fraction digits as the unit |
/// | timestamp | RFC 3339, `"2024-03-01T12:34:56.789Z"`; no `Z` when not adjusted to UTC |
/// | INT96 timestamp | as a millisecond UTC timestamp |
/// | list | array |
/// | map | object; non-string keys are written as their JSON text |
/// | struct | object |
///
/// Binary becomes text rather than an error because datasets routinely carry
/// columns a reward never reads (images, pickles); failing on them would
/// make the whole file unusable. Base64 is lossless but cannot be told from
/// text that happens to look like base64: a verifier that needs bytes should
/// be given a column whose meaning it knows.
///
/// Key order within an object follows `serde_json`'s map (sorted, unless a
/// crate in the build enables its `preserve_order` feature).
///
/// After the first error the iterator ends: a damaged page leaves the rest
/// of its row group unreadable. Damage that makes the `parquet` crate panic
/// is reported as an error too (its panic hook still prints the message).
pub struct ParquetRows {
    path: PathBuf,
    reader: SerializedFileReader<File>,
    descr: SchemaDescPtr,
    tree: TreeBuilder,
    next_row_group: usize,
    rows: Option<ReaderIter>,
    next_row: u64,
    total: u64,
    done: bool,
}

impl ParquetRows {
    /// The number of rows the file's metadata announces, for a progress bar.
    pub fn len_hint(&self) -> u64 {
        self.total
    }

    /// The number of row groups in the file.
    pub fn num_row_groups(&self) -> usize {
        self.reader.num_row_groups()
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fail(&mut self, error: IoError) -> Option<<Self as Iterator>::Item> {
        self.done = true;
        self.rows = None;
        Some(Err(error))
    }
}

impl Iterator for ParquetRows {
    type Item = Result<Map<String, Value>, IoError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            if let Some(rows) = &mut self.rows {
                let schema = self.descr.root_schema();
                let row = guarded(|| {
                    rows.next()
                        .transpose()
                        .map(|row| row.map(|row| crate::json::row_to_object(&row, schema)))
                })
                .transpose();
                match row {
                    Some(Ok(row)) => {
                        self.next_row += 1;
                        return Some(Ok(row));
                    }
                    Some(Err(source)) => {
                        let error = IoError::ReadRow {
                            path: self.path.clone(),
                            row: self.next_row,
                            source,
                        };
                        return self.fail(error);
                    }
                    None => self.rows = None,
                }
            }
            let row_group = self.next_row_group;
            if row_group >= self.reader.num_row_groups() {
                self.done = true;
                break;
            }
            self.next_row_group += 1;
            if self.reader.metadata().row_group(row_group).num_rows() == 0 {
                continue;
            }
            let rows = guarded(|| {
                let reader = self.reader.get_row_group(row_group)?;
                self.tree.as_iter(self.descr.clone(), &*reader)
            });
            match rows {
                Ok(rows) => self.rows = Some(rows),
                Err(source) => {
                    let error = IoError::ReadRowGroup {
                        path: self.path.clone(),
                        row_group,
                        first_row: self.next_row,
                        source,
                    };
                    return self.fail(error);
                }
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            return (0, Some(0));
        }
        // An error ends the iteration early, so only the upper bound is sure.
        let left = usize::try_from(self.total.saturating_sub(self.next_row)).ok();
        (0, left)
    }
}

impl fmt::Debug for ParquetRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParquetRows")
            .field("path", &self.path)
            .field("next_row", &self.next_row)
            .field("total", &self.total)
            .field("next_row_group", &self.next_row_group)
            .finish_non_exhaustive()
    }
}

/// Runs a step of the Parquet reader, turning a panic into an error.
///
/// The `parquet` crate still asserts on some malformed data (definition
/// levels out of range, short buffers) instead of returning an error. One
/// damaged page should fail its file with a message naming it, not abort a
/// scoring run over many files. The iterator stops after such an error, so
/// no state the panic interrupted is used again. (Useless under
/// `panic = "abort"`, harmless otherwise.)
fn guarded<T>(step: impl FnOnce() -> Result<T, ParquetError>) -> Result<T, ParquetError> {
    panic::catch_unwind(AssertUnwindSafe(step)).unwrap_or_else(|payload| {
        Err(ParquetError::General(format!(
            "the Parquet decoder panicked, the file is probably damaged: {}",
            panic_message(&*payload)
        )))
    })
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "no message"
    }
}

/// Rejects what the record reader would panic on (it asserts on malformed
/// lists and maps and has no conversion for some annotated types), so that
/// a bad file is an error naming its column. Returns the dotted column path
/// and the type.
fn check_type<'a>(ty: &'a Type, path: &mut Vec<&'a str>) -> Result<(), (String, String)> {
    path.push(ty.name());
    let info = ty.get_basic_info();
    let bad = |what: String| Err((path.join("."), what));
    if !info.has_repetition() {
        return bad("a field without repetition".to_owned());
    }
    if ty.is_primitive() {
        let physical = ty.get_physical_type();
        let converted = info.converted_type();
        if !convertible(physical, converted) {
            return bad(format!("{physical} ({converted})"));
        }
    } else {
        let fields = ty.get_fields();
        let is_repeated = |t: &Type| {
            t.get_basic_info().has_repetition()
                && t.get_basic_info().repetition() == Repetition::REPEATED
        };
        let valid = match info.converted_type() {
            ConvertedType::LIST => fields.len() == 1 && is_repeated(&fields[0]),
            ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE => {
                fields.len() == 1
                    && fields[0].is_group()
                    && is_repeated(&fields[0])
                    && matches!(fields[0].get_fields().len(), 1 | 2)
            }
            _ => !fields.is_empty(),
        };
        if !valid {
            return bad(format!("a malformed {} group", info.converted_type()));
        }
        for field in fields {
            check_type(field, path)?;
        }
    }
    path.pop();
    Ok(())
}

/// The (physical, converted) pairs `parquet::record::Field` can convert
/// without panicking.
fn convertible(physical: PhysicalType, converted: ConvertedType) -> bool {
    use ConvertedType as C;
    match physical {
        PhysicalType::BOOLEAN
        | PhysicalType::INT96
        | PhysicalType::FLOAT
        | PhysicalType::DOUBLE => true,
        PhysicalType::INT32 => matches!(
            converted,
            C::NONE
                | C::INT_8
                | C::INT_16
                | C::INT_32
                | C::UINT_8
                | C::UINT_16
                | C::UINT_32
                | C::DATE
                | C::TIME_MILLIS
                | C::DECIMAL
        ),
        PhysicalType::INT64 => matches!(
            converted,
            C::NONE
                | C::INT_64
                | C::UINT_64
                | C::TIME_MICROS
                | C::TIMESTAMP_MILLIS
                | C::TIMESTAMP_MICROS
                | C::DECIMAL
        ),
        PhysicalType::BYTE_ARRAY => matches!(
            converted,
            C::NONE | C::UTF8 | C::ENUM | C::JSON | C::BSON | C::DECIMAL
        ),
        PhysicalType::FIXED_LEN_BYTE_ARRAY => matches!(converted, C::NONE | C::DECIMAL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_step_becomes_an_error() {
        let error = guarded::<()>(|| panic!("level {} out of range", 3)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Parquet error: the Parquet decoder panicked, the file is probably damaged: level 3 out of range"
        );
        let error = guarded::<()>(|| panic!("static message")).unwrap_err();
        assert!(error.to_string().ends_with(": static message"), "{error}");
        assert_eq!(guarded(|| Ok(7)).unwrap(), 7);
    }
}
