//! The result of an evaluation and its three renderings: JSON (the
//! [`Report`] serialized, complete and machine-readable), a terminal table
//! ([`table`]) and one self-contained HTML file ([`html`]).
//!
//! Scores are fractions in JSON (0.712) and percentages in the table and
//! the HTML (71.2). A number that cannot be computed (an interval without
//! resamples, a correlation of a constant) is `null` in JSON and `–` on
//! screen.

pub mod html;
pub mod table;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::metrics::ties::TiesScore;
use crate::stats::mcnemar::McNemar;

/// Serializes `(name, value)` pairs as a JSON object, in order.
fn ordered<S: Serializer, T: Serialize>(
    entries: &[(String, T)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(entries.len()))?;
    for (k, v) in entries {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// A score with its bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The score (0–1).
    pub score: f64,
    /// The interval's lower bound.
    pub ci_low: f64,
    /// The interval's upper bound.
    pub ci_high: f64,
    /// Items it is computed over.
    pub n: usize,
}

/// One subset's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subset {
    /// The score (0–1): accuracy, mean best-of-N credit, or the Ties composite.
    pub score: f64,
    /// The interval's lower bound.
    pub ci_low: f64,
    /// The interval's upper bound.
    pub ci_high: f64,
    /// Items evaluated.
    pub n: usize,
    /// Items whose winner tied with another response (counted wrong in a
    /// pair, 1/k credit in best-of-N).
    pub ties: usize,
    /// Items left out for lack of scores.
    pub missing: usize,
    /// The same metric when the longer response always wins.
    pub longer: f64,
    /// The same metric when the shorter response always wins.
    pub shorter: f64,
    /// Pearson's r between score and length (characters), over responses.
    pub pearson: f64,
    /// Spearman's ρ between score and length.
    pub spearman: f64,
}

/// How much length alone explains.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bias {
    /// Overall score of "pick the longer response".
    pub longer: f64,
    /// Overall score of "pick the shorter response".
    pub shorter: f64,
    /// Pearson's r between score and length over all responses.
    pub pearson: f64,
    /// Spearman's ρ between score and length over all responses.
    pub spearman: f64,
    /// Responses the correlations are computed over.
    pub responses: usize,
}

/// A group of a `--by` breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Mean credit (0–1).
    pub score: f64,
    /// The interval's lower bound.
    pub ci_low: f64,
    /// The interval's upper bound.
    pub ci_high: f64,
    /// Items in the group.
    pub n: usize,
    /// Items whose winner tied.
    pub ties: usize,
}

/// Results broken down by the values of one metadata field.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Breakdown {
    /// `(value, group)`, in order of first appearance.
    #[serde(serialize_with = "ordered")]
    pub groups: Vec<(String, Group)>,
}

/// One subset in a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubsetDifference {
    /// Model A's score.
    pub a: f64,
    /// Model B's score.
    pub b: f64,
    /// A − B.
    pub difference: f64,
    /// The paired-bootstrap interval's lower bound.
    pub ci_low: f64,
    /// The paired-bootstrap interval's upper bound.
    pub ci_high: f64,
}

/// A paired comparison of two sets of scores on the same items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Where A's scores come from.
    pub a: String,
    /// Where B's scores come from.
    pub b: String,
    /// Items both scored (the comparison's items).
    pub items: usize,
    /// A's overall score.
    pub overall_a: f64,
    /// B's overall score.
    pub overall_b: f64,
    /// A − B.
    pub difference: f64,
    /// The paired-bootstrap interval of the difference: lower bound.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
    /// Two-sided paired-bootstrap p-value.
    pub p_value: f64,
    /// McNemar's test on full credit per item.
    pub mcnemar: McNemar,
    /// Whether the difference is significant: the paired-bootstrap
    /// interval excludes 0 and McNemar's exact p is below 1 − confidence.
    pub significant: bool,
    /// The conclusion, in words.
    pub verdict: String,
    /// Per-subset differences.
    #[serde(serialize_with = "ordered")]
    pub subsets: Vec<(String, SubsetDifference)>,
}

/// An item left out of the metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missing {
    /// The item's id.
    pub id: String,
    /// `file:line` of its row.
    pub place: String,
    /// Why it has no scores.
    pub reason: String,
}

/// What was evaluated and what was not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// Items read from the data.
    pub items: usize,
    /// Items in the metrics.
    pub evaluated: usize,
    /// Items without scores.
    pub missing: usize,
    /// The first of them, with reasons.
    pub missing_examples: Vec<Missing>,
    /// Data or scores rows that were rejected (reported when read).
    pub rejected_rows: usize,
}

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BootstrapInfo {
    /// Resamples (0: no intervals).
    pub resamples: usize,
    /// The seed.
    pub seed: u64,
    /// The interval's coverage.
    pub confidence: f64,
}

/// A point of the score-vs-length scatter (not serialized).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Response length in characters.
    pub length: f64,
    /// Its score.
    pub score: f64,
    /// Whether it is the response that should win.
    pub preferred: bool,
}

/// Everything an evaluation found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The data layout.
    pub format: String,
    /// The data files.
    pub inputs: Vec<String>,
    /// Where the scores come from.
    pub scores: String,
    /// The overall score.
    pub overall: Estimate,
    /// How the overall score is computed.
    pub overall_method: String,
    /// Per subset, in order of first appearance.
    #[serde(serialize_with = "ordered")]
    pub subsets: Vec<(String, Subset)>,
    /// RewardBench 1 sections (empty for other formats).
    #[serde(serialize_with = "ordered", skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<(String, Estimate)>,
    /// RewardBench 1 prior sets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prior_sets: Option<Estimate>,
    /// RewardBench 2 Ties composite and its parts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ties: Option<TiesScore>,
    /// Length baselines and correlations.
    pub bias: Bias,
    /// `--by` breakdowns, by field.
    #[serde(serialize_with = "ordered")]
    pub by: Vec<(String, Breakdown)>,
    /// The comparison with a second set of scores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare: Option<Comparison>,
    /// Bootstrap settings.
    pub bootstrap: BootstrapInfo,
    /// What was evaluated.
    pub coverage: Coverage,
    /// A sample of (length, score) points for the scatter plot.
    #[serde(skip)]
    pub scatter: Vec<Point>,
}

impl Report {
    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain data into a string cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// A fraction as a percentage with one decimal, `–` when undefined.
pub(crate) fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}", 100.0 * x)
    } else {
        "–".to_owned()
    }
}

/// A number with two decimals, `–` when undefined.
pub(crate) fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2}")
    } else {
        "–".to_owned()
    }
}

/// A p-value, readable at any size.
pub(crate) fn p_text(p: f64) -> String {
    if !p.is_finite() {
        "–".to_owned()
    } else if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}
