//! One row of a score table, independent of the file format.

use std::borrow::Cow;

/// The result of scoring one sample, flattened for a table.
///
/// Plain data, so that this crate does not depend on the engine: the caller
/// copies its scores into these.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    /// The sample's id.
    pub id: String,
    /// The reward after normalization, `None` when it could not be computed.
    pub reward: Option<f64>,
    /// The reward before normalization.
    pub raw_reward: Option<f64>,
    /// Why the sample has no reward, when it has none.
    pub error: Option<String>,
    /// One cell per aspect, in the order of the aspect names the table was
    /// created with.
    pub aspects: Vec<AspectCell>,
}

/// What one aspect said about one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct AspectCell {
    /// The outcome's status (`scored`, `not_applicable`, `failed`,
    /// `timed_out`). A `Cow` so that static names cost no allocation.
    pub status: Cow<'static, str>,
    /// The value, when the aspect scored.
    pub value: Option<f64>,
    /// The aspect's details, already serialized as JSON. Written as is,
    /// without validation.
    pub detail_json: Option<String>,
}
