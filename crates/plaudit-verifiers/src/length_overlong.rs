//! `length.overlong`: DAPO's soft overlong punishment.
//!
//! ## What it does
//!
//! Penalizes a response that runs into the last `buffer` units before the
//! generation limit `max_length`, linearly, and fully past the limit. With
//! L_max = `max_length`, L_cache = `buffer` and |y| the response length
//! (DAPO, eq. 13):
//!
//! ```text
//!              ⎧ 0                               |y| ≤ L_max − L_cache
//! R_length(y) = ⎨ ((L_max − L_cache) − |y|) / L_cache   L_max − L_cache < |y| ≤ L_max
//!              ⎩ −1                              L_max < |y|
//! ```
//!
//! times `penalty_factor` (default 1.0, verl's `overlong_buffer.penalty_factor`).
//! The value is in [−penalty_factor, 0]; add it to the correctness reward
//! with weight 1, as DAPO does.
//!
//! Length is counted in `unit`s (see [`crate::length`]): tokens with
//! `tokenizer = "…/tokenizer.json"` — the unit DAPO and verl use, and the
//! one the trainer's `max_response_length` is in — or `chars` / `words`
//! when asked for explicitly. There is no default unit. Details: `length`
//! and `unit`.
//!
//! ## Why
//!
//! A response cut off at the generation limit gets a reward for a
//! truncated answer, which is noise. DAPO shapes this with a buffer zone:
//! the penalty grows as the response approaches the limit, teaching the
//! policy to finish before it rather than punishing every long answer.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "overlong"
//! kind = "length.overlong"
//! max_length = 4096
//! buffer = 512
//! tokenizer = "crates/plaudit-verifiers/tests/data/tokenizer.json"
//! ```
//!
//! ## Edge cases
//!
//! - `buffer` must be at least 1 and at most `max_length`;
//!   `penalty_factor` finite and ≥ 0.
//! - The penalty is continuous: exactly −1 at |y| = L_max.
//! - Tokens are counted without special tokens, over the response text
//!   (for chat responses, the assistant turns joined by newlines). The
//!   trainer's count may differ by the end-of-sequence token.
//!
//! ## References
//!
//! - Yu et al., *DAPO: An Open-Source LLM Reinforcement Learning System at
//!   Scale* (2025), §3.4 and eq. 13.
//! - verl's DAPO reward manager (`overlong_buffer`: `len`, `penalty_factor`).

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample};

use crate::length::{Measure, Unit};

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "length.overlong",
    summary: "DAPO soft overlong punishment: 0 up to max_length − buffer, linear to −1 at max_length",
    version: 1,
    build,
};

/// The parameters of `length.overlong`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The generation limit L_max (required).
    pub max_length: u64,
    /// The buffer L_cache before the limit where the penalty ramps
    /// (required; 1 ≤ buffer ≤ max_length).
    pub buffer: u64,
    /// Scales the penalty (default 1.0).
    #[serde(default = "one")]
    pub penalty_factor: f64,
    /// What a length counts (default: `tokens` with a tokenizer; required
    /// without one).
    #[serde(default)]
    pub unit: Option<Unit>,
    /// A Hugging Face `tokenizer.json`, relative to the spec's folder
    /// (default none).
    #[serde(default)]
    pub tokenizer: Option<PathBuf>,
}

fn one() -> f64 {
    1.0
}

fn build(params: &Map<String, Value>, bcx: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let c: Config = BuildError::parse_params(params)?;
    if c.buffer == 0 {
        return Err(BuildError::param(
            "buffer",
            "buffer must be at least 1, not 0",
        ));
    }
    if c.buffer > c.max_length {
        return Err(BuildError::param(
            "buffer",
            format!(
                "buffer ({}) must not exceed max_length ({})",
                c.buffer, c.max_length
            ),
        ));
    }
    if !(c.penalty_factor.is_finite() && c.penalty_factor >= 0.0) {
        return Err(BuildError::param(
            "penalty_factor",
            format!(
                "penalty_factor must be a finite number ≥ 0, not {}",
                c.penalty_factor
            ),
        ));
    }
    Ok(Box::new(Overlong {
        max_length: c.max_length,
        buffer: c.buffer,
        penalty_factor: c.penalty_factor,
        measure: Measure::build(c.unit, c.tokenizer.as_deref(), None, bcx)?,
    }))
}

#[derive(Debug)]
struct Overlong {
    max_length: u64,
    buffer: u64,
    penalty_factor: f64,
    measure: Measure,
}

/// DAPO's eq. 13, before `penalty_factor`.
fn penalty(length: u64, max_length: u64, buffer: u64) -> f64 {
    let expected = max_length - buffer;
    if length <= expected {
        0.0
    } else if length <= max_length {
        (expected as f64 - length as f64) / buffer as f64
    } else {
        -1.0
    }
}

impl Aspect for Overlong {
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation {
        let length = match self.measure.measure_response(sample, cx) {
            Ok(n) => n,
            Err(e) => return Evaluation::failed(e),
        };
        let raw = penalty(length as u64, self.max_length, self.buffer);
        // `+ 0.0` turns −0.0 (a zero penalty times a factor) into 0.0.
        Evaluation::scored(raw * self.penalty_factor + 0.0)
            .with("length", length)
            .with("unit", self.measure.unit().as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::Duration;
    use test_case::test_case;

    // DAPO's setting: L_max = 20480, L_cache = 4096.
    #[test_case(0, 0.0)]
    #[test_case(16384, 0.0; "at the start of the buffer")]
    #[test_case(16385, -1.0 / 4096.0)]
    #[test_case(18432, -0.5; "half way")]
    #[test_case(20480, -1.0; "at the limit")]
    #[test_case(20481, -1.0; "past the limit")]
    fn dapo_formula(length: u64, expected: f64) {
        assert_eq!(penalty(length, 20480, 4096), expected);
    }

    fn run(params: Value, response: &str) -> Evaluation {
        let bcx = BuildContext::default();
        let a = build(params.as_object().unwrap(), &bcx).unwrap();
        a.evaluate(
            &Sample::new("s", response),
            &Context::with_timeout(Duration::from_secs(1)),
        )
    }

    #[test]
    fn counts_in_the_chosen_unit() {
        let e = run(
            json!({"max_length": 10, "buffer": 4, "unit": "chars"}),
            "12345678",
        );
        assert_eq!(e.outcome.value(), Some(-0.5));
        assert_eq!(e.details["length"], 8);
        assert_eq!(e.details["unit"], "chars");
        let e = run(
            json!({"max_length": 4, "buffer": 2, "unit": "words", "penalty_factor": 0.5}),
            "a b c",
        );
        assert_eq!(e.outcome.value(), Some(-0.25));
        let e = run(
            json!({"max_length": 4, "buffer": 2, "unit": "words", "penalty_factor": 0.0}),
            "a b c d e",
        );
        assert_eq!(e.outcome.value(), Some(0.0));
        assert!(e.outcome.value().unwrap().is_sign_positive());
    }

    #[cfg(feature = "tokenizers")]
    #[test]
    fn counts_tokens() {
        let tokenizer = crate::length::fixture();
        // "Janet has 16 eggs." is 7 tokens of the fixture.
        let params = json!({"max_length": 8, "buffer": 2, "tokenizer": tokenizer});
        let e = run(params, "Janet has 16 eggs.");
        assert_eq!(e.outcome.value(), Some(-0.5));
        assert_eq!(e.details["unit"], "tokens");
    }

    #[test]
    fn bad_params_are_build_errors() {
        let cases = [
            (
                json!({"max_length": 10, "buffer": 11, "unit": "chars"}),
                "buffer",
                "buffer (11) must not exceed max_length (10)",
            ),
            (
                json!({"max_length": 10, "buffer": 0, "unit": "chars"}),
                "buffer",
                "at least 1",
            ),
            (
                json!({"max_length": 10, "buffer": 2, "unit": "chars", "penalty_factor": -1}),
                "penalty_factor",
                "not -1",
            ),
            (
                json!({"max_length": 10, "buffer": 2}),
                "unit",
                "say what to count",
            ),
            (
                json!({"max_length": 10, "buffer": 2, "unit": "tokens"}),
                "tokenizer",
                "needs `tokenizer",
            ),
            (
                json!({"max_length": 10, "buffer": 2, "unit": "bytes"}),
                "unit",
                "unknown variant `bytes`",
            ),
            (
                json!({"max_length": -1, "buffer": 2, "unit": "chars"}),
                "max_length",
                "invalid value",
            ),
            (
                json!({"max_tokens": 10, "buffer": 2, "unit": "chars"}),
                "max_tokens",
                "unknown field `max_tokens`",
            ),
            (
                json!({"max_length": 10, "buffer": 2, "tokenizer": "missing.json"}),
                "tokenizer",
                "missing.json",
            ),
        ];
        crate::testing::assert_rejected(build, &cases);
    }

    proptest! {
        #[test]
        fn within_range_and_monotone(max_length in 1u64..10_000, buffer_frac in 0.0f64..1.0, a in 0u64..20_000, b in 0u64..20_000) {
            let buffer = ((max_length as f64 * buffer_frac) as u64).clamp(1, max_length);
            let (pa, pb) = (penalty(a, max_length, buffer), penalty(b, max_length, buffer));
            prop_assert!((-1.0..=0.0).contains(&pa));
            if a <= b {
                prop_assert!(pa >= pb, "longer must not be rewarded more");
            }
        }
    }
}
