//! Reading the committed fixtures (made by `tests/data/make_fixtures.py`).
#![cfg(feature = "parquet")]

use std::collections::BTreeSet;
use std::path::Path;

use plaudit_io::parquet_rows;
use serde_json::{Map, Value, json};

fn read_all(name: &str) -> Vec<Map<String, Value>> {
    let path = Path::new("tests/data").join(name);
    parquet_rows(&path)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

const INSTRUCTION: &str = "Let's think step by step and output the final answer after \"####\".";

#[test]
fn gsm8k_row_zero_has_verls_layout() {
    let rows = read_all("gsm8k_verl.parquet");
    let question = "Janet\u{2019}s ducks lay 16 eggs per day. She eats three for breakfast every \
        morning and bakes muffins for her friends every day with four. She sells the remainder at \
        the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make \
        every day at the farmers' market?";
    let answer = "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = \
        $<<9*2=18>>18 every day at the farmer\u{2019}s market.\n#### 18";
    let expected = json!({
        "data_source": "openai/gsm8k",
        "prompt": [{"role": "user", "content": format!("{question} {INSTRUCTION}")}],
        "ability": "math",
        "reward_model": {"style": "rule", "ground_truth": "18"},
        "extra_info": {"split": "test", "index": 0, "answer": answer, "question": question},
        "response": "<think>\nJanet sells 16 - 3 - 4 = 9 duck eggs a day.\nShe makes 9 * 2 = $18 \
            every day at the farmer\u{2019}s market.\n</think>\n<answer>18</answer>",
    });
    assert_eq!(Value::Object(rows[0].clone()), expected);
}

#[test]
fn gsm8k_rows_stream_in_order_with_every_column() {
    let path = Path::new("tests/data/gsm8k_verl.parquet");
    let rows = parquet_rows(path).unwrap();
    assert_eq!(rows.len_hint(), 50);
    let mut count = 0;
    for (i, row) in rows.enumerate() {
        let row = row.unwrap();
        let keys: BTreeSet<&str> = row.keys().map(String::as_str).collect();
        let columns = [
            "data_source",
            "prompt",
            "ability",
            "reward_model",
            "extra_info",
            "response",
        ];
        assert_eq!(keys, BTreeSet::from(columns), "row {i}");
        assert_eq!(row["extra_info"]["index"], json!(i), "row {i}");
        assert_eq!(row["extra_info"]["split"], "test");
        assert_eq!(row["prompt"][0]["role"], "user");
        let content = row["prompt"][0]["content"].as_str().unwrap();
        assert!(content.ends_with(INSTRUCTION), "row {i}: {content}");
        let truth = row["reward_model"]["ground_truth"].as_str().unwrap();
        assert!(
            row["extra_info"]["answer"]
                .as_str()
                .unwrap()
                .replace(',', "")
                .ends_with(&format!("#### {truth}")),
            "row {i}"
        );
        count += 1;
    }
    assert_eq!(count, 50);
}

#[test]
fn gsm8k_responses_cover_right_wrong_and_malformed() {
    let rows = read_all("gsm8k_verl.parquet");
    let response = |i: usize| rows[i]["response"].as_str().unwrap();
    let truth = |i: usize| rows[i]["reward_model"]["ground_truth"].as_str().unwrap();
    assert_eq!(truth(2), "70000");
    assert!(response(2).ends_with("\n#### 70000"));
    assert_eq!(truth(3), "540");
    assert!(response(3).ends_with("</think>\n<answer>541</answer>"));
    assert!(response(4).starts_with("<think>\n") && !response(4).contains("</think>"));
    assert!(response(5).ends_with("The answer is 65."));
}

#[test]
fn kitchen_sink_converts_every_type() {
    let path = Path::new("tests/data/kitchen_sink.parquet");
    let rows = parquet_rows(path).unwrap();
    assert_eq!((rows.len_hint(), rows.num_row_groups()), (4, 2));
    let rows: Vec<Value> = rows.map(|row| Value::Object(row.unwrap())).collect();
    let expected = [
        json!({
            "id": 0, "i8": -128, "u16": 0, "u64": 0u64, "i64": i64::MIN,
            "f16": 1.5, "f32": 0.5, "f64": 0.1, "flag": true,
            "text": "plain", "bin": "hello",
            "day": "2024-03-01", "t_ms": "12:34:56.789", "t_us": "12:34:56.789012",
            "ts_ms_utc": "2024-03-01T12:34:56.789Z",
            "ts_us_naive": "2024-03-01T12:34:56.789012",
            "ts_ns_utc": "2024-03-01T12:34:56.789012345Z",
            "price": "12.34",
            "tags": ["a", "b"],
            "matrix": [[1, 2], [3]],
            "attrs": {"x": 1, "y": 2},
            "meta": {"a": 1, "b": {"c": "deep"}},
            "msgs": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
            "category": "red",
        }),
        json!({
            "id": 1, "i8": 127, "u16": 65535, "u64": u64::MAX, "i64": i64::MAX,
            // NaN and infinities have no JSON form.
            "f16": null, "f32": null, "f64": null, "flag": false,
            "text": "ünïcødé ✓",
            // Not UTF-8, so base64.
            "bin": "/wAB",
            "day": "1969-12-31", "t_ms": null, "t_us": null,
            "ts_ms_utc": null, "ts_us_naive": null, "ts_ns_utc": null,
            "price": "-0.05",
            "tags": [],
            "matrix": [[]],
            "attrs": {},
            "meta": {"a": null, "b": null},
            "msgs": [],
            "category": "blue",
        }),
        json!({
            "id": 2, "i8": null, "u16": 7, "u64": null, "i64": null,
            "f16": null, "f32": null, "f64": null, "flag": null,
            "text": null, "bin": null,
            "day": null, "t_ms": "00:00:00.000", "t_us": "00:00:00.000000",
            "ts_ms_utc": "1969-12-31T23:59:59.500Z",
            "ts_us_naive": "2000-02-29T00:00:00.000000",
            "ts_ns_utc": "1970-01-01T00:00:00.000000000Z",
            "price": null,
            "tags": null,
            "matrix": null,
            "attrs": null,
            "meta": null,
            "msgs": null,
            "category": "red",
        }),
        json!({
            "id": 3, "i8": 0, "u16": null, "u64": 42, "i64": 5,
            "f16": -0.25, "f32": -1.25, "f64": null, "flag": true,
            "text": "", "bin": "",
            "day": "1970-01-01", "t_ms": "23:59:59.999", "t_us": "23:59:59.999999",
            "ts_ms_utc": "1970-01-01T00:00:00.000Z",
            "ts_us_naive": "1900-01-01T00:00:00.000001",
            "ts_ns_utc": "1969-12-31T23:59:59.999999999Z",
            "price": "0.00",
            "tags": ["c", null],
            "matrix": [null, [4]],
            "attrs": {"z": null},
            "meta": {"a": 4, "b": {"c": null}},
            "msgs": [{"role": "assistant", "content": null}],
            "category": null,
        }),
    ];
    for (i, (row, expected)) in rows.iter().zip(&expected).enumerate() {
        assert_eq!(row, expected, "row {i}");
    }
    assert_eq!(rows.len(), expected.len());
}
