//! Rule-based reward aspects, one per file.
//!
//! Each file holds one aspect kind: a config struct (the spec's parameters,
//! unknown fields rejected) that builds into an [`plaudit_core::Aspect`], the
//! kind's [`plaudit_core::KindEntry`], its documentation and its table tests.
//! [`register`] adds every kind to a registry; adding a verifier touches its
//! file and one line there.
//!
//! | kind               | file                                   | value                                  |
//! |--------------------|----------------------------------------|----------------------------------------|
//! | `format.tags`      | [`format_tags`]                        | 1 / 0                                  |
//! | `format.regex`     | [`format_regex`]                       | 1 / 0                                  |
//! | `format.json`      | [`format_json`]                        | 1 / 0                                  |
//! | `match.exact`      | [`match_exact`]                        | 1 / 0                                  |
//! | `match.f1`         | [`match_f1`]                           | [0, 1]                                 |
//! | `match.contains`   | [`match_contains`]                     | [0, 1]                                 |
//! | `match.iou`        | [`match_iou`]                          | [0, 1]                                 |
//! | `length.overlong`  | [`length_overlong`]                    | [−penalty_factor, 0]                   |
//! | `length.target`    | [`length_target`]                      | [0, 1]                                 |
//! | `repetition.ngram` | [`repetition_ngram`]                   | [max_penalty, 0]                       |
//! | `code.tests`       | [`code`]                               | [0, 1]                                 |
//! | `tool.calls`       | [`tool_calls`]                         | [−3, 3] or [0, 1] (`scale`)            |
//!
//! Shared pieces: [`extract`] finds the answer in a response (`extract =
//! "answer_tag"`, `"boxed"`…), [`length`] counts characters, words or
//! tokens. The design rules every verifier here follows:
//!
//! - **Never panic, always bounded.** Every scan is linear in the response
//!   (memchr, no backtracking regex), and loops over large inputs check the
//!   deadline every 64 KiB, returning a timed-out outcome rather than
//!   running on.
//! - **Never a silent 0.** A missing reference is "not applicable", not 0;
//!   a 0 carries a `reason` (or the `extracted: null` of an answer not
//!   found) in its details.
//! - **Cheap per sample.** Patterns, tag strings, tokenizers and schemas
//!   are built once, at spec build time; evaluation allocates little more
//!   than a normalized copy of the text.
#![deny(missing_docs)]

mod assignment;
pub mod code;
mod deadline;
pub mod extract;
pub mod format_json;
pub mod format_regex;
pub mod format_tags;
pub mod length;
pub mod length_overlong;
pub mod length_target;
pub mod match_contains;
pub mod match_exact;
pub mod match_f1;
pub mod match_iou;
mod normalize;
mod reference;
pub mod repetition_ngram;
mod text;
pub mod tool_calls;

/// Adds every rule-based aspect kind to `registry`.
pub fn register(registry: &mut plaudit_core::Registry) {
    registry.register(format_tags::ENTRY);
    registry.register(format_regex::ENTRY);
    registry.register(format_json::ENTRY);
    registry.register(match_exact::ENTRY);
    registry.register(match_f1::ENTRY);
    registry.register(match_contains::ENTRY);
    registry.register(match_iou::ENTRY);
    registry.register(length_overlong::ENTRY);
    registry.register(length_target::ENTRY);
    registry.register(repetition_ngram::ENTRY);
    registry.register(tool_calls::ENTRY);
    registry.register(code::ENTRY);
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_kind_is_registered_once() {
        let mut registry = plaudit_core::Registry::new();
        super::register(&mut registry);
        assert_eq!(
            registry.kinds(),
            [
                "code.tests",
                "format.json",
                "format.regex",
                "format.tags",
                "length.overlong",
                "length.target",
                "match.contains",
                "match.exact",
                "match.f1",
                "match.iou",
                "repetition.ngram",
                "tool.calls",
            ]
        );
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers shared by the kinds' tests.

    use plaudit_core::{BuildContext, BuildFn};
    use serde_json::Value;

    /// Asserts that `build` rejects each parameter set, naming `field` (""
    /// for none) and saying something containing `message`.
    pub(crate) fn assert_rejected(build: BuildFn, cases: &[(Value, &str, &str)]) {
        for (params, field, message) in cases {
            let err = build(params.as_object().unwrap(), &BuildContext::default()).unwrap_err();
            assert_eq!(err.field().unwrap_or(""), *field, "{params}");
            assert!(err.to_string().contains(message), "{params}: {err}");
        }
    }
}
