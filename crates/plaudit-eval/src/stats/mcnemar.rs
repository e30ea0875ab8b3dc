//! McNemar's test for two models judged on the same items.
//!
//! Only the discordant items matter: `b` items only model A got right, `c`
//! only model B. Under "no difference" each discordant item is a fair coin.
//! The exact test is the two-sided binomial test of b out of b + c
//! (statsmodels' `mcnemar(exact=True)`); the continuity-corrected one is
//! χ² = (|b − c| − 1)² / (b + c) with one degree of freedom
//! (`mcnemar(exact=False, correction=True)`).

use serde::Serialize;

/// McNemar's statistics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct McNemar {
    /// Items only model A got right.
    pub a_only: u64,
    /// Items only model B got right.
    pub b_only: u64,
    /// The exact (binomial) two-sided p-value.
    pub exact_p: f64,
    /// The continuity-corrected χ² statistic (NaN without discordant items).
    pub chi2: f64,
    /// Its p-value.
    pub chi2_p: f64,
}

/// McNemar's test from the discordant counts.
pub fn mcnemar(a_only: u64, b_only: u64) -> McNemar {
    let n = a_only + b_only;
    if n == 0 {
        return McNemar {
            a_only,
            b_only,
            exact_p: 1.0,
            chi2: f64::NAN,
            chi2_p: 1.0,
        };
    }
    let diff = a_only.abs_diff(b_only) as f64;
    let chi2 = (diff - 1.0).powi(2) / n as f64;
    McNemar {
        a_only,
        b_only,
        exact_p: (2.0 * binomial_cdf_half(a_only.min(b_only), n)).min(1.0),
        chi2,
        chi2_p: chi2_sf_1df(chi2),
    }
}

/// P(X ≤ k) for X ~ Binomial(n, 1/2), summed in log space so that large n
/// neither underflows nor loses the tail.
pub fn binomial_cdf_half(k: u64, n: u64) -> f64 {
    if k >= n {
        return 1.0;
    }
    let mut log_pmf = -(n as f64) * std::f64::consts::LN_2;
    let mut log_sum = log_pmf;
    for i in 1..=k {
        log_pmf += ((n - i + 1) as f64).ln() - (i as f64).ln();
        let (hi, lo) = if log_pmf > log_sum {
            (log_pmf, log_sum)
        } else {
            (log_sum, log_pmf)
        };
        log_sum = hi + (lo - hi).exp().ln_1p();
    }
    log_sum.exp().min(1.0)
}

/// The upper tail of χ² with one degree of freedom: the regularized upper
/// incomplete gamma Q(1/2, x/2), by its series below a + 1 and its
/// continued fraction above (Numerical Recipes' `gammq`).
pub fn chi2_sf_1df(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    const A: f64 = 0.5;
    let y = x / 2.0;
    // ln Γ(1/2) = ln √π
    let prefactor = (-y + A * y.ln() - 0.5 * std::f64::consts::PI.ln()).exp();
    if y < A + 1.0 {
        let (mut ap, mut del) = (A, 1.0 / A);
        let mut sum = del;
        for _ in 0..1000 {
            ap += 1.0;
            del *= y / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-17 {
                break;
            }
        }
        (1.0 - sum * prefactor).max(0.0)
    } else {
        const TINY: f64 = 1e-300;
        let mut b = y + 1.0 - A;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - A);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-16 {
                break;
            }
        }
        prefactor * h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_case::test_case;

    // scipy.stats.chi2.sf(x, 1) = math.erfc(sqrt(x / 2))
    #[test_case(1.0, 0.317_310_507_862_914)]
    #[test_case(3.841_458_820_694_124, 0.05)]
    #[test_case(10.0, 0.001_565_402_258_002_548_8)]
    #[test_case(0.1, 0.751_829_634_045_849_2)]
    fn chi2_tail(x: f64, p: f64) {
        assert!(
            (chi2_sf_1df(x) - p).abs() < 1e-12 * p.max(1e-3),
            "{}",
            chi2_sf_1df(x)
        );
    }

    // statsmodels.stats.contingency_tables.mcnemar([[0, b], [c, 0]], exact=True).pvalue
    #[test_case(3, 10, 0.092_285_156_25)]
    #[test_case(0, 5, 0.0625)]
    #[test_case(7, 7, 1.0)]
    fn exact_p(b: u64, c: u64, p: f64) {
        assert!(
            (mcnemar(b, c).exact_p - p).abs() < 1e-12,
            "{}",
            mcnemar(b, c).exact_p
        );
    }

    #[test]
    fn corrected_statistic() {
        // (|3 − 10| − 1)² / 13
        let m = mcnemar(3, 10);
        assert!((m.chi2 - 36.0 / 13.0).abs() < 1e-15);
        assert!((m.chi2_p - chi2_sf_1df(36.0 / 13.0)).abs() < 1e-15);
    }

    #[test]
    fn large_counts_do_not_underflow() {
        // 50,000 vs 51,000: a real difference (z ≈ 3.1).
        let m = mcnemar(50_000, 51_000);
        assert!(m.exact_p > 1e-4 && m.exact_p < 5e-3, "{}", m.exact_p);
        assert!(
            (m.exact_p / m.chi2_p - 1.0).abs() < 0.05,
            "{} {}",
            m.exact_p,
            m.chi2_p
        );
    }

    #[test]
    fn no_discordant_items_is_no_evidence() {
        assert_eq!(mcnemar(0, 0).exact_p, 1.0);
    }
}
