//! `judge.pairwise`: the response against the reference answer, or against
//! another response of its group (BRPO), judged in both orders.
//!
//! ## What it does
//!
//! Shows the judge the question and two answers, A and B, and asks which
//! is better: `{"reason": str, "winner": "A" | "B" | "tie"}`. It asks
//! twice, once with the response as A and once as B. Each order gives the
//! response a win probability, averaged over `votes`; the reward is the
//! mean of the two orders, so a judge that always prefers the first answer
//! gives ½, not 1.
//!
//! A vote's win probability is 1 for a win, ½ for a tie and 0 for a loss —
//! or, with `logprobs = true`, read from the log-probabilities the judge
//! gave the verdict's token: `(P(response) + ½·P(tie)) / (P(A) + P(B) +
//! P(tie))`, which is `P(A) / (P(A) + P(B))` for a judge that puts no
//! weight on a tie (see [`logprob`]). A vote whose token cannot be found
//! falls back to its verdict; `win_from` says which was used.
//!
//! What the response is compared with (`against`):
//!
//! - `reference` (default): the sample's reference answer.
//! - `group`: another response of the same `group`, as in BRPO
//!   (Bootstrapped Relative Policy Optimization, Writing-Zero): in each
//!   group of the batch one response is drawn as the reference, and every
//!   other response is judged against it. The draw is deterministic and
//!   seeded (`reference_seed`); see [`group`] for how it is made and what
//!   the reference response itself, and a group of one, get.
//!
//! Details: `against`, `orders` (per order: `response_is` "A" or "B",
//! `win`, `win_from` "verdict" | "logprobs" | "mixed", `reason`),
//! `consistent` (both orders agree on the winner), `reference_id` (with
//! `against = "group"`), and the judge provenance.
//!
//! ## Why
//!
//! Judges compare more reliably than they score, and pairwise preference
//! is the reward of RLAIF-style training when no verifier exists. Judges
//! favour a position; swapping the order and averaging cancels that bias
//! (Zheng et al., 2023). Comparing within the group needs no gold answer
//! at all, and the reference moves with the policy (Jia et al., 2025).
//! Log-probabilities turn each order's coin flip into a graded preference.
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
//! - `against = "reference"` and no reference answer: not applicable.
//! - Two judge calls per comparison (per vote): twice the cost of
//!   `judge.score`.
//! - `against = "group"` needs whole groups in one
//!   [`evaluate_batch`](plaudit_core::Aspect::evaluate_batch) call: the
//!   aspect reports [`Scope::Group`](plaudit_core::Scope::Group), and the
//!   engine calls it once per group of the batch and caches a verdict under
//!   the whole group's content. A grouped sample given to
//!   [`evaluate`](plaudit_core::Aspect::evaluate) alone fails and says so.
//!
//! ## References
//!
//! - Zheng et al., *Judging LLM-as-a-Judge with MT-Bench and Chatbot Arena*
//!   (2023): position bias and swapping.
//! - Jia et al., *Writing-Zero: Bridge the Gap Between Non-verifiable Tasks
//!   and Verifiable Rewards* (2025, arXiv:2506.00103): BRPO.

mod group;
mod logprob;

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use plaudit_core::{Aspect, BuildContext, BuildError, Evaluation, KindEntry, Sample};

use crate::client::{Call, ChatMessage, Reply};
use crate::judge::{self, Kind, Planned};
use crate::params::Common;
use crate::prompt::{DATA_NOT_INSTRUCTIONS, fenced, json_object, strict_object};

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "judge.pairwise",
    summary: "an LLM judge compares the response with the reference, or with a response of its group, in both orders; reward = win probability",
    // 2: `against`, `win_from` in the details; `logprobs` grades the win.
    version: 2,
    build,
};

/// What the response is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Against {
    /// The sample's reference answer.
    #[default]
    Reference,
    /// A response of the same group, drawn per group (BRPO).
    Group,
}

/// What the response drawn as its group's reference gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceReward {
    /// ½, a tie with itself: BRPO's 0 on its ±1 scale.
    #[default]
    Tie,
    /// Its own win rate in the comparisons made against it: the mean of
    /// one minus each other response's win probability.
    WinRate,
}

/// The parameters of `judge.pairwise` (besides the common ones).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// What "better" means (default: more correct, helpful and clear).
    #[serde(default = "default_criteria")]
    pub criteria: String,
    /// `reference` (default) or `group`.
    #[serde(default)]
    pub against: Against,
    /// With `against = "group"`: the seed of the reference draw (default 0).
    pub reference_seed: Option<u64>,
    /// With `against = "group"`: `tie` (default) or `win_rate`.
    pub reference_reward: Option<ReferenceReward>,
}

fn default_criteria() -> String {
    "which answer is more correct, helpful and clear".into()
}

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    judge::build(params, make)
}

fn make(params: &Map<String, Value>, common: &Common) -> Result<Pairwise, BuildError> {
    let c: Config = BuildError::parse_params(params)?;
    if c.against == Against::Reference {
        for (field, set) in [
            ("reference_seed", c.reference_seed.is_some()),
            ("reference_reward", c.reference_reward.is_some()),
        ] {
            if set {
                return Err(BuildError::param(
                    field,
                    format!("{field} only applies with `against = \"group\"`"),
                ));
            }
        }
    }
    let logprobs = common.settings.logprobs;
    if logprobs && common.settings.top_logprobs.is_none_or(|n| n < 2) {
        return Err(BuildError::param(
            "top_logprobs",
            "with `logprobs = true`, judge.pairwise reads P(A) and P(B) from the alternatives at \
             the verdict's token: set `top_logprobs` to at least 2",
        ));
    }
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
        against: c.against,
        seed: c.reference_seed.unwrap_or(0),
        reference_reward: c.reference_reward.unwrap_or_default(),
        logprobs,
    })
}

#[derive(Debug)]
struct Pairwise {
    system: String,
    schema: Arc<Value>,
    against: Against,
    seed: u64,
    reference_reward: ReferenceReward,
    logprobs: bool,
}

/// What a comparison was against: `None` for the sample's reference
/// answer, the id of the group's reference response otherwise.
#[derive(Debug)]
struct Plan {
    reference_id: Option<String>,
}

/// A verdict's winner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    A,
    B,
    Tie,
}

/// One vote: the response's win probability in that order, and why.
#[derive(Debug)]
struct Verdict {
    win: f64,
    from_logprobs: bool,
    reason: String,
}

impl Pairwise {
    /// The two calls comparing `sample`'s response with `other`: the
    /// response as A, then as B.
    fn comparison(&self, sample: &Sample, other: &str) -> Vec<Call> {
        let response = sample.response.text();
        vec![
            self.call(sample, response, other),
            self.call(sample, other, response),
        ]
    }

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

    fn against_name(&self) -> &'static str {
        match self.against {
            Against::Reference => "reference",
            Against::Group => "group",
        }
    }
}

impl Kind for Pairwise {
    type Plan = Plan;
    type Verdict = Verdict;

    fn plan(&self, sample: &Sample) -> Result<(Plan, Vec<Call>), Evaluation> {
        let Some(reference) = crate::reference_text(sample) else {
            return Err(Evaluation::not_applicable(
                "the sample has no reference answer to compare with",
            ));
        };
        let plan = Plan { reference_id: None };
        Ok((plan, self.comparison(sample, &reference)))
    }

    fn plan_batch(&self, samples: &[&Sample]) -> Vec<Planned<Plan>> {
        match self.against {
            Against::Reference => judge::plan_each(self, samples),
            Against::Group => group::plan(self, samples),
        }
    }

    fn parse(&self, _: &Plan, call: usize, reply: &Reply) -> Result<Verdict, String> {
        let obj = json_object(&reply.content)?;
        let winner = obj
            .get("winner")
            .and_then(Value::as_str)
            .ok_or("`winner` is missing or not a string")?;
        let winner = match winner.trim() {
            w if w.eq_ignore_ascii_case("tie") => Label::Tie,
            w if w.eq_ignore_ascii_case("A") => Label::A,
            w if w.eq_ignore_ascii_case("B") => Label::B,
            w => return Err(format!("`winner` is {w:?}, not \"A\", \"B\" or \"tie\"")),
        };
        // Call 0 shows the response as A, call 1 as B.
        let response = if call == 0 { Label::A } else { Label::B };
        let graded = if self.logprobs {
            logprob::win(reply, winner, response)
        } else {
            None
        };
        let win = graded.unwrap_or(match winner {
            Label::Tie => 0.5,
            w if w == response => 1.0,
            _ => 0.0,
        });
        let reason = obj
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(Verdict {
            win,
            from_logprobs: graded.is_some(),
            reason,
        })
    }

    fn decide(&self, plan: Plan, verdicts: Vec<Vec<Verdict>>) -> Evaluation {
        let mut orders = Vec::with_capacity(2);
        let mut wins = Vec::with_capacity(2);
        for (i, votes) in verdicts.iter().enumerate() {
            let win = votes.iter().map(|v| v.win).sum::<f64>() / votes.len().max(1) as f64;
            wins.push(win);
            let graded = votes.iter().filter(|v| v.from_logprobs).count();
            let win_from = match graded {
                0 => "verdict",
                n if n == votes.len() => "logprobs",
                _ => "mixed",
            };
            orders.push(json!({
                "response_is": if i == 0 { "A" } else { "B" },
                "win": win,
                "win_from": win_from,
                "reason": votes.first().map(|v| plaudit_core::preview(&v.reason, 1000)).unwrap_or_default(),
            }));
        }
        let value = wins.iter().sum::<f64>() / wins.len().max(1) as f64;
        // Win, tie or loss, the same in both orders.
        let side = |w: f64| i8::from(w > 0.5) - i8::from(w < 0.5);
        let consistent = wins.windows(2).all(|w| side(w[0]) == side(w[1]));
        let mut e = Evaluation::scored(value)
            .with("against", self.against_name())
            .with("orders", orders)
            .with("consistent", consistent);
        if let Some(id) = plan.reference_id {
            e = e.with("reference_id", id);
        }
        e
    }

    fn derive(&self, from: &[&Evaluation]) -> Evaluation {
        group::reference_evaluation(self.reference_reward, from)
    }

    fn alone(&self, sample: &Sample) -> Option<Evaluation> {
        (self.against == Against::Group && sample.group.is_some()).then(|| {
            Evaluation::failed(
                "against = \"group\" compares a response with another response of its group, so it \
                 needs the whole group in one evaluate_batch call; evaluate() was given this sample alone",
            )
        })
    }

    fn self_contained(&self) -> bool {
        self.against == Against::Reference
    }
}
