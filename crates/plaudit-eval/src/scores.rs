//! A score for every response: read from a scores file, or computed by a
//! reward spec.
//!
//! A scores file is JSONL, one row per item: `{"id": …, "scores": [s1, s2,
//! …]}`, one score per response in the dataset's order (chosen then
//! rejected, A then B, output_1 then output_2, RewardBench 2's chosen…
//! then rejected…). A `null` score is a missing one. The id is a string or
//! a number and matches the item's id as [`crate::data`] assigns it.
//!
//! A response without a score — a `null`, an item with no row, a row that
//! was rejected, a reward the spec could not compute — keeps its item out
//! of every metric, and the item is reported with the reason. It is never
//! counted as a 0.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::Path;

use plaudit_core::{Sample, json_type};
use plaudit_engine::Engine;
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use crate::data::read;
use crate::{Dataset, EvalError, RowError};

/// Scores for a dataset's responses.
#[derive(Debug, Clone)]
pub struct Scores {
    /// One per response, item after item ([`Dataset::offsets`]); NaN where
    /// there is none.
    pub values: Vec<f64>,
    /// Items without a complete set of scores, and why (by item index).
    pub missing: BTreeMap<usize, String>,
    /// Where the scores come from, for the report.
    pub source: String,
}

impl Scores {
    /// The scores of item `i`, or `None` when it lacks any.
    pub fn item<'a>(&'a self, offsets: &[usize], i: usize) -> Option<&'a [f64]> {
        if self.missing.contains_key(&i) {
            return None;
        }
        let s = &self.values[offsets[i]..offsets[i + 1]];
        s.iter().all(|v| v.is_finite()).then_some(s)
    }

    /// Scores read straight from per-item lists (tests, benchmarks, bindings).
    pub fn from_lists(dataset: &Dataset, lists: &[Vec<f64>], source: &str) -> Self {
        let mut values = Vec::new();
        let mut missing = BTreeMap::new();
        for (i, item) in dataset.items.iter().enumerate() {
            match lists.get(i) {
                Some(l) if l.len() == item.responses.len() => values.extend_from_slice(l),
                _ => {
                    values.extend(std::iter::repeat_n(f64::NAN, item.responses.len()));
                    missing.insert(i, "no scores given".to_owned());
                }
            }
        }
        Self {
            values,
            missing,
            source: source.to_owned(),
        }
    }
}

#[derive(Deserialize)]
struct FastRow {
    id: Value,
    scores: Vec<Option<f64>>,
}

/// Reads a scores file for `dataset`. A bad row is returned among the
/// errors (its item then counts as missing); the good rows are kept.
pub fn read_file(path: &Path, dataset: &Dataset) -> Result<(Scores, Vec<RowError>), EvalError> {
    let name = path.display().to_string();
    let bytes = read::read_bytes(path)?;
    let rows = read::split_rows(path, &bytes)?;
    let parsed: Vec<Result<ScoreRow, String>> =
        rows.par_iter().map(|r| parse_row(r.text)).collect();

    let index: HashMap<&str, usize> = dataset
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| (item.id.as_str(), i))
        .collect();
    let offsets = dataset.offsets();
    let mut values = vec![f64::NAN; offsets[offsets.len() - 1]];
    let mut row_of: Vec<Option<u32>> = vec![None; dataset.items.len()];
    let mut missing = BTreeMap::new();
    let mut errors = Vec::new();
    for (row, parsed) in rows.iter().zip(parsed) {
        let place = format!("{name}:{}", row.line);
        let fail = |message: String| RowError {
            place: place.clone(),
            message,
        };
        let (id, scores) = match parsed {
            Ok(p) => p,
            Err(message) => {
                errors.push(fail(message));
                continue;
            }
        };
        let Some(&i) = index.get(id.as_str()) else {
            errors.push(fail(format!("id `{id}` is not in the data")));
            continue;
        };
        if let Some(first) = row_of[i] {
            errors.push(fail(format!("id `{id}` repeats (first at {name}:{first})")));
            continue;
        }
        row_of[i] = Some(row.line);
        let expected = offsets[i + 1] - offsets[i];
        if scores.len() != expected {
            let message = format!(
                "field `scores`: {} values, but item `{id}` ({}) has {expected} responses",
                scores.len(),
                dataset.place(i)
            );
            missing.insert(i, format!("its scores row was rejected ({place})"));
            errors.push(fail(message));
            continue;
        }
        if let Some(j) = scores.iter().position(Option::is_none) {
            missing.insert(i, format!("score {j} is null ({place})"));
        }
        for (slot, s) in values[offsets[i]..offsets[i + 1]].iter_mut().zip(&scores) {
            *slot = s.unwrap_or(f64::NAN);
        }
    }
    for (i, row) in row_of.iter().enumerate() {
        if row.is_none() {
            missing
                .entry(i)
                .or_insert_with(|| format!("no row in {name}"));
        }
    }
    Ok((
        Scores {
            values,
            missing,
            source: format!("scores file {name}"),
        },
        errors,
    ))
}

/// A scores row: the id and one score (or null) per response.
type ScoreRow = (String, Vec<Option<f64>>);

fn parse_row(text: &[u8]) -> Result<ScoreRow, String> {
    if let Ok(row) = serde_json::from_slice::<FastRow>(text)
        && let Some(id) = crate::data::id_text(&row.id)
    {
        return Ok((id, row.scores));
    }
    // The slow path says exactly what is wrong.
    let value: Value =
        serde_json::from_slice(text).map_err(|e| match std::str::from_utf8(text) {
            Err(u) => format!("invalid UTF-8 at byte {} of the row", u.valid_up_to() + 1),
            Ok(_) => format!("malformed JSON: {e}"),
        })?;
    let Value::Object(map) = value else {
        return Err(format!(
            "expected a JSON object per row, found {}",
            json_type(&value)
        ));
    };
    let id = match map.get("id") {
        None | Some(Value::Null) => return Err("missing field `id`".to_owned()),
        Some(v) => crate::data::id_text(v).ok_or_else(|| {
            format!(
                "field `id`: expected a string or a number, found {}",
                json_type(v)
            )
        })?,
    };
    let list = match map.get("scores") {
        None => return Err("missing field `scores`".to_owned()),
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(format!(
                "field `scores`: expected a list of numbers, found {}",
                json_type(other)
            ));
        }
    };
    let mut scores = Vec::with_capacity(list.len());
    for (j, v) in list.iter().enumerate() {
        match v {
            Value::Null => scores.push(None),
            Value::Number(n) => scores.push(n.as_f64()),
            other => {
                return Err(format!(
                    "field `scores`[{j}]: expected a number or null, found {}",
                    json_type(other)
                ));
            }
        }
    }
    Ok((id, scores))
}

/// Scores every response with a reward spec, `batch` items at a time
/// (each item's responses share a group, for specs that normalize within
/// groups). `progress` hears how many items are done.
pub fn score_with_engine(
    engine: &Engine,
    dataset: &Dataset,
    batch: usize,
    mut progress: impl FnMut(usize),
) -> Scores {
    let mut values = Vec::new();
    let mut missing = BTreeMap::new();
    let batch = batch.max(1);
    for (chunk_index, chunk) in dataset.items.chunks(batch).enumerate() {
        let mut samples = Vec::new();
        for item in chunk {
            for (j, response) in item.responses.iter().enumerate() {
                samples.push(Sample {
                    id: format!("{}/{j}", item.id),
                    prompt: item.prompt.clone(),
                    response: response.clone(),
                    reference: item.meta.get("reference").filter(|r| !r.is_null()).cloned(),
                    group: Some(item.id.clone()),
                    meta: item.meta.clone(),
                });
            }
        }
        let scores = engine.score_batch(samples);
        let mut next = scores.iter();
        for (k, item) in chunk.iter().enumerate() {
            let i = chunk_index * batch + k;
            for j in 0..item.responses.len() {
                let reward = next.next().and_then(|s| {
                    match s.reward {
                        Some(r) if r.is_finite() => Ok(r),
                        _ => Err(s.error.clone().unwrap_or_else(|| "no reward".to_owned())),
                    }
                    .map_err(|e| {
                        missing
                            .entry(i)
                            .or_insert_with(|| format!("response {j}: {e}"));
                    })
                    .ok()
                });
                values.push(reward.unwrap_or(f64::NAN));
            }
        }
        progress(chunk.len());
    }
    Scores {
        values,
        missing,
        source: format!("spec {} ({})", engine.spec().name, engine.spec_hash()),
    }
}

/// Writes scores in the scores-file layout, so that a spec's run can be
/// compared with another later (`--compare`).
pub fn write_file(path: &Path, dataset: &Dataset, scores: &Scores) -> Result<(), EvalError> {
    let offsets = dataset.offsets();
    let file = std::fs::File::create(path).map_err(|e| EvalError::write(path, e))?;
    let mut out = std::io::BufWriter::new(file);
    for (i, item) in dataset.items.iter().enumerate() {
        let list: Vec<Option<f64>> = scores.values[offsets[i]..offsets[i + 1]]
            .iter()
            .map(|v| v.is_finite().then_some(*v))
            .collect();
        let row = serde_json::json!({"id": item.id, "scores": list});
        writeln!(out, "{row}").map_err(|e| EvalError::write(path, e))?;
    }
    out.flush().map_err(|e| EvalError::write(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_case::test_case;

    #[test_case(br#"{"id": 3, "scores": [1, 2.5]}"#, Ok(("3", vec![Some(1.0), Some(2.5)])))]
    #[test_case(br#"{"id": "a", "scores": [null, 1]}"#, Ok(("a", vec![None, Some(1.0)])))]
    #[test_case(br#"{"scores": [1, 2]}"#, Err("missing field `id`"))]
    #[test_case(br#"{"id": "a"}"#, Err("missing field `scores`"))]
    #[test_case(
        br#"{"id": [1], "scores": [1]}"#,
        Err("field `id`: expected a string or a number, found a list")
    )]
    #[test_case(
        br#"{"id": "a", "scores": [1, "x"]}"#,
        Err("field `scores`[1]: expected a number or null, found a string")
    )]
    #[test_case(
        br#"{"id": "a", "scores": 1}"#,
        Err("field `scores`: expected a list of numbers, found a number")
    )]
    #[test_case(br#"[1]"#, Err("expected a JSON object per row, found a list"))]
    fn rows(text: &[u8], expected: Result<(&str, Vec<Option<f64>>), &str>) {
        let got = parse_row(text);
        match expected {
            Ok((id, scores)) => assert_eq!(got, Ok((id.to_owned(), scores))),
            Err(message) => assert_eq!(got, Err(message.to_owned())),
        }
    }

    #[test]
    fn malformed_json_says_so() {
        let err = parse_row(b"{\"id\": 1, \"scores\": [1,").unwrap_err();
        assert!(
            err.starts_with("malformed JSON: EOF while parsing"),
            "{err}"
        );
    }
}
