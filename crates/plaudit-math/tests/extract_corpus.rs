//! Extraction over the labeled corpus (`corpus/math_corpus.jsonl`): every
//! verbatim row wraps the gold answer itself in one of the completion
//! templates, so the default options must extract exactly the gold.

use plaudit_math::extract::{ExtractOptions, extract_answer};
use serde::Deserialize;

#[derive(Deserialize)]
struct Row {
    id: String,
    gold: String,
    completion: String,
    variant: String,
    category: String,
}

fn corpus() -> Vec<Row> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/math_corpus.jsonl");
    let text = std::fs::read_to_string(path)
        .expect("corpus/math_corpus.jsonl (run corpus/build_corpus.py)");
    text.lines()
        .map(|line| serde_json::from_str(line).expect("a corpus row"))
        .collect()
}

#[test]
fn extract_gives_the_gold_on_verbatim_rows() {
    let opts = ExtractOptions::default();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for row in corpus() {
        if row.variant != "verbatim" || row.category == "adversarial" {
            continue;
        }
        checked += 1;
        // Cleaning drops a trailing period, which a few golds end with.
        let gold = row.gold.trim().trim_end_matches('.').trim();
        let found = extract_answer(&row.completion, &opts).map(|e| e.text);
        if found != Some(gold) {
            wrong.push(format!(
                "{}: gold {:?}, extracted {:?}",
                row.id, gold, found
            ));
        }
    }
    assert!(checked > 1000, "only {checked} verbatim rows");
    assert!(
        wrong.is_empty(),
        "{} of {checked} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn extract_spans_match_on_every_row() {
    let opts = ExtractOptions::default();
    for row in corpus() {
        if let Some(found) = extract_answer(&row.completion, &opts) {
            assert_eq!(
                &row.completion[found.span.clone()],
                found.text,
                "{}",
                row.id
            );
        }
    }
}
