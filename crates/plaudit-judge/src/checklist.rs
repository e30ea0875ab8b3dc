//! `judge.checklist`: the share of checklist items a response does.
//!
//! ## What it does
//!
//! Asks the judge, in one call, whether the response does each item of a
//! checklist given in the spec (`items`) or per sample in
//! `meta.checklist` (`checklist_from = "meta"`), each a string. The reward
//! is the share of items done. Votes, details and failures are as for
//! `judge.rubric`.
//!
//! ## Why
//!
//! Instruction-following rewards decompose an instruction into yes/no
//! checks (Cook et al., 2024; Viswanathan et al., 2025): each check is
//! easier for a judge than a holistic score, and the share is a denser
//! reward than all-or-nothing.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "follows"
//! kind = "judge.checklist"
//! base_url = "http://localhost:8000/v1"
//! model = "Qwen/Qwen2.5-7B-Instruct"
//! checklist_from = "meta"
//! ```
//!
//! ## References
//!
//! - Cook et al., *TICKing All the Boxes: Generated Checklists Improve LLM
//!   Evaluation and Generation* (2024).
//! - Viswanathan et al., *Checklists Are Better Than Reward Models For
//!   Aligning Language Models* (2025).

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, KindEntry};

use crate::criteria::{Criteria, CriterionSpec, Flavor, Source, fixed_items};
use crate::judge;
use crate::params::Common;

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "judge.checklist",
    summary: "an LLM judge ticks each checklist item (spec or meta.checklist); reward = share done",
    version: 1,
    build,
};

/// The parameters of `judge.checklist` (besides the common ones).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The items, when they come from the spec.
    pub items: Option<Vec<String>>,
    /// `spec` (default) or `meta` (each sample's `meta.checklist`).
    #[serde(default)]
    pub checklist_from: Source,
}

const FLAVOR: Flavor = Flavor {
    meta_key: "checklist",
    noun: "item",
    instruction: "An item is satisfied only if the response actually does what it says.",
};

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    judge::build(params, make)
}

fn make(params: &Map<String, Value>, _: &Common) -> Result<Criteria, BuildError> {
    let c: Config = BuildError::parse_params(params)?;
    let list = c
        .items
        .map(|p| p.into_iter().map(CriterionSpec::Text).collect());
    let fixed = fixed_items(list, c.checklist_from, "items", "checklist_from")?;
    Ok(Criteria::new(FLAVOR, fixed, false, false))
}
