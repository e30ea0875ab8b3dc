//! Folding aspect values into one reward, and normalizing within groups.
//!
//! Degenerate groups are defined, not accidental:
//! - a sample without a `group` is a group of its own;
//! - in a group of one, a z-score is 0 and a rank is 0.5;
//! - when every value in a group is equal (zero variance), every z-score is
//!   0 and every rank is 0.5 — exactly, not up to rounding;
//! - samples without a reward (an aspect failed under `on_missing = "fail"`)
//!   take no part in their group's statistics.

use std::collections::HashMap;

use plaudit_core::spec::StdKind;
use plaudit_core::{Combine, CombineMethod, Normalize};

/// What one aspect brings to one sample's reward.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Contribution {
    /// A value (the aspect's, or 0 for a gated or zeroed aspect).
    Value(f64),
    /// Left out (`on_missing = "skip"`).
    Skip,
    /// The sample gets no reward, for this reason.
    Fail(String),
}

/// The reward of one sample, before and after group normalization.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Combined {
    pub reward: Option<f64>,
    pub raw: Option<f64>,
    pub error: Option<String>,
}

/// Combines a batch. `rows[s][a]` is aspect `a`'s contribution to sample `s`.
pub(crate) fn combine_batch(
    combine: &Combine,
    weights: &[f64],
    rows: &[Vec<Contribution>],
    groups: &[Option<&str>],
) -> Vec<Combined> {
    let members = group_members(groups);
    // The plain combination, kept as `raw` when something normalizes later.
    let mut out: Vec<Combined> = rows
        .iter()
        .map(|row| match plain(combine, weights, row.iter().cloned()) {
            Ok(v) => Combined {
                reward: Some(v),
                raw: Some(v),
                error: None,
            },
            Err(e) => Combined {
                reward: None,
                raw: None,
                error: Some(e),
            },
        })
        .collect();

    if combine.method == CombineMethod::NormalizeThenSum {
        let mut sums = vec![0.0; rows.len()];
        let mut any = vec![false; rows.len()];
        for (a, &w) in weights.iter().enumerate() {
            for group in &members {
                let (idx, vals): (Vec<usize>, Vec<f64>) = group
                    .iter()
                    .filter(|&&s| out[s].error.is_none())
                    .filter_map(|&s| match rows[s][a] {
                        Contribution::Value(v) => Some((s, v)),
                        _ => None,
                    })
                    .unzip();
                for (s, z) in idx
                    .into_iter()
                    .zip(zscores(&vals, combine.std, combine.epsilon))
                {
                    sums[s] += w * z;
                    any[s] = true;
                }
            }
        }
        for (s, c) in out.iter_mut().enumerate() {
            if c.error.is_none() {
                c.reward = if any[s] {
                    Some(finish(combine, sums[s]))
                } else {
                    c.error = Some("every aspect was skipped; there is nothing to combine".into());
                    None
                };
            }
        }
    } else {
        for c in &mut out {
            c.reward = c.reward.map(|v| finish(combine, v));
            c.raw = c.reward;
        }
    }

    if combine.normalize != Normalize::None {
        for group in &members {
            let (idx, vals): (Vec<usize>, Vec<f64>) = group
                .iter()
                .filter_map(|&s| out[s].reward.map(|r| (s, r)))
                .unzip();
            let normalized = match combine.normalize {
                Normalize::GroupZscore => zscores(&vals, combine.std, combine.epsilon),
                Normalize::Rank => ranks(&vals),
                Normalize::None => unreachable!("checked above"),
            };
            for (s, v) in idx.into_iter().zip(normalized) {
                out[s].reward = Some(v);
            }
        }
    }
    if combine.method != CombineMethod::NormalizeThenSum && combine.normalize == Normalize::None {
        for c in &mut out {
            c.raw = None;
        }
    }
    out
}

/// The reward of one sample when the spec normalizes nothing across
/// samples: the same as [`combine_batch`] gives it, computed on its own.
pub(crate) fn single(
    combine: &Combine,
    weights: &[f64],
    row: impl IntoIterator<Item = Contribution>,
) -> Combined {
    match plain(combine, weights, row) {
        Ok(v) => Combined {
            reward: Some(finish(combine, v)),
            raw: None,
            error: None,
        },
        Err(e) => Combined {
            reward: None,
            raw: None,
            error: Some(e),
        },
    }
}

/// Scale, offset, clip.
fn finish(combine: &Combine, v: f64) -> f64 {
    let v = v * combine.scale + combine.offset;
    match combine.clip {
        Some([lo, hi]) => v.clamp(lo, hi),
        None => v,
    }
}

/// One sample's combination, before scale, offset and clip. For
/// `normalize_then_sum` this is the weighted sum of the raw values, which is
/// what the output reports as `raw_reward`.
///
/// One pass, nothing allocated: it runs once per sample.
fn plain(
    combine: &Combine,
    weights: &[f64],
    row: impl IntoIterator<Item = Contribution>,
) -> Result<f64, String> {
    let mut v = match combine.method {
        // As `Iterator::sum` starts: a sum of -0.0 alone stays -0.0.
        CombineMethod::WeightedSum | CombineMethod::NormalizeThenSum => -0.0,
        CombineMethod::Min => f64::INFINITY,
        CombineMethod::Product => 1.0,
    };
    let mut any = false;
    for (c, &w) in row.into_iter().zip(weights) {
        let x = match c {
            Contribution::Value(x) => x,
            Contribution::Skip => continue,
            Contribution::Fail(e) => return Err(e),
        };
        any = true;
        v = match combine.method {
            CombineMethod::WeightedSum | CombineMethod::NormalizeThenSum => v + w * x,
            CombineMethod::Min => v.min(w * x),
            CombineMethod::Product => v * x.powf(w),
        };
    }
    if !any {
        return Err("every aspect was skipped; there is nothing to combine".into());
    }
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("the combination is not a finite number ({v})"))
    }
}

/// Sample indices by group, in first-seen order; ungrouped samples alone.
fn group_members(groups: &[Option<&str>]) -> Vec<Vec<usize>> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (s, g) in groups.iter().enumerate() {
        match g {
            Some(g) => {
                let i = *index.entry(g).or_insert_with(|| {
                    members.push(Vec::new());
                    members.len() - 1
                });
                members[i].push(s);
            }
            None => members.push(vec![s]),
        }
    }
    members
}

/// (x − mean) / (std + ε); 0 for a group of one or of equal values.
pub(crate) fn zscores(values: &[f64], std: StdKind, epsilon: f64) -> Vec<f64> {
    let n = values.len();
    if n < 2 || values.iter().all(|&v| v == values[0]) {
        return vec![0.0; n];
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    let denom = match std {
        StdKind::Sample => (n - 1) as f64,
        StdKind::Population => n as f64,
    };
    let sd = (ss / denom).sqrt();
    values.iter().map(|v| (v - mean) / (sd + epsilon)).collect()
}

/// Ranks scaled to [0, 1] (lowest 0, highest 1), ties sharing their mean
/// rank; 0.5 for a group of one.
pub(crate) fn ranks(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    if n < 2 {
        return vec![0.5; n];
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let mean_rank = (i + j) as f64 / 2.0;
        for &k in &order[i..=j] {
            out[k] = mean_rank / (n - 1) as f64;
        }
        i = j + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Contribution::{Fail, Skip, Value};

    fn combine(method: CombineMethod, normalize: Normalize) -> Combine {
        Combine {
            method,
            normalize,
            ..Combine::default()
        }
    }

    #[test]
    fn methods() {
        let row = vec![Value(1.0), Value(0.5), Skip];
        let w = [0.2, 2.0, 5.0];
        let one = |m| {
            combine_batch(
                &combine(m, Normalize::None),
                &w,
                std::slice::from_ref(&row),
                &[None],
            )[0]
            .reward
        };
        assert_eq!(one(CombineMethod::WeightedSum), Some(1.2));
        assert_eq!(one(CombineMethod::Min), Some(0.2));
        assert_eq!(one(CombineMethod::Product), Some(0.25));
    }

    #[test]
    fn single_agrees_with_the_batch_without_groups() {
        let rows = vec![
            vec![Value(1.0), Value(0.5), Skip],
            vec![Fail("x".into()), Value(1.0), Value(2.0)],
            vec![Skip, Skip, Skip],
            vec![Value(-3.0), Value(0.0), Value(9.0)],
        ];
        let w = [0.2, 2.0, 0.5];
        for method in [
            CombineMethod::WeightedSum,
            CombineMethod::Min,
            CombineMethod::Product,
        ] {
            let c = Combine {
                method,
                scale: 2.0,
                offset: 0.5,
                clip: Some([-1.0, 3.0]),
                ..Combine::default()
            };
            let batch = combine_batch(&c, &w, &rows, &[Some("g"); 4]);
            let one: Vec<Combined> = rows
                .iter()
                .map(|r| single(&c, &w, r.iter().cloned()))
                .collect();
            assert_eq!(batch, one, "{method:?}");
        }
    }

    #[test]
    fn fail_and_all_skipped_give_no_reward() {
        let c = combine(CombineMethod::WeightedSum, Normalize::None);
        let out = combine_batch(
            &c,
            &[1.0, 1.0],
            &[
                vec![Value(1.0), Fail("aspect `b` failed".into())],
                vec![Skip, Skip],
            ],
            &[None, None],
        );
        assert_eq!(out[0].reward, None);
        assert_eq!(out[0].error.as_deref(), Some("aspect `b` failed"));
        assert_eq!(out[1].reward, None);
        assert!(
            out[1]
                .error
                .as_deref()
                .unwrap()
                .contains("every aspect was skipped")
        );
    }

    #[test]
    fn scale_offset_clip() {
        let c = Combine {
            scale: 2.0,
            offset: -1.0,
            clip: Some([-0.5, 0.5]),
            ..Combine::default()
        };
        let out = combine_batch(
            &c,
            &[1.0],
            &[vec![Value(0.6)], vec![Value(0.1)], vec![Value(0.3)]],
            &[None; 3],
        );
        let r: Vec<f64> = out.iter().map(|c| c.reward.unwrap()).collect();
        assert!((r[0] - 0.2).abs() < 1e-12);
        assert_eq!(r[1], -0.5);
        assert!((r[2] - -0.4).abs() < 1e-12);
    }

    #[test]
    fn group_zscore_matches_trl() {
        // TRL: (r - mean) / (std + 1e-4) with torch's unbiased std.
        let c = combine(CombineMethod::WeightedSum, Normalize::GroupZscore);
        let rows: Vec<Vec<Contribution>> = [1.0, 0.0, 0.0, 1.0, 5.0]
            .iter()
            .map(|&v| vec![Value(v)])
            .collect();
        let groups = [Some("g"), Some("g"), Some("g"), Some("g"), Some("h")];
        let out = combine_batch(&c, &[1.0], &rows, &groups);
        let sd = (1.0f64 / 3.0).sqrt(); // values 1,0,0,1: mean .5, ss 1, /3
        let expect = 0.5 / (sd + 1e-4);
        assert!((out[0].reward.unwrap() - expect).abs() < 1e-12);
        assert!((out[1].reward.unwrap() + expect).abs() < 1e-12);
        assert_eq!(out[4].reward, Some(0.0), "a group of one");
        assert_eq!(out[4].raw, Some(5.0));
    }

    #[test]
    fn zero_variance_is_exactly_zero() {
        assert_eq!(
            zscores(&[0.1, 0.1, 0.1], StdKind::Sample, 1e-4),
            vec![0.0; 3]
        );
        assert_eq!(zscores(&[], StdKind::Sample, 1e-4), Vec::<f64>::new());
        assert_eq!(ranks(&[0.3, 0.3]), vec![0.5, 0.5]);
        assert_eq!(ranks(&[7.0]), vec![0.5]);
    }

    #[test]
    fn ranks_share_ties() {
        assert_eq!(
            ranks(&[3.0, 1.0, 3.0, 2.0]),
            vec![(2.0 + 3.0) / 2.0 / 3.0, 0.0, 2.5 / 3.0, 1.0 / 3.0]
        );
    }

    #[test]
    fn normalize_then_sum_zscores_each_aspect() {
        // GDPO: aspect a ranges widely, aspect b barely; after per-aspect
        // normalization both count equally.
        let c = combine(CombineMethod::NormalizeThenSum, Normalize::None);
        let rows = vec![
            vec![Value(100.0), Value(0.0)],
            vec![Value(0.0), Value(0.01)],
        ];
        let out = combine_batch(&c, &[1.0, 1.0], &rows, &[Some("g"), Some("g")]);
        let a = out[0].reward.unwrap();
        let b = out[1].reward.unwrap();
        // z(a) = ±0.707; z(b) = ∓0.697 (ε matters at this scale): they cancel
        // almost exactly, where a plain sum would be 100 against 0.01.
        assert!(a.abs() < 0.02 && (a + b).abs() < 1e-12, "{a} {b}");
        assert_eq!(out[0].raw, Some(100.0));
    }

    #[test]
    fn failed_samples_are_left_out_of_group_stats() {
        let c = combine(CombineMethod::WeightedSum, Normalize::Rank);
        let rows = vec![vec![Value(1.0)], vec![Fail("x".into())], vec![Value(2.0)]];
        let out = combine_batch(&c, &[1.0], &rows, &[Some("g"); 3]);
        assert_eq!(out[0].reward, Some(0.0));
        assert_eq!(out[1].reward, None);
        assert_eq!(out[2].reward, Some(1.0));
    }
}
