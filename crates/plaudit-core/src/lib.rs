//! The data model of plaudit, shared by every other crate.
//!
//! A [`Sample`] goes in, an [`Aspect`] turns it into an [`Evaluation`] (an
//! [`Outcome`] plus provenance details), and the engine folds the evaluations
//! of every aspect of a [`Spec`] into one [`Score`].
//!
//! The outcome of an aspect is never collapsed into a number early: a value, a
//! "does not apply", a failure and a timeout stay distinct until the spec's
//! `on_missing` policy decides how each enters the reward. That is the whole
//! reason this crate exists separately from the engine: every surface (CLI,
//! server, Python) speaks these types.
//!
//! This crate has no async runtime and no Python bindings, only serde.
#![deny(missing_docs)]

mod aspect;
pub mod http;
mod outcome;
mod registry;
mod sample;
mod score;
pub mod spec;
pub mod turn;

pub use aspect::{Aspect, Context, Cost, SampleToken, Scope};
pub use outcome::{Details, Evaluation, Outcome, Status, details_wanted, without_details};
pub use registry::{BuildContext, BuildError, BuildFn, KindEntry, Registry};
pub use sample::{Content, Message, Sample, json_type};
pub use score::{AspectResult, Score};
pub use spec::{AspectSpec, Combine, CombineMethod, Limits, Normalize, OnMissing, Spec, SpecError};

/// `text`, cut to at most `max_bytes` at a character boundary, with `…`
/// marking the cut: details and reports show what was extracted or
/// generated without copying a whole response into every row.
pub fn preview(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut s = String::with_capacity(end + '…'.len_utf8());
    s.push_str(&text[..end]);
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn preview_cuts_at_a_char_boundary() {
        let long = "é".repeat(300);
        let p = super::preview(&long, 200);
        assert_eq!(p, format!("{}…", "é".repeat(100)));
        let p = super::preview(&long, 201);
        assert_eq!(p, format!("{}…", "é".repeat(100)));
        assert_eq!(super::preview("short", 200), "short");
        assert_eq!(super::preview("abc", 0), "…");
    }
}
