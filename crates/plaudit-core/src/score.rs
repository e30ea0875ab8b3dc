//! The final reward of a sample and how it came about.

use std::sync::Arc;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::{Evaluation, Outcome};

/// One aspect's part in a [`Score`].
#[derive(Debug, Clone, PartialEq)]
pub struct AspectResult {
    /// The aspect's name in the spec (shared, so that a batch of scores
    /// does not allocate a name per sample).
    pub name: Arc<str>,
    /// Its outcome and provenance details.
    pub evaluation: Evaluation,
    /// How long the evaluation took, in microseconds (zero on a cache hit).
    pub latency_us: u64,
    /// For cached aspects, whether the evaluation came from the cache.
    pub cache_hit: Option<bool>,
}

impl AspectResult {
    /// The outcome.
    pub fn outcome(&self) -> &Outcome {
        &self.evaluation.outcome
    }
}

impl Serialize for AspectResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let outcome = &self.evaluation.outcome;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("status", &outcome.status())?;
        map.serialize_entry("value", &outcome.value())?;
        match outcome {
            Outcome::Scored { .. } => {}
            Outcome::NotApplicable { reason } => map.serialize_entry("reason", reason)?,
            Outcome::Failed { error } => map.serialize_entry("error", error)?,
            Outcome::TimedOut { after_ms } => map.serialize_entry("after_ms", after_ms)?,
        }
        if !self.evaluation.details.is_empty() {
            map.serialize_entry("details", &self.evaluation.details)?;
        }
        map.serialize_entry("latency_us", &self.latency_us)?;
        if let Some(hit) = self.cache_hit {
            map.serialize_entry("cache_hit", &hit)?;
        }
        map.end()
    }
}

/// The reward of one sample, with every aspect's outcome.
///
/// Serialized as `{"id", "reward", ["raw_reward"], ["error"], "aspects": {name: {status, value, …}}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// The sample's id.
    pub id: String,
    /// The final reward; `None` when an aspect whose `on_missing` is `fail`
    /// did not score, in which case [`Score::error`] says which and why.
    pub reward: Option<f64>,
    /// The reward before group normalization, when the spec normalizes.
    pub raw_reward: Option<f64>,
    /// Why there is no reward.
    pub error: Option<String>,
    /// Every aspect of the spec, in spec order.
    pub aspects: Vec<AspectResult>,
}

impl Score {
    /// The result of the named aspect.
    pub fn aspect(&self, name: &str) -> Option<&AspectResult> {
        self.aspects.iter().find(|a| &*a.name == name)
    }
}

struct Aspects<'a>(&'a [AspectResult]);

impl Serialize for Aspects<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for a in self.0 {
            map.serialize_entry(&*a.name, a)?;
        }
        map.end()
    }
}

impl Serialize for Score {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("reward", &self.reward)?;
        if self.raw_reward.is_some() {
            map.serialize_entry("raw_reward", &self.raw_reward)?;
        }
        if let Some(error) = &self.error {
            map.serialize_entry("error", error)?;
        }
        map.serialize_entry("aspects", &Aspects(&self.aspects))?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serializes_every_status_with_a_value_field() {
        let score = Score {
            id: "s1".into(),
            reward: None,
            raw_reward: None,
            error: Some("aspect `b` failed".into()),
            aspects: vec![
                AspectResult {
                    name: "a".into(),
                    evaluation: Evaluation::scored(0.5).with("extracted", "7"),
                    latency_us: 3,
                    cache_hit: None,
                },
                AspectResult {
                    name: "b".into(),
                    evaluation: Evaluation::failed("boom"),
                    latency_us: 1,
                    cache_hit: Some(false),
                },
            ],
        };
        assert_eq!(
            serde_json::to_value(&score).unwrap(),
            json!({
                "id": "s1", "reward": null, "error": "aspect `b` failed",
                "aspects": {
                    "a": {"status": "scored", "value": 0.5, "details": {"extracted": "7"}, "latency_us": 3},
                    "b": {"status": "failed", "value": null, "error": "boom", "latency_us": 1, "cache_hit": false}
                }
            })
        );
    }
}
