//! Seeded, stratified, optionally paired percentile bootstrap.
//!
//! Each subset is resampled within itself (its size fixed, as the benchmark
//! fixes it), and the overall score is recomputed from the resampled
//! subsets with the benchmark's own rule — so the overall interval respects
//! RewardBench's section weights and RewardBench 2's Ties composite.
//!
//! Two models are compared on the same draws (a paired bootstrap): each
//! unit holds both models' results, so the difference's interval accounts
//! for their correlation.

use rayon::prelude::*;

use super::rng::Rng;
use crate::metrics::Overall;
use crate::metrics::ties::{self, Prompt};

/// What one subset resamples: for each item (or Ties prompt), model A's
/// result and, when comparing, model B's.
#[derive(Debug, Clone)]
pub enum Units {
    /// Binary credit, one byte per item: bit 0 is A's, bit 1 is B's.
    Bits(Vec<u8>),
    /// Fractional credit (best-of-N ties), A's and B's.
    Credits(Vec<[f64; 2]>),
    /// RewardBench 2 Ties prompts, A's and B's.
    Ties(Vec<[Prompt; 2]>),
}

impl Units {
    /// How many units one resample draws.
    pub fn len(&self) -> usize {
        match self {
            Units::Bits(v) => v.len(),
            Units::Credits(v) => v.len(),
            Units::Ties(v) => v.len(),
        }
    }

    /// Whether there is nothing to draw.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The scores of A and B on the units as they are.
    pub fn point(&self) -> [f64; 2] {
        let n = self.len() as f64;
        match self {
            Units::Bits(v) => {
                let (a, b) = v.iter().fold((0u64, 0u64), |(a, b), x| {
                    (a + u64::from(x & 1), b + u64::from(x >> 1))
                });
                [a as f64 / n, b as f64 / n]
            }
            Units::Credits(v) => {
                let (a, b) = v.iter().fold((0.0, 0.0), |(a, b), x| (a + x[0], b + x[1]));
                [a / n, b / n]
            }
            Units::Ties(v) => {
                let mut acc = [ties::Accumulator::default(); 2];
                for p in v {
                    acc[0].add(&p[0]);
                    acc[1].add(&p[1]);
                }
                [acc[0].finish().score, acc[1].finish().score]
            }
        }
    }

    /// The scores of A and B on one resample drawn with `rng`.
    pub fn resample(&self, rng: &mut Rng) -> [f64; 2] {
        let n = self.len();
        if n == 0 {
            return [f64::NAN; 2];
        }
        match self {
            Units::Bits(v) => {
                let (a, b) = sum_bits(v, rng);
                [a as f64 / n as f64, b as f64 / n as f64]
            }
            Units::Credits(v) => {
                let (mut a, mut b) = (0.0, 0.0);
                for _ in 0..n {
                    let x = v[rng.below(n)];
                    a += x[0];
                    b += x[1];
                }
                [a / n as f64, b / n as f64]
            }
            Units::Ties(v) => {
                let mut acc = [ties::Accumulator::default(); 2];
                for _ in 0..n {
                    let p = &v[rng.below(n)];
                    acc[0].add(&p[0]);
                    acc[1].add(&p[1]);
                }
                [acc[0].finish().score, acc[1].finish().score]
            }
        }
    }
}

/// Draws `v.len()` bytes with replacement and sums bit 0 and bit 1 — the
/// loop a million-pair bootstrap spends its time in: two draws per 64
/// random bits, no branch but the rare rejection.
fn sum_bits(v: &[u8], rng: &mut Rng) -> (u64, u64) {
    let n = v.len();
    let (mut total, mut high) = (0u64, 0u64);
    match u32::try_from(n) {
        Ok(n32) => {
            for _ in 0..n / 2 {
                let r = rng.next_u64();
                let x = v[rng.below_u32(r as u32, n32) as usize];
                let y = v[rng.below_u32((r >> 32) as u32, n32) as usize];
                total += u64::from(x) + u64::from(y);
                high += u64::from(x >> 1) + u64::from(y >> 1);
            }
            if n % 2 == 1 {
                let x = v[rng.below(n)];
                total += u64::from(x);
                high += u64::from(x >> 1);
            }
        }
        Err(_) => {
            for _ in 0..n {
                let x = v[rng.below(n)];
                total += u64::from(x);
                high += u64::from(x >> 1);
            }
        }
    }
    (total - 2 * high, high)
}

/// Every resample's scores.
#[derive(Debug, Clone)]
pub struct Draws {
    /// Per subset, per resample: A's and B's score.
    pub subsets: Vec<Vec<[f64; 2]>>,
    /// Per resample: A's and B's overall score.
    pub overall: Vec<[f64; 2]>,
}

/// Runs `resamples` stratified resamples of `subsets` in parallel.
/// Resample `r` draws from its own generator, [`Rng::stream`]`(seed, r)`.
pub fn bootstrap(subsets: &[Units], overall: &Overall, resamples: usize, seed: u64) -> Draws {
    let counts: Vec<f64> = subsets.iter().map(|u| u.len() as f64).collect();
    let rows: Vec<(Vec<[f64; 2]>, [f64; 2])> = (0..resamples)
        .into_par_iter()
        .map(|r| {
            let mut rng = Rng::stream(seed, r as u64);
            let scores: Vec<[f64; 2]> = subsets.iter().map(|u| u.resample(&mut rng)).collect();
            let a: Vec<f64> = scores.iter().map(|s| s[0]).collect();
            let b: Vec<f64> = scores.iter().map(|s| s[1]).collect();
            let o = [overall.apply(&a, &counts), overall.apply(&b, &counts)];
            (scores, o)
        })
        .collect();
    let mut draws = Draws {
        subsets: vec![Vec::with_capacity(resamples); subsets.len()],
        overall: Vec::with_capacity(resamples),
    };
    for (scores, o) in rows {
        for (s, score) in scores.into_iter().enumerate() {
            draws.subsets[s].push(score);
        }
        draws.overall.push(o);
    }
    draws
}

/// The `q`-th quantile (0–1) of `sorted`, interpolated linearly between
/// order statistics (numpy's default).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The central `confidence` percentile interval of `values`; NaN bounds
/// when a resample had no score (numpy's percentile propagates NaN too).
pub fn interval(values: impl IntoIterator<Item = f64>, confidence: f64) -> (f64, f64) {
    let mut v: Vec<f64> = values.into_iter().collect();
    if v.is_empty() || v.iter().any(|x| x.is_nan()) {
        return (f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    (quantile(&v, tail), quantile(&v, 1.0 - tail))
}

/// Two-sided bootstrap p-value of "the difference is 0": twice the smaller
/// share of resampled differences on either side of 0, at most 1.
pub fn p_value(diffs: &[f64]) -> f64 {
    if diffs.is_empty() {
        return f64::NAN;
    }
    let n = diffs.len() as f64;
    let below = diffs.iter().filter(|d| **d <= 0.0).count() as f64 / n;
    let above = diffs.iter().filter(|d| **d >= 0.0).count() as f64 / n;
    (2.0 * below.min(above)).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_interpolates_like_numpy() {
        // numpy.percentile([1, 2, 3, 4], [2.5, 97.5]) = [1.075, 3.925]
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile(&v, 0.025) - 1.075).abs() < 1e-12);
        assert!((quantile(&v, 0.975) - 3.925).abs() < 1e-12);
    }

    #[test]
    fn bits_sum_both_models() {
        let units = Units::Bits(vec![0b01, 0b11, 0b10, 0b00]);
        assert_eq!(units.point(), [0.5, 0.5]);
        let mut rng = Rng::new(3);
        let [a, b] = units.resample(&mut rng);
        assert!((0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&b));
    }

    #[test]
    fn same_seed_same_intervals_any_thread_count() {
        let units = vec![Units::Bits(
            (0..1001).map(|i| u8::from(i % 3 == 0)).collect(),
        )];
        let a = bootstrap(&units, &Overall::Micro, 200, 42);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = pool.install(|| bootstrap(&units, &Overall::Micro, 200, 42));
        assert_eq!(a.overall, b.overall);
        let c = bootstrap(&units, &Overall::Micro, 200, 43);
        assert_ne!(a.overall, c.overall);
    }

    #[test]
    fn interval_covers_the_truth_for_a_proportion() {
        // 10,000 items at accuracy 0.7: the 95% interval is about ±0.009.
        let units = vec![Units::Bits(
            (0..10_000).map(|i| u8::from(i % 10 < 7)).collect(),
        )];
        let d = bootstrap(&units, &Overall::Micro, 1000, 1);
        let (lo, hi) = interval(d.overall.iter().map(|o| o[0]), 0.95);
        assert!(lo < 0.7 && 0.7 < hi, "{lo} {hi}");
        let half = (hi - lo) / 2.0;
        let se = (0.7f64 * 0.3 / 10_000.0).sqrt();
        assert!((half / (1.96 * se) - 1.0).abs() < 0.15, "{half}");
    }

    #[test]
    fn p_value_is_two_sided() {
        assert_eq!(p_value(&[1.0, 2.0, 3.0, 4.0]), 0.0);
        assert_eq!(p_value(&[-1.0, 1.0]), 1.0);
        assert_eq!(p_value(&[-1.0, 1.0, 2.0, 3.0]), 0.5);
    }
}
