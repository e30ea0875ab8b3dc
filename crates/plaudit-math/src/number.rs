//! Exact rationals and Gaussian rationals with a machine-word fast path.
//!
//! Almost every answer is a small integer or a fraction of small integers, so
//! [`Rat`] keeps those as a reduced `i64` pair and only reaches for a heap
//! allocated `BigRational` when a result no longer fits. Every operation that
//! can grow a number checks the result against [`MAX_BITS`], which is what
//! keeps `2^{10^{10}}` from allocating gigabytes.

use std::cmp::Ordering;
use std::fmt;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive};

use crate::eval::EvalError;

/// The largest exact value we build, in bits of numerator plus denominator.
/// 2006! needs about 19,000; anything past this is compared by other means.
pub(crate) const MAX_BITS: u64 = 32_768;

/// A reduced rational number. `Small` holds every value whose numerator and
/// denominator fit in an `i64` (never `i64::MIN`, so negation cannot
/// overflow); the representation is canonical, so `==` is value equality.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Rat {
    Small(i64, i64),
    Big(Box<BigRational>),
}

fn fits(v: i128) -> Option<i64> {
    if v > i128::from(i64::MIN) && v <= i128::from(i64::MAX) {
        Some(v as i64)
    } else {
        None
    }
}

fn gcd_u128(a: u128, b: u128) -> u128 {
    // Most operands fit a machine word, where division is a single
    // instruction rather than a call into the 128-bit runtime.
    if let (Ok(a), Ok(b)) = (u64::try_from(a), u64::try_from(b)) {
        return u128::from(gcd_u64(a, b));
    }
    let (mut a, mut b) = (a, b);
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

/// Stein's binary gcd: shifts and subtractions only.
fn gcd_u64(mut a: u64, mut b: u64) -> u64 {
    if a == 0 || b == 0 {
        return a | b;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

impl Rat {
    pub(crate) const ZERO: Rat = Rat::Small(0, 1);
    pub(crate) const ONE: Rat = Rat::Small(1, 1);

    pub(crate) fn int(v: i64) -> Rat {
        if v == i64::MIN {
            return Rat::ratio_signed(i128::from(v), 1);
        }
        Rat::Small(v, 1)
    }

    fn from_parts_u128(n: u128, d: u128, negative: bool) -> Rat {
        let sn = i128::try_from(n).ok().and_then(fits);
        let sd = i128::try_from(d).ok().and_then(fits);
        match (sn, sd) {
            (Some(n), Some(d)) => Rat::Small(if negative { -n } else { n }, d),
            _ => {
                let n = BigInt::from(n);
                let n = if negative { -n } else { n };
                Rat::Big(Box::new(BigRational::new_raw(n, BigInt::from(d))))
            }
        }
    }

    pub(crate) fn from_big(r: BigRational) -> Rat {
        // BigRational::new reduces and normalizes the sign of the denominator.
        let n = r.numer().to_i64().filter(|&v| v != i64::MIN);
        let d = r.denom().to_i64().filter(|&v| v != i64::MIN);
        match (n, d) {
            (Some(n), Some(d)) => Rat::Small(n, d),
            _ => Rat::Big(Box::new(r)),
        }
    }

    pub(crate) fn from_bigint(v: BigInt) -> Rat {
        Rat::from_big(BigRational::from_integer(v))
    }

    fn to_big(&self) -> BigRational {
        match self {
            Rat::Small(n, d) => BigRational::new_raw(BigInt::from(*n), BigInt::from(*d)),
            Rat::Big(b) => (**b).clone(),
        }
    }

    /// The reduced denominator.
    pub(crate) fn denominator(&self) -> Rat {
        match self {
            Rat::Small(_, d) => Rat::Small(*d, 1),
            Rat::Big(b) => Rat::from_bigint(b.denom().clone()),
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        matches!(self, Rat::Small(0, _))
    }

    pub(crate) fn is_integer(&self) -> bool {
        match self {
            Rat::Small(_, d) => *d == 1,
            Rat::Big(b) => b.is_integer(),
        }
    }

    pub(crate) fn is_negative(&self) -> bool {
        match self {
            Rat::Small(n, _) => *n < 0,
            Rat::Big(b) => b.is_negative(),
        }
    }

    /// The value as an `i64` when it is an integer that fits.
    pub(crate) fn to_i64(&self) -> Option<i64> {
        match self {
            Rat::Small(n, 1) => Some(*n),
            _ => None,
        }
    }

    /// Size in bits of numerator plus denominator; the cost model for budgets
    /// and the guard against runaway growth.
    pub(crate) fn bits(&self) -> u64 {
        match self {
            Rat::Small(n, d) => {
                u64::from(64 - n.unsigned_abs().leading_zeros())
                    + u64::from(64 - d.unsigned_abs().leading_zeros())
            }
            Rat::Big(b) => b.numer().bits() + b.denom().bits(),
        }
    }

    fn checked(self) -> Result<Rat, EvalError> {
        if self.bits() > MAX_BITS {
            Err(EvalError::TooLarge)
        } else {
            Ok(self)
        }
    }

    pub(crate) fn neg(&self) -> Rat {
        match self {
            Rat::Small(n, d) => Rat::Small(-n, *d),
            Rat::Big(b) => Rat::from_big(-(**b).clone()),
        }
    }

    pub(crate) fn abs(&self) -> Rat {
        if self.is_negative() {
            self.neg()
        } else {
            self.clone()
        }
    }

    pub(crate) fn add(&self, o: &Rat) -> Result<Rat, EvalError> {
        match (self, o) {
            (Rat::Small(a, 1), Rat::Small(c, 1)) => Ok(match a.checked_add(*c) {
                Some(v) if v != i64::MIN => Rat::Small(v, 1),
                _ => Rat::ratio_signed(i128::from(*a) + i128::from(*c), 1),
            }),
            (Rat::Small(a, b), Rat::Small(c, d)) => {
                let (a, b, c, d) = (
                    i128::from(*a),
                    i128::from(*b),
                    i128::from(*c),
                    i128::from(*d),
                );
                // |a*d| and |c*b| are below 2^126, so the sum fits in i128.
                Ok(Rat::ratio_signed(a * d + c * b, b * d))
            }
            // Integers skip BigRational, whose reduction runs a gcd that is
            // quadratic in the size of the number (and 2006! has 19,000 bits).
            _ => match (self.to_bigint(), o.to_bigint()) {
                (Some(x), Some(y)) => Rat::from_bigint(x + y).checked(),
                // n + a/b = (nb + a)/b is already in lowest terms.
                (Some(n), None) => Rat::int_plus_ratio(&n, &o.to_big()).checked(),
                (None, Some(n)) => Rat::int_plus_ratio(&n, &self.to_big()).checked(),
                _ => match (self, o) {
                    (Rat::Small(p, q), Rat::Big(b)) | (Rat::Big(b), Rat::Small(p, q)) => {
                        Rat::small_plus_big(*p, *q, b).checked()
                    }
                    _ => Rat::from_big(self.to_big() + o.to_big()).checked(),
                },
            },
        }
    }

    pub(crate) fn sub(&self, o: &Rat) -> Result<Rat, EvalError> {
        self.add(&o.neg())
    }

    pub(crate) fn mul(&self, o: &Rat) -> Result<Rat, EvalError> {
        match (self, o) {
            (Rat::Small(a, 1), Rat::Small(c, 1)) => Ok(match a.checked_mul(*c) {
                Some(v) if v != i64::MIN => Rat::Small(v, 1),
                _ => Rat::ratio_signed(i128::from(*a) * i128::from(*c), 1),
            }),
            (Rat::Small(a, b), Rat::Small(c, d)) => Ok(Rat::ratio_signed(
                i128::from(*a) * i128::from(*c),
                i128::from(*b) * i128::from(*d),
            )),
            _ => match (self.to_bigint(), o.to_bigint()) {
                (Some(x), Some(y)) => Rat::from_bigint(x * y).checked(),
                _ => match (self, o) {
                    (Rat::Small(p, q), Rat::Big(b)) | (Rat::Big(b), Rat::Small(p, q)) => {
                        Rat::small_times_big(*p, *q, b).checked()
                    }
                    _ => Rat::from_big(self.to_big() * o.to_big()).checked(),
                },
            },
        }
    }

    fn int_plus_ratio(n: &BigInt, r: &BigRational) -> Rat {
        let num = n * r.denom() + r.numer();
        Rat::from_big(BigRational::new_raw(num, r.denom().clone()))
    }

    /// `p/q + a/b` with both inputs reduced (Knuth 4.5.1): every gcd taken
    /// involves the machine-word denominator, so sums of many small fractions
    /// stay linear instead of paying a big binary gcd per term.
    fn small_plus_big(p: i64, q: i64, r: &BigRational) -> Rat {
        let (a, b) = (r.numer(), r.denom());
        let word_gcd = |small: u64, big: &BigInt| -> u64 {
            let rem = (big % BigInt::from(small))
                .to_i128()
                .map_or(0, i128::unsigned_abs);
            u64::try_from(gcd_u128(u128::from(small), rem))
                .unwrap_or(1)
                .max(1)
        };
        let qu = q.unsigned_abs().max(1);
        let g = word_gcd(qu, b);
        if g == 1 {
            let num = a * BigInt::from(q) + BigInt::from(p) * b;
            return Rat::from_big(BigRational::new_raw(num, b * BigInt::from(q)));
        }
        let g_big = BigInt::from(g);
        let t = a * BigInt::from(qu / g) + BigInt::from(p) * (b / &g_big);
        let g2 = word_gcd(g, &t);
        let num = t / BigInt::from(g2);
        let den = (b / g_big) * BigInt::from(qu / g2);
        Rat::from_big(BigRational::new_raw(num, den))
    }

    /// `p/q · a/b` with both inputs reduced: cancel `gcd(p, b)` and
    /// `gcd(q, a)`, each found with one cheap remainder by a machine word.
    fn small_times_big(p: i64, q: i64, r: &BigRational) -> Rat {
        let gcd_with = |small: i64, big: &BigInt| -> i64 {
            let m = small.unsigned_abs();
            if m == 0 {
                return 1;
            }
            let rem = (big % BigInt::from(m))
                .to_i128()
                .map_or(0, i128::unsigned_abs);
            i64::try_from(gcd_u128(u128::from(m), rem))
                .unwrap_or(1)
                .max(1)
        };
        if p == 0 {
            return Rat::ZERO;
        }
        let g1 = gcd_with(p, r.denom());
        let g2 = gcd_with(q, r.numer());
        let num = BigInt::from(p / g1) * (r.numer() / BigInt::from(g2));
        let den = BigInt::from(q / g2) * (r.denom() / BigInt::from(g1));
        Rat::from_big(BigRational::new_raw(num, den))
    }

    pub(crate) fn recip(&self) -> Result<Rat, EvalError> {
        match self {
            Rat::Small(0, _) => Err(EvalError::Undefined),
            Rat::Small(n, d) => Ok(Rat::ratio_signed(i128::from(*d), i128::from(*n))),
            Rat::Big(b) => Ok(Rat::from_big(b.recip())),
        }
    }

    pub(crate) fn div(&self, o: &Rat) -> Result<Rat, EvalError> {
        self.mul(&o.recip()?)
    }

    /// A signed `n / d` with `d != 0`, reduced, sign on the numerator.
    pub(crate) fn ratio_signed(n: i128, d: i128) -> Rat {
        let negative = (n < 0) != (d < 0) && n != 0;
        let (n, d) = (n.unsigned_abs(), d.unsigned_abs());
        // Word-sized operands reduce with word division, not the 128-bit runtime.
        if let (Ok(n), Ok(d)) = (u64::try_from(n), u64::try_from(d)) {
            let g = gcd_u64(n, d).max(1);
            let (n, d) = (n / g, d / g);
            if let (Ok(n), Ok(d)) = (i64::try_from(n), i64::try_from(d)) {
                return Rat::Small(if negative { -n } else { n }, d);
            }
            return Rat::from_parts_u128(u128::from(n), u128::from(d), negative);
        }
        let g = gcd_u128(n, d).max(1);
        Rat::from_parts_u128(n / g, d / g, negative)
    }

    /// `self^e` for an integer exponent, refusing results past [`MAX_BITS`]
    /// before computing them.
    pub(crate) fn powi(&self, e: i64) -> Result<Rat, EvalError> {
        if e == 0 {
            return Ok(Rat::ONE);
        }
        if self.is_zero() {
            return if e < 0 {
                Err(EvalError::Undefined)
            } else {
                Ok(Rat::ZERO)
            };
        }
        let mag = e.unsigned_abs();
        if self.abs() == Rat::ONE {
            let odd = mag % 2 == 1;
            return Ok(if odd { self.clone() } else { Rat::ONE });
        }
        // Machine-word powers (`10^3` for every decimal literal) need no big integers.
        if let (Rat::Small(n, d), Ok(k)) = (self, u32::try_from(mag))
            && let (Some(p), Some(q)) = (n.checked_pow(k), d.checked_pow(k))
            && p != i64::MIN
        {
            // Powers of coprime numbers are coprime: still reduced.
            return Ok(if e > 0 {
                Rat::Small(p, q)
            } else {
                Rat::ratio_signed(i128::from(q), i128::from(p))
            });
        }
        let est = self.bits().saturating_sub(1).saturating_mul(mag);
        if est > MAX_BITS {
            return Err(EvalError::TooLarge);
        }
        let b = self.to_big();
        let exp = u32::try_from(mag).map_err(|_| EvalError::TooLarge)?;
        let p = num_traits::pow::Pow::pow(&b, exp);
        let p = if e < 0 { p.recip() } else { p };
        Rat::from_big(p).checked()
    }

    /// The exact `q`-th root when there is one (negative radicands only for odd `q`).
    pub(crate) fn root(&self, q: u32) -> Option<Rat> {
        if q == 0 {
            return None;
        }
        if q == 1 || self.is_zero() {
            return Some(self.clone());
        }
        let neg = self.is_negative();
        if neg && q.is_multiple_of(2) {
            return None;
        }
        let b = self.abs().to_big();
        let n = b.numer().nth_root(q);
        let d = b.denom().nth_root(q);
        let back = BigRational::new_raw(
            num_traits::pow::Pow::pow(&n, q),
            num_traits::pow::Pow::pow(&d, q),
        );
        if back != b {
            return None;
        }
        let r = Rat::from_big(BigRational::new(n, d));
        Some(if neg { r.neg() } else { r })
    }

    pub(crate) fn factorial(n: u64) -> Result<Rat, EvalError> {
        // ln(3000!) / ln 2 is about 30,400 bits, just under MAX_BITS.
        if n > 3000 {
            return Err(EvalError::TooLarge);
        }
        // Multiply runs of small factors in a machine word first: a fifth as
        // many big multiplications.
        let mut acc = BigInt::one();
        let mut chunk: u64 = 1;
        for k in 2..=n {
            match chunk.checked_mul(k) {
                Some(c) => chunk = c,
                None => {
                    acc *= chunk;
                    chunk = k;
                }
            }
        }
        acc *= chunk;
        Ok(Rat::from_bigint(acc))
    }

    pub(crate) fn cmp_abs(&self, o: &Rat) -> Ordering {
        self.abs().to_big().cmp(&o.abs().to_big())
    }

    /// The greatest integer at most `self`.
    pub(crate) fn floor(&self) -> Rat {
        match self {
            // Denominators are positive, so Euclidean division is the floor.
            Rat::Small(n, d) => Rat::int(n.div_euclid(*d)),
            Rat::Big(b) => Rat::from_big(b.floor()),
        }
    }

    /// `10^k` for small `k`.
    pub(crate) fn pow10(k: u32) -> Result<Rat, EvalError> {
        Rat::int(10).powi(i64::from(k))
    }

    /// The integer part of a nonnegative integer value, when it is one.
    pub(crate) fn to_bigint(&self) -> Option<BigInt> {
        match self {
            Rat::Small(n, 1) => Some(BigInt::from(*n)),
            Rat::Big(b) if b.is_integer() => Some(b.numer().clone()),
            _ => None,
        }
    }

    /// Nearest `f64` and a bound on its relative error, or `None` when the
    /// value is outside the range where `f64` arithmetic is trustworthy.
    pub(crate) fn to_f64(&self) -> Option<(f64, f64)> {
        const REL: f64 = 4.0 * f64::EPSILON;
        match self {
            Rat::Small(n, d) => {
                // Integers and dyadic fractions below 2^53 convert exactly; keeping
                // their radius zero lets `\arcsin 1` sit on the edge of its domain.
                let exact = n.unsigned_abs() <= 1 << 53 && d.count_ones() == 1 && *d <= 1 << 53;
                Some((*n as f64 / *d as f64, if exact { 0.0 } else { REL }))
            }
            Rat::Big(b) => {
                let (n, d) = (b.numer(), b.denom());
                let (nb, db) = (n.bits(), d.bits());
                let sn = nb.saturating_sub(64);
                let sd = db.saturating_sub(64);
                let nf = (n >> sn).to_f64()?;
                let df = (d >> sd).to_f64()?;
                let shift = i64::try_from(sn).ok()? - i64::try_from(sd).ok()?;
                let scale_bits = (nb as i64 - sn as i64) - (db as i64 - sd as i64) + shift;
                if !(-950..=950).contains(&scale_bits) {
                    return None;
                }
                let shift = i32::try_from(shift).ok()?;
                // Split the power of two so neither factor overflows on its own.
                let half = shift / 2;
                let v = nf / df * 2f64.powi(half) * 2f64.powi(shift - half);
                v.is_finite().then_some((v, REL))
            }
        }
    }
}

impl fmt::Display for Rat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rat::Small(n, 1) => write!(f, "{n}"),
            Rat::Small(n, d) => write!(f, "{n}/{d}"),
            Rat::Big(b) => {
                if b.numer().bits() + b.denom().bits() > 200 {
                    // Provenance wants a hint, not ten thousand digits.
                    let digits =
                        |v: &BigInt| (v.bits() as f64 * std::f64::consts::LOG10_2) as u64 + 1;
                    if b.is_integer() {
                        write!(f, "<{}-digit integer>", digits(b.numer()))
                    } else {
                        write!(
                            f,
                            "<{}-digit>/<{}-digit>",
                            digits(b.numer()),
                            digits(b.denom())
                        )
                    }
                } else if b.is_integer() {
                    write!(f, "{}", b.numer())
                } else {
                    write!(f, "{}/{}", b.numer(), b.denom())
                }
            }
        }
    }
}

/// An exact Gaussian rational `re + im·i`; `14.0 + -1.0i` and `14 - i` meet here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CRat {
    pub(crate) re: Rat,
    pub(crate) im: Rat,
}

impl CRat {
    pub(crate) fn real(re: Rat) -> CRat {
        CRat { re, im: Rat::ZERO }
    }

    pub(crate) fn is_real(&self) -> bool {
        self.im.is_zero()
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.re.is_zero() && self.im.is_zero()
    }

    pub(crate) fn bits(&self) -> u64 {
        self.re.bits() + self.im.bits()
    }

    pub(crate) fn add(&self, o: &CRat) -> Result<CRat, EvalError> {
        Ok(CRat {
            re: self.re.add(&o.re)?,
            im: self.im.add(&o.im)?,
        })
    }

    pub(crate) fn neg(&self) -> CRat {
        CRat {
            re: self.re.neg(),
            im: self.im.neg(),
        }
    }

    pub(crate) fn mul(&self, o: &CRat) -> Result<CRat, EvalError> {
        if self.is_real() && o.is_real() {
            return Ok(CRat::real(self.re.mul(&o.re)?));
        }
        let re = self.re.mul(&o.re)?.sub(&self.im.mul(&o.im)?)?;
        let im = self.re.mul(&o.im)?.add(&self.im.mul(&o.re)?)?;
        Ok(CRat { re, im })
    }

    pub(crate) fn recip(&self) -> Result<CRat, EvalError> {
        if self.is_real() {
            return Ok(CRat::real(self.re.recip()?));
        }
        let m = self.re.mul(&self.re)?.add(&self.im.mul(&self.im)?)?;
        Ok(CRat {
            re: self.re.div(&m)?,
            im: self.im.neg().div(&m)?,
        })
    }

    pub(crate) fn powi(&self, e: i64) -> Result<CRat, EvalError> {
        if self.is_real() {
            return Ok(CRat::real(self.re.powi(e)?));
        }
        let mag = e.unsigned_abs();
        if self.bits().saturating_mul(mag) > 2 * MAX_BITS {
            return Err(EvalError::TooLarge);
        }
        let mut base = if e < 0 { self.recip()? } else { self.clone() };
        let mut acc = CRat::real(Rat::ONE);
        let mut k = mag;
        while k > 0 {
            if k & 1 == 1 {
                acc = acc.mul(&base)?;
            }
            k >>= 1;
            if k > 0 {
                base = base.mul(&base)?;
            }
        }
        Ok(acc)
    }
}

impl fmt::Display for CRat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_real() {
            return write!(f, "{}", self.re);
        }
        let im_abs = self.im.abs();
        let im_text = if im_abs == Rat::ONE {
            String::new()
        } else {
            im_abs.to_string()
        };
        if self.re.is_zero() {
            let sign = if self.im.is_negative() { "-" } else { "" };
            write!(f, "{sign}{im_text}i")
        } else {
            let sign = if self.im.is_negative() { '-' } else { '+' };
            write!(f, "{} {sign} {im_text}i", self.re)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_arithmetic_stays_small_and_reduced() {
        let a = Rat::ratio_signed(2, 4);
        assert_eq!(a, Rat::Small(1, 2));
        assert_eq!(a.add(&Rat::ratio_signed(1, -2)).unwrap(), Rat::ZERO);
        assert_eq!(Rat::ratio_signed(-3, -6), Rat::Small(1, 2));
    }

    #[test]
    fn binary_gcd_agrees_with_euclid() {
        let euclid = |mut a: u64, mut b: u64| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        let samples = [
            0,
            1,
            2,
            3,
            12,
            18,
            97,
            1 << 40,
            3 << 20,
            u64::MAX,
            u64::MAX - 1,
        ];
        for a in samples {
            for b in samples {
                assert_eq!(gcd_u64(a, b), euclid(a, b), "gcd({a}, {b})");
            }
        }
        assert_eq!(
            Rat::int(i64::MIN + 1).add(&Rat::int(-1)).unwrap().bits(),
            65
        );
        assert_eq!(
            Rat::int(i64::MAX).mul(&Rat::int(-1)).unwrap(),
            Rat::int(-i64::MAX)
        );
    }

    #[test]
    fn overflow_moves_to_big_and_back() {
        let big = Rat::int(i64::MAX).mul(&Rat::int(4)).unwrap();
        assert!(matches!(big, Rat::Big(_)));
        assert_eq!(big.div(&Rat::int(4)).unwrap(), Rat::int(i64::MAX));
    }

    #[test]
    fn mixed_small_and_big_operations_stay_reduced() {
        let big = Rat::int(3).powi(100).unwrap().recip().unwrap();
        let sum = big.add(&Rat::ratio_signed(1, 6)).unwrap();
        let slow = Rat::from_big(big.to_big() + Rat::ratio_signed(1, 6).to_big());
        assert_eq!(sum, slow);
        let prod = big.mul(&Rat::ratio_signed(9, 2)).unwrap();
        assert_eq!(
            prod,
            Rat::from_big(big.to_big() * Rat::ratio_signed(9, 2).to_big())
        );
        let t = Rat::int(2)
            .powi(200)
            .unwrap()
            .add(&Rat::ratio_signed(-1, 2))
            .unwrap();
        assert_eq!(
            t.mul(&Rat::int(2)).unwrap(),
            Rat::int(2).powi(201).unwrap().sub(&Rat::ONE).unwrap()
        );
    }

    #[test]
    fn powers_are_capped_before_computing() {
        assert!(matches!(
            Rat::int(2).powi(10_000_000_000),
            Err(EvalError::TooLarge)
        ));
        assert_eq!(Rat::int(-1).powi(i64::MAX).unwrap(), Rat::int(-1));
        assert_eq!(Rat::int(2).powi(-3).unwrap(), Rat::Small(1, 8));
        assert_eq!(Rat::int(-2).powi(-3).unwrap(), Rat::Small(-1, 8));
        assert_eq!(
            Rat::ratio_signed(-2, 3).powi(3).unwrap(),
            Rat::ratio_signed(-8, 27)
        );
        let big = Rat::int(-2).powi(63).unwrap();
        assert!(matches!(big, Rat::Big(_)));
        assert_eq!(big.bits(), 65);
    }

    #[test]
    fn roots_are_exact_or_absent() {
        assert_eq!(
            Rat::ratio_signed(4, 9).root(2),
            Some(Rat::ratio_signed(2, 3))
        );
        assert_eq!(Rat::int(-27).root(3), Some(Rat::int(-3)));
        assert_eq!(Rat::int(8).root(2), None);
    }

    #[test]
    fn big_to_f64_keeps_magnitude() {
        let v = Rat::int(10).powi(200).unwrap().to_f64().unwrap().0;
        assert!((v / 1e200 - 1.0).abs() < 1e-12);
        assert!(Rat::int(10).powi(400).unwrap().to_f64().is_none());
    }
}
