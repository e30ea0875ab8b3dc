//! Values beyond exact and floating-point range, compared by magnitude and,
//! when they are powers, by exact form.
//!
//! `2^{10^{10}}` has ten billion bits, so it is never built. Evaluation
//! keeps such a value as its sign, rigorous bounds on `log2 |v|` (an
//! [`Xr`], which reaches power towers), and — when it is `b^e` for an exact
//! rational `b` and an integer `e` — that form, with a machine-word base
//! reduced to one that is not itself a perfect power, so `4^{5 \cdot 10^9}`
//! and `2^{10000000000}` have the same form.
//!
//! Two values with the same form are equal; two whose signs or magnitudes
//! certainly differ are not; anything else is Unknown. `2^{10^{10}}` and
//! `2^{10^{10}} + 1` stay Unknown: they differ by one part in 10^(3e9),
//! far inside any bound. A result that comes back into ordinary range
//! (`2^{10^{10}} / 2^{10^{10} - 3}`) becomes an exact value or a ball again,
//! so the rest of the evaluator sees huge values only where it used to see
//! an error.

use std::cmp::Ordering;
use std::f64::consts::{LN_2, LOG10_2, PI};

use num_bigint::BigUint;
use num_traits::ToPrimitive;

use super::magnitude::{Xr, down, exp2_down, exp2_up, log2_down, log2_up, sub_pos, up};
use super::{Budget, Decision, EvalError, Value};
use crate::ball::Ball;
use crate::number::{MAX_BITS, Rat};

/// `|log2 v|` below this is ordinary range: such results become balls.
const ORDINARY_LOG: f64 = 990.0;
/// Budget charged for each operation on a huge value.
const COST: u64 = 100;
const PRIMES: [u32; 18] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61,
];

/// A real value too large or too small to build.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Huge {
    neg: bool,
    /// Bounds on `log2 |v|`.
    log: Xr,
    form: Option<Form>,
}

/// `|v| = base^exp` exactly, with `base >= 1` and `exp` an integer
/// (`base` is 1 only for the form of ±1).
#[derive(Debug, Clone, PartialEq)]
struct Form {
    base: Rat,
    exp: Rat,
}

/// A nonzero value's sign (when certain) and bounds on `log2 |v|`.
struct Mag {
    neg: Option<bool>,
    log: Xr,
}

fn is_zero(v: &Value) -> bool {
    matches!(v, Value::Exact(c) if c.is_zero())
}

fn is_odd(e: &Rat) -> bool {
    match e {
        Rat::Small(n, _) => n % 2 != 0,
        Rat::Big(b) => b.numer().bit(0),
    }
}

/// `log2` of a `BigUint`'s top 64 bits plus the bits shifted off.
fn big_log2(x: &BigUint) -> f64 {
    let shift = x.bits().saturating_sub(64);
    let top = (x >> shift).to_u64().unwrap_or(u64::MAX);
    (top as f64).log2() + shift as f64
}

/// Bounds on `log2 |r|` for a nonzero rational.
fn rat_log2(r: &Rat) -> Xr {
    let (n, d) = match r {
        Rat::Small(n, d) => ((n.unsigned_abs() as f64).log2(), (*d as f64).log2()),
        Rat::Big(b) => (
            big_log2(b.numer().magnitude()),
            big_log2(b.denom().magnitude()),
        ),
    };
    // Conversion, truncation and `log2` are each within an ulp or so of
    // the terms; this allows several.
    let slack = 8.0 * f64::EPSILON * (n.abs() + d.abs() + 1.0);
    Xr::flat(down(n - d - slack), up(n - d + slack))
}

/// A rational's value as an [`Xr`].
fn rat_value(r: &Rat) -> Result<Xr, EvalError> {
    if let Some((v, rel)) = r.to_f64() {
        let e = v.abs() * rel;
        return Ok(Xr::flat(down(v - e), up(v + e)));
    }
    let m = rat_log2(r).exp2()?;
    if r.is_negative() { m.neg() } else { Ok(m) }
}

/// A real value as an [`Xr`].
fn value_xr(v: &Value) -> Result<Xr, EvalError> {
    match v {
        Value::Exact(c) if c.is_real() => rat_value(&c.re),
        Value::Huge(h) => {
            let m = h.log.exp2()?;
            if h.neg { m.neg() } else { Ok(m) }
        }
        Value::Approx(b) if b.is_real() => Ok(Xr::flat(down(b.re - b.er), up(b.re + b.er))),
        _ => Err(EvalError::Unsupported("complex value beyond range")),
    }
}

/// Sign and magnitude of a nonzero value. `loose` allows a ball that may
/// contain zero, with no lower bound on its magnitude (for comparisons).
fn mag(v: &Value, loose: bool) -> Result<Mag, EvalError> {
    match v {
        Value::Huge(h) => Ok(Mag {
            neg: Some(h.neg),
            log: h.log,
        }),
        Value::Exact(c) if c.is_real() => {
            if c.re.is_zero() {
                return Err(EvalError::Undefined);
            }
            Ok(Mag {
                neg: Some(c.re.is_negative()),
                log: rat_log2(&c.re),
            })
        }
        _ => {
            let b = v.ball()?;
            let m = b.modulus();
            let r = b.er.hypot(b.ei) + 4.0 * f64::EPSILON * m;
            if m - r <= 0.0 && !loose {
                return Err(EvalError::Imprecise);
            }
            let neg = if !b.is_real() {
                None
            } else if b.re - b.er > 0.0 {
                Some(false)
            } else if b.re + b.er < 0.0 {
                Some(true)
            } else {
                None
            };
            Ok(Mag {
                neg,
                log: Xr::flat(log2_down(m - r), log2_up(m + r)),
            })
        }
    }
}

/// [`mag`] of a real value whose sign is certain.
fn real_mag(v: &Value) -> Result<(bool, Xr), EvalError> {
    let m = mag(v, false)?;
    let neg = m.neg.ok_or(EvalError::Unsupported(
        "complex or sign-uncertain value beyond range",
    ))?;
    Ok((neg, m.log))
}

/// The exact `k`-th root of `n`, when there is one.
fn iroot(n: u64, k: u32) -> Option<u64> {
    if n < 2 {
        return Some(n);
    }
    let guess = (n as f64).powf(1.0 / f64::from(k)).round() as u64;
    (guess.saturating_sub(1)..=guess.saturating_add(1)).find(|r| r.checked_pow(k) == Some(n))
}

/// `|x|^e` as a form with base at least 1, a machine-word base reduced to
/// one that is not a perfect power.
fn canonical(x: &Rat, e: &Rat) -> Option<Form> {
    if x.is_zero() || !e.is_integer() {
        return None;
    }
    let mut base = x.abs();
    let mut exp = e.clone();
    if base == Rat::ONE {
        return Some(Form {
            base,
            exp: Rat::ZERO,
        });
    }
    if base.cmp_abs(&Rat::ONE) == Ordering::Less {
        base = base.recip().ok()?;
        exp = exp.neg();
    }
    if let Rat::Small(p, q) = base {
        let (mut p, mut q) = (p.unsigned_abs(), q.unsigned_abs());
        for k in PRIMES {
            // p > q >= 1, so p shrinks each time round and the loop ends.
            while let (Some(rp), Some(rq)) = (iroot(p, k), iroot(q, k)) {
                p = rp;
                q = rq;
                exp = exp.mul(&Rat::int(i64::from(k))).ok()?;
            }
        }
        base = Rat::Small(i64::try_from(p).ok()?, i64::try_from(q).ok()?);
    }
    Some(Form { base, exp })
}

fn form_of(v: &Value) -> Option<Form> {
    match v {
        Value::Huge(h) => h.form.clone(),
        Value::Exact(c) if c.is_real() => canonical(&c.re, &Rat::ONE),
        _ => None,
    }
}

/// The form of `a · b^sign`, when both have forms with the same base.
fn combine(a: &Value, b: &Value, sign: i64) -> Option<Form> {
    let (fa, fb) = (form_of(a)?, form_of(b)?);
    let eb = if sign < 0 { fb.exp.neg() } else { fb.exp };
    if eb.is_zero() {
        return Some(fa);
    }
    if fa.exp.is_zero() {
        return Some(Form {
            base: fb.base,
            exp: eb,
        });
    }
    if fa.base != fb.base {
        return None;
    }
    Some(Form {
        base: fa.base,
        exp: fa.exp.add(&eb).ok()?,
    })
}

fn ball_of(log: Xr, neg: bool) -> Result<Ball, EvalError> {
    if log.level != 0 || log.lo <= -ORDINARY_LOG || log.hi >= ORDINARY_LOG {
        return Err(EvalError::OutOfRange);
    }
    let (lo, hi) = (exp2_down(log.lo), exp2_up(log.hi));
    let mid = 0.5 * (lo + hi);
    let rad = up((hi - mid).max(mid - lo));
    Ok(Ball::real(if neg { -mid } else { mid }, rad))
}

/// Builds the value: exact again when its form is small enough, a ball
/// when its magnitude is back in range, otherwise huge.
fn finish(neg: bool, log: Xr, form: Option<Form>, budget: &mut Budget) -> Result<Value, EvalError> {
    if let Some(f) = &form
        && let Some(k) = f.exp.to_i64()
    {
        let est = f.base.bits().saturating_mul(k.unsigned_abs());
        if est <= 2 * MAX_BITS {
            budget.spend((est / 64 + 1).saturating_mul(est / 64 + 1) / 4 + 1)?;
            if let Ok(p) = f.base.powi(k) {
                return Ok(Value::real(if neg { p.neg() } else { p }));
            }
        }
    }
    let log = log.norm()?;
    if let Ok(b) = ball_of(log, neg) {
        return Ok(Value::Approx(b));
    }
    Ok(Value::Huge(Box::new(Huge { neg, log, form })))
}

pub(crate) fn neg(h: &Huge) -> Huge {
    Huge {
        neg: !h.neg,
        ..h.clone()
    }
}

pub(crate) fn is_negative(h: &Huge) -> bool {
    h.neg
}

pub(crate) fn abs(h: &Huge) -> Huge {
    Huge {
        neg: false,
        ..h.clone()
    }
}

pub(crate) fn mul(a: &Value, b: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    budget.spend(COST)?;
    if is_zero(a) || is_zero(b) {
        return Ok(Value::real(Rat::ZERO));
    }
    let ((na, la), (nb, lb)) = (real_mag(a)?, real_mag(b)?);
    finish(na != nb, la.add(lb)?, combine(a, b, 1), budget)
}

pub(crate) fn div(a: &Value, b: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    budget.spend(COST)?;
    if is_zero(b) {
        return Err(EvalError::Undefined);
    }
    if is_zero(a) {
        return Ok(Value::real(Rat::ZERO));
    }
    let ((na, la), (nb, lb)) = (real_mag(a)?, real_mag(b)?);
    finish(na != nb, la.add(lb.neg()?)?, combine(a, b, -1), budget)
}

pub(crate) fn add(a: &Value, b: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    budget.spend(COST)?;
    if is_zero(a) {
        return Ok(b.clone());
    }
    if is_zero(b) {
        return Ok(a.clone());
    }
    let ((na, la), (nb, lb)) = (real_mag(a)?, real_mag(b)?);
    if na != nb
        && let (Some(fa), Some(fb)) = (form_of(a), form_of(b))
        && fa == fb
    {
        return Ok(Value::real(Rat::ZERO));
    }
    let (xa, xb) = (la.exp2()?, lb.exp2()?);
    let (neg, m) = if na == nb {
        (na, xa.add(xb)?)
    } else {
        match xa.order(xb) {
            Some(Ordering::Greater) => (na, sub_pos(xa, xb)?),
            Some(Ordering::Less) => (nb, sub_pos(xb, xa)?),
            _ => return Err(EvalError::Inseparable),
        }
    };
    finish(neg, m.log2()?, None, budget)
}

/// `a^b` where the ordinary evaluation ran out of range.
pub(crate) fn pow(a: &Value, b: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    budget.spend(COST)?;
    let e = b.exact_real();
    if let (Value::Exact(x), Some(e)) = (a, e)
        && x.is_real()
        && e.is_integer()
    {
        return power(&x.re, e, budget);
    }
    if is_zero(a) {
        return match value_xr(b)?.negative() {
            Some(false) => Ok(Value::real(Rat::ZERO)),
            _ => Err(EvalError::Undefined),
        };
    }
    let m = mag(a, false)?;
    let neg = match (m.neg, e) {
        (Some(false), _) => false,
        (Some(true), Some(e)) if e.is_integer() => is_odd(e),
        _ => {
            return Err(EvalError::Unsupported(
                "power of a negative or complex value beyond range",
            ));
        }
    };
    let form = match (a, e) {
        (Value::Huge(h), Some(e)) => h.form.as_ref().and_then(|f| {
            let exp = f.exp.mul(e).ok().filter(Rat::is_integer)?;
            Some(Form {
                base: f.base.clone(),
                exp,
            })
        }),
        _ => None,
    };
    finish(neg, value_xr(b)?.mul(m.log)?, form, budget)
}

/// `x^e` for an exact base and an integer exponent too large to compute.
fn power(x: &Rat, e: &Rat, budget: &mut Budget) -> Result<Value, EvalError> {
    if x.is_zero() {
        return match (e.is_negative(), e.is_zero()) {
            (true, _) => Err(EvalError::Undefined),
            (_, true) => Ok(Value::real(Rat::ONE)),
            _ => Ok(Value::real(Rat::ZERO)),
        };
    }
    let neg = x.is_negative() && is_odd(e);
    let form = canonical(x, e).ok_or(EvalError::TooLarge)?;
    if form.base == Rat::ONE {
        return Ok(Value::real(if neg { Rat::int(-1) } else { Rat::ONE }));
    }
    let log = rat_value(e)?.mul(rat_log2(x))?;
    finish(neg, log, Some(form), budget)
}

/// `n!` for `n` past the exact cap, by Robbins' bounds on Stirling's series.
pub(crate) fn factorial(n: &Rat, budget: &mut Budget) -> Result<Value, EvalError> {
    budget.spend(COST)?;
    let n = n
        .to_i64()
        .filter(|&n| (1..=1 << 53).contains(&n))
        .ok_or(EvalError::TooLarge)?;
    let x = n as f64;
    // ln n! = n ln n - n + ln(2πn)/2 + r with 1/(12n+1) < r < 1/(12n).
    let s = x * x.ln() - x + 0.5 * (2.0 * PI * x).ln();
    let slack = 8.0 * f64::EPSILON * (x * x.ln() + x + 10.0);
    let lo = (s + 1.0 / (12.0 * x + 1.0) - slack) / LN_2;
    let hi = (s + 1.0 / (12.0 * x) + slack) / LN_2;
    finish(false, Xr::flat(down(lo), up(hi)), None, budget)
}

/// `ln |x|` of a huge positive value, as a ball.
pub(crate) fn ln(h: &Huge) -> Result<Value, EvalError> {
    if h.neg {
        return Err(EvalError::Unsupported("logarithm of a negative value"));
    }
    if h.log.level != 0 {
        return Err(EvalError::OutOfRange);
    }
    let l = Ball::real(0.5 * (h.log.lo + h.log.hi), up(0.5 * (h.log.hi - h.log.lo)));
    Ok(Value::Approx(l.mul(Ball::real(LN_2, 4.0 * f64::EPSILON))?))
}

/// `\log_b x` where `x` (or `b`) is beyond range: exact when `x` is a
/// power of `b`'s base, otherwise a ball.
pub(crate) fn log_base(base: &Value, x: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    budget.spend(COST)?;
    if let (Value::Huge(h), Some(b)) = (x, base.exact_real())
        && !h.neg
        && let (Some(f), Some(fb)) = (&h.form, canonical(b, &Rat::ONE))
        && f.base == fb.base
        && !fb.exp.is_zero()
    {
        return Ok(Value::real(f.exp.div(&fb.exp)?));
    }
    let ((nx, lx), (nb, lb)) = (real_mag(x)?, real_mag(base)?);
    if nx || nb {
        return Err(EvalError::Unsupported("logarithm of a negative value"));
    }
    let as_ball = |l: Xr| -> Result<Ball, EvalError> {
        if l.level != 0 {
            return Err(EvalError::OutOfRange);
        }
        Ok(Ball::real(0.5 * (l.lo + l.hi), up(0.5 * (l.hi - l.lo))))
    };
    Ok(Value::Approx(as_ball(lx)?.div(as_ball(lb)?)?))
}

/// How two values compare when at least one is beyond range.
pub(crate) fn decide(a: &Value, b: &Value) -> Decision {
    if let (Value::Huge(x), Value::Huge(y)) = (a, b)
        && x.form.is_some()
        && x.form == y.form
        && x.neg == y.neg
    {
        return Decision::Equal;
    }
    if is_zero(a) != is_zero(b) && !matches!(a, Value::Approx(_)) && !matches!(b, Value::Approx(_))
    {
        return Decision::NotEqual;
    }
    let (ma, mb) = match (mag(a, true), mag(b, true)) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(e), _) | (_, Err(e)) => return Decision::Unknown(e),
    };
    if let (Some(x), Some(y)) = (ma.neg, mb.neg)
        && x != y
    {
        return Decision::NotEqual;
    }
    match ma.log.order(mb.log) {
        Some(_) => Decision::NotEqual,
        None => Decision::Unknown(EvalError::Inseparable),
    }
}

/// What tells two values apart that [`decide`] found different.
pub(crate) fn difference(a: &Value, b: &Value) -> &'static str {
    match (mag(a, true), mag(b, true)) {
        (Ok(x), Ok(y)) if x.log.order(y.log).is_some() => "magnitudes differ",
        (Ok(x), Ok(y)) if x.neg.is_some() && y.neg.is_some() && x.neg != y.neg => "signs differ",
        _ => "values differ",
    }
}

/// A rough rendering for messages: `~10^(3.0e9)`, `~10^10^(2184.6)`.
pub(crate) fn show(h: &Huge) -> String {
    let sign = if h.neg { "-" } else { "" };
    let mid = 0.5 * (h.log.lo + h.log.hi);
    match h.log.level {
        0 => {
            let d = mid * LOG10_2;
            if d.abs() >= 1e5 {
                format!("~{sign}10^({d:.1e})")
            } else {
                format!("~{sign}10^{d:.0}")
            }
        }
        1 => format!("~{sign}10^10^({:.1})", mid * LOG10_2 + LOG10_2.log10()),
        k => format!("~{sign}{}({mid:.1})", "2^".repeat(usize::from(k) + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: i64) -> Value {
        Value::real(Rat::int(v))
    }

    fn budget() -> Budget {
        Budget::new(Budget::DEFAULT)
    }

    #[test]
    fn perfect_power_bases_are_reduced() {
        let f = canonical(&Rat::int(4), &Rat::int(5)).unwrap();
        assert_eq!((f.base, f.exp), (Rat::int(2), Rat::int(10)));
        let f = canonical(&Rat::ratio_signed(8, 27), &Rat::int(1)).unwrap();
        assert_eq!((f.base, f.exp), (Rat::ratio_signed(3, 2), Rat::int(-3)));
        let f = canonical(&Rat::int(12), &Rat::int(7)).unwrap();
        assert_eq!((f.base, f.exp), (Rat::int(12), Rat::int(7)));
    }

    #[test]
    fn huge_powers_compare_by_form_and_magnitude() {
        let mut b = budget();
        let e = Rat::int(10_000_000_000);
        let p = power(&Rat::int(2), &e, &mut b).unwrap();
        let q = power(&Rat::int(4), &Rat::int(5_000_000_000), &mut b).unwrap();
        assert!(matches!(p, Value::Huge(_)));
        assert_eq!(decide(&p, &q), Decision::Equal);
        assert_eq!(decide(&p, &int(1024)), Decision::NotEqual);
        let r = power(&Rat::int(2), &Rat::int(10_000_000_001), &mut b).unwrap();
        assert_eq!(decide(&p, &r), Decision::NotEqual);
        let s = add(&p, &int(1), &mut b).unwrap();
        assert_eq!(decide(&p, &s), Decision::Unknown(EvalError::Inseparable));
    }

    #[test]
    fn results_back_in_range_are_exact_again() {
        let mut b = budget();
        let p = power(&Rat::int(2), &Rat::int(10_000_000_000), &mut b).unwrap();
        let q = power(&Rat::int(2), &Rat::int(9_999_999_997), &mut b).unwrap();
        let r = div(&p, &q, &mut b).unwrap();
        assert!(
            matches!(&r, Value::Exact(c) if c.re == Rat::int(8)),
            "{r:?}"
        );
        let z = add(&p, &neg_value(&p), &mut b).unwrap();
        assert!(matches!(&z, Value::Exact(c) if c.is_zero()));
    }

    fn neg_value(v: &Value) -> Value {
        match v {
            Value::Huge(h) => Value::Huge(Box::new(neg(h))),
            other => other.clone(),
        }
    }

    #[test]
    fn factorials_past_the_cap_are_bounded() {
        let mut b = budget();
        let f = factorial(&Rat::int(10_000), &mut b).unwrap();
        let g = factorial(&Rat::int(10_001), &mut b).unwrap();
        assert_eq!(decide(&f, &g), Decision::NotEqual);
        let Value::Huge(h) = &f else { panic!("{f:?}") };
        // log2(10000!) = 118458.14...
        assert!(h.log.lo < 118_458.15 && h.log.hi > 118_458.13);
        assert!(h.log.hi - h.log.lo < 1e-6);
    }

    /// Whether the exact value's `log2 |v|` lies inside the bounds.
    fn encloses(log: Xr, exact: &Rat) -> bool {
        let t = rat_log2(exact);
        log.level == 0 && log.lo <= t.hi && t.lo <= log.hi
    }

    /// The magnitude path, run on values small enough to build exactly,
    /// must enclose the exact results.
    #[test]
    fn magnitudes_enclose_exact_results() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        for _ in 0..100 {
            let (p, q) = (next(50) as i64 + 2, next(40) as i64 + 1);
            let x = Rat::ratio_signed(i128::from(p), i128::from(q));
            if x == Rat::ONE {
                continue;
            }
            let e = Rat::int(next(1300) as i64 + 200);
            let exact = x.powi(e.to_i64().unwrap()).unwrap();
            let log = rat_value(&e).unwrap().mul(rat_log2(&x)).unwrap();
            assert!(encloses(log, &exact), "{x}^{e}: {log:?}");

            let y = Rat::int(next(1000) as i64 + 3)
                .powi(next(800) as i64 + 100)
                .unwrap();
            let (lx, ly) = (rat_log2(&exact), rat_log2(&y));
            // Sum, difference, product and quotient, through magnitudes.
            let (ax, ay) = (lx.exp2().unwrap(), ly.exp2().unwrap());
            let sum = ax.add(ay).unwrap().log2().unwrap();
            assert!(encloses(sum, &exact.add(&y).unwrap()), "{x}^{e} + y");
            let diff = match ax.order(ay) {
                Some(Ordering::Greater) => Some((sub_pos(ax, ay), exact.sub(&y).unwrap())),
                Some(Ordering::Less) => Some((sub_pos(ay, ax), y.sub(&exact).unwrap())),
                _ => None,
            };
            if let Some((Ok(d), want)) = diff {
                assert!(encloses(d.log2().unwrap(), &want), "{x}^{e} - y");
            }
            let prod = lx.add(ly).unwrap();
            assert!(encloses(prod, &exact.mul(&y).unwrap()), "{x}^{e} * y");
            let quot = lx.add(ly.neg().unwrap()).unwrap();
            assert!(encloses(quot, &exact.div(&y).unwrap()), "{x}^{e} / y");
        }
    }

    #[test]
    fn factorial_bounds_enclose_exact_factorials() {
        let mut b = budget();
        for n in [3001u64, 3050, 3100] {
            // Build n! exactly in pieces (the exact path stops at 3000).
            let mut acc = Rat::factorial(3000).unwrap();
            for k in 3001..=n {
                acc = acc.mul(&Rat::int(k as i64)).unwrap();
            }
            let f = factorial(&Rat::int(n as i64), &mut b).unwrap();
            let Value::Huge(h) = &f else { panic!("{f:?}") };
            assert!(encloses(h.log, &acc), "{n}!: {:?}", h.log);
        }
    }

    #[test]
    fn messages_show_the_order_of_magnitude() {
        let mut b = budget();
        let p = power(&Rat::int(2), &Rat::int(10_000_000_000), &mut b).unwrap();
        let Value::Huge(h) = &p else { panic!() };
        assert_eq!(show(h), "~10^(3.0e9)");
    }
}
