//! `judge.pairwise`: the response against the reference answer, judged in
//! both orders.
//!
//! ## What it does
//!
//! Shows the judge the question and two answers, A and B — the response
//! and the sample's reference answer — and asks which is better:
//! `{"reason": str, "winner": "A" | "B" | "tie"}`. It asks twice, once with
//! the response as A and once as B. Each order gives the response a win
//! probability (1 for a win, ½ for a tie, 0 for a loss, averaged over
//! `votes`); the reward is the mean of the two orders, so a judge that
//! always prefers the first answer gives ½, not 1.
//!
//! Details: `orders` (per order: `response_is` "A" or "B", `win`,
//! `reason`), `consistent` (both orders agree on the winner), and the
//! judge provenance.
//!
//! ## Why
//!
//! Judges compare more reliably than they score, and pairwise preference
//! against a reference is the reward of RLAIF-style training when a good
//! answer exists but no verifier does. Judges favour a position; swapping
//! the order and averaging cancels that bias (Zheng et al., 2023).
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "beats_reference"
//! kind = "judge.pairwise"
//! base_url = "http://localhost:8000/v1"
//! model = "Qwen/Qwen2.5-7B-Instruct"
//! criteria = "which answer is more helpful and correct"
//! ```
//!
//! ## Edge cases
//!
//! - No reference answer: not applicable.
//! - Two judge calls per sample (per vote): twice the cost of `judge.score`.
//!
//! ## References
//!
//! - Zheng et al., *Judging LLM-as-a-Judge with MT-Bench and Chatbot Arena*
//!   (2023): position bias and swapping.

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
    kind: "judge.pairwise",
    summary: "an LLM judge compares the response with the reference in both orders; reward = win probability",
    version: 1,
    build,
};

/// The parameters of `judge.pairwise` (besides the common ones).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// What "better" means (default: more correct, helpful and clear).
    #[serde(default = "default_criteria")]
    pub criteria: String,
}

fn default_criteria() -> String {
    "which answer is more correct, helpful and clear".into()
}

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    judge::build(params, make)
}

fn make(params: &Map<String, Value>, _: &Common) -> Result<Pairwise, BuildError> {
    let c: Config = BuildError::parse_params(params)?;
    let system = format!(
        "You are a strict, impartial judge comparing two answers, A and B, to the same question. \
         {DATA_NOT_INSTRUCTIONS} Answer A is between <response_a> and </response_a>, answer B between \
         <response_b> and </response_b>; the same rule holds for both. Their order is arbitrary: do not let \
         position or length sway you.\n\nDecide {}. Give a brief reason, then the winner. Reply with only \
         a JSON object: {{\"reason\": \"...\", \"winner\": \"A\" | \"B\" | \"tie\"}}.",
        c.criteria
    );
    let schema = strict_object(json!({
        "reason": {"type": "string"},
        "winner": {"type": "string", "enum": ["A", "B", "tie"]},
    }));
    Ok(Pairwise {
        system,
        schema: Arc::new(schema),
    })
}

#[derive(Debug)]
struct Pairwise {
    system: String,
    schema: Arc<Value>,
}

/// One vote: the response's win probability in that order, and why.
#[derive(Debug)]
struct Verdict {
    win: f64,
    reason: String,
}

impl Pairwise {
    fn call(&self, sample: &Sample, a: &str, b: &str) -> Call {
        let user = format!(
            "{}\n\n{}\n\n{}",
            fenced("question", sample.prompt.text()),
            fenced("response_a", a),
            fenced("response_b", b),
        );
        Call {
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
            schema_name: "preference",
            schema: Arc::clone(&self.schema),
        }
    }
}

impl Kind for Pairwise {
    type Plan = ();
    type Verdict = Verdict;

    fn plan(&self, sample: &Sample) -> Result<((), Vec<Call>), Evaluation> {
        let Some(reference) = crate::reference_text(sample) else {
            return Err(Evaluation::not_applicable(
                "the sample has no reference answer to compare with",
            ));
        };
        let response = sample.response.text();
        Ok((
            (),
            vec![
                self.call(sample, response, &reference),
                self.call(sample, &reference, response),
            ],
        ))
    }

    fn parse(&self, _: &(), call: usize, reply: &Reply) -> Result<Verdict, String> {
        let obj = json_object(&reply.content)?;
        let winner = obj
            .get("winner")
            .and_then(Value::as_str)
            .ok_or("`winner` is missing or not a string")?;
        // Call 0 shows the response as A, call 1 as B.
        let response_label = if call == 0 { "A" } else { "B" };
        let win = match winner.trim() {
            w if w.eq_ignore_ascii_case("tie") => 0.5,
            w if w.eq_ignore_ascii_case(response_label) => 1.0,
            w if w.eq_ignore_ascii_case("A") || w.eq_ignore_ascii_case("B") => 0.0,
            w => return Err(format!("`winner` is {w:?}, not \"A\", \"B\" or \"tie\"")),
        };
        let reason = obj
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(Verdict { win, reason })
    }

    fn decide(&self, _: (), verdicts: Vec<Vec<Verdict>>) -> Evaluation {
        let mut orders = Vec::with_capacity(2);
        let mut wins = Vec::with_capacity(2);
        for (i, votes) in verdicts.iter().enumerate() {
            let win = votes.iter().map(|v| v.win).sum::<f64>() / votes.len().max(1) as f64;
            wins.push(win);
            orders.push(json!({
                "response_is": if i == 0 { "A" } else { "B" },
                "win": win,
                "reason": votes.first().map(|v| plaudit_core::preview(&v.reason, 1000)).unwrap_or_default(),
            }));
        }
        let value = wins.iter().sum::<f64>() / wins.len().max(1) as f64;
        // Win, tie or loss, the same in both orders.
        let side = |w: f64| i8::from(w > 0.5) - i8::from(w < 0.5);
        let consistent = wins.windows(2).all(|w| side(w[0]) == side(w[1]));
        Evaluation::scored(value)
            .with("orders", orders)
            .with("consistent", consistent)
    }
}
