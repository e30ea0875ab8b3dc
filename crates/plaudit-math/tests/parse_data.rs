//! Every reference answer of MATH-500 and of the MATH test set parses and
//! equals itself and its own re-rendering.

use std::path::PathBuf;

use plaudit_math::{Equivalence, Policy, check, parse};

/// The reference answers of MATH-500 and of the MATH test set, as
/// `tests/data/make_reference_answers.py` extracted them.
fn answers(source: &str) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/reference_answers.jsonl");
    let text = std::fs::read_to_string(&path).expect("tests/data/reference_answers.jsonl");
    text.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON row"))
        .filter(|v| v["source"] == source)
        .map(|v| v["answer"].as_str().expect("an answer").to_owned())
        .collect()
}

struct Tally {
    total: usize,
    structured: usize,
    failures: Vec<String>,
}

fn tally(answers: impl Iterator<Item = String>) -> Tally {
    let policy = Policy::default();
    let mut t = Tally {
        total: 0,
        structured: 0,
        failures: Vec::new(),
    };
    for ans in answers {
        t.total += 1;
        match parse(&ans) {
            Ok(a) => {
                if !a.is_text() {
                    t.structured += 1;
                }
                let again = parse(&a.to_string());
                match again {
                    Ok(b) => {
                        let v = plaudit_math::compare(&a, &b, &policy);
                        if v.equivalence != Equivalence::Equal {
                            t.failures.push(format!(
                                "re-render not equal: {ans:?} -> {a} ({})",
                                v.reason
                            ));
                        }
                    }
                    Err(e) => t
                        .failures
                        .push(format!("re-render did not parse: {ans:?} -> {a}: {e}")),
                }
            }
            Err(e) => t.failures.push(format!("did not parse: {ans:?}: {e}")),
        }
        let v = check(&ans, &ans, &policy);
        if v.equivalence != Equivalence::Equal {
            t.failures
                .push(format!("not equal to itself: {ans:?} ({})", v.reason));
        }
    }
    t
}

#[test]
fn math500_answers_parse_and_equal_themselves() {
    let t = tally(answers("math500").into_iter());
    eprintln!(
        "math500: {}/{} parsed as structured math ({:.1}%)",
        t.structured,
        t.total,
        100.0 * t.structured as f64 / t.total as f64
    );
    assert_eq!(t.total, 500);
    assert!(
        t.failures.is_empty(),
        "{} failures:\n{}",
        t.failures.len(),
        t.failures.join("\n")
    );
}

#[test]
fn math_test_boxed_answers_parse_and_equal_themselves() {
    let t = tally(answers("math_test").into_iter());
    let pct = 100.0 * t.structured as f64 / t.total as f64;
    eprintln!(
        "math_test: {}/{} parsed as structured math ({pct:.2}%)",
        t.structured, t.total
    );
    for f in t.failures.iter().take(200) {
        eprintln!("{f}");
    }
    assert!(t.total >= 4900);
    assert!(pct >= 99.0, "only {pct:.2}% parsed as structured math");
    // Failures to parse fall back to text and still equal themselves; a small
    // number of exotic answers (prose, set-builder notation) is expected.
    assert!(
        t.failures.len() * 100 <= t.total,
        "{} failures",
        t.failures.len()
    );
}
