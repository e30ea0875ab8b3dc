//! `length.target`: closeness to a target length band.
//!
//! ## What it does
//!
//! Scores 1 when the response's length L is within `[min, max]` (either
//! bound may be left out), and decays linearly to 0 at `tolerance` units
//! outside the band:
//!
//! ```text
//! d     = min − L   if L < min
//!         L − max   if L > max
//!         0         otherwise
//! value = max(0, 1 − d / tolerance)
//! ```
//!
//! Length is counted in `unit`s (see [`crate::length`]): `words` by
//! default, `chars`, or `tokens` with `tokenizer = "…/tokenizer.json"`.
//! Details: `length`, `unit`, and `distance` (d) when outside the band.
//!
//! ## Why
//!
//! Instructions set lengths ("in 100 to 150 words"), and length is the
//! easiest axis for a policy to exploit against reward models that prefer
//! longer answers. A band with a soft edge rewards compliance without a
//! cliff, which gives a usable gradient to samples just outside it.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "length"
//! kind = "length.target"
//! min = 100
//! max = 150
//! tolerance = 50
//! ```
//!
//! ## Edge cases
//!
//! - At least one of `min` and `max`; `min ≤ max`; `tolerance` is required,
//!   finite and > 0.
//! - With only `min`, every length ≥ min scores 1; with only `max`, every
//!   length ≤ max (including an empty response) scores 1 — pair it with a
//!   correctness aspect.
//! - The value is in [0, 1], 1 inside the band.
//!
//! ## References
//!
//! - Length-controlled rewards in the spirit of L1 (Aggarwal & Welleck,
//!   2025, target-length penalty) and IFEval's length constraints (Zhou et
//!   al., 2023), with a linear margin instead of a hard cut.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample};

use crate::length::{Measure, Unit};

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "length.target",
    summary: "1 inside a [min, max] length band, decaying linearly to 0 at `tolerance` outside it",
    version: 1,
    build,
};

/// The parameters of `length.target`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The shortest length that scores 1 (default none: no lower bound).
    #[serde(default)]
    pub min: Option<u64>,
    /// The longest length that scores 1 (default none: no upper bound).
    #[serde(default)]
    pub max: Option<u64>,
    /// How far outside the band the value reaches 0 (required, > 0).
    pub tolerance: f64,
    /// What a length counts (default `words`, or `tokens` with a
    /// tokenizer).
    #[serde(default)]
    pub unit: Option<Unit>,
    /// A Hugging Face `tokenizer.json`, relative to the spec's folder
    /// (default none).
    #[serde(default)]
    pub tokenizer: Option<PathBuf>,
}

fn build(params: &Map<String, Value>, bcx: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let c: Config = BuildError::parse_params(params)?;
    if c.min.is_none() && c.max.is_none() {
        return Err(BuildError::param("min", "give `min`, `max` or both"));
    }
    if let (Some(min), Some(max)) = (c.min, c.max)
        && min > max
    {
        return Err(BuildError::param(
            "max",
            format!("min ({min}) must not exceed max ({max})"),
        ));
    }
    if !(c.tolerance.is_finite() && c.tolerance > 0.0) {
        return Err(BuildError::param(
            "tolerance",
            format!("tolerance must be a finite number > 0, not {}", c.tolerance),
        ));
    }
    Ok(Box::new(Target {
        min: c.min,
        max: c.max,
        tolerance: c.tolerance,
        measure: Measure::build(c.unit, c.tokenizer.as_deref(), Some(Unit::Words), bcx)?,
    }))
}

#[derive(Debug)]
struct Target {
    min: Option<u64>,
    max: Option<u64>,
    tolerance: f64,
    measure: Measure,
}

impl Target {
    /// How far `length` lies outside the band.
    fn distance(&self, length: u64) -> u64 {
        match (self.min, self.max) {
            (Some(min), _) if length < min => min - length,
            (_, Some(max)) if length > max => length - max,
            _ => 0,
        }
    }

    fn value(&self, distance: u64) -> f64 {
        (1.0 - distance as f64 / self.tolerance).max(0.0)
    }
}

impl Aspect for Target {
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation {
        let length = match self.measure.measure_response(sample, cx) {
            Ok(n) => n,
            Err(e) => return Evaluation::failed(e),
        };
        let distance = self.distance(length as u64);
        let e = Evaluation::scored(self.value(distance))
            .with("length", length)
            .with("unit", self.measure.unit().as_str());
        if distance > 0 {
            e.with("distance", distance)
        } else {
            e
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::Duration;
    use test_case::test_case;

    fn run(params: Value, response: &str) -> Evaluation {
        let a = build(params.as_object().unwrap(), &BuildContext::default()).unwrap();
        a.evaluate(
            &Sample::new("s", response),
            &Context::with_timeout(Duration::from_secs(1)),
        )
    }

    fn words(n: usize) -> String {
        vec!["w"; n].join(" ")
    }

    #[test_case(json!({"min": 4, "max": 6, "tolerance": 2}), 5, 1.0)]
    #[test_case(json!({"min": 4, "max": 6, "tolerance": 2}), 4, 1.0)]
    #[test_case(json!({"min": 4, "max": 6, "tolerance": 2}), 3, 0.5)]
    #[test_case(json!({"min": 4, "max": 6, "tolerance": 2}), 2, 0.0)]
    #[test_case(json!({"min": 4, "max": 6, "tolerance": 2}), 0, 0.0)]
    #[test_case(json!({"min": 4, "max": 6, "tolerance": 2}), 7, 0.5)]
    #[test_case(json!({"min": 4, "max": 6, "tolerance": 4}), 9, 0.25)]
    #[test_case(json!({"min": 4, "max": 6, "tolerance": 2}), 100, 0.0)]
    #[test_case(json!({"min": 4, "tolerance": 2}), 1000, 1.0)]
    #[test_case(json!({"max": 4, "tolerance": 2}), 0, 1.0)]
    #[test_case(json!({"max": 4, "tolerance": 0.5}), 5, 0.0)]
    fn word_band(params: Value, n: usize, expected: f64) {
        let e = run(params, &words(n));
        assert_eq!(e.outcome.value(), Some(expected), "{e:?}");
        assert_eq!(e.details["unit"], "words");
        assert_eq!(e.details["length"], n);
    }

    #[test]
    fn other_units() {
        let e = run(
            json!({"min": 10, "tolerance": 10, "unit": "chars"}),
            "héllo",
        );
        assert_eq!(e.outcome.value(), Some(0.5));
        assert_eq!(e.details["distance"], 5);
        #[cfg(feature = "tokenizers")]
        {
            let params = json!({"max": 5, "tolerance": 4, "tokenizer": crate::length::fixture()});
            // "Janet has 16 eggs." is 7 tokens of the fixture.
            assert_eq!(run(params, "Janet has 16 eggs.").outcome.value(), Some(0.5));
        }
    }

    #[test]
    fn bad_params_are_build_errors() {
        let cases = [
            (json!({"tolerance": 1}), "min", "give `min`, `max` or both"),
            (
                json!({"min": 5, "max": 4, "tolerance": 1}),
                "max",
                "min (5) must not exceed max (4)",
            ),
            (json!({"min": 5, "tolerance": 0}), "tolerance", "> 0, not 0"),
            (json!({"min": 5}), "", "missing field `tolerance`"),
            (
                json!({"min": 5, "tolerance": 1, "unit": "tokens"}),
                "tokenizer",
                "needs `tokenizer",
            ),
        ];
        crate::testing::assert_rejected(build, &cases);
    }

    proptest! {
        #[test]
        fn within_range_and_one_inside(min in 0u64..100, span in 0u64..100, tolerance in 0.01f64..100.0, length in 0u64..400) {
            let t = Target { min: Some(min), max: Some(min + span), tolerance, measure: Measure::Words };
            let v = t.value(t.distance(length));
            prop_assert!((0.0..=1.0).contains(&v));
            prop_assert_eq!(v == 1.0, (min..=min + span).contains(&length));
        }
    }
}
