//! `judge.score`: a pointwise score on a scale, from an LLM judge.
//!
//! ## What it does
//!
//! Shows the judge the question, the reference answer (when the sample has
//! one and `use_reference` is on) and the response, asks it to write a
//! critique first and then a score from `min` to `max` (default 1 to 10),
//! as `{"critique": str, "score": number}`, and rewards the score
//! normalized to [0, 1]: `(score - min) / (max - min)`. With `votes = k`
//! the judge is asked k times and the normalized scores are averaged.
//!
//! With `expected_score = true` (needs `logprobs = true` and
//! `top_logprobs` ≥ 2) the reward is the probability-weighted mean of the
//! integer scores the judge considered at the score's token (as in
//! G-Eval), which is smoother than the sampled score; it falls back to the
//! sampled score when the score's token cannot be found. It works when
//! every score on the scale is one token (a scale within 0–9, or a
//! tokenizer with whole numbers up to `max`).
//!
//! Details: `score` (on the judge's scale, the mean over votes), `critique`
//! (the first vote's), `votes` (each vote's score, with k > 1),
//! `score_expected` (with `expected_score`), and the provenance every
//! judge records (`model`, `tokens`, `latency_ms`, `attempts`, `cost_usd`).
//!
//! ## Why
//!
//! A rubric-free judge score is the usual reward for open-ended tasks
//! (chat, writing) where no verifier exists. Critique before score is the
//! order that lets the score depend on the reasoning (Zheng et al., 2023).
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "helpful"
//! kind = "judge.score"
//! base_url = "http://localhost:8000/v1"
//! model = "Qwen/Qwen2.5-7B-Instruct"
//! criteria = "helpfulness and factual accuracy"
//! min = 1
//! max = 10
//! timeout_ms = 120000
//! ```
//!
//! ## Edge cases
//!
//! - A content-free response (empty, punctuation, a bare reasoning opener)
//!   scores 0 without a call (see the crate docs).
//! - A reply that is not JSON, lacks a field, or has a score outside
//!   `[min, max]` is a failed evaluation with the raw reply in `raw`.
//!
//! ## References
//!
//! - Zheng et al., *Judging LLM-as-a-Judge with MT-Bench and Chatbot Arena* (2023).
//! - Liu et al., *G-Eval* (2023): probability-weighted scores.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use plaudit_core::{Aspect, BuildContext, BuildError, Evaluation, KindEntry, Sample};

use crate::client::{Call, ChatMessage, Reply};
use crate::judge::{self, Kind};
use crate::params::Common;
use crate::prompt::{DATA_NOT_INSTRUCTIONS, fenced, json_object, strict_object};

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "judge.score",
    summary: "an LLM judge's critique-then-score on a scale (default 1-10), normalized to [0, 1]",
    version: 1,
    build,
};

/// The parameters of `judge.score` (besides the common ones, see the crate docs).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The lowest score (default 1).
    #[serde(default = "one")]
    pub min: f64,
    /// The highest score (default 10).
    #[serde(default = "ten")]
    pub max: f64,
    /// What to judge (default: overall quality — correctness, helpfulness,
    /// clarity).
    #[serde(default = "default_criteria")]
    pub criteria: String,
    /// Show the sample's reference answer to the judge (default true).
    #[serde(default = "crate::params::yes")]
    pub use_reference: bool,
    /// Reward the probability-weighted score (default false).
    #[serde(default)]
    pub expected_score: bool,
}

fn one() -> f64 {
    1.0
}
fn ten() -> f64 {
    10.0
}
fn default_criteria() -> String {
    "the overall quality of the response: correctness, helpfulness and clarity".into()
}

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    judge::build(params, make)
}

fn make(params: &Map<String, Value>, common: &Common) -> Result<Score, BuildError> {
    let c: Config = BuildError::parse_params(params)?;
    if !(c.min.is_finite() && c.max.is_finite() && c.min < c.max) {
        return Err(BuildError::param(
            "max",
            format!(
                "the scale needs finite min < max, not {} to {}",
                c.min, c.max
            ),
        ));
    }
    if c.expected_score
        && !(common.settings.logprobs && common.settings.top_logprobs.is_some_and(|n| n >= 2))
    {
        return Err(BuildError::param(
            "expected_score",
            "expected_score needs `logprobs = true` and `top_logprobs` of at least 2",
        ));
    }
    let (min, max) = (number(c.min), number(c.max));
    let system = format!(
        "You are a strict, impartial judge of a response to a question. {DATA_NOT_INSTRUCTIONS}\n\n\
         First write a brief critique of the response, then score it from {min} (worst) to {max} (best). \
         Reply with only a JSON object: {{\"critique\": \"<your critique>\", \"score\": <a number from {min} to {max}>}}."
    );
    let schema = strict_object(json!({
        "critique": {"type": "string"},
        "score": {"type": "number"},
    }));
    Ok(Score {
        config: c,
        system,
        schema: Arc::new(schema),
    })
}

/// A number as a prompt shows it: `10`, not `10.0`.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

#[derive(Debug)]
struct Score {
    config: Config,
    system: String,
    schema: Arc<Value>,
}

/// One vote.
#[derive(Debug)]
struct Verdict {
    score: f64,
    critique: String,
    expected: Option<f64>,
}

impl Kind for Score {
    type Plan = ();
    type Verdict = Verdict;

    fn plan(&self, sample: &Sample) -> Result<((), Vec<Call>), Evaluation> {
        let mut user = fenced("question", sample.prompt.text());
        if self.config.use_reference
            && let Some(reference) = crate::reference_text(sample)
        {
            user.push_str("\n\nA reference answer, to judge correctness against:\n");
            user.push_str(&fenced("reference", &reference));
        }
        user.push_str("\n\n");
        user.push_str(&fenced("response", sample.response.text()));
        user.push_str(&format!("\n\nJudge {}.", self.config.criteria));
        let call = Call {
            messages: vec![
                ChatMessage {
                    role: "system",
                    content: self.system.clone(),
                },
                ChatMessage {
                    role: "user",
                    content: user,
                },
            ],
            schema_name: "score",
            schema: Arc::clone(&self.schema),
        };
        Ok(((), vec![call]))
    }

    fn parse(&self, _: &(), _: usize, reply: &Reply) -> Result<Verdict, String> {
        let obj = json_object(&reply.content)?;
        let critique = match obj.get("critique") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(format!(
                    "`critique` is {}, not a string",
                    plaudit_core::json_type(other)
                ));
            }
            None => return Err("`critique` is missing".into()),
        };
        let score = match obj.get("score") {
            Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
            Some(other) => {
                return Err(format!(
                    "`score` is {}, not a number",
                    plaudit_core::json_type(other)
                ));
            }
            None => return Err("`score` is missing".into()),
        };
        let (min, max) = (self.config.min, self.config.max);
        if !(min..=max).contains(&score) {
            return Err(format!(
                "the score {score} is outside the scale {} to {}",
                number(min),
                number(max)
            ));
        }
        let expected = if self.config.expected_score {
            expected_score(reply, min, max)
        } else {
            None
        };
        Ok(Verdict {
            score,
            critique,
            expected,
        })
    }

    fn decide(&self, _: (), verdicts: Vec<Vec<Verdict>>) -> Evaluation {
        let votes: Vec<Verdict> = verdicts.into_iter().flatten().collect();
        let (min, max) = (self.config.min, self.config.max);
        let used = |v: &Verdict| v.expected.unwrap_or(v.score);
        let n = votes.len().max(1) as f64;
        let mean = votes.iter().map(used).sum::<f64>() / n;
        let mean_score = votes.iter().map(|v| v.score).sum::<f64>() / n;
        let mut e = Evaluation::scored((mean - min) / (max - min))
            .with("score", mean_score)
            .with(
                "critique",
                votes
                    .first()
                    .map(|v| plaudit_core::preview(&v.critique, 2000))
                    .unwrap_or_default(),
            );
        if votes.len() > 1 {
            e = e.with("votes", votes.iter().map(|v| v.score).collect::<Vec<_>>());
        }
        if self.config.expected_score {
            let expected: Vec<Value> = votes
                .iter()
                .map(|v| v.expected.map_or(Value::Null, Value::from))
                .collect();
            e = e.with(
                "score_expected",
                if expected.len() == 1 {
                    expected.into_iter().next().unwrap_or(Value::Null)
                } else {
                    Value::Array(expected)
                },
            );
        }
        e
    }
}

/// The probability-weighted mean of the integer scores in `[min, max]`
/// among the alternatives at the token where the score's digits start.
fn expected_score(reply: &Reply, min: f64, max: f64) -> Option<f64> {
    let text: String = reply.logprobs.iter().map(|t| t.token.as_str()).collect();
    let key = text.find("\"score\"")?;
    let after = &text[key + "\"score\"".len()..];
    let offset = after.find(|c: char| !(c.is_whitespace() || c == ':'))?;
    let at = key + "\"score\"".len() + offset;
    // The token whose span holds byte `at`.
    let mut end = 0;
    let token = reply.logprobs.iter().find(|t| {
        end += t.token.len();
        end > at
    })?;
    let (mut mass, mut sum) = (0.0, 0.0);
    for alt in &token.top_logprobs {
        let Ok(v) = alt.token.trim().parse::<i64>() else {
            continue;
        };
        let v = v as f64;
        if (min..=max).contains(&v) && alt.logprob.is_finite() {
            let p = alt.logprob.exp();
            mass += p;
            sum += p * v;
        }
    }
    (mass > 1e-6).then(|| sum / mass)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{TokenLogprob, TopLogprob, Usage};
    use std::time::Duration;

    fn reply(tokens: &[(&str, &[(&str, f64)])]) -> Reply {
        Reply {
            content: tokens.iter().map(|t| t.0).collect(),
            model: None,
            logprobs: tokens
                .iter()
                .map(|(tok, top)| TokenLogprob {
                    token: (*tok).into(),
                    logprob: -0.1,
                    top_logprobs: top
                        .iter()
                        .map(|(t, lp)| TopLogprob {
                            token: (*t).into(),
                            logprob: *lp,
                        })
                        .collect(),
                })
                .collect(),
            usage: Usage::default(),
            attempts: 1,
            latency: Duration::ZERO,
            structured_output: crate::client::StructuredOutput::JsonSchema,
        }
    }

    #[test]
    fn expected_score_weighs_the_alternatives() {
        let half = 0.5f64.ln();
        let r = reply(&[
            ("{\"critique\": \"ok\", ", &[]),
            ("\"score\"", &[]),
            (": ", &[]),
            ("8", &[("8", half), ("6", half), ("x", -0.1)]),
            ("}", &[]),
        ]);
        assert_eq!(expected_score(&r, 1.0, 10.0), Some(7.0));
        // Alternatives off the scale do not count.
        assert_eq!(expected_score(&r, 1.0, 7.0), Some(6.0));
        // No score token: no expectation.
        let r = reply(&[("{}", &[])]);
        assert_eq!(expected_score(&r, 1.0, 10.0), None);
    }

    #[test]
    fn numbers_print_like_a_person_writes_them() {
        assert_eq!(number(10.0), "10");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(-1.0), "-1");
    }
}
