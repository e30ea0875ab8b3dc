//! The crate's only unsafe code, behind safe functions:
//!
//! - matrix products through the `gemm` crate: every operand is a slice
//!   with its shape and strides, checked to lie inside the slice before
//!   the call;
//! - the element-wise kernels of `ops`, compiled a second and third time
//!   for AVX-512 and AVX2 and chosen at run time by what the CPU reports
//!   (the baseline x86-64 build only has SSE2, a quarter of AVX-512's
//!   width). The same code runs in each; only the vector width differs,
//!   and no instruction that rounds differently (FMA) is introduced,
//!   because the kernels never call `mul_add`.
#![allow(unsafe_code)]

use gemm::Parallelism;

use super::ops::{self, Activation};

/// Which compiled copy of the element-wise kernels this CPU runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Avx512,
    Avx2,
    Baseline,
}

fn level() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return Level::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return Level::Avx2;
        }
    }
    Level::Baseline
}

/// Defines `pub(crate) fn $name(args)` that runs `$body` compiled for the
/// best level this CPU supports.
macro_rules! multiversion {
    ($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) $body:block) => {
        $(#[$doc])*
        pub(crate) fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn avx512($($arg: $ty),*) $body
                #[target_feature(enable = "avx2")]
                fn avx2($($arg: $ty),*) $body
                match level() {
                    // SAFETY: `level` checked that the CPU has the feature.
                    Level::Avx512 => return unsafe { avx512($($arg),*) },
                    // SAFETY: as above.
                    Level::Avx2 => return unsafe { avx2($($arg),*) },
                    Level::Baseline => {}
                }
            }
            $body
        }
    };
}

multiversion! {
    /// Softmax of each `len`-wide row, in place.
    fn softmax_rows(scores: &mut [f32], len: usize) {
        ops::softmax_rows(scores, len)
    }
}

multiversion! {
    /// LayerNorm of each row, in place.
    fn layer_norm(xs: &mut [f32], gamma: &[f32], beta: &[f32], eps: f64) {
        ops::layer_norm(xs, gamma, beta, eps)
    }
}

multiversion! {
    /// RMSNorm of each row, in place.
    fn rms_norm(xs: &mut [f32], weight: &[f32], eps: f64) {
        ops::rms_norm(xs, weight, eps)
    }
}

multiversion! {
    /// SwiGLU of rows of `[gate | up]` into `out`.
    fn swiglu(gate_up: &[f32], out: &mut [f32], width: usize) {
        ops::swiglu(gate_up, out, width)
    }
}

multiversion! {
    /// The activation, in place.
    fn activate(act: Activation, xs: &mut [f32]) {
        act.apply(xs)
    }
}

/// A read-only matrix view: element `(i, j)` is `data[i * row_stride + j * col_stride]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a> View<'a> {
    /// A row-major matrix whose rows are `row_stride` apart.
    pub fn rows(data: &'a [f32], rows: usize, cols: usize, row_stride: usize) -> Self {
        View {
            data,
            rows,
            cols,
            row_stride,
            col_stride: 1,
        }
    }

    /// The transpose, without moving anything.
    pub fn t(self) -> Self {
        View {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }
}

/// Whether a `rows × cols` matrix with these strides lies inside `len`
/// elements (an empty one always does).
fn fits(len: usize, rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> bool {
    if rows == 0 || cols == 0 {
        return true;
    }
    let last = (rows - 1)
        .checked_mul(row_stride)
        .zip((cols - 1).checked_mul(col_stride))
        .and_then(|(a, b)| a.checked_add(b));
    last.is_some_and(|last| last < len)
}

fn isize_of(x: usize) -> isize {
    isize::try_from(x).expect("a stride fits in isize")
}

/// `dst = (accumulate ? dst : 0) + scale · a · b`, where `dst` is row-major
/// `a.rows × b.cols` with rows `dst_row_stride` apart; with `threads > 1`
/// the product is split over the current rayon pool.
///
/// # Panics
///
/// When the shapes disagree or a view reaches outside its slice: a bug in
/// the caller, never a property of the input.
pub(crate) fn matmul(
    dst: &mut [f32],
    dst_row_stride: usize,
    accumulate: bool,
    a: View<'_>,
    b: View<'_>,
    scale: f32,
    threads: usize,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "inner dimensions differ");
    assert!(
        fits(a.data.len(), m, k, a.row_stride, a.col_stride),
        "lhs out of bounds"
    );
    assert!(
        fits(b.data.len(), k, n, b.row_stride, b.col_stride),
        "rhs out of bounds"
    );
    assert!(
        fits(dst.len(), m, n, dst_row_stride, 1),
        "dst out of bounds"
    );
    if m == 0 || n == 0 {
        return;
    }
    let parallelism = if threads > 1 {
        Parallelism::Rayon(threads)
    } else {
        Parallelism::None
    };
    // SAFETY: the three views were checked above to lie inside their
    // slices, `dst` is borrowed mutably for the call and does not overlap
    // the shared borrows `a` and `b`, and all strides are non-negative.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            isize_of(dst_row_stride),
            accumulate,
            a.data.as_ptr(),
            isize_of(a.col_stride),
            isize_of(a.row_stride),
            b.data.as_ptr(),
            isize_of(b.col_stride),
            isize_of(b.row_stride),
            1.0,
            scale,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The product by the definition, in f64.
    fn naive(a: View<'_>, b: View<'_>) -> Vec<f64> {
        let mut out = vec![0f64; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                out[i * b.cols + j] = (0..a.cols)
                    .map(|p| {
                        f64::from(a.data[i * a.row_stride + p * a.col_stride])
                            * f64::from(b.data[p * b.row_stride + j * b.col_stride])
                    })
                    .sum();
            }
        }
        out
    }

    #[test]
    fn strided_and_transposed_products_match_the_definition() {
        let a: Vec<f32> = (0..7 * 10).map(|i| ((i * 37) % 11) as f32 - 5.0).collect();
        let b: Vec<f32> = (0..9 * 10).map(|i| ((i * 13) % 7) as f32 - 3.0).collect();
        // a: 7×5 taken from every other column; b: 9×10 used transposed (10×9)
        // restricted to its first 5 rows, so 5×9.
        let av = View {
            data: &a,
            rows: 7,
            cols: 5,
            row_stride: 10,
            col_stride: 2,
        };
        let bv = View::rows(&b, 9, 5, 10).t();
        for threads in [1, 2] {
            let mut dst = vec![1f32; 7 * 12];
            matmul(&mut dst, 12, true, av, bv, 0.5, threads);
            let want = naive(av, bv);
            for i in 0..7 {
                for j in 0..9 {
                    let got = f64::from(dst[i * 12 + j]);
                    assert!(
                        (got - (1.0 + 0.5 * want[i * 9 + j])).abs() < 1e-4,
                        "({i},{j})"
                    );
                }
                // Columns past the product are untouched.
                assert!(dst[i * 12 + 9..i * 12 + 12].iter().all(|&x| x == 1.0));
            }
            let mut dst = vec![f32::NAN; 7 * 9];
            matmul(&mut dst, 9, false, av, bv, 1.0, threads);
            for (g, w) in dst.iter().zip(naive(av, bv)) {
                assert!((f64::from(*g) - w).abs() < 1e-4);
            }
        }
    }

    #[test]
    #[should_panic(expected = "lhs out of bounds")]
    fn a_view_outside_its_slice_is_refused() {
        let a = vec![0f32; 10];
        let b = vec![0f32; 4];
        let mut dst = vec![0f32; 8];
        matmul(
            &mut dst,
            2,
            false,
            View::rows(&a, 4, 2, 3),
            View::rows(&b, 2, 2, 2),
            1.0,
            1,
        );
    }

    #[test]
    fn every_compiled_copy_computes_the_same() {
        let data: Vec<f32> = (0..3 * 40)
            .map(|i| ((i * 29) % 17) as f32 * 0.37 - 3.0)
            .collect();
        let gamma: Vec<f32> = (0..40).map(|i| 1.0 + i as f32 * 0.01).collect();
        let beta: Vec<f32> = (0..40).map(|i| i as f32 * -0.02).collect();
        let mut best = data.clone();
        softmax_rows(&mut best, 40);
        layer_norm(&mut best, &gamma, &beta, 1e-12);
        activate(Activation::Gelu, &mut best);
        let mut plain = data;
        ops::softmax_rows(&mut plain, 40);
        ops::layer_norm(&mut plain, &gamma, &beta, 1e-12);
        Activation::Gelu.apply(&mut plain);
        for (a, b) in best.iter().zip(&plain) {
            assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{a} vs {b}");
        }
    }

    #[test]
    fn fits_checks_the_last_element() {
        assert!(fits(12, 3, 4, 4, 1));
        assert!(!fits(11, 3, 4, 4, 1));
        assert!(fits(0, 0, 5, 5, 1));
        assert!(!fits(10, usize::MAX, 2, usize::MAX, 1));
    }
}
