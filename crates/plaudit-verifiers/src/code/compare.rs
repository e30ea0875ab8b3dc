//! Judging a program's standard output against the expected one, and the
//! [`Verdict`] of a test.
//!
//! The rules ([`StdoutRules`], defaults first):
//!
//! - **Lines.** Both texts are split at `\n`. Every line must match and
//!   the line counts must be equal: a prefix of the expected output does
//!   not pass, nor does the expected output followed by more.
//! - **Whitespace** ([`Whitespace`]): `TrimLineEnds` (default) ignores
//!   spaces, tabs, `\r`, `\x0b` and `\x0c` at the end of each line, so
//!   CRLF output matches LF expectations; `Tokens` compares each line's
//!   whitespace-separated tokens (any run of ASCII whitespace is equal to
//!   any other, leading and trailing whitespace ignored; line breaks still
//!   count); `Exact` compares bytes, `\r` included.
//! - **Trailing newlines** (`trailing_newlines_ignored`, default true):
//!   empty lines at the end of either output are dropped (after the
//!   whitespace rule, so a last line of spaces counts as empty except
//!   under `Exact`). An empty expected output therefore matches only an
//!   output that is empty or blank under these rules.
//! - **Floats** (`float_tolerance`, default none): two lines that differ
//!   still match when they have the same number of tokens and each pair
//!   is equal or both are decimal numbers (`-1.5`, `2e-3`, `7`; not `inf`
//!   or `nan`) within the tolerance (see
//!   [`Tolerance`]).
//! - **Case** (`case_sensitive`, default true): never folded unless asked;
//!   `YES` is not `yes`.
//!
//! Output that is not UTF-8 is read with replacement characters, which
//! match nothing an expected output holds except themselves.

use std::borrow::Cow;

use super::pyvalue::Tolerance;

/// The judgement of one test, stdio or call: a failure says why, briefly,
/// for the provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The test passed.
    Pass,
    /// The test failed, for this reason.
    Fail(String),
}

impl Verdict {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Pass)
    }
}

/// How whitespace is compared within lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Whitespace {
    /// Byte for byte, `\r` included.
    Exact,
    /// Ignore whitespace at the end of each line (the default).
    #[default]
    TrimLineEnds,
    /// Compare the whitespace-separated tokens of each line.
    Tokens,
}

/// The rules of [`compare_stdout`]; the defaults are documented on each
/// field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StdoutRules {
    /// How whitespace within lines is compared (default `TrimLineEnds`).
    pub whitespace: Whitespace,
    /// Whether empty lines at the end are ignored (default true).
    pub trailing_newlines_ignored: bool,
    /// Numbers in differing lines compare within this tolerance (default
    /// none: exact text).
    pub float_tolerance: Option<Tolerance>,
    /// Whether case matters (default true).
    pub case_sensitive: bool,
}

impl Default for StdoutRules {
    fn default() -> Self {
        StdoutRules {
            whitespace: Whitespace::TrimLineEnds,
            trailing_newlines_ignored: true,
            float_tolerance: None,
            case_sensitive: true,
        }
    }
}

/// How much of a line a failure message repeats.
const LINE_PREVIEW: usize = 80;

/// Compares a program's standard output with the expected one.
pub fn compare_stdout(expected: &str, got: &[u8], rules: &StdoutRules) -> Verdict {
    let got = String::from_utf8_lossy(got);
    let (want, have) = (lines(expected, rules), lines(&got, rules));
    for (i, (w, h)) in want.iter().zip(&have).enumerate() {
        if !line_matches(w, h, rules) {
            return Verdict::Fail(format!(
                "line {}: expected {:?}, got {:?}",
                i + 1,
                plaudit_core::preview(w, LINE_PREVIEW),
                plaudit_core::preview(h, LINE_PREVIEW)
            ));
        }
    }
    match want.len().cmp(&have.len()) {
        std::cmp::Ordering::Equal => Verdict::Pass,
        _ if want.is_empty() => Verdict::Fail(format!(
            "expected no output, got {} line(s), the first {:?}",
            have.len(),
            plaudit_core::preview(&have[0], LINE_PREVIEW)
        )),
        std::cmp::Ordering::Greater => Verdict::Fail(format!(
            "expected {} lines, got {}: line {} is missing (expected {:?})",
            want.len(),
            have.len(),
            have.len() + 1,
            plaudit_core::preview(&want[have.len()], LINE_PREVIEW)
        )),
        std::cmp::Ordering::Less => Verdict::Fail(format!(
            "expected {} lines, got {}: line {} is extra ({:?})",
            want.len(),
            have.len(),
            want.len() + 1,
            plaudit_core::preview(&have[want.len()], LINE_PREVIEW)
        )),
    }
}

/// The lines of `text` under the whitespace, trailing-line and case rules.
fn lines<'a>(text: &'a str, rules: &StdoutRules) -> Vec<Cow<'a, str>> {
    let mut out: Vec<Cow<'a, str>> = text
        .split('\n')
        .map(|line| {
            let line = match rules.whitespace {
                Whitespace::Exact => Cow::Borrowed(line),
                Whitespace::TrimLineEnds => Cow::Borrowed(line.trim_end_matches(is_space)),
                Whitespace::Tokens => {
                    let mut joined = String::with_capacity(line.len());
                    for (i, t) in line.split(is_space).filter(|t| !t.is_empty()).enumerate() {
                        if i > 0 {
                            joined.push(' ');
                        }
                        joined.push_str(t);
                    }
                    if joined.len() == line.len() {
                        Cow::Borrowed(line)
                    } else {
                        Cow::Owned(joined)
                    }
                }
            };
            if rules.case_sensitive {
                line
            } else {
                Cow::Owned(line.to_lowercase())
            }
        })
        .collect();
    if rules.trailing_newlines_ignored {
        while out.last().is_some_and(|l| l.is_empty()) {
            out.pop();
        }
    }
    out
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\x0b' | '\x0c')
}

fn line_matches(want: &str, have: &str, rules: &StdoutRules) -> bool {
    if want == have {
        return true;
    }
    let Some(tol) = rules.float_tolerance else {
        return false;
    };
    let mut w = want.split(is_space).filter(|t| !t.is_empty());
    let mut h = have.split(is_space).filter(|t| !t.is_empty());
    loop {
        match (w.next(), h.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => match (decimal(a), decimal(b)) {
                (Some(x), Some(y)) if tol.close(x, y) => {}
                _ => return false,
            },
            _ => return false,
        }
    }
}

/// A token that is a plain decimal number: sign, digits, an optional
/// fraction and exponent.
fn decimal(token: &str) -> Option<f64> {
    let b = token.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut digits = i - digits_start;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        digits += i - frac;
    }
    if digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        i += usize::from(matches!(b.get(i), Some(b'+' | b'-')));
        let exp = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    token.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: StdoutRules = StdoutRules {
        whitespace: Whitespace::TrimLineEnds,
        trailing_newlines_ignored: true,
        float_tolerance: None,
        case_sensitive: true,
    };

    fn with(f: impl FnOnce(&mut StdoutRules)) -> StdoutRules {
        let mut r = DEFAULT;
        f(&mut r);
        r
    }

    #[test]
    fn default_is_documented() {
        assert_eq!(StdoutRules::default(), DEFAULT);
    }

    #[test]
    fn table() {
        let exact = with(|r| r.whitespace = Whitespace::Exact);
        let tokens = with(|r| r.whitespace = Whitespace::Tokens);
        let strict_end = with(|r| r.trailing_newlines_ignored = false);
        let tol = with(|r| {
            r.float_tolerance = Some(Tolerance {
                abs: 1e-6,
                rel: 1e-6,
            })
        });
        let nocase = with(|r| r.case_sensitive = false);
        #[rustfmt::skip]
        let cases: &[(&str, &str, StdoutRules, bool)] = &[
            ("1\n2\n", "1\n2\n", DEFAULT, true),
            ("1\n2\n", "1\n2", DEFAULT, true),
            ("1\n2", "1\n2\n\n\n", DEFAULT, true),
            ("1\n2\n", "1  \r\n2\t\r\n", DEFAULT, true),
            ("1\n2\n", "1\n", DEFAULT, false),
            ("1\n", "1\n2\n", DEFAULT, false),
            ("1\n2\n", "1\n\n2\n", DEFAULT, false),
            ("1 2\n", "1  2\n", DEFAULT, false),
            ("1 2\n", " 1  2\n", DEFAULT, false),
            ("", "", DEFAULT, true),
            ("", "\n\n", DEFAULT, true),
            ("", "  \n", DEFAULT, true),
            ("", "0\n", DEFAULT, false),
            ("0\n", "", DEFAULT, false),
            ("YES\n", "yes\n", DEFAULT, false),
            ("YES\n", "yes\n", nocase, true),
            ("1\n2\n", "1\r\n2\r\n", exact, false),
            ("1\n2\n", "1\n2\n", exact, true),
            ("1\n2\n", "1\n2\n\n", exact, true),
            ("1\n", "1 \n", exact, false),
            ("1\n", "1", strict_end, false),
            ("1\n", "1\n", strict_end, true),
            ("1 2\n3\n", " 1\t 2 \n3\n", tokens, true),
            ("1 2\n3\n", "1\n2 3\n", tokens, false),
            ("12\n", "1 2\n", tokens, false),
            ("0.333333\n", "0.3333333333\n", tol, true),
            ("0.3333\n", "0.3334\n", tol, false),
            ("1000000 x\n", "1000000.5 x\n", tol, true),
            ("1.5 abc\n", "1.5000001 abd\n", tol, false),
            ("1.5\n", "1.5 0\n", tol, false),
            ("inf\n", "Infinity\n", tol, false),
            ("1e3\n", "1000.0000001\n", tol, true),
            ("7\n", "7.\n", tol, true),
        ];
        for (want, got, rules, pass) in cases {
            let v = compare_stdout(want, got.as_bytes(), rules);
            assert_eq!(
                v.passed(),
                *pass,
                "{want:?} vs {got:?} under {rules:?}: {v:?}"
            );
        }
    }

    #[test]
    fn failures_say_where() {
        let fail = |want: &str, got: &str| match compare_stdout(want, got.as_bytes(), &DEFAULT) {
            Verdict::Fail(why) => why,
            Verdict::Pass => panic!("{want:?} vs {got:?} passed"),
        };
        assert_eq!(
            fail("1\n2\n3\n", "1\n5\n3\n"),
            "line 2: expected \"2\", got \"5\""
        );
        assert_eq!(
            fail("1\n2\n", "1\n"),
            "expected 2 lines, got 1: line 2 is missing (expected \"2\")"
        );
        assert_eq!(
            fail("1\n", "1\n2\n"),
            "expected 1 lines, got 2: line 2 is extra (\"2\")"
        );
        assert_eq!(
            fail("", "x\ny\n"),
            "expected no output, got 2 line(s), the first \"x\""
        );
        let long = "a".repeat(500);
        assert!(fail(&long, "b").len() < 200);
        assert_eq!(
            compare_stdout("é\n", b"\xff\n", &DEFAULT),
            Verdict::Fail("line 1: expected \"é\", got \"\u{fffd}\"".into())
        );
    }

    proptest::proptest! {
        #[test]
        fn output_matches_itself(text in "[a-c0-9 .\t\r\n-]{0,40}") {
            for ws in [Whitespace::Exact, Whitespace::TrimLineEnds, Whitespace::Tokens] {
                let rules = StdoutRules { whitespace: ws, ..StdoutRules::default() };
                proptest::prop_assert!(compare_stdout(&text, text.as_bytes(), &rules).passed());
            }
        }

        #[test]
        fn a_missing_or_extra_nonblank_line_fails(text in "[a-c0-9 ]{0,10}(\n[a-c0-9 ]{0,10}){0,4}", extra in "[a-c0-9]{1,5}") {
            let longer = format!("{text}\n{extra}\n");
            proptest::prop_assert!(!compare_stdout(&text, longer.as_bytes(), &StdoutRules::default()).passed());
            proptest::prop_assert!(!compare_stdout(&longer, text.as_bytes(), &StdoutRules::default()).passed());
        }
    }
}
