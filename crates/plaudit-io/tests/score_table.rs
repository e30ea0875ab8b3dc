//! Writing score tables and reading them back.
#![cfg(feature = "parquet")]

use std::borrow::Cow;
use std::fs::File;
use std::path::Path;

use parquet::basic::Compression;
use parquet::file::reader::{FileReader, SerializedFileReader};
use plaudit_io::{AspectCell, IoError, ScoreRow, ScoreTableWriter, parquet_rows};
use serde_json::{Value, json};

fn aspect_names() -> Vec<String> {
    vec!["math".to_owned(), "format".to_owned()]
}

fn cell(status: &'static str, value: Option<f64>, details: Option<&str>) -> AspectCell {
    AspectCell {
        status: Cow::Borrowed(status),
        value,
        detail_json: details.map(str::to_owned),
    }
}

fn read_back(path: &Path) -> Vec<Value> {
    parquet_rows(path)
        .unwrap()
        .map(|row| Value::Object(row.unwrap()))
        .collect()
}

/// A row whose fields all derive from `i`, for tests that only care about order.
fn numbered(i: usize) -> ScoreRow {
    ScoreRow {
        id: format!("sample-{i}"),
        reward: Some(i as f64),
        raw_reward: None,
        error: None,
        aspects: vec![
            cell("scored", Some(i as f64), None),
            cell("not_applicable", None, None),
        ],
    }
}

#[test]
fn score_table_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scores.parquet");
    let rows = [
        ScoreRow {
            id: "gsm8k-0".to_owned(),
            reward: Some(1.0),
            raw_reward: Some(2.0),
            error: None,
            aspects: vec![
                cell("scored", Some(1.0), Some(r#"{"extracted":"18"}"#)),
                cell("scored", Some(0.5), None),
            ],
        },
        ScoreRow {
            id: "gsm8k-1".to_owned(),
            reward: None,
            raw_reward: None,
            error: Some("aspect `math` failed".to_owned()),
            aspects: vec![
                cell(
                    "failed",
                    None,
                    Some(r#"{"error":"no number in the response"}"#),
                ),
                AspectCell {
                    status: Cow::Owned("timed_out".to_owned()),
                    value: None,
                    detail_json: Some(r#"{"after_ms":500}"#.to_owned()),
                },
            ],
        },
        ScoreRow {
            id: "ünï ✓".to_owned(),
            reward: Some(-0.25),
            // Non-finite numbers are stored, and read back as null.
            raw_reward: Some(f64::NAN),
            error: None,
            aspects: vec![
                cell("not_applicable", None, None),
                cell("scored", Some(0.0), Some("{}")),
            ],
        },
    ];
    let mut writer = ScoreTableWriter::create(&path, &aspect_names()).unwrap();
    writer.write_batch(&rows).unwrap();
    writer.finish().unwrap();

    let expected = [
        json!({
            "id": "gsm8k-0", "reward": 1.0, "raw_reward": 2.0, "error": null,
            "math.status": "scored", "math.value": 1.0, "math.details": r#"{"extracted":"18"}"#,
            "format.status": "scored", "format.value": 0.5, "format.details": null,
        }),
        json!({
            "id": "gsm8k-1", "reward": null, "raw_reward": null, "error": "aspect `math` failed",
            "math.status": "failed", "math.value": null,
            "math.details": r#"{"error":"no number in the response"}"#,
            "format.status": "timed_out", "format.value": null, "format.details": r#"{"after_ms":500}"#,
        }),
        json!({
            "id": "ünï ✓", "reward": -0.25, "raw_reward": null, "error": null,
            "math.status": "not_applicable", "math.value": null, "math.details": null,
            "format.status": "scored", "format.value": 0.0, "format.details": "{}",
        }),
    ];
    assert_eq!(read_back(&path), expected);
}

#[test]
fn schema_is_flat_typed_and_compressed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scores.parquet");
    let mut writer = ScoreTableWriter::create(&path, &aspect_names()).unwrap();
    writer.write_batch(&[numbered(0)]).unwrap();
    writer.finish().unwrap();

    let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
    let mut schema = Vec::new();
    parquet::schema::printer::print_schema(&mut schema, reader.metadata().file_metadata().schema());
    insta::assert_snapshot!(String::from_utf8(schema).unwrap(), @r"
    message plaudit_scores {
      REQUIRED BYTE_ARRAY id (STRING);
      OPTIONAL DOUBLE reward;
      OPTIONAL DOUBLE raw_reward;
      OPTIONAL BYTE_ARRAY error (STRING);
      REQUIRED BYTE_ARRAY math.status (STRING);
      OPTIONAL DOUBLE math.value;
      OPTIONAL BYTE_ARRAY math.details (STRING);
      REQUIRED BYTE_ARRAY format.status (STRING);
      OPTIONAL DOUBLE format.value;
      OPTIONAL BYTE_ARRAY format.details (STRING);
    }
    ");
    for column in reader.metadata().row_group(0).columns() {
        assert!(
            matches!(column.compression(), Compression::ZSTD(_)),
            "{}: {:?}",
            column.column_path(),
            column.compression()
        );
    }
}

#[test]
fn small_row_groups_stream_back_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scores.parquet");
    let mut writer = ScoreTableWriter::create(&path, &aspect_names())
        .unwrap()
        .with_row_group_rows(3);
    let rows: Vec<ScoreRow> = (0..10).map(numbered).collect();
    // Batch boundaries deliberately straddle row-group boundaries.
    for batch in [&rows[..4], &rows[4..5], &rows[5..]] {
        writer.write_batch(batch).unwrap();
    }
    writer.finish().unwrap();

    let read = parquet_rows(&path).unwrap();
    assert_eq!((read.len_hint(), read.num_row_groups()), (10, 4));
    let mut ids = Vec::new();
    for (i, row) in read.enumerate() {
        let row = row.unwrap();
        assert_eq!(row["reward"], json!(i as f64));
        assert_eq!(row["math.value"], json!(i as f64));
        ids.push(row["id"].as_str().unwrap().to_owned());
    }
    let expected: Vec<String> = (0..10).map(|i| format!("sample-{i}")).collect();
    assert_eq!(ids, expected);
}

#[test]
fn a_row_with_the_wrong_cells_rejects_its_batch_and_the_writer_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scores.parquet");
    let mut writer = ScoreTableWriter::create(&path, &aspect_names()).unwrap();
    writer.write_batch(&[numbered(0)]).unwrap();

    let mut short = numbered(2);
    short.aspects.pop();
    let error = writer.write_batch(&[numbered(1), short]).unwrap_err();
    assert!(
        matches!(error, IoError::AspectCount { row: 2, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "`{}`: row 2 (id `sample-2`) has 1 aspect cells, the table has 2 aspects",
            path.display()
        )
    );

    writer.write_batch(&[numbered(3)]).unwrap();
    writer.finish().unwrap();
    let ids: Vec<Value> = read_back(&path)
        .iter()
        .map(|row| row["id"].clone())
        .collect();
    assert_eq!(ids, [json!("sample-0"), json!("sample-3")]);
}

#[test]
fn aspect_names_must_be_unique_and_non_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scores.parquet");
    for (names, reason) in [
        (vec!["math", "format", "math"], "it is given twice"),
        (vec![""], "it is empty"),
    ] {
        let names: Vec<String> = names.into_iter().map(str::to_owned).collect();
        let error = ScoreTableWriter::create(&path, &names).unwrap_err();
        match error {
            IoError::AspectName { reason: got, .. } => assert_eq!(got, reason),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_table_without_rows_or_aspects_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scores.parquet");
    ScoreTableWriter::create(&path, &[])
        .unwrap()
        .finish()
        .unwrap();
    let rows = parquet_rows(&path).unwrap();
    assert_eq!((rows.len_hint(), rows.num_row_groups()), (0, 0));
    assert_eq!(rows.count(), 0);
}

#[test]
fn creating_in_a_missing_directory_names_the_path() {
    let path = Path::new("tests/data/no-such-dir/scores.parquet");
    let error = ScoreTableWriter::create(path, &aspect_names()).unwrap_err();
    assert!(matches!(error, IoError::Create { .. }), "{error:?}");
    insta::assert_snapshot!(error, @"cannot create `tests/data/no-such-dir/scores.parquet`");
}
