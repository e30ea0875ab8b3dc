//! `repetition.ngram`: a penalty for repeated word n-grams.
//!
//! ## What it does
//!
//! Splits the response into lowercase words (Python's
//! `text.lower().split()`), takes every run of `n` consecutive words, and
//! penalizes the share that repeats an earlier one:
//!
//! ```text
//! value = (1 − unique_ngrams / total_ngrams) · max_penalty
//! ```
//!
//! with `n = 3` and `max_penalty = -1.0` by default. A response with fewer
//! than `n` words scores 0. The value is in [max_penalty, 0]. Details:
//! `ngrams` (total) and `unique`.
//!
//! ## Why
//!
//! Policies under RL fall into loops — the same sentence over and over
//! until the length limit — and length penalties alone do not tell a long
//! careful answer from a stuck one. open-r1 adds this penalty to its
//! reasoning recipes for that reason.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "repetition"
//! kind = "repetition.ngram"
//! n = 3
//! max_penalty = -0.5
//! ```
//!
//! ## Edge cases
//!
//! - `n` ≥ 1; `max_penalty` finite and ≤ 0 (a penalty, as open-r1
//!   requires).
//! - Words are split on whitespace only, so `word,` and `word` differ, as
//!   in open-r1.
//! - n-grams are hashed as slices of words (each word hashed once,
//!   lowercased on the fly) and compared exactly: no string is built per
//!   n-gram, and a hash collision cannot merge two different n-grams.
//!
//! ## References
//!
//! - open-r1 `get_repetition_penalty_reward` (Hugging Face, 2025), after
//!   the repetition penalty of Yeo et al., *Demystifying Long
//!   Chain-of-Thought Reasoning in LLMs* (2025).

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample};

use crate::deadline::{Ticker, timed_out};
use crate::text::py_words;

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "repetition.ngram",
    summary: "open-r1 repetition penalty: share of repeated word n-grams times max_penalty",
    version: 1,
    build,
};

/// The parameters of `repetition.ngram`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The n-gram size (default 3).
    #[serde(default = "three")]
    pub n: usize,
    /// The value of a response made only of repeats (default -1.0; ≤ 0).
    #[serde(default = "minus_one")]
    pub max_penalty: f64,
}

fn three() -> usize {
    3
}

fn minus_one() -> f64 {
    -1.0
}

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let c: Config = BuildError::parse_params(params)?;
    if c.n == 0 {
        return Err(BuildError::param("n", "n must be at least 1, not 0"));
    }
    if !(c.max_penalty.is_finite() && c.max_penalty <= 0.0) {
        return Err(BuildError::param(
            "max_penalty",
            format!(
                "max_penalty must be a finite number ≤ 0 (a penalty), not {}",
                c.max_penalty
            ),
        ));
    }
    Ok(Box::new(Repetition {
        n: c.n,
        max_penalty: c.max_penalty,
    }))
}

#[derive(Debug)]
struct Repetition {
    n: usize,
    max_penalty: f64,
}

/// A word with the hash of its lowercase form.
#[derive(Debug, Clone, Copy)]
struct Word<'a> {
    hash: u64,
    text: &'a str,
}

impl<'a> Word<'a> {
    fn new(text: &'a str) -> Self {
        let mut h = FxHasher::default();
        if text.is_ascii() {
            for b in text.bytes() {
                h.write_u8(b.to_ascii_lowercase());
            }
        } else {
            for c in text.chars().flat_map(char::to_lowercase) {
                h.write_u32(c as u32);
            }
        }
        Self {
            hash: h.finish(),
            text,
        }
    }

    fn same(&self, other: &Word<'_>) -> bool {
        self.hash == other.hash
            && (self.text == other.text
                || self
                    .text
                    .chars()
                    .flat_map(char::to_lowercase)
                    .eq(other.text.chars().flat_map(char::to_lowercase)))
    }
}

/// An n-gram: a window of the word list, hashed from its words' hashes.
struct Ngram<'w, 'a>(&'w [Word<'a>]);

impl Hash for Ngram<'_, '_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for w in self.0 {
            state.write_u64(w.hash);
        }
    }
}

impl PartialEq for Ngram<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(other.0).all(|(a, b)| a.same(b))
    }
}

impl Eq for Ngram<'_, '_> {}

/// The Fx hash (rustc's): a multiply-rotate per word, far cheaper than
/// SipHash for keys that are already well-mixed hashes. No input here is
/// adversarial in a way that matters: a collision costs a comparison,
/// never a wrong count.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Aspect for Repetition {
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation {
        let mut ticker = Ticker::new(cx);
        let mut words = Vec::new();
        for w in py_words(sample.response.text()) {
            words.push(Word::new(w));
            if ticker.expired(words.len() * 8) {
                return timed_out(cx);
            }
        }
        if words.len() < self.n {
            return Evaluation::scored(0.0).with("ngrams", 0);
        }
        let total = words.len() - self.n + 1;
        let mut seen: HashSet<Ngram<'_, '_>, BuildHasherDefault<FxHasher>> =
            HashSet::with_capacity_and_hasher(total, BuildHasherDefault::default());
        for (i, window) in words.windows(self.n).enumerate() {
            seen.insert(Ngram(window));
            if ticker.expired(i * 8) {
                return timed_out(cx);
            }
        }
        let unique = seen.len();
        let share = 1.0 - unique as f64 / total as f64;
        // `+ 0.0` turns −0.0 (no repeats times a negative penalty) into 0.0.
        Evaluation::scored(share * self.max_penalty + 0.0)
            .with("ngrams", total)
            .with("unique", unique)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::Duration;
    use test_case::test_case;

    fn run(params: Value, response: &str) -> f64 {
        let a = build(params.as_object().unwrap(), &BuildContext::default()).unwrap();
        let cx = Context::with_timeout(Duration::from_secs(10));
        a.evaluate(&Sample::new("s", response), &cx)
            .outcome
            .value()
            .unwrap()
    }

    /// open-r1's reward, for comparison in tests.
    fn reference(text: &str, n: usize, max_penalty: f64) -> f64 {
        let words: Vec<String> = py_words(text).map(str::to_lowercase).collect();
        if words.len() < n {
            return 0.0;
        }
        let grams: Vec<&[String]> = words.windows(n).collect();
        let unique: HashSet<&[String]> = grams.iter().copied().collect();
        (1.0 - unique.len() as f64 / grams.len() as f64) * max_penalty + 0.0
    }

    #[test_case("", 0.0)]
    #[test_case("one two", 0.0; "fewer words than n")]
    #[test_case("a b c d e", 0.0; "no repeats")]
    #[test_case("a b c a b c", -0.25; "one of four trigrams repeats")]
    #[test_case("A b C a B c", -0.25; "case is ignored")]
    #[test_case("x x x x x", -2.0 / 3.0)]
    #[test_case("Ünï x y ünï X Y", -0.25; "unicode case is ignored")]
    fn trigrams(text: &str, expected: f64) {
        let v = run(json!({}), text);
        assert!((v - expected).abs() < 1e-12, "{text:?}: {v} != {expected}");
        assert!((v - reference(text, 3, -1.0)).abs() < 1e-12);
    }

    #[test]
    fn parameters() {
        assert_eq!(run(json!({"n": 1, "max_penalty": -0.5}), "a a b b"), -0.25);
        assert!(run(json!({}), "a b c d").is_sign_positive());
        let cases = [
            (json!({"n": 0}), "n", "at least 1"),
            (
                json!({"max_penalty": 0.5}),
                "max_penalty",
                "≤ 0 (a penalty), not 0.5",
            ),
            (json!({"size": 3}), "size", "unknown field `size`"),
        ];
        for (params, field, message) in cases {
            let err = build(params.as_object().unwrap(), &BuildContext::default()).unwrap_err();
            assert_eq!(err.field().unwrap_or(""), field, "{params}");
            assert!(err.to_string().contains(message), "{params}: {err}");
        }
    }

    #[test]
    fn stops_at_the_deadline() {
        let a = build(&Map::new(), &BuildContext::default()).unwrap();
        let e = a.evaluate(
            &Sample::new("s", "word ".repeat(200_000)),
            &Context::with_timeout(Duration::ZERO),
        );
        assert_eq!(e.outcome.status(), plaudit_core::Status::TimedOut);
    }

    proptest! {
        #[test]
        fn agrees_with_open_r1(text in "([a-cA-CÄä]{1,2}[ \n]){0,40}", n in 1usize..5, max_penalty in -2.0f64..=0.0) {
            let v = run(json!({"n": n, "max_penalty": max_penalty}), &text);
            prop_assert!((v - reference(&text, n, max_penalty)).abs() < 1e-12);
            prop_assert!(v <= 0.0 && v >= max_penalty);
        }

        #[test]
        fn never_panics(text in any::<String>()) {
            let v = run(json!({}), &text);
            prop_assert!((-1.0..=0.0).contains(&v));
        }
    }
}
