//! Reward specs: which aspects judge a response and how they combine.
//!
//! A spec is a TOML (or JSON) document. It parses into [`Spec`], validates
//! with errors that point at the file, line and field ([`SpecError`]), and
//! has a stable [`Spec::content_hash`] that keys caches and heads reports.
//! The grammar is documented with examples in `docs/spec.md`.

mod error;
mod locate;
mod markdown;
mod parse;
mod validate;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

pub use error::{Problem, SpecError};

/// The default deadline of one aspect evaluation.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// A reward spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The spec's name, shown in reports and used to route requests.
    pub name: String,
    /// What the spec rewards, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What a non-scored outcome does to the reward, for aspects that do not
    /// say (default `fail`: no error ever becomes a number silently).
    #[serde(default)]
    pub on_missing: OnMissing,
    /// The aspects, in the order they are reported.
    #[serde(default, rename = "aspect", alias = "aspects")]
    pub aspects: Vec<AspectSpec>,
    /// How aspect values combine into the reward.
    #[serde(default)]
    pub combine: Combine,
    /// Bounds on the work one sample may cause.
    #[serde(default)]
    pub limits: Limits,
}

/// One aspect of a spec: the fields every aspect shares, plus the parameters
/// of its kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AspectSpec {
    /// A unique name: the key of the aspect in outputs and gates.
    pub name: String,
    /// Which aspect this is (`format.tags`, `match.exact`…).
    pub kind: String,
    /// Its weight in the combination (default 1).
    #[serde(default = "one")]
    pub weight: f64,
    /// Gates: the aspect counts only if every named aspect passed; otherwise
    /// it is not evaluated and contributes 0.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub requires: Vec<String>,
    /// The value at or above which this aspect counts as passed, for the
    /// gates of other aspects (default 1).
    #[serde(default = "one")]
    pub pass_threshold: f64,
    /// Overrides the spec's `on_missing` for this aspect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_missing: Option<OnMissing>,
    /// The deadline of one evaluation, in milliseconds (default 10 000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Forces caching on or off; by default expensive aspects (judges,
    /// models) are cached and cheap ones are not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<bool>,
    /// The parameters of the kind: every other field of the table.
    #[serde(flatten)]
    pub params: Map<String, Value>,
}

impl AspectSpec {
    /// The `on_missing` policy in force for this aspect.
    pub fn on_missing(&self, spec: &Spec) -> OnMissing {
        self.on_missing.unwrap_or(spec.on_missing)
    }

    /// The deadline of one evaluation.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS))
    }
}

fn one() -> f64 {
    1.0
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    match OneOrMany::deserialize(d) {
        Ok(OneOrMany::One(s)) => Ok(vec![s]),
        Ok(OneOrMany::Many(v)) => Ok(v),
        Err(_) => Err(serde::de::Error::custom(
            "expected an aspect name or a list of aspect names",
        )),
    }
}

/// What a non-scored outcome (not applicable, failed, timed out) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnMissing {
    /// The aspect is left out of the combination.
    Skip,
    /// The aspect contributes 0.
    Zero,
    /// The sample gets no reward; its `error` names the aspect.
    #[default]
    Fail,
}

/// How aspect values combine into one reward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Combine {
    /// The combination of aspect values.
    #[serde(default)]
    pub method: CombineMethod,
    /// Normalization of the combined reward within each group of samples.
    #[serde(default)]
    pub normalize: Normalize,
    /// Multiplies the combined reward (before clipping).
    #[serde(default = "one")]
    pub scale: f64,
    /// Added to the combined reward after scaling (before clipping).
    #[serde(default)]
    pub offset: f64,
    /// `[low, high]` bounds on the reward after scaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip: Option<[f64; 2]>,
    /// The standard deviation used by group z-scores: `sample` (divides by
    /// n − 1, as `torch.std` and TRL's GRPO do) or `population` (by n).
    #[serde(default)]
    pub std: StdKind,
    /// Added to the standard deviation in z-scores (TRL uses 1e-4).
    #[serde(default = "default_epsilon")]
    pub epsilon: f64,
}

fn default_epsilon() -> f64 {
    1e-4
}

impl Default for Combine {
    fn default() -> Self {
        Self {
            method: CombineMethod::default(),
            normalize: Normalize::default(),
            scale: 1.0,
            offset: 0.0,
            clip: None,
            std: StdKind::default(),
            epsilon: default_epsilon(),
        }
    }
}

/// How aspect values combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CombineMethod {
    /// Σ weight·value.
    #[default]
    WeightedSum,
    /// min(weight·value): the reward is the weakest aspect.
    Min,
    /// Π value^weight: any zero aspect zeroes the reward.
    Product,
    /// GDPO: each aspect is z-scored within its group first, then weighted
    /// and summed.
    NormalizeThenSum,
}

/// Normalization of the reward within a group (the responses to one prompt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalize {
    /// The reward as combined.
    #[default]
    None,
    /// (reward − group mean) / (group std + ε), as GRPO's advantage.
    GroupZscore,
    /// The reward's rank in its group scaled to [0, 1], ties sharing the
    /// mean rank.
    Rank,
}

/// Which standard deviation a z-score divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StdKind {
    /// Bessel-corrected, n − 1.
    #[default]
    Sample,
    /// n.
    Population,
}

/// Bounds on the work one sample may cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// A response longer than this (in bytes) fails every aspect with a
    /// message saying so, instead of being read (default 16 MiB).
    #[serde(default = "default_max_response_bytes")]
    pub max_response_bytes: usize,
}

fn default_max_response_bytes() -> usize {
    16 << 20
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_response_bytes: default_max_response_bytes(),
        }
    }
}

impl Spec {
    /// The stable content hash of the resolved spec: 32 hex digits of BLAKE3
    /// over its canonical JSON (keys sorted, defaults filled in). Comments,
    /// key order and TOML-versus-JSON do not change it.
    pub fn content_hash(&self) -> String {
        let value = serde_json::to_value(self).expect("a spec always serializes");
        let hash = blake3::hash(&canonical_json(&value));
        hash.to_hex()[..32].to_owned()
    }

    /// The resolved spec as TOML, defaults filled in.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a spec always serializes to TOML")
    }

    /// The aspect with the given name.
    pub fn aspect(&self, name: &str) -> Option<&AspectSpec> {
        self.aspects.iter().find(|a| a.name == name)
    }
}

/// Canonical JSON of a value: object keys sorted at every level, no
/// whitespace, whatever map type serde_json was built with. Content hashes
/// (the spec's, cache keys) are taken over this.
pub fn canonical_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, k).expect("writing to a Vec");
                out.push(b':');
                write_canonical(&map[k], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(v, out);
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar).expect("writing to a Vec"),
    }
}

pub use markdown::toml_blocks;
pub use parse::{Format, SpecSource};
pub use validate::evaluation_order;
