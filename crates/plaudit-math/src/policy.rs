//! The knobs of an equivalence check.

use serde::{Deserialize, Serialize};

/// How lenient a comparison is. Every field is a plain switch or number so a
/// reward spec can set it by name; the defaults are what grading a model's
/// final answer against a reference usually wants.
///
/// ```
/// let policy: plaudit_math::Policy = serde_json::from_str(r#"{"unordered_lists": false}"#).unwrap();
/// assert!(!policy.unordered_lists);
/// assert!(policy.allow_assignment); // everything else keeps its default
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// `x = 5` equals `5`, `x \in (0, 1)` equals `(0, 1)`, and a list of
    /// assignments `x = 5, y = 3` equals the tuple `(5, 3)` (in the order
    /// written). Default: `true`.
    pub allow_assignment: bool,
    /// A quantity with a unit equals the bare number: `5\text{ cm}` equals `5`.
    /// Units are annotations, never converted: `5\text{ cm}` also equals
    /// `5\text{ m}`. Default: `true`.
    pub allow_dropped_units: bool,
    /// `50\%` equals `50`. Default: `true`.
    pub percent_as_number: bool,
    /// `50\%` equals `0.5`. Default: `true`.
    pub percent_as_fraction: bool,
    /// `30^\circ` equals `30`. Default: `true`.
    pub degrees_as_number: bool,
    /// `30^\circ` equals `\frac{\pi}{6}`: the same angle in radians.
    /// Default: `true`.
    pub degrees_as_radians: bool,
    /// `\frac{2}{4}` equals `\frac{1}{2}`. When `false`, an answer written as
    /// a fraction of integers must be in lowest terms. Default: `true`.
    pub allow_unreduced_fractions: bool,
    /// A decimal may stand for an exact value it rounds: `0.333` equals
    /// `\frac13` and `3.14` equals `\pi`, when the decimal is the other value
    /// correctly rounded to the digits shown (within half a unit in the last
    /// place) and shows at least [`min_significant_digits`](Self::min_significant_digits).
    /// Applies to whichever side is the decimal; two decimals compare
    /// exactly (`0.5` never equals `0.50001`), integers always exactly.
    /// Default: `true`.
    pub accept_rounded_decimals: bool,
    /// Fewest significant digits a rounded decimal must show to be accepted
    /// (`0.33` has two). Default: `3`.
    pub min_significant_digits: u32,
    /// Top-level comma lists (`-2, 3`) compare as unordered collections;
    /// reference answers listing "all solutions" rarely fix an order.
    /// Tuples `(a, b)` are always ordered, sets `\{…\}` never. Default: `true`.
    pub unordered_lists: bool,
    /// Multiple-choice letters compare by letter: `(B)`, `B`, `\text{(B)}`
    /// and `\textbf{(B)}` are all the same answer. Default: `true`.
    pub multiple_choice: bool,
    /// `52_8` equals `52`: an answer may leave out the base subscript the
    /// question asked for. The digits must match; `42` (the value in base
    /// ten) does not. Default: `true`.
    pub allow_dropped_base: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allow_assignment: true,
            allow_dropped_units: true,
            percent_as_number: true,
            percent_as_fraction: true,
            degrees_as_number: true,
            degrees_as_radians: true,
            allow_unreduced_fractions: true,
            accept_rounded_decimals: true,
            min_significant_digits: 3,
            unordered_lists: true,
            multiple_choice: true,
            allow_dropped_base: true,
        }
    }
}
