//! Finding the answer inside a response, shared by `match.*` and
//! `format.json`.
//!
//! The `extract` parameter names where the answer is:
//!
//! | `extract`                     | the answer is                                                        |
//! |-------------------------------|----------------------------------------------------------------------|
//! | `"response"`                  | the whole response                                                   |
//! | `"answer_tag"`                | the content of the last `<answer>…</answer>` (tag: `answer_tag`)     |
//! | `"boxed"`                     | the content of the last `\boxed{…}`, nested braces balanced          |
//! | `"gsm8k"`                     | the rest of the line after the last `#### ` (GSM8K's answer marker)  |
//! | `"code_block"`                | the body of the last fenced block tagged `json` or untagged          |
//! | `{ regex = "…", group = 1 }`  | capture group `group` of the last match of `regex`                   |
//!
//! Every extracted answer is trimmed of surrounding whitespace. When nothing
//! is found (no closed tag, an unbalanced `\boxed{`, no match) the aspect
//! scores 0 with `extracted: null`: a response without a findable answer
//! has not answered. All extractions but `regex` are plain linear scans;
//! `regex` uses the `regex` crate, linear in the response as well.

use std::fmt;

use crate::text::rfind;
use regex::Regex;
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::Value;

use plaudit_core::BuildError;

/// The largest compiled program a pattern from a spec may produce (2 MiB):
/// enough for any hand-written pattern, small enough that a mistyped
/// `\w{1000}` is refused at build time rather than eating memory.
pub(crate) const REGEX_SIZE_LIMIT: usize = 2 << 20;

/// Compiles a pattern from a spec, naming `field` and the pattern on error.
pub(crate) fn compile_regex(field: &str, pattern: &str) -> Result<Regex, BuildError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| BuildError::param(field, format!("invalid regex {pattern:?}: {e}")))
}

/// Checks a tag name from a spec (`answer`, `think`…): non-empty, and no
/// `<`, `>`, `/` or whitespace, which would make the tag unrecognizable.
pub(crate) fn check_tag_name(field: &str, tag: &str) -> Result<(), BuildError> {
    if tag.is_empty() {
        return Err(BuildError::param(field, "the tag name is empty"));
    }
    if let Some(c) = tag
        .chars()
        .find(|&c| matches!(c, '<' | '>' | '/') || c.is_whitespace())
    {
        return Err(BuildError::param(
            field,
            format!(
                "tag name {tag:?} must not contain {c:?}; write the bare name, as in \"answer\""
            ),
        ));
    }
    Ok(())
}

/// Where the answer is in a response: the `extract` parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Extract {
    /// The whole response.
    #[default]
    Response,
    /// The content of the last answer tag pair.
    AnswerTag,
    /// The content of the last `\boxed{…}`.
    Boxed,
    /// The rest of the line after the last `#### `.
    Gsm8k,
    /// The body of the last fenced code block tagged `json` or untagged.
    CodeBlock,
    /// A capture group of the last match of a pattern.
    Regex {
        /// The pattern.
        regex: String,
        /// The capture group; by default 1 when the pattern has a group,
        /// else 0 (the whole match).
        group: Option<usize>,
    },
}

const EXPECTED: &str = "\"response\", \"answer_tag\", \"boxed\", \"gsm8k\", \"code_block\" or a table { regex = \"…\", group = 1 }";

impl<'de> Deserialize<'de> for Extract {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Table {
            regex: String,
            group: Option<usize>,
        }
        match Value::deserialize(d)? {
            Value::String(s) => match s.as_str() {
                "response" => Ok(Extract::Response),
                "answer_tag" => Ok(Extract::AnswerTag),
                "boxed" => Ok(Extract::Boxed),
                "gsm8k" => Ok(Extract::Gsm8k),
                "code_block" => Ok(Extract::CodeBlock),
                other => Err(de::Error::custom(format!(
                    "unknown extraction {other:?}; expected {EXPECTED}"
                ))),
            },
            table @ Value::Object(_) => {
                let t: Table = serde_json::from_value(table).map_err(de::Error::custom)?;
                Ok(Extract::Regex {
                    regex: t.regex,
                    group: t.group,
                })
            }
            other => Err(de::Error::custom(format!(
                "expected {EXPECTED}, not {other}"
            ))),
        }
    }
}

/// An [`Extract`] ready to run: tags rendered, pattern compiled.
pub(crate) enum Extractor {
    Response,
    AnswerTag { open: String, close: String },
    Boxed,
    Gsm8k,
    CodeBlock,
    Regex { re: Regex, group: usize },
}

impl fmt::Debug for Extractor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Extractor::Regex { re, group } => f
                .debug_struct("Regex")
                .field("regex", &re.as_str())
                .field("group", group)
                .finish(),
            Extractor::AnswerTag { open, .. } => f.debug_tuple("AnswerTag").field(open).finish(),
            other => f.write_str(other.name()),
        }
    }
}

impl Extractor {
    /// Builds the extractor; `answer_tag` is the aspect's tag name, used by
    /// [`Extract::AnswerTag`].
    pub(crate) fn build(extract: &Extract, answer_tag: &str) -> Result<Self, BuildError> {
        Ok(match extract {
            Extract::Response => Extractor::Response,
            Extract::AnswerTag => {
                check_tag_name("answer_tag", answer_tag)?;
                Extractor::AnswerTag {
                    open: format!("<{answer_tag}>"),
                    close: format!("</{answer_tag}>"),
                }
            }
            Extract::Boxed => Extractor::Boxed,
            Extract::Gsm8k => Extractor::Gsm8k,
            Extract::CodeBlock => Extractor::CodeBlock,
            Extract::Regex { regex, group } => {
                let re = compile_regex("extract.regex", regex)?;
                // captures_len counts group 0, the whole match.
                let groups = re.captures_len() - 1;
                let group = group.unwrap_or(usize::from(groups > 0));
                if group > groups {
                    return Err(BuildError::param(
                        "extract.group",
                        format!(
                            "group = {group}, but the pattern {regex:?} has {groups} capture group(s)"
                        ),
                    ));
                }
                Extractor::Regex { re, group }
            }
        })
    }

    /// The extraction's name, for details and reasons.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Extractor::Response => "response",
            Extractor::AnswerTag { .. } => "answer_tag",
            Extractor::Boxed => "boxed",
            Extractor::Gsm8k => "gsm8k",
            Extractor::CodeBlock => "code_block",
            Extractor::Regex { .. } => "regex",
        }
    }

    /// Whether the answer is the whole response (nothing to report as
    /// extracted).
    pub(crate) fn is_whole_response(&self) -> bool {
        matches!(self, Extractor::Response)
    }

    /// The answer in `text`, trimmed, or `None` when there is none.
    pub(crate) fn extract<'t>(&self, text: &'t str) -> Option<&'t str> {
        let found = match self {
            Extractor::Response => Some(text),
            Extractor::AnswerTag { open, close } => last_tagged(text, open, close),
            Extractor::Boxed => last_boxed(text),
            Extractor::Gsm8k => gsm8k(text),
            Extractor::CodeBlock => last_code_block(text),
            Extractor::Regex { re, group } => {
                let last = re.find_iter(text).last()?;
                // Re-running at the last match's start finds that same match
                // (leftmost-first from there) and resolves its groups; doing
                // this once avoids capturing every earlier match.
                let caps = re.captures_at(text, last.start())?;
                caps.get(*group).map(|m| m.as_str())
            }
        };
        found.map(str::trim)
    }
}

/// The evaluation of a response in which the extraction found no answer:
/// 0, with `extracted: null` and the extraction named.
pub(crate) fn no_answer(extractor: &Extractor) -> plaudit_core::Evaluation {
    if !plaudit_core::details_wanted() {
        return plaudit_core::Evaluation::scored(0.0);
    }
    plaudit_core::Evaluation::scored(0.0)
        .with("extracted", Value::Null)
        .with(
            "reason",
            format!("no answer found by `{}` extraction", extractor.name()),
        )
}

/// The content of the last `open … close` pair.
pub(crate) fn last_tagged<'t>(text: &'t str, open: &str, close: &str) -> Option<&'t str> {
    let end = rfind(text.as_bytes(), close.as_bytes())?;
    let start = rfind(&text.as_bytes()[..end], open.as_bytes())? + open.len();
    Some(&text[start..end])
}

/// The content of the last `\boxed{…}`, or `None` when its braces do not
/// balance. Escaped braces (`\{`, `\}`) are content, not structure.
pub(crate) fn last_boxed(text: &str) -> Option<&str> {
    const OPEN: &[u8] = b"\\boxed{";
    let start = rfind(text.as_bytes(), OPEN)? + OPEN.len();
    let bytes = text.as_bytes();
    let mut depth = 1usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&text[start..i]);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The rest of the line after the last `#### `.
pub(crate) fn gsm8k(text: &str) -> Option<&str> {
    const MARK: &[u8] = b"#### ";
    let start = rfind(text.as_bytes(), MARK)? + MARK.len();
    let rest = &text[start..];
    Some(rest.split_once('\n').map_or(rest, |(line, _)| line))
}

/// The body of the last fenced code block (three or more backticks or tildes) whose
/// info string is `json` or empty. A fence left open at the end is no block:
/// a truncated response has not produced its JSON.
pub(crate) fn last_code_block(text: &str) -> Option<&str> {
    let mut found = None;
    // (fence character, body start, wanted) of the block being read.
    let mut open: Option<(char, usize, bool)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        match open {
            None => {
                let fence = match trimmed.as_bytes() {
                    [b'`', b'`', b'`', ..] => '`',
                    [b'~', b'~', b'~', ..] => '~',
                    _ => continue,
                };
                let info = trimmed.trim_start_matches(fence).trim();
                // CommonMark: at most three spaces of indentation, and a
                // backtick fence's info string has no backtick (three
                // backticks around text on one line are inline code).
                let indent = line.len() - line.trim_start().len();
                if indent > 3 || (fence == '`' && info.contains('`')) {
                    continue;
                }
                let wanted = info.is_empty() || info.eq_ignore_ascii_case("json");
                open = Some((fence, offset, wanted));
            }
            Some((fence, body, wanted)) => {
                if trimmed.len() >= 3 && trimmed.chars().all(|c| c == fence) {
                    if wanted {
                        found = Some(&text[body..start]);
                    }
                    open = None;
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn extractor(spec: Value) -> Extractor {
        let e: Extract = serde_json::from_value(spec).unwrap();
        Extractor::build(&e, "answer").unwrap()
    }

    #[test]
    fn extraction_table() {
        #[rustfmt::skip]
        let cases: &[(Value, &str, Option<&str>)] = &[
            (json!("response"), "  42 \n", Some("42")),
            (json!("answer_tag"), "<answer>1</answer> then <answer> 2 </answer>", Some("2")),
            (json!("answer_tag"), "<answer>unclosed", None),
            (json!("answer_tag"), "</answer><answer>", None),
            (json!("boxed"), r"so \boxed{1} or \boxed{\frac{1}{2}}.", Some(r"\frac{1}{2}")),
            (json!("boxed"), r"\boxed{\{1,2\}}", Some(r"\{1,2\}")),
            (json!("boxed"), r"\boxed{ {unbalanced }", None),
            (json!("boxed"), "no box", None),
            (json!("gsm8k"), "work\n#### 1,000\nmore", Some("1,000")),
            (json!("gsm8k"), "#### 1\n#### 18", Some("18")),
            (json!("gsm8k"), "####18", None),
            (json!("code_block"), "a\n```json\n{\"a\": 1}\n```\nb\n```\n[2]\n```\n", Some("[2]")),
            (json!("code_block"), "```python\nx\n```\n```json\n{}\n```", Some("{}")),
            (json!("code_block"), "```json\n{}\n```\n```python\nx = 1\n```", Some("{}")),
            (json!("code_block"), "```json\n{\"truncated\": ", None),
            (json!({"regex": r"answer is (\d+)"}), "answer is 1, answer is 22.", Some("22")),
            (json!({"regex": r"\d+", "group": 0}), "1 2 3", Some("3")),
            (json!({"regex": r"\d+"}), "1 2 3", Some("3")),
            (json!({"regex": r"(a)|(b)", "group": 1}), "a b", None),
            (json!({"regex": r"x"}), "none", None),
        ];
        for (spec, text, want) in cases {
            assert_eq!(
                extractor(spec.clone()).extract(text),
                *want,
                "{spec} on {text:?}"
            );
        }
    }

    #[test]
    fn bad_specs_say_what_was_wrong() {
        let err = serde_json::from_value::<Extract>(json!("last_line")).unwrap_err();
        assert!(
            err.to_string().contains("unknown extraction \"last_line\""),
            "{err}"
        );
        let err = serde_json::from_value::<Extract>(json!({"regex": "x", "grp": 1})).unwrap_err();
        assert!(err.to_string().contains("unknown field `grp`"), "{err}");
        let e: Extract = serde_json::from_value(json!({"regex": "(a", "group": 1})).unwrap();
        let err = Extractor::build(&e, "answer").unwrap_err();
        assert_eq!(err.field(), Some("extract.regex"));
        assert!(err.to_string().contains("invalid regex \"(a\""), "{err}");
        let e: Extract = serde_json::from_value(json!({"regex": "(a)", "group": 2})).unwrap();
        let err = Extractor::build(&e, "answer").unwrap_err();
        assert!(
            err.to_string()
                .contains("group = 2, but the pattern \"(a)\" has 1"),
            "{err}"
        );
        let err = Extractor::build(&Extract::AnswerTag, "<answer>").unwrap_err();
        assert_eq!(err.field(), Some("answer_tag"));
    }

    proptest! {
        #[test]
        fn extraction_never_panics(text in ".{0,200}", which in 0usize..6) {
            let spec = [
                json!("response"), json!("answer_tag"), json!("boxed"),
                json!("gsm8k"), json!("code_block"), json!({"regex": r"(\w+)"}),
            ][which].clone();
            let _ = extractor(spec).extract(&text);
        }

        #[test]
        fn boxed_never_panics_on_brace_soup(text in r"[\\{}boxed ]{0,60}") {
            let _ = last_boxed(&text);
        }
    }
}
