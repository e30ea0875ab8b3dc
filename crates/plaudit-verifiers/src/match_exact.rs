//! `match.exact`: the extracted answer equals a reference answer.
//!
//! ## What it does
//!
//! Extracts the answer from the response (`extract`, see
//! [`crate::extract`]; default the whole response), normalizes it and every
//! acceptable reference answer as SQuAD does (lowercase, drop ASCII
//! punctuation, drop the articles *a*, *an*, *the*, collapse whitespace),
//! and scores 1 when the answer equals any reference, else 0. The
//! reference is the sample's `reference`: a string, a number, or a list of
//! them (any one is accepted). With `normalize = false` the comparison is
//! byte for byte after trimming surrounding whitespace.
//!
//! Details: `extracted` (the answer, cut to about 200 bytes), `normalized`
//! (its normalized form, when normalizing) and `matched` (the reference it
//! equals, or null).
//!
//! ## Why
//!
//! Exact match is the reward of short-answer QA (SQuAD, TriviaQA,
//! Natural Questions, HotpotQA as used by Search-R1) and the cheapest
//! correctness check there is. Normalization forgives what does not change
//! the answer (case, a trailing period, "the").
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "em"
//! kind = "match.exact"
//! extract = "answer_tag"
//! ```
//!
//! ## Edge cases
//!
//! - No usable reference (absent, null, an object): not applicable.
//! - No answer found by the extraction: 0 with `extracted: null`.
//! - Normalization can empty a string ("The."): two empty forms are equal,
//!   as in the SQuAD script.
//! - Numbers are compared as text: `1,000` normalizes to `1000`, but `1e3`
//!   does not equal `1000`; use a math aspect for numeric equivalence.
//!
//! ## References
//!
//! - Rajpurkar et al., *SQuAD* (2016), and its official evaluation script
//!   (`normalize_answer`, `exact_match_score`).
//! - Jin et al., *Search-R1* (2025): exact match as the RL reward.

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{
    Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample, details_wanted,
};

use crate::deadline::{Ticker, timed_out};
use crate::extract::{Extract, Extractor, no_answer};
use crate::normalize::squad_into;
use crate::reference::{self, NO_REFERENCE};
use crate::text::{preview, preview_owned};

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "match.exact",
    summary: "the extracted answer equals a reference answer after SQuAD normalization",
    version: 1,
    build,
};

/// The parameters of `match.exact`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the answer is (default `"response"`).
    #[serde(default)]
    pub extract: Extract,
    /// The tag of `extract = "answer_tag"` (default `"answer"`).
    #[serde(default = "default_answer_tag")]
    pub answer_tag: String,
    /// Whether to compare SQuAD-normalized forms (default `true`); `false`
    /// compares trimmed bytes.
    #[serde(default = "yes")]
    pub normalize: bool,
}

pub(crate) fn default_answer_tag() -> String {
    "answer".into()
}

pub(crate) fn yes() -> bool {
    true
}

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let config: Config = BuildError::parse_params(params)?;
    Ok(Box::new(MatchExact {
        extractor: Extractor::build(&config.extract, &config.answer_tag)?,
        normalize: config.normalize,
    }))
}

#[derive(Debug)]
struct MatchExact {
    extractor: Extractor,
    normalize: bool,
}

impl Aspect for MatchExact {
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation {
        let Some(references) = reference::answers(sample) else {
            return Evaluation::not_applicable(NO_REFERENCE);
        };
        let Some(answer) = self.extractor.extract(sample.response.text()) else {
            return no_answer(&self.extractor);
        };
        let (matched, normalized) = if self.normalize {
            let mut normalized = String::new();
            if !squad_into(answer, &mut normalized, &mut Ticker::new(cx)) {
                return timed_out(cx);
            }
            let mut buf = String::new();
            let mut matched = None;
            for (i, r) in references.iter().enumerate() {
                if !squad_into(r, &mut buf, &mut Ticker::new(cx)) {
                    return timed_out(cx);
                }
                if buf == normalized {
                    matched = Some(i);
                    break;
                }
            }
            (matched, Some(normalized))
        } else {
            (references.iter().position(|r| r.trim() == answer), None)
        };
        let value = f64::from(u8::from(matched.is_some()));
        if !details_wanted() {
            return Evaluation::scored(value);
        }
        let mut e = Evaluation::scored(value)
            .with_room(2 + usize::from(normalized.is_some()))
            .with("extracted", preview(answer));
        if let Some(normalized) = normalized {
            e = e.with("normalized", preview_owned(normalized));
        }
        e.with(
            "matched",
            matched.map(|i| Value::from(references[i].as_ref())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::Duration;
    use test_case::test_case;

    fn run(params: Value, response: &str, reference: Option<Value>) -> Evaluation {
        let a = build(params.as_object().unwrap(), &BuildContext::default()).unwrap();
        let mut sample = Sample::new("s", response);
        sample.reference = reference;
        a.evaluate(&sample, &Context::with_timeout(Duration::from_secs(1)))
    }

    #[test_case(json!({}), "The Eiffel Tower.", json!("eiffel tower"), 1.0)]
    #[test_case(json!({}), "Eiffel", json!("eiffel tower"), 0.0)]
    #[test_case(json!({}), "1,000", json!(1000), 1.0)]
    #[test_case(json!({}), "Paris", json!(["London", "paris!"]), 1.0)]
    #[test_case(json!({}), "true", json!(true), 1.0)]
    #[test_case(json!({"normalize": false}), " Paris\n", json!("Paris"), 1.0)]
    #[test_case(json!({"normalize": false}), "paris", json!("Paris"), 0.0)]
    #[test_case(json!({"normalize": false}), "Paris", json!("  Paris "), 1.0)]
    #[test_case(json!({"extract": "answer_tag"}), "<think>Rome?</think><answer>Paris</answer>", json!("Paris"), 1.0)]
    #[test_case(json!({"extract": "answer_tag", "answer_tag": "a"}), "<a>x</a>", json!("X"), 1.0)]
    #[test_case(json!({"extract": "boxed"}), r"so \boxed{42}.", json!("42"), 1.0)]
    #[test_case(json!({"extract": "gsm8k"}), "3 + 4 = 7\n#### 7", json!("7"), 1.0)]
    #[test_case(json!({"extract": {"regex": r"Answer:\s*(.+)"}}), "Answer: 4\nAnswer: 5", json!("5"), 1.0)]
    fn table(params: Value, response: &str, reference: Value, expected: f64) {
        let e = run(params, response, Some(reference));
        assert_eq!(e.outcome.value(), Some(expected), "{e:?}");
    }

    #[test]
    fn details_show_what_was_compared() {
        let e = run(
            json!({"extract": "boxed"}),
            r"\boxed{The Answer}",
            Some(json!(["x", "answer"])),
        );
        assert_eq!(e.details["extracted"], "The Answer");
        assert_eq!(e.details["normalized"], "answer");
        assert_eq!(e.details["matched"], "answer");
        let e = run(json!({}), "no", Some(json!("yes")));
        assert_eq!(e.details["matched"], Value::Null);
    }

    #[test]
    fn missing_reference_or_answer() {
        let e = run(json!({}), "x", None);
        assert_eq!(e.outcome.status(), plaudit_core::Status::NotApplicable);
        let e = run(json!({}), "x", Some(json!({"answer": "x"})));
        assert_eq!(e.outcome.status(), plaudit_core::Status::NotApplicable);
        let e = run(json!({"extract": "boxed"}), "42", Some(json!("42")));
        assert_eq!(e.outcome.value(), Some(0.0));
        assert_eq!(e.details["extracted"], Value::Null);
        assert_eq!(e.details["reason"], "no answer found by `boxed` extraction");
    }

    #[test]
    fn bad_params_are_build_errors() {
        let params = json!({"normalise": true});
        let err = build(params.as_object().unwrap(), &BuildContext::default()).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `normalise`"),
            "{err}"
        );
        let params = json!({"extract": {"regex": "("}});
        let err = build(params.as_object().unwrap(), &BuildContext::default()).unwrap_err();
        assert_eq!(err.field(), Some("extract.regex"));
    }

    #[test]
    fn stops_at_the_deadline() {
        let a = build(&Map::new(), &BuildContext::default()).unwrap();
        let sample = Sample::new("s", "word ".repeat(100_000)).with_reference(json!("x"));
        let e = a.evaluate(&sample, &Context::with_timeout(Duration::ZERO));
        assert_eq!(e.outcome.status(), plaudit_core::Status::TimedOut);
    }

    proptest! {
        #[test]
        fn an_answer_matches_itself(s in "\\PC{0,40}") {
            let e = run(json!({}), &s, Some(json!(s.clone())));
            prop_assert_eq!(e.outcome.value(), Some(1.0));
            let e = run(json!({"normalize": false}), &s, Some(json!(s.clone())));
            prop_assert_eq!(e.outcome.value(), Some(1.0));
        }

        #[test]
        fn never_panics_and_is_binary(response in any::<String>(), reference in any::<String>()) {
            let v = run(json!({"extract": "boxed"}), &response, Some(json!(reference))).outcome.value();
            prop_assert!(v == Some(0.0) || v == Some(1.0));
        }
    }
}
