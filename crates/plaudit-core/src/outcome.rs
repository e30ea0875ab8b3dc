//! What one aspect says about one sample.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::time::Duration;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

thread_local! {
    /// Set while an evaluation runs whose details the caller will discard.
    static DETAILS_OFF: Cell<bool> = const { Cell::new(false) };
}

/// Whether the evaluation being made on this thread keeps its details.
///
/// True unless the engine is running the evaluation for a caller that
/// discards details (a server protocol that answers numbers only; see
/// [`without_details`]). [`Evaluation::with`] checks it itself; an aspect
/// whose details take work of their own to build (a copy, a preview, a
/// formatted message) checks it before building them.
///
/// An outcome never depends on it: only what is recorded beside the
/// outcome does.
#[inline]
pub fn details_wanted() -> bool {
    !DETAILS_OFF.get()
}

/// Runs `f` with details off on this thread ([`details_wanted`] false,
/// [`Evaluation::with`] recording nothing), then restores the previous
/// setting, also if `f` panics. For the engine, around the evaluations of
/// a caller that discards details.
pub fn without_details<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            DETAILS_OFF.set(self.0);
        }
    }
    let _restore = Restore(DETAILS_OFF.replace(true));
    f()
}

/// Provenance an aspect attaches to its outcome: what it extracted, which
/// criterion failed, what a judge said. Serialized as a JSON object, keys
/// in insertion order.
///
/// A small vector rather than a map: evaluations carry a handful of details
/// and are made by the million, so a static key costs no allocation and an
/// empty set costs nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Details(Vec<(Cow<'static, str>, Value)>);

impl Details {
    /// No details.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// Sets a detail, replacing one with the same key.
    pub fn insert(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Value>) {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => {
                if self.0.capacity() == 0 {
                    // Most aspects record one to three details: room for
                    // two up front, not the growth path's four. A score's
                    // size is mostly its details, and a batch of scores
                    // that takes less memory is faster to make (engine
                    // bench, rule5 spec, one thread: 8% fewer seconds than
                    // with four).
                    self.0 = Vec::with_capacity(2);
                }
                self.0.push((key, value));
            }
        }
    }

    /// The detail with this key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether there is a detail with this key.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Whether there are no details.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many details there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The details in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }
}

impl std::ops::Index<&str> for Details {
    type Output = Value;

    /// The detail with this key, or `null` when there is none (as
    /// `serde_json::Value` indexes).
    fn index(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(key).unwrap_or(&NULL)
    }
}

impl Serialize for Details {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k.as_ref(), v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Details {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Details;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of details")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Details, A::Error> {
                let mut d = Details::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    d.insert(k, v);
                }
                Ok(d)
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// The outcome of one aspect on one sample.
///
/// Only [`Outcome::Scored`] carries a number. The others stay distinct all
/// the way to the output, where the spec's `on_missing` policy decides how
/// they enter the reward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The aspect produced a value.
    Scored {
        /// The value, always finite.
        value: f64,
    },
    /// The aspect does not apply to this sample (no reference to compare
    /// with, a gate that did not pass…).
    NotApplicable {
        /// Why, in words a user can act on.
        reason: String,
    },
    /// The aspect could not produce a value (bad input, an error).
    Failed {
        /// What went wrong.
        error: String,
    },
    /// The aspect ran past its deadline.
    TimedOut {
        /// The deadline it missed, in milliseconds.
        after_ms: u64,
    },
}

/// The four kinds of outcome, as the output's `status` field spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// [`Outcome::Scored`]
    Scored,
    /// [`Outcome::NotApplicable`]
    NotApplicable,
    /// [`Outcome::Failed`]
    Failed,
    /// [`Outcome::TimedOut`]
    TimedOut,
}

impl Status {
    /// Every status, in output order.
    pub const ALL: [Status; 4] = [
        Status::Scored,
        Status::NotApplicable,
        Status::Failed,
        Status::TimedOut,
    ];

    /// The name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scored => "scored",
            Status::NotApplicable => "not_applicable",
            Status::Failed => "failed",
            Status::TimedOut => "timed_out",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Outcome {
    /// A scored outcome. A non-finite value becomes [`Outcome::Failed`]: a NaN
    /// reward poisons a whole training batch, so it never leaves an aspect.
    pub fn scored(value: f64) -> Self {
        if value.is_finite() {
            Outcome::Scored { value }
        } else {
            Outcome::Failed {
                error: format!("the aspect computed a non-finite value ({value})"),
            }
        }
    }

    /// A not-applicable outcome.
    pub fn not_applicable(reason: impl Into<String>) -> Self {
        Outcome::NotApplicable {
            reason: reason.into(),
        }
    }

    /// A failed outcome.
    pub fn failed(error: impl Into<String>) -> Self {
        Outcome::Failed {
            error: error.into(),
        }
    }

    /// A timed-out outcome.
    pub fn timed_out(after: Duration) -> Self {
        Outcome::TimedOut {
            after_ms: after.as_millis().try_into().unwrap_or(u64::MAX),
        }
    }

    /// The value, when scored.
    pub fn value(&self) -> Option<f64> {
        match self {
            Outcome::Scored { value } => Some(*value),
            _ => None,
        }
    }

    /// The kind of outcome.
    pub fn status(&self) -> Status {
        match self {
            Outcome::Scored { .. } => Status::Scored,
            Outcome::NotApplicable { .. } => Status::NotApplicable,
            Outcome::Failed { .. } => Status::Failed,
            Outcome::TimedOut { .. } => Status::TimedOut,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Scored { value } => write!(f, "scored {value}"),
            Outcome::NotApplicable { reason } => write!(f, "not applicable: {reason}"),
            Outcome::Failed { error } => write!(f, "failed: {error}"),
            Outcome::TimedOut { after_ms } => write!(f, "timed out after {after_ms} ms"),
        }
    }
}

/// An outcome with the provenance that explains it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The outcome.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Provenance details, shown beside the outcome in the output.
    #[serde(default, skip_serializing_if = "Details::is_empty")]
    pub details: Details,
}

impl Evaluation {
    /// An evaluation without details.
    pub fn new(outcome: Outcome) -> Self {
        Self {
            outcome,
            details: Details::new(),
        }
    }

    /// A scored evaluation (see [`Outcome::scored`]).
    pub fn scored(value: f64) -> Self {
        Self::new(Outcome::scored(value))
    }

    /// A not-applicable evaluation.
    pub fn not_applicable(reason: impl Into<String>) -> Self {
        Self::new(Outcome::not_applicable(reason))
    }

    /// A failed evaluation.
    pub fn failed(error: impl Into<String>) -> Self {
        Self::new(Outcome::failed(error))
    }

    /// Makes room for `n` more details at once: for an aspect that knows
    /// how many it records, one allocation of the right size. Nothing
    /// while details are off ([`details_wanted`]).
    pub fn with_room(mut self, n: usize) -> Self {
        if details_wanted() {
            self.details.0.reserve_exact(n);
        }
        self
    }

    /// Adds one provenance detail. A `&'static str` key costs no allocation.
    /// While details are off ([`details_wanted`]) nothing is recorded and
    /// `value` is not converted.
    pub fn with(mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Value>) -> Self {
        if details_wanted() {
            self.details.insert(key, value);
        }
        self
    }
}

impl From<Outcome> for Evaluation {
    fn from(outcome: Outcome) -> Self {
        Self::new(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn non_finite_values_never_leave_an_aspect() {
        assert_eq!(Outcome::scored(f64::NAN).status(), Status::Failed);
        assert_eq!(Outcome::scored(f64::INFINITY).status(), Status::Failed);
        assert_eq!(Outcome::scored(-0.5).value(), Some(-0.5));
    }

    #[test]
    fn evaluation_serializes_flat() {
        let e = Evaluation::scored(1.0).with("extracted", "42");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"status": "scored", "value": 1.0, "details": {"extracted": "42"}})
        );
        let back: Evaluation = serde_json::from_value(serde_json::to_value(&e).unwrap()).unwrap();
        assert_eq!(back, e);
        let t = Evaluation::new(Outcome::timed_out(Duration::from_millis(1500)));
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            json!({"status": "timed_out", "after_ms": 1500})
        );
    }

    #[test]
    fn details_off_records_nothing_and_is_restored() {
        assert!(details_wanted());
        let e = without_details(|| {
            assert!(!details_wanted());
            // Nested: still off inside, still off after the inner scope.
            without_details(|| assert!(!details_wanted()));
            assert!(!details_wanted());
            Evaluation::scored(0.5).with_room(3).with("extracted", "42")
        });
        assert_eq!(e.outcome, Outcome::scored(0.5));
        assert!(e.details.is_empty());
        assert_eq!(e.details.0.capacity(), 0);
        assert!(details_wanted());
        assert_eq!(
            Evaluation::scored(0.5)
                .with("extracted", "42")
                .details
                .len(),
            1
        );
    }

    #[test]
    fn details_come_back_on_after_a_panic() {
        let caught = std::panic::catch_unwind(|| without_details(|| panic!("aspect bug")));
        assert!(caught.is_err());
        assert!(details_wanted());
    }

    #[test]
    fn details_off_is_per_thread() {
        without_details(|| {
            let other = std::thread::spawn(details_wanted).join().unwrap();
            assert!(other);
        });
    }
}
