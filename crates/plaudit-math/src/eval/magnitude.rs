//! Rigorous bounds on numbers far outside `f64`, through iterated logarithms.
//!
//! An [`Xr`] is a number known only through an interval on its `level`-fold
//! base-2 logarithm: level 0 is the number itself, level 1 says it is `2^t`
//! with `t` in the interval, level 2 says `2^(2^t)`, and so on. A power tower
//! like `5^{5^{5^{3125}}}` is a level-3 number with an interval near 7257;
//! `2^{10^{10}}` is a level-1 number near 1e10. That is enough to tell a
//! tower from 2, or `10000!` from `10001!`, without building either.
//!
//! Every operation rounds its interval outward (a few ulps more than `libm`
//! and IEEE arithmetic can be off), so a bound is never wrong, only loose;
//! what cannot be bounded — the difference of two numbers too close to
//! order, an interval that straddles zero where a sign is needed — is an
//! error rather than a guess. Values are kept at the lowest level where
//! their interval fits below 2^1020, so each level's numbers are vastly
//! larger than the level below's and adding a lower-level number moves a
//! higher-level one by less than its rounding allowance.

use std::cmp::Ordering;
use std::f64::consts::LN_2;

use crate::eval::EvalError;

/// Level-0 numbers stay within ±2^1020, where `f64` has room to round.
const FLAT: f64 = 8.98846567431158e307; // 2^1020
/// A level ≥ 1 interval whose upper end is at most this goes down a level.
const FLAT_LOG: f64 = 1020.0;
/// Deepest tower kept; a taller one is out of range.
const MAX_LEVEL: u8 = 8;

pub(super) fn down(x: f64) -> f64 {
    if x.is_finite() {
        x - 4.0 * f64::EPSILON * x.abs() - f64::MIN_POSITIVE
    } else {
        x
    }
}

pub(super) fn up(x: f64) -> f64 {
    if x.is_finite() {
        x + 4.0 * f64::EPSILON * x.abs() + f64::MIN_POSITIVE
    } else {
        x
    }
}

/// A lower bound of `log2 x`; `-inf` when `x` may be zero or negative.
pub(super) fn log2_down(x: f64) -> f64 {
    if x > 0.0 {
        down(x.log2())
    } else {
        f64::NEG_INFINITY
    }
}

pub(super) fn log2_up(x: f64) -> f64 {
    if x > 0.0 {
        up(x.log2())
    } else {
        f64::NEG_INFINITY
    }
}

pub(super) fn exp2_down(x: f64) -> f64 {
    down(x.exp2()).max(0.0)
}

pub(super) fn exp2_up(x: f64) -> f64 {
    up(x.exp2())
}

/// `log2(1 + x)` for `x > -1`, rounded down or up.
fn log2_1p(x: f64, round_up: bool) -> f64 {
    let v = x.ln_1p() / LN_2;
    if round_up { up(v) } else { down(v) }
}

/// A real number known by an interval on its `level`-fold base-2 logarithm.
/// Level ≥ 1 numbers are positive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Xr {
    pub(crate) level: u8,
    pub(crate) lo: f64,
    pub(crate) hi: f64,
}

impl Xr {
    /// The plain interval `[lo, hi]`, rounded outward by the caller.
    pub(crate) fn flat(lo: f64, hi: f64) -> Xr {
        Xr { level: 0, lo, hi }
    }

    /// Puts the interval at the lowest level where it fits, or says why it
    /// cannot be held.
    pub(crate) fn norm(self) -> Result<Xr, EvalError> {
        let mut x = self;
        // Each step moves one level towards where the interval fits and
        // never back, so this ends within MAX_LEVEL + 1 steps.
        for _ in 0..=MAX_LEVEL + 1 {
            if x.lo.is_nan() || x.hi.is_nan() || x.lo > x.hi {
                return Err(EvalError::Imprecise);
            }
            if !x.lo.is_finite() || !x.hi.is_finite() {
                return Err(EvalError::OutOfRange);
            }
            if x.level > 0 && x.hi <= FLAT_LOG {
                x = Xr {
                    level: x.level - 1,
                    lo: exp2_down(x.lo),
                    hi: exp2_up(x.hi),
                };
                continue;
            }
            if x.lo.abs().max(x.hi.abs()) > FLAT {
                if x.lo <= 0.0 || x.level >= MAX_LEVEL {
                    return Err(EvalError::OutOfRange);
                }
                x = Xr {
                    level: x.level + 1,
                    lo: log2_down(x.lo),
                    hi: log2_up(x.hi),
                };
                continue;
            }
            return Ok(x);
        }
        Err(EvalError::OutOfRange)
    }

    /// The same number described at a higher `level`, for comparisons only:
    /// a bound at or below zero has no logarithm and becomes `-inf`.
    fn lift(self, level: u8) -> Xr {
        let mut x = self;
        while x.level < level {
            x = Xr {
                level: x.level + 1,
                lo: log2_down(x.lo),
                hi: log2_up(x.hi),
            };
        }
        x
    }

    /// `Less` or `Greater` when the two numbers are certainly ordered.
    pub(crate) fn order(self, o: Xr) -> Option<Ordering> {
        let k = self.level.max(o.level);
        let (a, b) = (self.lift(k), o.lift(k));
        if a.hi < b.lo {
            Some(Ordering::Less)
        } else if a.lo > b.hi {
            Some(Ordering::Greater)
        } else {
            None
        }
    }

    /// The sign when it is certain: `Some(true)` for negative.
    pub(crate) fn negative(self) -> Option<bool> {
        if self.level > 0 || self.lo > 0.0 {
            Some(false)
        } else if self.hi < 0.0 {
            Some(true)
        } else {
            None
        }
    }

    pub(crate) fn neg(self) -> Result<Xr, EvalError> {
        if self.level > 0 {
            // Beyond 2^1020 only positive numbers are kept.
            return Err(EvalError::OutOfRange);
        }
        Ok(Xr::flat(-self.hi, -self.lo))
    }

    fn abs(self) -> Xr {
        match self.negative() {
            Some(true) => Xr::flat(-self.hi, -self.lo),
            _ => self,
        }
    }

    /// `log2` of a positive number.
    pub(crate) fn log2(self) -> Result<Xr, EvalError> {
        if self.level > 0 {
            return Xr {
                level: self.level - 1,
                ..self
            }
            .norm();
        }
        if self.lo <= 0.0 {
            return Err(EvalError::Undefined);
        }
        Xr::flat(log2_down(self.lo), log2_up(self.hi)).norm()
    }

    /// `2^self`.
    pub(crate) fn exp2(self) -> Result<Xr, EvalError> {
        if self.level == 0 && self.hi <= FLAT_LOG {
            return Ok(Xr::flat(exp2_down(self.lo), exp2_up(self.hi)));
        }
        if self.level >= MAX_LEVEL {
            return Err(EvalError::OutOfRange);
        }
        Xr {
            level: self.level + 1,
            ..self
        }
        .norm()
    }

    pub(crate) fn add(self, o: Xr) -> Result<Xr, EvalError> {
        if self.level == 0 && o.level == 0 {
            return Xr::flat(down(self.lo + o.lo), up(self.hi + o.hi)).norm();
        }
        // One of them is a positive number beyond 2^1020; call it `a`.
        let (a, b) = if self.level >= o.level {
            (self, o)
        } else {
            (o, self)
        };
        match b.negative() {
            Some(false) => add_pos(a, b),
            Some(true) => sub_pos(a, b.abs()),
            None => {
                // `b` straddles zero: a - |b.lo| <= a + b <= a + b.hi.
                let lo = sub_pos(a, Xr::flat(-b.lo, -b.lo))?;
                let hi = add_pos(a, Xr::flat(b.hi, b.hi))?;
                let k = lo.level.max(hi.level);
                let (lo, hi) = (lo.lift(k), hi.lift(k));
                Xr {
                    level: k,
                    lo: lo.lo,
                    hi: hi.hi,
                }
                .norm()
            }
        }
    }

    pub(crate) fn mul(self, o: Xr) -> Result<Xr, EvalError> {
        if self.level == 0 && o.level == 0 {
            let m = self.lo.abs().max(self.hi.abs()) * o.lo.abs().max(o.hi.abs());
            if m <= FLAT {
                let c = [
                    self.lo * o.lo,
                    self.lo * o.hi,
                    self.hi * o.lo,
                    self.hi * o.hi,
                ];
                let lo = c.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = c.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                return Xr::flat(down(lo), up(hi)).norm();
            }
        }
        let (Some(sa), Some(sb)) = (self.negative(), o.negative()) else {
            return Err(EvalError::Imprecise);
        };
        let m = self.abs().log2()?.add(o.abs().log2()?)?.exp2()?;
        if sa != sb { m.neg() } else { Ok(m) }
    }
}

/// `a + b` for nonnegative `a` and `b`.
fn add_pos(a: Xr, b: Xr) -> Result<Xr, EvalError> {
    let k = a.level.max(b.level);
    if k == 0 {
        return Xr::flat(down(a.lo + b.lo), up(a.hi + b.hi)).norm();
    }
    let (a, b) = (a.lift(k), b.lift(k));
    let (lo, hi) = if k == 1 {
        // log2(2^x + 2^y) = max + log2(1 + 2^(min - max)).
        let lse = |x: f64, y: f64, round_up: bool| {
            let (m, n) = if x >= y { (x, y) } else { (y, x) };
            if n == f64::NEG_INFINITY {
                return m;
            }
            let t = if round_up {
                log2_1p(exp2_up(up(n - m)), true)
            } else {
                log2_1p(exp2_down(down(n - m)), false).max(0.0)
            };
            if round_up { up(m + t) } else { down(m + t) }
        };
        (lse(a.lo, b.lo, false), lse(a.hi, b.hi, true))
    } else {
        // log2(a + b) <= 1 + log2 max(a, b): at level 2 that moves the
        // bound by about 2^-hi, far below its rounding allowance once the
        // level-1 value is past 2^64.
        let m = a.hi.max(b.hi);
        if m < 64.0 {
            return Err(EvalError::Imprecise);
        }
        (a.lo.max(b.lo), up(m))
    };
    Xr { level: k, lo, hi }.norm()
}

/// `a - b` for `a > b >= 0`; an error when that order is not certain.
pub(super) fn sub_pos(a: Xr, b: Xr) -> Result<Xr, EvalError> {
    let k = a.level.max(b.level);
    if k == 0 {
        return Xr::flat(down(a.lo - b.hi), up(a.hi - b.lo)).norm();
    }
    let (la, lb) = (a.lift(k), b.lift(k));
    if la.lo <= lb.hi {
        return Err(EvalError::Imprecise);
    }
    let (lo, hi) = if k == 1 {
        // log2(2^x - 2^y) = x + log2(1 - 2^(y - x)).
        let e = exp2_up(up(lb.hi - la.lo));
        if e >= 1.0 {
            return Err(EvalError::Imprecise);
        }
        let f = exp2_down(down(lb.lo - la.hi)).min(e);
        (
            down(la.lo + log2_1p(-e, false)),
            up(la.hi + log2_1p(-f, true)),
        )
    } else {
        // a - b >= a/2 when log2 a >= log2 b + 1, and halving a number
        // this large moves its level-2 logarithm by less than rounding.
        if la.lo < 64.0 {
            return Err(EvalError::Imprecise);
        }
        // A `b` two levels down is certainly below a/2; one level down or
        // level with `a`, it must be checked.
        if b.level + 1 >= k {
            let (log_a, log_b) = (a.log2()?, b.log2()?);
            let one_more = log_b.add(Xr::flat(1.0, 1.0))?;
            if log_a.order(one_more) != Some(Ordering::Greater) {
                return Err(EvalError::Imprecise);
            }
        }
        (down(la.lo), la.hi)
    };
    Xr { level: k, lo, hi }.norm()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(v: f64) -> Xr {
        Xr::flat(v, v)
    }

    fn contains(x: Xr, v: f64) -> bool {
        x.level == 0 && x.lo <= v && v <= x.hi
    }

    #[test]
    fn flat_arithmetic_contains_the_true_value() {
        let s = point(0.1).add(point(0.2)).unwrap();
        assert!(contains(s, 0.1 + 0.2));
        let p = point(3.0).mul(point(-7.0)).unwrap();
        assert!(contains(p, -21.0));
        assert!(point(-4.0).log2().is_err());
    }

    #[test]
    fn big_products_go_up_a_level_and_back() {
        let big = point(2f64.powi(900));
        let sq = big.mul(big).unwrap();
        assert_eq!(sq.level, 1);
        assert!(sq.lo <= 1800.0 && 1800.0 <= sq.hi);
        let back = sq.log2().unwrap();
        assert_eq!(back.level, 0);
        assert!(contains(back, 1800.0));
    }

    #[test]
    fn a_lower_level_addend_barely_moves_a_tower() {
        let tower = Xr {
            level: 2,
            lo: 7257.0,
            hi: 7257.0,
        };
        let t = tower.add(point(-4.0)).unwrap();
        assert_eq!(t.level, 2);
        assert!(t.lo < 7257.0 && t.lo > 7256.999 && t.hi >= 7257.0);
        assert_eq!(t.order(point(2.0)), Some(Ordering::Greater));
    }

    #[test]
    fn close_numbers_are_not_ordered_and_not_subtracted() {
        let a = Xr {
            level: 1,
            lo: 1e10,
            hi: 1e10,
        };
        assert_eq!(a.order(a), None);
        assert!(sub_pos(a, a).is_err());
        let b = Xr {
            level: 1,
            lo: 1e10 + 1.0,
            hi: 1e10 + 1.0,
        };
        assert_eq!(a.order(b), Some(Ordering::Less));
        // 2^(1e10+1) - 2^(1e10) = 2^(1e10).
        let d = sub_pos(b, a).unwrap();
        assert!(d.lo <= 1e10 && 1e10 <= d.hi && d.hi - d.lo < 1e-3);
    }

    #[test]
    fn sums_of_same_level_powers() {
        let a = Xr {
            level: 1,
            lo: 5000.0,
            hi: 5000.0,
        };
        // 2^5000 + 2^5000 = 2^5001.
        let s = a.add(a).unwrap();
        assert!(s.lo <= 5001.0 && 5001.0 <= s.hi && s.hi - s.lo < 1e-9);
    }

    #[test]
    fn normalization_refuses_what_it_cannot_hold() {
        assert!(Xr::flat(-FLAT * 2.0, 0.0).norm().is_err());
        assert!(Xr::flat(f64::NAN, 1.0).norm().is_err());
        assert!(point(f64::INFINITY).norm().is_err());
    }
}
