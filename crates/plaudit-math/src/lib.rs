//! Math answer verification: extraction, parsing and bounded equivalence.
//!
//! [`check`] decides whether a model's final answer is the same as a
//! reference answer: `\dfrac{\pi}{2}` and `pi/2`, `14.0 + -1.0i` and `14 - i`,
//! `y = 2x + 1` and `2x - y + 1 = 0`, `(-\infty, 2) \cup (3, \infty)` and
//! `x < 2 \text{ or } x > 3`. It is built to be fast (microseconds for
//! ordinary answers), exact, and bounded on any input.
//!
//! # Design
//!
//! **No computer algebra system.** A CAS answers "are these equal?" by
//! rewriting expressions, which is slow, can run away (the well-known
//! `5^{(5^{(5^{(5^5)})} - 4)}` hang) and is no more trustworthy than
//! evaluation for the answers graders see. Instead answers are *evaluated*:
//!
//! - **Exact where the value is exact.** Integers, fractions, terminating
//!   decimals, integer powers, factorials and Gaussian rationals are computed
//!   with big rationals (an `i64` fast path first). `1/2004!` and `1/2006!`
//!   differ, `1/2^{99}` is not `1/2^{98}`, and 13534 is never 13535.
//! - **Certified numerics otherwise.** Radicals, `\pi`, `e`, trigonometry and
//!   logarithms are evaluated in complex midpoint–radius arithmetic: every
//!   value carries a rigorous error radius. Balls that do not overlap are
//!   different; balls that overlap and are tighter than 1e-11 (relative) are
//!   equal; anything else — cancellation, overflow, a branch cut — is
//!   [`Equivalence::Unknown`], never a guess.
//! - **Beyond range, by magnitude.** A value past the exact cap or `f64`
//!   (`2^{10^{10}}`, `10000!`, the tower `5^{5^{5^{5^5}}}`) is never built:
//!   it is kept as its sign, rigorous bounds on its iterated logarithm, and,
//!   for a power of an exact base, the exact form `b^e` with `b` reduced to a
//!   base that is not itself a perfect power. Equal forms are equal
//!   (`2^{10^{10}}` and `4^{5 \cdot 10^9}`); certainly different signs or
//!   magnitudes are not (`2^{10^{10}}` and 1024, the tower and 2); values too
//!   close to separate (`2^{10^{10}}` and `2^{10^{10}} + 1`) are Unknown.
//! - **Free variables by sampling.** Both sides are evaluated at the same
//!   positive rational points and must agree at every one; polynomial and
//!   rational answers therefore compare exactly. Positive points make
//!   `\sqrt{1/n}` equal `1/\sqrt{n}`, the usual reading of such answers.
//! - **Relations by proportionality.** `lhs - rhs` of two equations must be
//!   constant multiples of each other; inequalities must also point the same
//!   way (positive factor) and agree on strictness.
//!
//! **Bounded by construction.** Answers longer than 8 KiB are refused;
//! nesting deeper than 64 is a parse error (the tree's depth, and so every
//! recursive walk, is bounded by it); an answer whose canonical rendering
//! (which spells out `xy` as `x \cdot y`, `\sin x` as `\sin(x)`) would pass
//! either cap is refused as well, so every rendering parses again; exact
//! values larger than 32,768 bits are refused before they are computed; and
//! every comparison carries a step budget charged for each node and each
//! big-number operation. Nothing panics on untrusted input: no unchecked
//! indexing, no `unwrap` on input data, checked integer arithmetic.
//!
//! **Readings that are choices, stated once.** A lone `e` is Euler's number
//! and `i` the imaginary unit (an identity that holds for a variable `e`
//! also holds at e's value, so little is lost); `\log` without a base is the
//! natural logarithm, as in sympy; a digit run after `^` or `_` is taken
//! whole (`2^10` is 1024), unlike TeX, while `\frac12` keeps TeX's
//! one-digit arguments; `a:b` is the ratio `a/b`; a bare `1,234` outside
//! brackets is one thousand two hundred thirty-four, while `(1,234)` is a
//! pair; words of four or more letters (and `no`, `yes`, `odd`…) are text,
//! shorter letter runs are products of variables (`xy`). A capital letter
//! in parentheses that starts an answer and labels a value (`(D) 5`) is that
//! choice, with the value as its content; `0.1\overline{6}` is the exact
//! 1/6; `\mathbb{R}` and "all real numbers" are `(-\infty, \infty)`; an
//! inequality chain against a bracket pair (`6 < x < 7` and `(6, 7)`)
//! reads the pair as the open interval.
//!
//! **Known limits.** Numeric equality is certified only to the ball's
//! radius: two different irrational values closer than about 1e-11
//! (relative, and never wider than 1e-6 absolute) are called equal; values
//! beyond range are told apart only by magnitude, so two that differ by a
//! small factor (`\frac{X}{16}` and `\frac{X}{17}` for a power tower `X`)
//! are Unknown. Sampling uses positive rational points, so answers that
//! differ only for negative arguments (`\sqrt{x^2}` vs `x`) compare equal.
//!
//! **Policies are explicit.** Whether `50\%` equals `0.5`, whether a dropped
//! unit or base subscript is acceptable, whether lists are ordered — each is
//! a field of [`Policy`] with its default documented there.
//!
//! ```
//! use plaudit_math::{check, Equivalence, Policy};
//!
//! let policy = Policy::default();
//! assert_eq!(check("\\frac{\\pi}{2}", "pi/2", &policy).equivalence, Equivalence::Equal);
//! assert_eq!(check("13535", "13534", &policy).equivalence, Equivalence::NotEqual);
//! let v = check("\\frac{1}{3}", "0.333", &policy);
//! assert_eq!(v.equivalence, Equivalence::Equal);
//! ```
#![deny(missing_docs)]

pub mod aspect;
mod ast;
mod ball;
mod compare;
mod eval;
pub mod extract;
mod lexer;
mod number;
mod parser;
mod policy;
mod render;
pub mod verify;

use std::fmt;

pub use policy::Policy;

/// The outcome of comparing two answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Equivalence {
    /// The answers are the same (exactly, or to a certified tight tolerance).
    Equal,
    /// The answers differ.
    NotEqual,
    /// The comparison could not be decided within the caps (size, precision,
    /// budget), or the reference could not be read.
    Unknown,
}

/// A comparison's result with the reason a user can read in provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Equal, not equal, or undecided.
    pub equivalence: Equivalence,
    /// Why, in a few words: "equal as exact rationals", "values differ:
    /// 13534 vs 13535", "answer did not parse: unexpected `}` at 4", …
    pub reason: String,
    /// The normalized rendering of the reference, when it parsed.
    pub gold: Option<String>,
    /// The normalized rendering of the answer, when it parsed.
    pub answer: Option<String>,
}

/// Why an answer could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Nothing but whitespace and delimiters.
    #[error("the answer is empty")]
    Empty,
    /// Longer than the input cap.
    #[error("the answer is {len} bytes long, more than the limit of {limit}")]
    TooLong {
        /// Length of the input in bytes.
        len: usize,
        /// The cap.
        limit: usize,
    },
    /// The answer parses, but its canonical form (implicit products and
    /// function arguments written out) would exceed the length or nesting
    /// cap, so it could not be read back: refused rather than half-handled.
    #[error("the answer's canonical form exceeds the {what} limit of {limit}")]
    TooLarge {
        /// "length" (bytes) or "nesting".
        what: &'static str,
        /// The cap.
        limit: usize,
    },
    /// Brackets, groups or signs nested too deeply.
    #[error("nesting deeper than {limit} at byte {pos}")]
    TooDeep {
        /// Byte offset where the limit was reached.
        pos: usize,
        /// The cap.
        limit: usize,
    },
    /// A token that cannot appear here.
    #[error("unexpected `{found}` at byte {pos}")]
    Unexpected {
        /// The offending token as written.
        found: String,
        /// Its byte offset.
        pos: usize,
    },
    /// The input stopped early.
    #[error("unexpected end of input, expected {expected}")]
    UnexpectedEnd {
        /// What would have been accepted.
        expected: &'static str,
    },
    /// A LaTeX command this parser does not know.
    #[error("unknown command `\\{name}` at byte {pos}")]
    UnknownCommand {
        /// The command name without its backslash.
        name: String,
        /// Its byte offset.
        pos: usize,
    },
    /// A number literal that cannot be read (or is too long).
    #[error("invalid number `{text}` at byte {pos}")]
    InvalidNumber {
        /// The literal (truncated).
        text: String,
        /// Its byte offset.
        pos: usize,
    },
    /// A construct that is well-formed but not meaningful.
    #[error("{what} at byte {pos}")]
    Invalid {
        /// What is wrong.
        what: &'static str,
        /// Byte offset.
        pos: usize,
    },
    /// Parsing took more steps than allowed.
    #[error("parsing step budget exhausted")]
    Budget,
}

/// A parsed answer.
///
/// Its [`Display`](fmt::Display) is a canonical LaTeX rendering that
/// [`parse`] reads back to an equivalent answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    root: ast::Node,
}

impl Answer {
    pub(crate) fn display_node(n: &ast::Node) -> String {
        render::to_string(n)
    }

    /// Whether the answer is plain text (`\text{Tuesday}`, `even`) rather
    /// than mathematics.
    pub fn is_text(&self) -> bool {
        matches!(self.root, ast::Node::Text(_))
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        render::write_node(f, &self.root)
    }
}

impl fmt::Display for ast::Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        render::write_node(f, self)
    }
}

/// Parses an already-extracted answer (the content of a `\boxed{}`, or a
/// reference answer from a data set).
pub fn parse(text: &str) -> Result<Answer, ParseError> {
    parser::parse_node(text).map(|root| Answer { root })
}

/// Compares two parsed answers; `gold` is the reference (the decimal rule
/// follows whichever side is the decimal, see [`Policy`]).
pub fn compare(gold: &Answer, answer: &Answer, policy: &Policy) -> Verdict {
    let (equivalence, reason) = compare::Cmp::new(policy).nodes(&gold.root, &answer.root);
    Verdict {
        equivalence,
        reason: reason.into_owned(),
        gold: Some(render::to_string(&gold.root)),
        answer: Some(render::to_string(&answer.root)),
    }
}

/// Parses both answers and compares them.
///
/// If the answer does not parse, it may still equal the reference as text
/// (case, spacing and formatting commands ignored); otherwise it is
/// NotEqual with the parse error as the reason. If the reference does not
/// parse and the texts differ, the verdict is Unknown.
pub fn check(gold: &str, answer: &str, policy: &Policy) -> Verdict {
    match (parse(gold), parse(answer)) {
        (Ok(g), Ok(a)) => compare(&g, &a, policy),
        (g, a) => {
            let gold_r = g.as_ref().ok().map(ToString::to_string);
            let answer_r = a.as_ref().ok().map(ToString::to_string);
            // Past the length cap nothing is compared, not even as text.
            let same = gold.len() <= parser::MAX_LEN && answer.len() <= parser::MAX_LEN && {
                let k = text_key(gold);
                !k.is_empty() && k == text_key(answer)
            };
            let (equivalence, reason) = match (same, g, a) {
                (true, ..) => (Equivalence::Equal, "equal as text".to_string()),
                (false, Err(e), _) => (
                    Equivalence::Unknown,
                    format!("reference did not parse: {e}"),
                ),
                (false, Ok(_), Err(e)) => {
                    (Equivalence::NotEqual, format!("answer did not parse: {e}"))
                }
                (false, Ok(_), Ok(_)) => (Equivalence::Unknown, "unreachable".to_string()),
            };
            Verdict {
                equivalence,
                reason,
                gold: gold_r,
                answer: answer_r,
            }
        }
    }
}

/// Text with formatting stripped, for comparing answers that are not math.
fn text_key(s: &str) -> String {
    const FORMAT: &[&str] = &[
        "text",
        "textbf",
        "textit",
        "textrm",
        "textnormal",
        "mathrm",
        "mathbf",
        "mbox",
        "operatorname",
        "left",
        "right",
        "displaystyle",
        "boxed",
        "quad",
        "qquad",
    ];
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if !n.is_ascii_alphabetic() {
                        break;
                    }
                    name.push(n);
                    chars.next();
                }
                if name.is_empty() {
                    // `\,` `\;` `\!` and friends are spacing.
                    if matches!(chars.peek(), Some(',' | ';' | '!' | ':' | ' ')) {
                        chars.next();
                    }
                } else if !FORMAT.contains(&name.as_str()) {
                    out.push('\\');
                    out.push_str(&name);
                }
            }
            '{' | '}' | '$' => {}
            c if c.is_whitespace() => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    while out.ends_with(['.', ',', ';', '!', '?']) {
        out.pop();
    }
    out
}
