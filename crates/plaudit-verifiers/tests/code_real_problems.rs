//! `code.tests` on real problems, in the real sandbox: HumanEval's 164
//! canonical solutions, MBPP's and CodeContests' (solutions written for
//! them), and mutants of each, against the verdicts of an independent
//! oracle (plain Python running each problem's own full tests; see
//! `tests/data/code/README.md`).
//!
//! The problems and the responses with their verdicts are in
//! `tests/data/code` (see its README). Needs root
//! for the sandbox: skips with a message otherwise, fails instead when
//! `PLAUDIT_REQUIRE_SANDBOX=1`.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use plaudit_core::{Context, Sample, Status};
use serde_json::{Value, json};

/// The problems, copied (gzipped, with their licenses) from the shared
/// data so the test runs wherever the repository does.
fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/code")
}

fn gunzip(name: &str) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(data().join(name)).expect(name))
        .read_to_string(&mut text)
        .expect("gunzip");
    text
}

fn sandbox_ok() -> bool {
    match plaudit_sandbox::probe().namespaces {
        Ok(()) => true,
        Err(why) => {
            if std::env::var_os("PLAUDIT_REQUIRE_SANDBOX").is_some_and(|v| v == "1") {
                panic!("PLAUDIT_REQUIRE_SANDBOX=1 but the sandbox is unavailable: {why}");
            }
            eprintln!("skipping: {why}");
            false
        }
    }
}

fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

/// Every problem's reference, keyed by (source, id).
fn references() -> HashMap<(String, String), Value> {
    let mut refs = HashMap::new();
    for row in jsonl(&gunzip("humaneval.jsonl.gz")) {
        let reference = json!({"language": "python", "entry_point": row["entry_point"], "check": row["test"], "prelude": row["prompt"]});
        refs.insert(
            (
                "humaneval".into(),
                row["task_id"].as_str().expect("id").to_owned(),
            ),
            reference,
        );
    }
    for row in jsonl(&gunzip("sandboxfusion-code_eval_mbpp.jsonl.gz")) {
        let mut reference = json!({"language": "python", "asserts": row["test_list"]});
        let setup = row["labels"]["test_setup_code"].as_str().unwrap_or("");
        if !setup.trim().is_empty() {
            reference["setup"] = setup.into();
        }
        refs.insert(("mbpp".into(), row["id"].to_string()), reference);
    }
    for row in jsonl(&gunzip("sandboxfusion-code_eval_code_contests.jsonl.gz")) {
        let tests: Value =
            serde_json::from_str(row["test"].as_str().expect("tests string")).expect("tests json");
        refs.insert(
            ("codecontests".into(), row["id"].to_string()),
            json!({"language": "python", "tests": tests}),
        );
    }
    refs
}

#[test]
fn verdicts_agree_with_the_oracle_on_real_problems() {
    if !sandbox_ok() {
        return;
    }
    let refs = references();
    let fixtures = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/code/fixtures.jsonl"),
    )
    .expect("fixtures");
    let rows = jsonl(&fixtures);
    let spec = json!({"reward": "all", "test_timeout_ms": 10000});
    let aspect = (plaudit_verifiers::code::ENTRY.build)(
        spec.as_object().expect("object"),
        &Default::default(),
    )
    .expect("builds");

    let samples: Vec<(Value, Sample)> = rows
        .iter()
        .map(|row| {
            let key = (
                row["source"].as_str().expect("source").to_owned(),
                row["id"].as_str().expect("id").to_owned(),
            );
            let reference = refs
                .get(&key)
                .unwrap_or_else(|| panic!("no problem {key:?}"))
                .clone();
            let sample = Sample::new(
                format!("{}:{}", key.1, row["variant"]),
                row["response"].as_str().expect("response"),
            )
            .with_reference(reference);
            (row.clone(), sample)
        })
        .collect();
    let outcomes: Vec<_> = std::thread::scope(|s| {
        let chunks: Vec<_> = samples.chunks(samples.len().div_ceil(4)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let aspect = &aspect;
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|(_, sample)| {
                            aspect
                                .evaluate(sample, &Context::with_timeout(Duration::from_secs(120)))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect()
    });

    let mut disagreements = Vec::new();
    let mut unjudged = Vec::new();
    let mut agreed = 0;
    for ((row, sample), evaluation) in samples.iter().zip(&outcomes) {
        let expected = row["expected_pass"].as_bool().expect("expected_pass");
        match evaluation.outcome.status() {
            Status::Scored => {
                let passed = evaluation.outcome.value() == Some(1.0);
                if passed == expected {
                    agreed += 1;
                } else {
                    disagreements.push(format!(
                        "{}: expected pass={expected}, got {:?}",
                        sample.id, evaluation.details
                    ));
                }
            }
            _ => unjudged.push(format!(
                "{}: {:?} {:?}",
                sample.id,
                evaluation.outcome,
                evaluation.details.get("unconverted")
            )),
        }
    }
    eprintln!(
        "{agreed} of {} agree; {} unjudged",
        rows.len(),
        unjudged.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    // Every response is judged: HumanEval's suites with loops over
    // generated inputs (32, 38, 44, 50, 53, 151) or with the function on both
    // sides of `==` (33) by replay, the rest by converted call tests.
    assert!(unjudged.is_empty(), "{unjudged:#?}");
    assert_eq!(agreed, rows.len());
}
