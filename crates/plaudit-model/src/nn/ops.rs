//! The element-wise parts of a transformer layer, written so that the
//! compiler vectorizes them: no calls into libm in the inner loops, no
//! branches that depend on the data.

/// `e^x` for `x ≤ 0` down to where it underflows, within 2 ulp: `x = n·ln 2 + r`
/// with `|r| ≤ ln 2 / 2`, a degree-6 polynomial for `e^r` (Cephes' `expf`
/// coefficients) and `2^n` built from its exponent bits.
#[inline(always)]
fn exp_nonpositive(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Rounding by adding and subtracting 1.5·2^23, which needs no SSE4.1.
    const ROUND: f32 = 12_582_912.0;
    let x = x.max(-87.0);
    let n = (x * LOG2E + ROUND) - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let e = p * r * r + r + 1.0;
    // n ∈ [-126, 0], so the biased exponent is in [1, 127].
    let scale = f32::from_bits((((n as i32) + 127) as u32) << 23);
    e * scale
}

/// `erf(x)`: the rational minimax approximation on [-4, 4] that Eigen and
/// XLA use for single precision (maximum error 7e-8), saturating beyond.
#[inline(always)]
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10_f32;
    p = p * x2 + 2.770_681_4e-8;
    p = p * x2 - 2.101_024e-6;
    p = p * x2 - 5.692_506_4e-5;
    p = p * x2 - 7.349_906_3e-4;
    p = p * x2 - 2.954_6e-3;
    p = p * x2 - 1.609_603_3e-2;
    let mut q = -1.456_607_2e-5_f32;
    q = q * x2 - 2.133_740_6e-4;
    q = q * x2 - 1.682_827e-3;
    q = q * x2 - 7.373_329e-3;
    q = q * x2 - 1.426_474e-2;
    (x * p / q).clamp(-1.0, 1.0)
}

/// The activation of a feed-forward layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activation {
    /// `x·Φ(x)` with the exact normal CDF (transformers' `gelu`).
    Gelu,
    /// The tanh approximation (`gelu_new`, `gelu_pytorch_tanh`).
    GeluTanh,
    /// `max(x, 0)`.
    Relu,
}

impl Activation {
    /// Applies the activation in place.
    #[inline(always)]
    pub fn apply(self, xs: &mut [f32]) {
        match self {
            Activation::Gelu => {
                for x in xs {
                    *x = 0.5 * *x * (1.0 + erf(*x * std::f32::consts::FRAC_1_SQRT_2));
                }
            }
            Activation::GeluTanh => {
                // tanh(u) = 1 - 2 / (e^{2u} + 1), computed from e^{-2|u|}
                // so that it cannot overflow.
                const C: f32 = 0.797_884_6; // sqrt(2 / pi)
                for x in xs {
                    let u = C * (*x + 0.044_715 * *x * *x * *x);
                    let e = exp_nonpositive(-2.0 * u.abs());
                    let t = ((1.0 - e) / (1.0 + e)).copysign(u);
                    *x = 0.5 * *x * (1.0 + t);
                }
            }
            Activation::Relu => {
                for x in xs {
                    *x = x.max(0.0);
                }
            }
        }
    }
}

/// How many lanes the reductions below keep apart, so that the compiler
/// can vectorize them (a single running sum is a serial dependency).
const LANES: usize = 16;

/// Softmax of each `len`-wide row of attention scores, in place.
#[inline(always)]
pub(crate) fn softmax_rows(scores: &mut [f32], len: usize) {
    for row in scores.chunks_exact_mut(len) {
        let mut lanes = [f32::NEG_INFINITY; LANES];
        let mut chunks = row.chunks_exact(LANES);
        for c in &mut chunks {
            for (m, &x) in lanes.iter_mut().zip(c) {
                *m = m.max(x);
            }
        }
        let max = chunks
            .remainder()
            .iter()
            .chain(&lanes)
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        let mut sums = [0f32; LANES];
        let mut chunks = row.chunks_exact_mut(LANES);
        for c in &mut chunks {
            for (s, x) in sums.iter_mut().zip(c) {
                *x = exp_nonpositive(*x - max);
                *s += *x;
            }
        }
        let mut sum = 0f32;
        for x in chunks.into_remainder() {
            *x = exp_nonpositive(*x - max);
            sum += *x;
        }
        let inv = 1.0 / (sum + sums.iter().sum::<f32>());
        for x in row {
            *x *= inv;
        }
    }
}

/// RMS normalization of each `weight.len()`-wide row, in place, as
/// Llama-style models compute it: `x / sqrt(mean(x²) + eps) · weight`.
#[inline(always)]
pub(crate) fn rms_norm(xs: &mut [f32], weight: &[f32], eps: f64) {
    let width = weight.len();
    for row in xs.chunks_exact_mut(width) {
        let ms = lane_sum(row, |x| f64::from(x) * f64::from(x)) / width as f64;
        let inv = (1.0 / (ms + eps).sqrt()) as f32;
        for (x, w) in row.iter_mut().zip(weight) {
            *x = *x * inv * w;
        }
    }
}

/// SwiGLU: `gate_up` holds rows of `[gate | up]`, each half `width`
/// wide, and `out` rows of `width`: `silu(gate) · up`, with
/// `silu(x) = x / (1 + e^-x)`.
#[inline(always)]
pub(crate) fn swiglu(gate_up: &[f32], out: &mut [f32], width: usize) {
    for (row, o) in gate_up
        .chunks_exact(2 * width)
        .zip(out.chunks_exact_mut(width))
    {
        let (gate, up) = row.split_at(width);
        for ((o, &g), &u) in o.iter_mut().zip(gate).zip(up) {
            // e^-|g| never overflows; the sigmoid follows from it on
            // either side of 0.
            let e = exp_nonpositive(-g.abs());
            let sigmoid = if g >= 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            };
            *o = g * sigmoid * u;
        }
    }
}

/// Scales `v` to unit Euclidean length (the norm accumulated in f64); a
/// zero vector stays zero.
pub(crate) fn normalize(v: &mut [f32]) {
    let norm = v
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt();
    let inv = (1.0 / norm.max(1e-12)) as f32;
    v.iter_mut().for_each(|x| *x *= inv);
}

/// Layer normalization of each `gamma.len()`-wide row of `xs`, in place.
/// The mean and variance are accumulated in f64.
#[inline(always)]
pub(crate) fn layer_norm(xs: &mut [f32], gamma: &[f32], beta: &[f32], eps: f64) {
    let width = gamma.len();
    for row in xs.chunks_exact_mut(width) {
        let mean = lane_sum(row, f64::from) / width as f64;
        let var = lane_sum(row, |x| {
            let d = f64::from(x) - mean;
            d * d
        }) / width as f64;
        let inv = (1.0 / (var + eps).sqrt()) as f32;
        let mean = mean as f32;
        for ((x, g), b) in row.iter_mut().zip(gamma).zip(beta) {
            *x = (*x - mean) * inv * g + b;
        }
    }
}

/// `Σ f(x)` over a row in f64, in `LANES` interleaved partial sums.
#[inline(always)]
fn lane_sum(row: &[f32], f: impl Fn(f32) -> f64) -> f64 {
    let mut lanes = [0f64; LANES];
    let mut chunks = row.chunks_exact(LANES);
    for c in &mut chunks {
        for (s, &x) in lanes.iter_mut().zip(c) {
            *s += f(x);
        }
    }
    chunks.remainder().iter().map(|&x| f(x)).sum::<f64>() + lanes.iter().sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn erf_f64(x: f64) -> f64 {
        // Abramowitz–Stegun 7.1.26 is too coarse for a reference; a
        // series/continued-fraction pair is exact enough in f64.
        if x.abs() < 3.0 {
            let mut term = x;
            let mut sum = x;
            let mut n = 0.0;
            while term.abs() > 1e-17 {
                n += 1.0;
                term *= -x * x / n;
                sum += term / (2.0 * n + 1.0);
            }
            sum * 2.0 / std::f64::consts::PI.sqrt()
        } else {
            // erfc by its continued fraction, for large |x|.
            let ax = x.abs();
            let mut f = 0.0;
            for k in (1..60).rev() {
                f = f64::from(k) / 2.0 / (ax + f);
            }
            let erfc = (-ax * ax).exp() / (ax + f) / std::f64::consts::PI.sqrt();
            (1.0 - erfc).copysign(x)
        }
    }

    #[test]
    fn exp_is_accurate_where_softmax_uses_it() {
        let mut worst = 0f64;
        for i in 0..=87_000 {
            let x = -(i as f32) / 1000.0;
            let got = f64::from(exp_nonpositive(x));
            let want = f64::from(x).exp();
            worst = worst.max((got - want).abs() / want);
        }
        assert!(worst < 3e-7, "relative error {worst}");
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(f32::NEG_INFINITY), exp_nonpositive(-87.0));
    }

    #[test]
    fn erf_is_accurate() {
        let mut worst = 0f64;
        for i in -6000..=6000 {
            let x = i as f32 / 1000.0;
            worst = worst.max((f64::from(erf(x)) - erf_f64(f64::from(x))).abs());
        }
        assert!(worst < 5e-7, "absolute error {worst}");
    }

    #[test]
    fn activations_at_known_points() {
        let mut xs = [-3.0f32, -1.0, 0.0, 0.5, 2.0];
        Activation::Gelu.apply(&mut xs);
        // x·Φ(x) from the standard normal CDF.
        let want = [-0.004_049_71, -0.158_655_25, 0.0, 0.345_731_36, 1.954_499_7];
        for (g, w) in xs.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{g} vs {w}");
        }
        let mut xs = [-3.0f32, -1.0, 0.0, 0.5, 2.0, 40.0, -40.0];
        Activation::GeluTanh.apply(&mut xs);
        let want = [
            -0.003_637_4,
            -0.158_808,
            0.0,
            0.345_714,
            1.954_597_7,
            40.0,
            0.0,
        ];
        for (g, w) in xs.iter().zip(want) {
            assert!((g - w).abs() < 1e-5, "{g} vs {w}");
        }
        let mut xs = [-1.0f32, 2.0];
        Activation::Relu.apply(&mut xs);
        assert_eq!(xs, [0.0, 2.0]);
    }

    #[test]
    fn softmax_sums_to_one_and_keeps_order() {
        let mut row = [1.0f32, 3.0, -2.0, 3.0, -1e30];
        softmax_rows(&mut row, 5);
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(row[1] == row[3] && row[1] > row[0] && row[0] > row[2]);
        assert_eq!(row[4], row[4].max(0.0));
        let e = (1f64 - 3.0).exp();
        let want = e / (2.0 + e + (-5f64).exp());
        assert!((f64::from(row[0]) - want).abs() < 1e-7);
    }

    #[test]
    fn long_rows_reduce_across_lanes() {
        // 2 rows of 37: whole lane chunks plus a remainder.
        let mut rows: Vec<f32> = (0..74).map(|i| ((i * 7) % 13) as f32 * 0.3).collect();
        let want: Vec<f64> = rows
            .chunks(37)
            .flat_map(|r| {
                let m = r.iter().fold(f32::MIN, |a, &b| a.max(b));
                let e: Vec<f64> = r.iter().map(|&x| f64::from(x - m).exp()).collect();
                let s: f64 = e.iter().sum();
                e.into_iter().map(move |x| x / s)
            })
            .collect();
        softmax_rows(&mut rows, 37);
        for (g, w) in rows.iter().zip(want) {
            assert!((f64::from(*g) - w).abs() < 1e-7);
        }
    }

    #[test]
    fn rms_norm_and_swiglu_by_hand() {
        let mut xs = [3.0f32, 4.0, 0.0, 0.0];
        rms_norm(&mut xs, &[1.0, 2.0], 1e-6);
        let r = (12.5f32).sqrt();
        assert!((xs[0] - 3.0 / r).abs() < 1e-6 && (xs[1] - 8.0 / r).abs() < 1e-6);
        // A zero row stays zero (eps keeps the division finite).
        assert_eq!(&xs[2..], &[0.0, 0.0]);
        // Two rows of [gate | up] with width 2.
        let gu = [1.0f32, -2.0, 3.0, 4.0, 0.0, 30.0, 1.0, 1.0];
        let mut out = [0f32; 4];
        swiglu(&gu, &mut out, 2);
        let silu = |x: f64| x / (1.0 + (-x).exp());
        let want = [silu(1.0) * 3.0, silu(-2.0) * 4.0, 0.0, silu(30.0)];
        for (g, w) in out.iter().zip(want) {
            assert!((f64::from(*g) - w).abs() < 1e-6, "{g} vs {w}");
        }
    }

    #[test]
    fn layer_norm_centers_and_scales() {
        let mut xs = [1.0f32, 2.0, 3.0, 4.0, 10.0, 10.0, 10.0, 10.0];
        layer_norm(&mut xs, &[1.0, 1.0, 2.0, 1.0], &[0.0, 0.0, 0.0, 1.0], 1e-12);
        let sd = 1.25f32.sqrt();
        let want = [-1.5 / sd, -0.5 / sd, 1.0 / sd, 1.5 / sd + 1.0];
        for (g, w) in xs[..4].iter().zip(want) {
            assert!((g - w).abs() < 1e-6);
        }
        // A constant row becomes beta.
        assert_eq!(&xs[4..], &[0.0, 0.0, 0.0, 1.0]);
    }
}
