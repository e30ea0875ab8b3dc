//! `match.contains`: required phrases present, forbidden phrases absent.
//!
//! ## What it does
//!
//! Looks for each phrase of `required` and `forbidden` in the extracted
//! answer (by default the whole response). The value is the share of
//! required phrases present (1 when none are listed), and 0 as soon as any
//! forbidden phrase occurs. With `required_from_reference = true` the
//! sample's reference answers (a string, a number or a list) are required
//! too, added to `required`.
//!
//! - `case_sensitive = false`: phrases and text are compared lowercased.
//! - `whole_word = false`: with `true`, an occurrence counts only when the
//!   characters just before and after it are not word characters (letters,
//!   digits, `_`), so `cat` is not found in `concatenate`.
//!
//! Details: `missing` (required phrases not found) and `forbidden` (the
//! forbidden phrases found), each only when non-empty.
//!
//! ## Why
//!
//! Keyword constraints are the simplest verifiable instructions ("mention
//! X", "never say Y", IFEval-style), and a forbidden list catches canned
//! exploits — a master-key phrase, a refusal template, an echoed prompt.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "keywords"
//! kind = "match.contains"
//! required = ["photosynthesis", "chlorophyll"]
//! forbidden = ["as an AI language model"]
//! whole_word = true
//! ```
//!
//! ## Edge cases
//!
//! - Phrases are literal: no pattern syntax and no whitespace folding
//!   (`"new  york"` does not match `"new york"`).
//! - Case folding lowercases character by character (Unicode lowercase,
//!   not full case folding: `ß` does not match `SS`).
//! - `required_from_reference` with no usable reference: not applicable.
//!   Empty reference strings are ignored.
//! - No answer found by the extraction: 0 with `extracted: null`.
//! - Each phrase is one memchr `memmem` scan: linear in the text.
//!
//! ## References
//!
//! - Zhou et al., *Instruction-Following Evaluation for Large Language
//!   Models* (IFEval, 2023): the keyword inclusion and exclusion checks.

use memchr::memmem::Finder;
use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample};

use crate::deadline::{Ticker, timed_out};
use crate::extract::{Extract, Extractor, no_answer};
use crate::match_exact::default_answer_tag;
use crate::reference::{self, NO_REFERENCE};
use crate::text::{fold_into, is_word_char};

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "match.contains",
    summary: "share of required phrases present; 0 if any forbidden phrase occurs",
    version: 1,
    build,
};

/// The parameters of `match.contains`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Phrases that must occur (default none).
    #[serde(default)]
    pub required: Vec<String>,
    /// Phrases that must not occur (default none).
    #[serde(default)]
    pub forbidden: Vec<String>,
    /// Whether case matters (default `false`).
    #[serde(default)]
    pub case_sensitive: bool,
    /// Whether a phrase must stand as whole words (default `false`).
    #[serde(default)]
    pub whole_word: bool,
    /// Whether the sample's reference answers are required too (default
    /// `false`).
    #[serde(default)]
    pub required_from_reference: bool,
    /// Where to look (default `"response"`).
    #[serde(default)]
    pub extract: Extract,
    /// The tag of `extract = "answer_tag"` (default `"answer"`).
    #[serde(default = "default_answer_tag")]
    pub answer_tag: String,
}

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let config: Config = BuildError::parse_params(params)?;
    if config.required.is_empty() && config.forbidden.is_empty() && !config.required_from_reference
    {
        return Err(BuildError::param(
            "required",
            "nothing to check: give `required`, `forbidden` or `required_from_reference = true`",
        ));
    }
    let phrases = |field: &str, list: Vec<String>| -> Result<Vec<Phrase>, BuildError> {
        list.into_iter()
            .enumerate()
            .map(|(i, text)| {
                if text.is_empty() {
                    return Err(BuildError::param(
                        format!("{field}[{i}]"),
                        "the phrase is empty",
                    ));
                }
                Ok(Phrase::new(text, config.case_sensitive))
            })
            .collect()
    };
    Ok(Box::new(MatchContains {
        required: phrases("required", config.required)?,
        forbidden: phrases("forbidden", config.forbidden)?,
        case_sensitive: config.case_sensitive,
        whole_word: config.whole_word,
        required_from_reference: config.required_from_reference,
        extractor: Extractor::build(&config.extract, &config.answer_tag)?,
    }))
}

#[derive(Debug)]
struct Phrase {
    /// As the spec wrote it, for details.
    text: String,
    /// A searcher for the phrase, lowercased unless case matters.
    finder: Finder<'static>,
}

impl Phrase {
    fn new(text: String, case_sensitive: bool) -> Self {
        let finder = if case_sensitive {
            Finder::new(&text).into_owned()
        } else {
            let mut folded = String::new();
            fold_into(&text, &mut folded);
            Finder::new(&folded).into_owned()
        };
        Self { text, finder }
    }
}

#[derive(Debug)]
struct MatchContains {
    required: Vec<Phrase>,
    forbidden: Vec<Phrase>,
    case_sensitive: bool,
    whole_word: bool,
    required_from_reference: bool,
    extractor: Extractor,
}

/// Whether `finder`'s needle occurs in `hay`, as a whole word if asked.
fn occurs(hay: &str, finder: &Finder<'_>, whole_word: bool) -> bool {
    if !whole_word {
        return finder.find(hay.as_bytes()).is_some();
    }
    let len = finder.needle().len();
    let mut from = 0;
    while let Some(i) = finder.find(&hay.as_bytes()[from..]) {
        // A match of valid UTF-8 in valid UTF-8 starts and ends on
        // character boundaries, so these slices cannot panic.
        let (start, end) = (from + i, from + i + len);
        let clear_before = hay[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !is_word_char(c));
        let clear_after = hay[end..].chars().next().is_none_or(|c| !is_word_char(c));
        if clear_before && clear_after {
            return true;
        }
        from = start + 1;
    }
    false
}

impl Aspect for MatchContains {
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation {
        let references = if self.required_from_reference {
            match reference::answers(sample) {
                Some(r) => r,
                None => return Evaluation::not_applicable(NO_REFERENCE),
            }
        } else {
            reference::Answers::Many(Vec::new())
        };
        let Some(text) = self.extractor.extract(sample.response.text()) else {
            return no_answer(&self.extractor);
        };
        let mut folded = String::new();
        let hay = if self.case_sensitive {
            text
        } else {
            fold_into(text, &mut folded);
            &folded
        };
        let mut ticker = Ticker::new(cx);
        let mut scanned = 0usize;
        let mut tick = |ticker: &mut Ticker<'_>| {
            scanned = scanned.saturating_add(hay.len());
            ticker.expired(scanned)
        };

        let mut forbidden = Vec::new();
        for p in &self.forbidden {
            if tick(&mut ticker) {
                return timed_out(cx);
            }
            if occurs(hay, &p.finder, self.whole_word) {
                forbidden.push(Value::from(p.text.as_str()));
            }
        }
        if !forbidden.is_empty() {
            return Evaluation::scored(0.0).with("forbidden", forbidden);
        }

        let mut missing = Vec::new();
        let mut total = 0usize;
        for p in &self.required {
            if tick(&mut ticker) {
                return timed_out(cx);
            }
            total += 1;
            if !occurs(hay, &p.finder, self.whole_word) {
                missing.push(Value::from(p.text.as_str()));
            }
        }
        let mut buf = String::new();
        for r in references.iter().filter(|r| !r.is_empty()) {
            if tick(&mut ticker) {
                return timed_out(cx);
            }
            total += 1;
            let needle: &str = if self.case_sensitive {
                r
            } else {
                fold_into(r, &mut buf);
                &buf
            };
            if !occurs(hay, &Finder::new(needle.as_bytes()), self.whole_word) {
                missing.push(Value::from(r.as_ref()));
            }
        }
        let value = if total == 0 {
            1.0
        } else {
            (total - missing.len()) as f64 / total as f64
        };
        let e = Evaluation::scored(value);
        if missing.is_empty() {
            e
        } else {
            e.with("missing", missing)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::Duration;

    fn run(params: Value, response: &str, reference: Option<Value>) -> Evaluation {
        let a = build(params.as_object().unwrap(), &BuildContext::default()).unwrap();
        let mut sample = Sample::new("s", response);
        sample.reference = reference;
        a.evaluate(&sample, &Context::with_timeout(Duration::from_secs(1)))
    }

    #[test]
    fn table() {
        #[rustfmt::skip]
        let cases: &[(Value, &str, f64)] = &[
            (json!({"required": ["cat", "dog"]}), "A Cat and a DOG", 1.0),
            (json!({"required": ["cat", "dog"]}), "a cat", 0.5),
            (json!({"required": ["cat", "dog"], "case_sensitive": true}), "a Cat and a dog", 0.5),
            (json!({"required": ["cat"], "whole_word": true}), "concatenate", 0.0),
            (json!({"required": ["cat"], "whole_word": true}), "concatenate; cat.", 1.0),
            (json!({"required": ["a a"], "whole_word": true}), "xa a a", 1.0),
            (json!({"required": ["über"], "whole_word": true}), "Überall ÜBER", 1.0),
            (json!({"required": ["über"], "whole_word": true}), "Überall", 0.0),
            (json!({"forbidden": ["as an ai"]}), "As an AI, I cannot", 0.0),
            (json!({"forbidden": ["as an ai"]}), "fine", 1.0),
            (json!({"required": ["x"], "forbidden": ["y"]}), "x y", 0.0),
            (json!({"required": ["New York"]}), "new  york", 0.0),
            (json!({"required": ["4"], "extract": "answer_tag"}), "4 <answer>5</answer>", 0.0),
        ];
        for (params, response, expected) in cases {
            let e = run(params.clone(), response, None);
            assert_eq!(
                e.outcome.value(),
                Some(*expected),
                "{params} on {response:?}: {e:?}"
            );
        }
    }

    #[test]
    fn details_name_the_phrases() {
        let e = run(json!({"required": ["cat", "dog", "eel"]}), "dog", None);
        assert_eq!(e.details["missing"], json!(["cat", "eel"]));
        let e = run(json!({"forbidden": ["Foo", "bar"]}), "FOO BAR", None);
        assert_eq!(e.details["forbidden"], json!(["Foo", "bar"]));
        let e = run(json!({"required": ["x"]}), "x", None);
        assert!(e.details.is_empty());
    }

    #[test]
    fn required_from_reference() {
        let params = json!({"required_from_reference": true, "required": ["because"]});
        let e = run(
            params.clone(),
            "Paris, because",
            Some(json!(["paris", "France", ""])),
        );
        assert_eq!(e.outcome.value(), Some(2.0 / 3.0));
        assert_eq!(e.details["missing"], json!(["France"]));
        let e = run(params.clone(), "42 because", Some(json!(42)));
        assert_eq!(e.outcome.value(), Some(1.0));
        let e = run(params, "x", None);
        assert_eq!(e.outcome.status(), plaudit_core::Status::NotApplicable);
    }

    #[test]
    fn bad_params_are_build_errors() {
        let cases = [
            (json!({}), "required", "nothing to check"),
            (
                json!({"required": ["a", ""]}),
                "required[1]",
                "the phrase is empty",
            ),
            (
                json!({"forbidden": "x"}),
                "forbidden",
                "expected a sequence",
            ),
            (
                json!({"required": ["a"], "wholeword": true}),
                "wholeword",
                "unknown field `wholeword`",
            ),
        ];
        crate::testing::assert_rejected(build, &cases);
    }

    proptest! {
        #[test]
        fn value_is_a_share(
            response in "\\PC{0,60}",
            required in proptest::collection::vec("\\PC{1,4}", 1..5),
            whole_word: bool,
            case_sensitive: bool,
        ) {
            let n = required.len() as f64;
            let params = json!({"required": required, "whole_word": whole_word, "case_sensitive": case_sensitive});
            let v = run(params, &response, None).outcome.value().unwrap();
            prop_assert!((0.0..=1.0).contains(&v));
            prop_assert!(((v * n).round() - v * n).abs() < 1e-9);
        }

        #[test]
        fn a_phrase_is_found_in_itself(phrase in "\\PC{1,20}") {
            // The extracted answer is trimmed; a phrase with edge whitespace is not in it.
            prop_assume!(phrase.trim() == phrase);
            let v = run(json!({"required": [phrase.clone()], "whole_word": true}), &phrase, None).outcome.value();
            prop_assert_eq!(v, Some(1.0));
        }
    }
}
