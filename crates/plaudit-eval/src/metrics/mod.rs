//! The benchmarks' metrics, as their reference code defines them.
//!
//! - An item's credit ([`credit`]): a pair is right only when the preferred
//!   response scores strictly higher (RewardBench's `chosen > rejected`; a
//!   tie is wrong, and is counted as a tie); a best-of-N item earns 1/k when
//!   the best response ties k-way at the top score and 0 otherwise
//!   (RewardBench 2).
//! - A subset's score is the mean credit of its items, except RewardBench
//!   2's Ties subset ([`ties`]).
//! - The overall score ([`Overall`]) depends on the benchmark: RewardBench
//!   weighs sections by published example counts ([`rewardbench`]);
//!   RewardBench 2 takes the unweighted mean of its subsets; everything
//!   else is the accuracy over all items.

pub mod rewardbench;
pub mod ties;

use crate::{Format, Rule};

/// One item's result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Credit {
    /// 0, 1, or 1/k for a k-way tie at the top of a best-of-N item.
    pub value: f64,
    /// The item's winner tied with another response.
    pub tie: bool,
}

/// The credit an item earns with these scores (one per response, in order).
#[inline]
pub fn credit(rule: Rule, scores: &[f64]) -> Credit {
    match rule {
        Rule::Pair { preferred } => {
            let p = scores[preferred];
            let o = scores[1 - preferred];
            Credit {
                value: if p > o { 1.0 } else { 0.0 },
                tie: p == o,
            }
        }
        Rule::BestOfN { best, .. } => {
            let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if scores[best] == max {
                let k = scores.iter().filter(|s| **s == max).count();
                Credit {
                    value: 1.0 / k as f64,
                    tie: k > 1,
                }
            } else {
                Credit {
                    value: 0.0,
                    tie: false,
                }
            }
        }
    }
}

/// How subset scores combine into the overall score.
#[derive(Debug, Clone)]
pub enum Overall {
    /// RewardBench 1: sections and prior sets.
    RewardBench(rewardbench::Plan),
    /// RewardBench 2: the unweighted mean of the subsets.
    MeanOfSubsets,
    /// Accuracy over all items: subsets weighted by their item counts.
    Micro,
}

impl Overall {
    /// The rule for a format and its subsets. RewardBench data whose
    /// subsets are all unknown to RewardBench falls back to [`Overall::Micro`].
    pub fn new(format: Format, subsets: &[String]) -> Self {
        match format {
            Format::RewardBench => {
                let plan = rewardbench::Plan::new(subsets);
                if plan.knows_any() {
                    Overall::RewardBench(plan)
                } else {
                    Overall::Micro
                }
            }
            Format::RewardBench2 => Overall::MeanOfSubsets,
            _ => Overall::Micro,
        }
    }

    /// How the overall score is computed, in words.
    pub fn describe(&self) -> &'static str {
        match self {
            Overall::RewardBench(_) => {
                "RewardBench: (2 x each section [subsets weighted by published example counts] + 1 x prior sets) / 9"
            }
            Overall::MeanOfSubsets => "RewardBench 2: unweighted mean of the subsets",
            Overall::Micro => "accuracy over all items",
        }
    }

    /// The overall score from per-subset scores and item counts. Subsets
    /// with no scored item have a NaN score and count nowhere.
    pub fn apply(&self, scores: &[f64], counts: &[f64]) -> f64 {
        match self {
            Overall::RewardBench(plan) => plan.apply(scores).overall,
            Overall::MeanOfSubsets => {
                let (sum, n) = scores
                    .iter()
                    .filter(|s| !s.is_nan())
                    .fold((0.0, 0.0), |(s, n), x| (s + x, n + 1.0));
                if n > 0.0 { sum / n } else { f64::NAN }
            }
            Overall::Micro => {
                let (sum, n) = scores
                    .iter()
                    .zip(counts)
                    .filter(|(s, _)| !s.is_nan())
                    .fold((0.0, 0.0), |(s, n), (x, c)| (s + x * c, n + c));
                if n > 0.0 { sum / n } else { f64::NAN }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_case::test_case;

    #[test_case(&[2.0, 1.0], 0, 1.0, false ; "chosen higher")]
    #[test_case(&[1.0, 2.0], 0, 0.0, false ; "chosen lower")]
    #[test_case(&[1.0, 1.0], 0, 0.0, true ; "a tie is wrong")]
    #[test_case(&[1.0, 2.0], 1, 1.0, false ; "second preferred")]
    fn pair_credit_is_strict(scores: &[f64], preferred: usize, value: f64, tie: bool) {
        assert_eq!(
            credit(Rule::Pair { preferred }, scores),
            Credit { value, tie }
        );
    }

    #[test_case(&[3.0, 1.0, 2.0, 0.0], 1.0 ; "alone on top")]
    #[test_case(&[3.0, 3.0, 2.0, 0.0], 0.5 ; "two-way tie")]
    #[test_case(&[3.0, 3.0, 3.0, 0.0], 1.0 / 3.0 ; "three-way tie")]
    #[test_case(&[1.0, 1.0, 1.0, 1.0], 0.25 ; "all equal")]
    #[test_case(&[2.0, 3.0, 3.0, 0.0], 0.0 ; "others tie above")]
    fn best_of_n_credit_splits_ties(scores: &[f64], value: f64) {
        let c = credit(
            Rule::BestOfN {
                best: 0,
                num_correct: 1,
            },
            scores,
        );
        assert_eq!(c.value, value);
    }

    #[test]
    fn mean_of_subsets_is_unweighted() {
        let o = Overall::MeanOfSubsets;
        assert_eq!(o.apply(&[1.0, 0.0, f64::NAN], &[10.0, 1000.0, 0.0]), 0.5);
    }

    #[test]
    fn micro_weighs_by_items() {
        let o = Overall::Micro;
        assert_eq!(o.apply(&[1.0, 0.0], &[3.0, 1.0]), 0.75);
    }
}
