//! Files into rows: gzip by extension, JSONL or a JSON array by content.

use std::io::Read as _;
use std::path::Path;

use serde_json::value::RawValue;

use crate::EvalError;

/// Reads a whole file, decompressing it when its name ends in `.gz`.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, EvalError> {
    let file = std::fs::File::open(path).map_err(|e| EvalError::read(path, e))?;
    let mut bytes = Vec::new();
    let gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let result = if gz {
        flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file)).read_to_end(&mut bytes)
    } else {
        std::io::BufReader::new(file).read_to_end(&mut bytes)
    };
    result.map_err(|e| EvalError::read(path, e))?;
    Ok(bytes)
}

/// One row of a file: where it is and its JSON text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawRow<'a> {
    /// 1-based line where the row starts.
    pub line: u32,
    /// 0-based position in a JSON array, `None` for JSONL.
    pub element: Option<u32>,
    pub text: &'a [u8],
}

/// Splits a file into rows: the elements of a JSON array when the first
/// non-blank byte is `[`, otherwise the non-blank lines of JSONL.
pub(crate) fn split_rows<'a>(path: &Path, bytes: &'a [u8]) -> Result<Vec<RawRow<'a>>, EvalError> {
    let first = bytes.iter().position(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|i| bytes[i] == b'[') {
        json_array(path, bytes)
    } else {
        Ok(jsonl(bytes))
    }
}

fn jsonl(bytes: &[u8]) -> Vec<RawRow<'_>> {
    let mut rows = Vec::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        rows.push(RawRow {
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
            element: None,
            text: line,
        });
    }
    rows
}

fn json_array<'a>(path: &Path, bytes: &'a [u8]) -> Result<Vec<RawRow<'a>>, EvalError> {
    let elements: Vec<&RawValue> =
        serde_json::from_slice(bytes).map_err(|e| EvalError::Malformed {
            path: path.display().to_string(),
            message: format!("not a valid JSON array of rows: {e}"),
        })?;
    let base = bytes.as_ptr() as usize;
    let mut rows = Vec::with_capacity(elements.len());
    let mut line = 1u32;
    let mut scanned = 0usize;
    for (i, raw) in elements.into_iter().enumerate() {
        let text = raw.get().as_bytes();
        // Borrowed raw values point into `bytes`: their address gives the
        // offset, and the offset the line.
        let offset = (text.as_ptr() as usize)
            .saturating_sub(base)
            .min(bytes.len());
        let newlines = bytes[scanned.min(offset)..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        scanned = offset;
        rows.push(RawRow {
            line,
            element: Some(u32::try_from(i).unwrap_or(u32::MAX)),
            text,
        });
    }
    Ok(rows)
}

/// The name a file is reported by and, for layouts without a subset field,
/// the subset its rows belong to: the file name without `.gz` and the
/// data extension.
pub(crate) fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    for ext in [".jsonl", ".json", ".ndjson"] {
        if let Some(s) = name.strip_suffix(ext) {
            return s.to_owned();
        }
    }
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_rows_keep_their_line_numbers() {
        let rows = split_rows(Path::new("x"), b"{\"a\":1}\n\n  \n{\"a\":2}\r\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[1].line), (1, 4));
        assert_eq!(rows[1].text, b"{\"a\":2}");
    }

    #[test]
    fn json_array_elements_are_located() {
        let text = b"[\n  {\"a\": 1},\n  {\"a\": 2,\n   \"b\": 3},\n  {\"a\": 4}\n]";
        let rows = split_rows(Path::new("x"), text).unwrap();
        let lines: Vec<u32> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 5]);
        assert_eq!(rows[2].element, Some(2));
    }

    #[test]
    fn broken_json_array_names_the_file() {
        let err = split_rows(Path::new("d.json"), b"[{\"a\": 1},\n {\"a\" 2}]").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("d.json: not a valid JSON array"), "{msg}");
        assert!(msg.contains("line 2"), "{msg}");
    }

    #[test]
    fn stems() {
        assert_eq!(
            stem(Path::new("a/harmless-base-test.jsonl.gz")),
            "harmless-base-test"
        );
        assert_eq!(stem(Path::new("natural.json")), "natural");
    }
}
