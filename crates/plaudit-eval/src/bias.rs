//! Length bias: how much of a reward model's score a response's length
//! explains.
//!
//! Two baselines run the benchmark's own metric with a response's length
//! (in characters) as its score — "pick the longer" — and with minus its
//! length — "pick the shorter". A model that barely beats the longer
//! baseline on a subset has learned little beyond length there. Beside
//! them, Pearson's r and Spearman's ρ between score and length over every
//! response evaluated.

use rayon::prelude::*;

use crate::Dataset;
use crate::report::Point;
use crate::stats::correlation::{pearson, spearman};

/// Every response's length in characters, flat in dataset order.
pub fn lengths(data: &Dataset) -> Vec<f64> {
    data.items
        .par_iter()
        .flat_map_iter(|item| {
            item.responses
                .iter()
                .map(|r| r.text().chars().count() as f64)
        })
        .collect()
}

/// Score–length correlations.
#[derive(Debug, Clone)]
pub struct Correlations {
    /// Per subset: (Pearson, Spearman).
    pub subsets: Vec<(f64, f64)>,
    /// Over all responses evaluated.
    pub overall: (f64, f64),
    /// Responses evaluated.
    pub responses: usize,
}

/// Correlations of `values` (scores) with `lengths` over the responses of
/// the items in `members` (per subset).
pub fn correlations(
    members: &[Vec<usize>],
    offsets: &[usize],
    values: &[f64],
    lengths: &[f64],
) -> Correlations {
    let gather = |items: &mut dyn Iterator<Item = usize>| {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in items {
            x.extend_from_slice(&values[offsets[i]..offsets[i + 1]]);
            y.extend_from_slice(&lengths[offsets[i]..offsets[i + 1]]);
        }
        (x, y)
    };
    let subsets = members
        .par_iter()
        .map(|m| {
            let (x, y) = gather(&mut m.iter().copied());
            (pearson(&x, &y), spearman(&x, &y))
        })
        .collect();
    let (x, y) = gather(&mut members.iter().flatten().copied());
    let (p, s) = rayon::join(|| pearson(&x, &y), || spearman(&x, &y));
    Correlations {
        subsets,
        overall: (p, s),
        responses: x.len(),
    }
}

/// Up to `max` (length, score) points, evenly spread over the responses
/// evaluated.
pub fn scatter(
    members: &[Vec<usize>],
    offsets: &[usize],
    data: &Dataset,
    values: &[f64],
    lengths: &[f64],
    max: usize,
) -> Vec<Point> {
    let total: usize = members
        .iter()
        .flatten()
        .map(|&i| offsets[i + 1] - offsets[i])
        .sum();
    if max == 0 || total == 0 {
        return Vec::new();
    }
    let stride = total.div_ceil(max);
    let mut points = Vec::with_capacity(max);
    let mut k = 0usize;
    for &i in members.iter().flatten() {
        let best = match data.items[i].rule {
            crate::Rule::Pair { preferred } => preferred,
            crate::Rule::BestOfN { best, .. } => best,
        };
        for j in offsets[i]..offsets[i + 1] {
            if k.is_multiple_of(stride) {
                points.push(Point {
                    length: lengths[j],
                    score: values[j],
                    preferred: j - offsets[i] == best,
                });
            }
            k += 1;
        }
    }
    points
}
