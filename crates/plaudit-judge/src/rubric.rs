//! `judge.rubric`: the weighted share of rubric criteria a response meets.
//!
//! ## What it does
//!
//! Sends the question, the response and a list of criteria to the judge in
//! one call, and asks for a verdict per criterion:
//! `{"criteria": [{"id": "c1", "reason": str, "satisfied": bool}, …]}`.
//! The reward is the weighted share of criteria satisfied. The criteria
//! come from the spec (`criteria`) or, with `rubric_from = "meta"`, from
//! each sample's `meta.rubric`, in the same shape. A criterion is a string
//! or a table `{criterion, weight = 1, kind = "hard_rule" | "principle"}`;
//! with `hard_rule_gate = true` a failed hard rule makes the reward 0.
//!
//! With `votes = k`, a criterion is satisfied when a strict majority of
//! the votes says so.
//!
//! Details: `satisfied` (`"3/5"`), `criteria` (per criterion: `id`,
//! `criterion`, `kind`, `weight`, `satisfied`, `reason`, and
//! `votes_satisfied` with k > 1), and the judge provenance.
//!
//! ## Why
//!
//! Rubrics as Rewards (Gunjal et al., 2025) extends RL with verifiable
//! rewards to domains without a single answer by writing, per prompt, a
//! checklist of what a good response does; one call for all criteria keeps
//! the cost at one judge call per sample.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "rubric"
//! kind = "judge.rubric"
//! base_url = "http://localhost:8000/v1"
//! model = "Qwen/Qwen2.5-7B-Instruct"
//! criteria = [
//!   { criterion = "States the final dose in mg", kind = "hard_rule", weight = 3 },
//!   "Explains why the dose depends on body weight",
//! ]
//! ```
//!
//! ## Edge cases
//!
//! - `rubric_from = "meta"` and a sample without `meta.rubric`: not
//!   applicable; a malformed one: failed, saying what is wrong.
//! - A verdict that misses a criterion, repeats one, names an unknown id or
//!   is not JSON: failed, with the raw reply in `raw`.
//!
//! ## References
//!
//! - Gunjal et al., *Rubrics as Rewards: Reinforcement Learning Beyond
//!   Verifiable Domains* (2025).

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, KindEntry};

use crate::criteria::{Criteria, CriterionSpec, Flavor, Source, fixed_items};
use crate::judge;
use crate::params::Common;

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "judge.rubric",
    summary: "an LLM judge checks each rubric criterion (from the spec or meta.rubric); reward = weighted share met",
    version: 1,
    build,
};

/// The parameters of `judge.rubric` (besides the common ones).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The criteria, when they come from the spec.
    pub criteria: Option<Vec<CriterionSpec>>,
    /// `spec` (default) or `meta` (each sample's `meta.rubric`).
    #[serde(default)]
    pub rubric_from: Source,
    /// A failed hard rule makes the reward 0 (default false).
    #[serde(default)]
    pub hard_rule_gate: bool,
}

const FLAVOR: Flavor = Flavor {
    meta_key: "rubric",
    noun: "criterion",
    instruction: "A criterion marked as a hard rule is satisfied only if the response meets it completely; \
                  any other criterion is satisfied if the response clearly shows it.",
};

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    judge::build(params, make)
}

fn make(params: &Map<String, Value>, _: &Common) -> Result<Criteria, BuildError> {
    let c: Config = BuildError::parse_params(params)?;
    let fixed = fixed_items(c.criteria, c.rubric_from, "criteria", "rubric_from")?;
    Ok(Criteria::new(FLAVOR, fixed, c.hard_rule_gate, false))
}
