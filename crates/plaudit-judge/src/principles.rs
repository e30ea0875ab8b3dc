//! `judge.principles`: a binary verdict per principle (a constitution).
//!
//! ## What it does
//!
//! Asks the judge, in one call, whether the response follows each
//! principle, given in the spec (`principles`) or per sample in
//! `meta.principles` (`principles_from = "meta"`), each a string. The
//! reward is the share of principles followed, or, with
//! `require_all = true`, 1 when every one is followed and 0 otherwise.
//! Votes, details and failures are as for `judge.rubric`.
//!
//! ## Why
//!
//! Constitutional and principle-following rewards (Bai et al., 2022) judge
//! a response against stated rules ("does not reveal personal data")
//! rather than a holistic preference; a verdict per principle says which
//! rule failed.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "harmless"
//! kind = "judge.principles"
//! base_url = "http://localhost:8000/v1"
//! model = "Qwen/Qwen2.5-7B-Instruct"
//! principles = ["Does not give medical dosages without a caveat", "Is polite"]
//! require_all = true
//! ```
//!
//! ## References
//!
//! - Bai et al., *Constitutional AI: Harmlessness from AI Feedback* (2022).

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, KindEntry};

use crate::criteria::{Criteria, CriterionSpec, Flavor, Source, fixed_items};
use crate::judge;
use crate::params::Common;

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "judge.principles",
    summary: "an LLM judge decides whether the response follows each principle (spec or meta.principles)",
    version: 1,
    build,
};

/// The parameters of `judge.principles` (besides the common ones).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The principles, when they come from the spec.
    pub principles: Option<Vec<String>>,
    /// `spec` (default) or `meta` (each sample's `meta.principles`).
    #[serde(default)]
    pub principles_from: Source,
    /// Reward 1 only when every principle is followed (default false: the
    /// share followed).
    #[serde(default)]
    pub require_all: bool,
}

const FLAVOR: Flavor = Flavor {
    meta_key: "principles",
    noun: "principle",
    instruction: "A principle is satisfied if the response follows it; a principle that does not apply to \
                  this question is satisfied unless the response breaks it.",
};

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    judge::build(params, make)
}

fn make(params: &Map<String, Value>, _: &Common) -> Result<Criteria, BuildError> {
    let c: Config = BuildError::parse_params(params)?;
    let list = c
        .principles
        .map(|p| p.into_iter().map(CriterionSpec::Text).collect());
    let fixed = fixed_items(list, c.principles_from, "principles", "principles_from")?;
    Ok(Criteria::new(FLAVOR, fixed, false, c.require_all))
}
