//! `format.regex`: the response matches a regular expression.
//!
//! ## What it does
//!
//! Scores 1 when the response matches `pattern`, 0 otherwise. With
//! `mode = "full"` (the default) the whole response must match, as
//! Python's `re.fullmatch`; with `mode = "search"` a match anywhere counts,
//! as `re.search`.
//!
//! ## Why
//!
//! Many format rewards are one regex: TRL's and open-r1's `format_reward`,
//! "the last line is `Answer: X`", "the response is a single integer". A
//! pattern in the spec covers them without code.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "final-line"
//! kind = "format.regex"
//! pattern = '(?s).*\n\s*Answer: \S+\s*'
//! ```
//!
//! ## Edge cases
//!
//! - The syntax is the `regex` crate's: no look-around and no
//!   backreferences, which is what guarantees time linear in the response
//!   whatever the pattern. An invalid pattern, or one whose compiled form
//!   passes 2 MiB, is refused when the spec is built, with the regex
//!   error.
//! - `.` does not match `\n` unless the pattern sets `(?s)`; `^` and `$`
//!   match at the ends of the response unless it sets `(?m)`.
//! - Full mode wraps the pattern as `\A(?:pattern)\z`, so alternations at
//!   the top level are anchored as a whole.
//!
//! ## References
//!
//! - TRL `trl.rewards.format_reward`; open-r1 `format_reward`.
//! - The `regex` crate's documentation on its syntax and linear-time
//!   guarantee.

use regex::Regex;
use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample};

use crate::extract::compile_regex;

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "format.regex",
    summary: "the response matches a regular expression (whole response or anywhere)",
    version: 1,
    build,
};

/// The parameters of `format.regex`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The pattern, in the `regex` crate's syntax (required).
    pub pattern: String,
    /// Whether the whole response must match (default `"full"`).
    #[serde(default)]
    pub mode: Mode,
}

/// How a pattern must match.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The whole response, as `re.fullmatch`.
    #[default]
    Full,
    /// Anywhere in the response, as `re.search`.
    Search,
}

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let config: Config = BuildError::parse_params(params)?;
    // Compile the pattern alone first so the error names what the user wrote.
    let re = compile_regex("pattern", &config.pattern)?;
    let re = match config.mode {
        Mode::Search => re,
        Mode::Full => compile_regex("pattern", &format!(r"\A(?:{})\z", config.pattern))?,
    };
    Ok(Box::new(FormatRegex {
        re,
        mode: config.mode,
    }))
}

#[derive(Debug)]
struct FormatRegex {
    re: Regex,
    mode: Mode,
}

impl Aspect for FormatRegex {
    fn evaluate(&self, sample: &Sample, _: &Context) -> Evaluation {
        if self.re.is_match(sample.response.text()) {
            Evaluation::scored(1.0)
        } else {
            let reason = match self.mode {
                Mode::Full => "the response does not match the pattern as a whole",
                Mode::Search => "the pattern occurs nowhere in the response",
            };
            Evaluation::scored(0.0).with("reason", reason)
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

    fn value(params: Value, response: &str) -> f64 {
        let a = build(params.as_object().unwrap(), &BuildContext::default()).unwrap();
        let cx = Context::with_timeout(Duration::from_secs(1));
        a.evaluate(&Sample::new("s", response), &cx)
            .outcome
            .value()
            .unwrap()
    }

    #[test_case(r"\d+", "42", 1.0)]
    #[test_case(r"\d+", "42 apples", 0.0)]
    #[test_case(r"a|b", "ab", 0.0; "top level alternation is anchored as a whole")]
    #[test_case(r"(?s)<think>.*</think>", "<think>\n</think>", 1.0)]
    #[test_case(r"<think>.*</think>", "<think>\n</think>", 0.0; "dot does not match newline")]
    #[test_case(r"", "", 1.0)]
    fn full_mode(pattern: &str, response: &str, expected: f64) {
        assert_eq!(value(json!({"pattern": pattern}), response), expected);
    }

    #[test_case(r"\d+", "I have 42 apples", 1.0)]
    #[test_case(r"^Answer:", "x\nAnswer: 1", 0.0)]
    #[test_case(r"(?m)^Answer:", "x\nAnswer: 1", 1.0)]
    fn search_mode(pattern: &str, response: &str, expected: f64) {
        assert_eq!(
            value(json!({"pattern": pattern, "mode": "search"}), response),
            expected
        );
    }

    #[test]
    fn bad_params_are_build_errors() {
        let cases = [
            (
                json!({"pattern": "(unclosed"}),
                "pattern",
                "invalid regex \"(unclosed\"",
            ),
            (
                json!({"pattern": r"\w{1000}{1000}"}),
                "pattern",
                "invalid regex",
            ),
            (json!({"pattern": r"(?<=a)b"}), "pattern", "look-around"),
            (
                json!({"pattern": "x", "mode": "fullmatch"}),
                "mode",
                "unknown variant `fullmatch`",
            ),
            (json!({}), "", "missing field `pattern`"),
        ];
        crate::testing::assert_rejected(build, &cases);
    }

    proptest! {
        #[test]
        fn search_agrees_with_full_on_padded_text(core in "[a-z]{1,10}", pad in "[ 0-9]{0,5}") {
            let text = format!("{pad}{core}{pad}");
            prop_assert_eq!(value(json!({"pattern": "[a-z]+", "mode": "search"}), &text), 1.0);
            let full = value(json!({"pattern": "[a-z]+"}), &text);
            prop_assert_eq!(full == 1.0, pad.is_empty());
        }
    }
}
