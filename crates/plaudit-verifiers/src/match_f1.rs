//! `match.f1`: token overlap between the extracted answer and a reference.
//!
//! ## What it does
//!
//! Extracts the answer as `match.exact` does, normalizes it and each
//! reference answer the SQuAD way, splits both into tokens, and scores the
//! token F1 — the harmonic mean of precision (shared tokens / answer
//! tokens) and recall (shared tokens / reference tokens), counting repeated
//! tokens as many times as both sides have them — taking the best
//! reference. The value is in [0, 1].
//!
//! Details: `extracted`, `normalized`, and `best` (the reference with the
//! highest F1).
//!
//! ## Why
//!
//! F1 gives partial credit where exact match gives none ("Barack Obama" vs
//! "Obama"), a denser signal for QA and retrieval-augmented RL.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "f1"
//! kind = "match.f1"
//! extract = "answer_tag"
//! ```
//!
//! ## Edge cases
//!
//! - No usable reference: not applicable. No answer found: 0 with
//!   `extracted: null`.
//! - An answer or reference that normalizes to no tokens scores 1 against
//!   an equally empty one and 0 otherwise (SQuAD 2.0's `compute_f1`).
//! - Tokens are compared as a multiset by sorting, O(n log n) in the
//!   number of tokens.
//!
//! ## References
//!
//! - Rajpurkar et al., *SQuAD* (2016) and *SQuAD 2.0* (2018): the
//!   official `f1_score` / `compute_f1`.

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample};

use crate::deadline::{Ticker, timed_out};
use crate::extract::{Extract, Extractor, no_answer};
use crate::match_exact::default_answer_tag;
use crate::normalize::{squad_into, tokens};
use crate::reference::{self, NO_REFERENCE};
use crate::text::preview;

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "match.f1",
    summary: "SQuAD token F1 between the extracted answer and the best reference answer",
    version: 1,
    build,
};

/// The parameters of `match.f1`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the answer is (default `"response"`).
    #[serde(default)]
    pub extract: Extract,
    /// The tag of `extract = "answer_tag"` (default `"answer"`).
    #[serde(default = "default_answer_tag")]
    pub answer_tag: String,
}

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let config: Config = BuildError::parse_params(params)?;
    Ok(Box::new(MatchF1 {
        extractor: Extractor::build(&config.extract, &config.answer_tag)?,
    }))
}

#[derive(Debug)]
struct MatchF1 {
    extractor: Extractor,
}

/// Sorted tokens of a normalized string.
fn sorted_tokens(normalized: &str) -> Vec<&str> {
    let mut t: Vec<&str> = tokens(normalized).collect();
    t.sort_unstable();
    t
}

/// Token F1 of two sorted token lists.
fn f1(answer: &[&str], reference: &[&str]) -> f64 {
    if answer.is_empty() || reference.is_empty() {
        return f64::from(u8::from(answer.is_empty() && reference.is_empty()));
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < answer.len() && j < reference.len() {
        match answer[i].cmp(reference[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    if common == 0 {
        return 0.0;
    }
    let precision = common as f64 / answer.len() as f64;
    let recall = common as f64 / reference.len() as f64;
    2.0 * precision * recall / (precision + recall)
}

impl Aspect for MatchF1 {
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation {
        let Some(references) = reference::answers(sample) else {
            return Evaluation::not_applicable(NO_REFERENCE);
        };
        let Some(answer) = self.extractor.extract(sample.response.text()) else {
            return no_answer(&self.extractor);
        };
        let mut normalized = String::new();
        if !squad_into(answer, &mut normalized, &mut Ticker::new(cx)) {
            return timed_out(cx);
        }
        let answer_tokens = sorted_tokens(&normalized);
        let mut buf = String::new();
        let mut best = (0.0, 0);
        for (i, r) in references.iter().enumerate() {
            if !squad_into(r, &mut buf, &mut Ticker::new(cx)) {
                return timed_out(cx);
            }
            let score = f1(&answer_tokens, &sorted_tokens(&buf));
            if score > best.0 || i == 0 {
                best = (score, i);
            }
        }
        if !plaudit_core::details_wanted() {
            return Evaluation::scored(best.0);
        }
        Evaluation::scored(best.0)
            .with("extracted", preview(answer))
            .with("normalized", preview(&normalized))
            .with("best", references[best.1].as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::squad;
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::Duration;
    use test_case::test_case;

    fn run(params: Value, response: &str, reference: Value) -> Evaluation {
        let a = build(params.as_object().unwrap(), &BuildContext::default()).unwrap();
        let sample = Sample::new("s", response).with_reference(reference);
        a.evaluate(&sample, &Context::with_timeout(Duration::from_secs(1)))
    }

    // Expected values computed with SQuAD 2.0's compute_f1 in Python.
    #[test_case("Barack Obama", json!("Obama"), 2.0 / 3.0)]
    #[test_case("the cat sat", json!("a cat sat down"), 0.8)]
    #[test_case("a a b", json!("a b b"), 2.0 / 3.0; "articles are dropped")]
    #[test_case("x x y", json!("x y y"), 2.0 / 3.0; "repeated tokens count as a multiset")]
    #[test_case("Paris", json!(["London", "paris, france"]), 2.0 / 3.0)]
    #[test_case("The.", json!("a"), 1.0; "both empty")]
    #[test_case("", json!("x"), 0.0)]
    #[test_case("exactly this", json!("Exactly this!"), 1.0)]
    fn table(response: &str, reference: Value, expected: f64) {
        let v = run(json!({}), response, reference).outcome.value().unwrap();
        assert!((v - expected).abs() < 1e-12, "{v} != {expected}");
    }

    #[test]
    fn details_and_missing_inputs() {
        let e = run(json!({}), "paris", json!(["rome", "Paris France"]));
        assert_eq!(e.details["best"], "Paris France");
        let e = run(json!({"extract": "answer_tag"}), "paris", json!("paris"));
        assert_eq!(e.details["extracted"], Value::Null);
        let a = build(&Map::new(), &BuildContext::default()).unwrap();
        let e = a.evaluate(
            &Sample::new("s", "x"),
            &Context::with_timeout(Duration::from_secs(1)),
        );
        assert_eq!(e.outcome.status(), plaudit_core::Status::NotApplicable);
    }

    proptest! {
        #[test]
        fn within_range_and_symmetric(a in "[a-d ]{0,20}", b in "[a-d ]{0,20}") {
            let (na, nb) = (squad(&a), squad(&b));
            let (ta, tb) = (sorted_tokens(&na), sorted_tokens(&nb));
            let x = f1(&ta, &tb);
            prop_assert!((0.0..=1.0).contains(&x));
            prop_assert!((x - f1(&tb, &ta)).abs() < 1e-12);
            prop_assert_eq!(f1(&ta, &ta), 1.0);
        }

        #[test]
        fn never_panics(response in any::<String>(), reference in any::<String>()) {
            let v = run(json!({}), &response, json!(reference)).outcome.value().unwrap();
            prop_assert!((0.0..=1.0).contains(&v));
        }
    }
}
