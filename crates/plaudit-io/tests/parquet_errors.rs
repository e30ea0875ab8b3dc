//! Files that are not (complete, intact) Parquet give errors naming them,
//! never a panic.
#![cfg(feature = "parquet")]

use std::error::Error;
use std::path::Path;

use plaudit_io::{IoError, parquet_rows};

/// The message with its causes, as the CLI prints it.
fn chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Opens and reads `path` to the end, returning the first error.
fn read_to_end(path: &Path) -> Result<usize, IoError> {
    parquet_rows(path)?.try_fold(0, |n, row| row.map(|_| n + 1))
}

#[test]
fn a_missing_file_is_an_open_error() {
    let error = read_to_end(Path::new("tests/data/missing.parquet")).unwrap_err();
    assert!(matches!(error, IoError::Open { .. }), "{error:?}");
    insta::assert_snapshot!(chain(&error), @"cannot open `tests/data/missing.parquet`: No such file or directory (os error 2)");
}

#[test]
fn a_python_script_is_not_parquet() {
    let error = read_to_end(Path::new("tests/data/make_fixtures.py")).unwrap_err();
    assert!(matches!(error, IoError::NotParquet { .. }), "{error:?}");
    insta::assert_snapshot!(chain(&error), @"`tests/data/make_fixtures.py` is not a readable Parquet file: Parquet error: Invalid Parquet file. Corrupt footer");
}

#[test]
fn truncated_files_are_not_parquet() {
    let bytes = std::fs::read("tests/data/kitchen_sink.parquet").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truncated.parquet");
    for keep in [0, 3, 8, bytes.len() / 2, bytes.len() - 9, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let error = read_to_end(&path).unwrap_err();
        assert!(
            matches!(error, IoError::NotParquet { .. }),
            "{keep}: {error:?}"
        );
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{keep}: {error}"
        );
    }
}

/// The `parquet` crate asserts on some damaged data rather than returning an
/// error; this overwrites bytes all over a valid file and checks that every
/// outcome is a clean read or an error naming the file. The listed offsets
/// hit such assertions in the fixture as committed.
#[test]
fn damaged_files_give_errors_not_panics() {
    let bytes = std::fs::read("tests/data/kitchen_sink.parquet").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.parquet");
    let known = [(2006, 0x00), (2118, 0x00), (2167, 0x00), (4169, 0xff)];
    let sweep = (4..bytes.len() - 8)
        .step_by(29)
        .flat_map(|at| [(at, 0x00), (at, 0xff)]);
    let mut errors = 0;
    for (at, value) in known.into_iter().chain(sweep) {
        let mut damaged = bytes.clone();
        damaged[at] = value;
        std::fs::write(&path, &damaged).unwrap();
        if let Err(error) = read_to_end(&path) {
            errors += 1;
            assert!(
                error.to_string().contains(&path.display().to_string()),
                "byte {at} = {value:#x}: {error}"
            );
        }
    }
    assert!(errors > 0, "no damage was detected at all");
}
