//! From a completion and a reference to a verdict: extraction, then
//! equivalence — what a math reward does for each sample.

use std::sync::LazyLock;

use crate::extract::{ExtractOptions, Extracted, Method, extract_answer};
use crate::{Equivalence, Policy, Verdict, check};

/// Where [`verify`] looks for the answer and how it compares.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// How the final answer is found in the completion.
    pub extract: ExtractOptions,
    /// How answers compare.
    pub policy: Policy,
}

/// The result of verifying one completion against one reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Report<'a> {
    /// The answer found in the completion and how it was found; `None`
    /// when the completion commits to no answer.
    pub extracted: Option<Extracted<'a>>,
    /// The comparison with the reference, when an answer was found.
    pub verdict: Option<Verdict>,
}

impl Report<'_> {
    /// The verdict's equivalence; a completion without an answer is
    /// [`Equivalence::NotEqual`].
    pub fn equivalence(&self) -> Equivalence {
        self.verdict
            .as_ref()
            .map_or(Equivalence::NotEqual, |v| v.equivalence)
    }
}

/// How a reference is read when it is a whole solution rather than an
/// answer: a MATH solution ends in `\boxed{…}`, a GSM8K one in `#### …`.
static REFERENCE_EXTRACT: LazyLock<ExtractOptions> = LazyLock::new(|| ExtractOptions {
    order: vec![Method::Boxed, Method::Hashes],
    skip_think: false,
});

/// The answer of a reference: the last `\boxed{}` of a whole solution, the
/// text after `####` of a GSM8K solution, otherwise the reference itself.
/// Data sets give either form (MATH's `solution` or MATH-500's `answer`,
/// GSM8K's `answer`), and users should not have to pre-process them.
pub fn reference_answer(gold: &str) -> &str {
    match extract_answer(gold, &REFERENCE_EXTRACT) {
        Some(found) => found.text,
        None => gold.trim(),
    }
}

/// Extracts the final answer from `completion` and compares it with the
/// answer of `gold` (see [`reference_answer`]).
pub fn verify<'a>(gold: &str, completion: &'a str, options: &Options) -> Report<'a> {
    let extracted = extract_answer(completion, &options.extract);
    let verdict = extracted
        .as_ref()
        .map(|found| check(reference_answer(gold), found.text, &options.policy));
    Report { extracted, verdict }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_may_be_an_answer_or_a_whole_solution() {
        assert_eq!(reference_answer(" \\frac{9}{7} "), "\\frac{9}{7}");
        assert_eq!(
            reference_answer("so $x = 1 + \\frac27 = \\boxed{\\dfrac{9}{7}}$."),
            "\\dfrac{9}{7}"
        );
        assert_eq!(reference_answer("9 * 2 = <<9*2=18>>18\n#### 18"), "18");
    }

    #[test]
    fn verifies_a_completion() {
        let options = Options::default();
        let report = verify("\\frac{1}{2}", "Half of it: $\\boxed{0.5}$.", &options);
        assert_eq!(report.extracted.as_ref().map(|e| e.text), Some("0.5"));
        assert_eq!(report.equivalence(), Equivalence::Equal);

        let report = verify("2", "I am not sure.", &options);
        assert_eq!(report.extracted, None);
        assert_eq!(report.equivalence(), Equivalence::NotEqual);
    }
}
