//! `math.equivalent`: the completion's final answer is mathematically
//! equivalent to the reference.
//!
//! ## What it does
//!
//! Finds the final answer in the response (by default the last
//! `\boxed{…}`, then "the final answer is …", then an `Answer:` line, then
//! `#### …`; a `<think>` block is skipped), reads the reference (an answer,
//! or a whole solution ending in `\boxed{…}` or `#### …`), and compares the
//! two as math: exact rational arithmetic where values are exact, certified
//! numeric comparison where they are not, random points for expressions with
//! variables, and structure for sets, tuples, intervals, matrices and
//! equations. Value 1 when equivalent to a reference answer (a list of
//! references accepts any of them), 0 otherwise.
//!
//! ## Why
//!
//! Math is the most used verifiable reward, and both of its usual failure
//! modes teach the policy the wrong lesson: a string match marks `0.5`
//! wrong against `\frac12`, and a loose numeric match marks `13534` right
//! against `13535`. This aspect is bounded by construction (caps on size,
//! depth, exponents and a step budget), so no answer can hang a training
//! run.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "correct"
//! kind = "math.equivalent"
//! extract = ["boxed", "final_answer"]   # default: boxed, final_answer, answer_line, hashes
//! skip_think = true
//! policy = { percent_as_fraction = false }   # 50% is 50, not 0.5
//! ```
//!
//! ## Outcomes and details
//!
//! - No reference (a string, a number or a list of them): not applicable.
//! - No final answer in the response: 0, with `extracted: null` and a
//!   `reason`.
//! - Equivalent: 1; not equivalent to any reference: 0. Details: `extracted`
//!   (the answer as found), `method` (how), `answer` and `gold` (both as
//!   parsed), `reason`.
//! - Undecidable for every reference (the reference does not parse, or a
//!   value exceeds the caps): failed, with the reason — never a silent 0.
//!
//! ## References
//!
//! - Hendrycks et al., *Measuring Mathematical Problem Solving With the MATH
//!   Dataset* (2021): `\boxed{}` answers; Lewkowycz et al., *Minerva* (2022):
//!   "The final answer is"; Yu et al., *DAPO* (2025): `Answer:`; Cobbe et al.,
//!   *GSM8K* (2021): `####`.
//! - Hugging Face Math-Verify: the tool this aspect is measured against.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample};

use crate::extract::{ExtractOptions, Extracted, Method, extract_answer};
use crate::verify::reference_answer;
use crate::{Equivalence, Policy, Verdict, check};

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "math.equivalent",
    summary: "the final answer (\\boxed{}, \"final answer is\", Answer:, ####) is mathematically equivalent to the reference",
    version: 1,
    build,
};

/// Adds `math.equivalent` to a registry.
pub fn register(registry: &mut plaudit_core::Registry) {
    registry.register(ENTRY);
}

/// The parameters of `math.equivalent`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where to look for the answer, in order (default `["boxed",
    /// "final_answer", "answer_line", "hashes"]`).
    #[serde(default = "default_order")]
    pub extract: Vec<Method>,
    /// Ignore everything up to the last `</think>` (default `true`).
    #[serde(default = "yes")]
    pub skip_think: bool,
    /// How answers compare (see [`Policy`]).
    #[serde(default)]
    pub policy: Policy,
}

fn default_order() -> Vec<Method> {
    ExtractOptions::default().order
}

fn yes() -> bool {
    true
}

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let c: Config = BuildError::parse_params(params)?;
    if c.extract.is_empty() {
        return Err(BuildError::param(
            "extract",
            "extract must name at least one method (boxed, final_answer, answer_line, hashes, last_number)",
        ));
    }
    let tried = c
        .extract
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Box::new(MathEquivalent {
        extract: ExtractOptions {
            order: c.extract,
            skip_think: c.skip_think,
        },
        policy: c.policy,
        no_answer: format!("no final answer found (looked for: {tried})"),
    }))
}

#[derive(Debug)]
struct MathEquivalent {
    extract: ExtractOptions,
    policy: Policy,
    no_answer: String,
}

const NO_REFERENCE: &str =
    "the sample has no reference answer (a string, a number or a list of them)";

impl Aspect for MathEquivalent {
    fn evaluate(&self, sample: &Sample, _cx: &Context) -> Evaluation {
        let Some(references) = references(sample) else {
            return Evaluation::not_applicable(NO_REFERENCE);
        };
        let completion = sample.response.text();
        let Some(found) = extract_answer(completion, &self.extract) else {
            return Evaluation::scored(0.0)
                .with("extracted", Value::Null)
                .with("reason", self.no_answer.clone());
        };
        let mut not_equal = None;
        let mut unknown = None;
        for reference in &references {
            let verdict = check(reference_answer(reference), found.text, &self.policy);
            match verdict.equivalence {
                Equivalence::Equal => return described(Evaluation::scored(1.0), &found, verdict),
                Equivalence::NotEqual => {
                    not_equal.get_or_insert(verdict);
                }
                Equivalence::Unknown => {
                    unknown.get_or_insert(verdict);
                }
            }
        }
        // A reference that could not be decided might have matched: only
        // when every reference says "not equal" is the answer wrong.
        match (unknown, not_equal) {
            (Some(verdict), _) => {
                let error = format!("could not decide: {}", verdict.reason);
                described(Evaluation::failed(error), &found, verdict)
            }
            (None, Some(verdict)) => described(Evaluation::scored(0.0), &found, verdict),
            (None, None) => Evaluation::not_applicable(NO_REFERENCE),
        }
    }
}

/// The evaluation with what was extracted and compared.
fn described(evaluation: Evaluation, found: &Extracted<'_>, verdict: Verdict) -> Evaluation {
    if !plaudit_core::details_wanted() {
        return evaluation;
    }
    evaluation
        .with("extracted", preview(found.text))
        .with("method", found.method.as_str())
        .with("answer", verdict.answer.map_or(Value::Null, Value::from))
        .with("gold", verdict.gold.map_or(Value::Null, Value::from))
        .with("reason", verdict.reason)
}

/// The reference answers, borrowed where they are strings.
fn references(sample: &Sample) -> Option<Vec<Cow<'_, str>>> {
    fn scalar(v: &Value) -> Option<Cow<'_, str>> {
        match v {
            Value::String(s) => Some(Cow::Borrowed(s)),
            Value::Number(n) => Some(Cow::Owned(n.to_string())),
            _ => None,
        }
    }
    match sample.reference.as_ref()? {
        Value::Array(items) => {
            let answers: Option<Vec<_>> = items.iter().map(scalar).collect();
            answers.filter(|a| !a.is_empty())
        }
        other => scalar(other).map(|s| vec![s]),
    }
}

/// At most 200 bytes of an extracted answer, cut at a character boundary.
fn preview(text: &str) -> String {
    plaudit_core::preview(text, 200)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plaudit_core::Status;
    use serde_json::json;
    use std::time::Duration;

    fn evaluate(params: Value, response: &str, reference: Value) -> Evaluation {
        let aspect = build(params.as_object().unwrap(), &BuildContext::default()).unwrap();
        let sample = Sample::new("s", response).with_reference(reference);
        aspect.evaluate(&sample, &Context::with_timeout(Duration::from_secs(10)))
    }

    #[test]
    fn equivalent_answers_score_one() {
        let e = evaluate(json!({}), "So it is $\\boxed{\\dfrac12}$.", json!("0.5"));
        assert_eq!(e.outcome.value(), Some(1.0));
        assert_eq!(e.details["method"], "boxed");
        assert_eq!(e.details["extracted"], "\\dfrac12");
    }

    #[test]
    fn a_wrong_answer_scores_zero_with_a_reason() {
        let e = evaluate(json!({}), "#### 13534", json!(13535));
        assert_eq!(e.outcome.value(), Some(0.0));
        assert!(e.details["reason"].as_str().is_some_and(|r| !r.is_empty()));
    }

    #[test]
    fn any_reference_of_a_list_counts() {
        let e = evaluate(json!({}), "\\boxed{3}", json!(["-2", "3"]));
        assert_eq!(e.outcome.value(), Some(1.0));
    }

    #[test]
    fn no_answer_scores_zero_and_says_so() {
        let e = evaluate(json!({}), "I could not solve it.", json!("4"));
        assert_eq!(e.outcome.value(), Some(0.0));
        assert_eq!(e.details["extracted"], Value::Null);
        assert!(e.details["reason"].as_str().unwrap().contains("boxed"));
    }

    #[test]
    fn no_reference_is_not_applicable() {
        let e = evaluate(json!({}), "\\boxed{4}", json!({"not": "an answer"}));
        assert_eq!(e.outcome.status(), Status::NotApplicable);
    }

    #[test]
    fn the_extraction_order_is_configurable() {
        let response = "Answer: 7\n#### 8";
        let e = evaluate(json!({"extract": ["hashes"]}), response, json!("8"));
        assert_eq!(e.outcome.value(), Some(1.0));
        let e = evaluate(json!({"extract": ["answer_line"]}), response, json!("8"));
        assert_eq!(e.outcome.value(), Some(0.0));
    }

    #[test]
    fn rejects_bad_parameters() {
        for (params, field) in [
            (json!({"extract": []}), "extract"),
            (json!({"extract": ["boxd"]}), "extract"),
            (json!({"skip_think": "yes"}), "skip_think"),
            (json!({"policy": {"no_such_knob": true}}), "policy"),
            (json!({"answer_tag": "x"}), "answer_tag"),
        ] {
            let err = build(params.as_object().unwrap(), &BuildContext::default()).unwrap_err();
            let top = err.field().map(|f| f.split(['.', '[']).next().unwrap_or(f));
            assert_eq!(top, Some(field), "{params}: {err}");
        }
    }
}
