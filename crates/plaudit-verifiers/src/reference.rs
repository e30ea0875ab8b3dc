//! The acceptable answers of a sample's reference, borrowed.
//!
//! Mirrors [`Sample::reference_answers`] (a string or number is one answer,
//! a list gives several, anything else is no usable reference) without
//! copying the strings: the match aspects read references once per sample.

use std::borrow::Cow;

use plaudit_core::Sample;
use serde_json::Value;

/// Why a match aspect does not apply, in the words of its outcome.
pub(crate) const NO_REFERENCE: &str =
    "the sample has no reference answer (a string, a number or a list of them)";

/// A sample's reference answers: one (the common case, held inline, so
/// that reading it allocates nothing) or several.
#[derive(Debug)]
pub(crate) enum Answers<'a> {
    One(Cow<'a, str>),
    Many(Vec<Cow<'a, str>>),
}

impl<'a> std::ops::Deref for Answers<'a> {
    type Target = [Cow<'a, str>];

    fn deref(&self) -> &Self::Target {
        match self {
            Answers::One(a) => std::slice::from_ref(a),
            Answers::Many(all) => all,
        }
    }
}

/// The reference answers, or `None` when the sample has no usable reference.
pub(crate) fn answers(sample: &Sample) -> Option<Answers<'_>> {
    fn scalar(v: &Value) -> Option<Cow<'_, str>> {
        match v {
            Value::String(s) => Some(Cow::Borrowed(s)),
            Value::Number(n) => Some(Cow::Owned(n.to_string())),
            Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            _ => None,
        }
    }
    match sample.reference.as_ref()? {
        Value::Array(items) => {
            let answers: Option<Vec<_>> = items.iter().map(scalar).collect();
            answers.filter(|a| !a.is_empty()).map(Answers::Many)
        }
        other => scalar(other).map(Answers::One),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn agrees_with_reference_answers() {
        let cases = [
            None,
            Some(json!(null)),
            Some(json!("42")),
            Some(json!(3.5)),
            Some(json!(true)),
            Some(json!(["a", 1, false])),
            Some(json!([])),
            Some(json!(["a", {"b": 1}])),
            Some(json!({"k": 1})),
        ];
        for reference in cases {
            let mut sample = Sample::new("s", "r");
            sample.reference = reference.clone();
            let ours = answers(&sample).map(|v| v.iter().map(|a| a.to_string()).collect());
            assert_eq!(ours, sample.reference_answers(), "reference {reference:?}");
        }
    }
}
