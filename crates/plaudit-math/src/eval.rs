//! Evaluating a scalar [`Node`] to a [`Value`]: exact when it can be, a
//! certified [`Ball`] when it cannot.
//!
//! Evaluation is a single walk. Each operation stays exact while its inputs
//! are exact Gaussian rationals and the result is too (`\sqrt{16}`, `2^{-3}`,
//! `i^2`); the first irrational step (`\sqrt 2`, `\pi`, `\sin 1`) turns the
//! value into a ball and everything above it follows. Variables are bound to
//! exact rational points, so polynomial and rational expressions compare
//! exactly even with free variables.
//!
//! Every node visit and every big-number operation is charged to a
//! [`Budget`]; exact results are capped in size ([`MAX_BITS`]). A value past
//! that cap or past `f64`'s range is not built: it becomes a [`Value::Huge`]
//! (see [`huge`]), known by its sign, bounds on its logarithm and, for
//! powers, its exact form — which is how `5^{5^{5^{5^5}}}` ends in
//! microseconds and still compares unequal to 2.

use num_traits::ToPrimitive;

use crate::ast::{Const, Func, MulOp, Node, Sign};
use crate::ball::Ball;
use crate::number::{CRat, MAX_BITS, Rat};

mod huge;
mod magnitude;

use huge::Huge;

/// Why a value could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EvalError {
    /// The step budget ran out.
    Budget,
    /// An exact value would exceed the size cap (huge exponent or factorial).
    TooLarge,
    /// Too large or too small for floating point.
    OutOfRange,
    /// Division by zero, logarithm of zero, and the like.
    Undefined,
    /// Precision was lost (cancellation, a branch cut, a floor at an integer).
    Imprecise,
    /// Two values beyond range whose magnitudes are too close to order.
    Inseparable,
    /// `\infty` in arithmetic.
    Infinite,
    /// A tuple, set, relation or text where a number was needed.
    NotScalar,
    Unsupported(&'static str),
}

impl EvalError {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            EvalError::Budget => "step budget exhausted",
            EvalError::TooLarge => "value too large to compare exactly (exponent or factorial cap)",
            EvalError::OutOfRange => "value outside floating-point range",
            EvalError::Undefined => "value is undefined (division by zero or outside the domain)",
            EvalError::Imprecise => "not enough precision to decide",
            EvalError::Inseparable => {
                "values beyond exact range whose magnitudes are too close to separate"
            }
            EvalError::Infinite => "infinity in arithmetic",
            EvalError::NotScalar => "not a number",
            EvalError::Unsupported(what) => what,
        }
    }
}

/// Work allowed for one comparison, in roughly machine-word operations.
#[derive(Debug)]
pub(crate) struct Budget {
    left: u64,
}

impl Budget {
    /// About five milliseconds of work.
    pub(crate) const DEFAULT: u64 = 5_000_000;

    pub(crate) fn new(steps: u64) -> Budget {
        Budget { left: steps }
    }

    pub(crate) fn spend(&mut self, n: u64) -> Result<(), EvalError> {
        match self.left.checked_sub(n) {
            Some(l) => {
                self.left = l;
                Ok(())
            }
            None => {
                self.left = 0;
                Err(EvalError::Budget)
            }
        }
    }
}

/// Cost of an arithmetic operation, in roughly nanoseconds. Machine-word
/// values are nearly free; big integers cost their schoolbook product; big
/// fractions pay for the binary gcd that reduces them, which is quadratic in
/// bits rather than words and dominates everything else.
fn cost(a: &CRat, b: &CRat) -> u64 {
    let small = |c: &CRat| matches!((&c.re, &c.im), (Rat::Small(..), Rat::Small(..)));
    if small(a) && small(b) {
        return 4;
    }
    let (wa, wb) = (a.bits() / 64 + 1, b.bits() / 64 + 1);
    if small(a) || small(b) {
        // A machine-word operand needs only word-sized gcds (see `Rat::add`).
        return (wa + wb).saturating_mul(8);
    }
    let integers = [&a.re, &a.im, &b.re, &b.im].iter().all(|r| r.is_integer());
    if integers {
        wa.saturating_mul(wb)
    } else {
        (wa + wb).saturating_mul(wa + wb).saturating_mul(32)
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Exact(CRat),
    Approx(Ball),
    /// A real value too large or too small to build.
    Huge(Box<Huge>),
}

impl Value {
    pub(crate) fn real(r: Rat) -> Value {
        Value::Exact(CRat::real(r))
    }

    pub(crate) fn ball(&self) -> Result<Ball, EvalError> {
        match self {
            Value::Approx(b) => Ok(*b),
            Value::Huge(_) => Err(EvalError::OutOfRange),
            Value::Exact(c) => {
                let (re, rr) = c.re.to_f64().ok_or(EvalError::OutOfRange)?;
                let (im, ri) = c.im.to_f64().ok_or(EvalError::OutOfRange)?;
                Ok(Ball {
                    re,
                    im,
                    er: re.abs() * rr,
                    ei: im.abs() * ri,
                })
            }
        }
    }

    pub(crate) fn exact_real(&self) -> Option<&Rat> {
        match self {
            Value::Exact(c) if c.is_real() => Some(&c.re),
            _ => None,
        }
    }

    fn is_huge(&self) -> bool {
        matches!(self, Value::Huge(_))
    }
}

/// Where ordinary evaluation ran out of range (an exact value past the
/// cap, a ball past `f64`), the value beyond range; the original error when
/// that cannot be had either.
fn beyond(
    r: Result<Value, EvalError>,
    f: impl FnOnce() -> Result<Value, EvalError>,
) -> Result<Value, EvalError> {
    match r {
        Err(e @ (EvalError::TooLarge | EvalError::OutOfRange)) => f().map_err(|_| e),
        r => r,
    }
}

/// Variable bindings for one evaluation point.
#[derive(Debug, Default)]
pub(crate) struct Env<'a> {
    pub(crate) vars: Vec<(&'a str, Rat)>,
}

pub(crate) fn add(a: &Value, b: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    if a.is_huge() || b.is_huge() {
        return huge::add(a, b, budget);
    }
    let r = match (a, b) {
        (Value::Exact(x), Value::Exact(y)) => {
            budget.spend(cost(x, y))?;
            x.add(y).map(Value::Exact)
        }
        _ => a.ball().and_then(|x| x.add(b.ball()?)).map(Value::Approx),
    };
    beyond(r, || huge::add(a, b, budget))
}

pub(crate) fn neg(a: &Value) -> Value {
    match a {
        Value::Exact(x) => Value::Exact(x.neg()),
        Value::Approx(b) => Value::Approx(b.neg()),
        Value::Huge(h) => Value::Huge(Box::new(huge::neg(h))),
    }
}

pub(crate) fn sub(a: &Value, b: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    add(a, &neg(b), budget)
}

pub(crate) fn mul(a: &Value, b: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    if a.is_huge() || b.is_huge() {
        return huge::mul(a, b, budget);
    }
    let r = match (a, b) {
        (Value::Exact(x), Value::Exact(y)) => {
            budget.spend(cost(x, y))?;
            x.mul(y).map(Value::Exact)
        }
        _ => a.ball().and_then(|x| x.mul(b.ball()?)).map(Value::Approx),
    };
    beyond(r, || huge::mul(a, b, budget))
}

pub(crate) fn div(a: &Value, b: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    if a.is_huge() || b.is_huge() {
        return huge::div(a, b, budget);
    }
    let r = match (a, b) {
        (Value::Exact(x), Value::Exact(y)) => {
            if y.is_zero() {
                return Err(EvalError::Undefined);
            }
            budget.spend(cost(x, y).saturating_mul(2))?;
            y.recip().and_then(|r| x.mul(&r)).map(Value::Exact)
        }
        _ => a.ball().and_then(|x| x.div(b.ball()?)).map(Value::Approx),
    };
    beyond(r, || huge::div(a, b, budget))
}

fn pow(a: &Value, b: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    if a.is_huge() || b.is_huge() {
        return huge::pow(a, b, budget);
    }
    let r = pow_in_range(a, b, budget);
    beyond(r, || huge::pow(a, b, budget))
}

fn pow_in_range(a: &Value, b: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    if let (Value::Exact(x), Some(y)) = (a, b.exact_real()) {
        if y.is_integer() {
            let Some(n) = y.to_i64() else {
                // Only 0, ±1 and ±i survive a huge exponent; everything else is too large.
                return if x.is_zero() && !y.is_negative() {
                    Ok(Value::real(Rat::ZERO))
                } else {
                    Err(EvalError::TooLarge)
                };
            };
            let est = x.bits().saturating_mul(n.unsigned_abs());
            if est > 2 * MAX_BITS {
                return Err(EvalError::TooLarge);
            }
            budget.spend((est / 64 + 1).saturating_mul(est / 64 + 1) / 4 + 1)?;
            return Ok(Value::Exact(x.powi(n)?));
        }
        // x^(p/q) stays exact when x is a perfect q-th power (16^{3/4} = 8).
        if x.is_real()
            && !x.re.is_negative()
            && let Rat::Small(p, q) = y
            && *q <= 64
            && let Some(r) = x.re.root(u32::try_from(*q).unwrap_or(2))
        {
            budget.spend(x.bits() / 8 + 1)?;
            return pow(&Value::real(r), &Value::real(Rat::int(*p)), budget);
        }
    }
    let base = a.ball()?;
    if let Some(n) = b.exact_real().and_then(Rat::to_i64)
        && n.unsigned_abs() <= 1 << 20
    {
        budget.spend(64)?;
        return Ok(Value::Approx(base.powi(n)?));
    }
    Ok(Value::Approx(base.pow(b.ball()?)?))
}

fn root(index: Option<&Value>, x: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    let n = match index {
        None => 2,
        Some(v) => match v.exact_real().and_then(Rat::to_i64) {
            Some(n) if (1..=1_000_000).contains(&n) => n,
            _ => {
                // A non-integer index: x^(1/index).
                let inv = div(&Value::real(Rat::ONE), v, budget)?;
                return pow(x, &inv, budget);
            }
        },
    };
    if let Some(r) = x.exact_real() {
        let q = u32::try_from(n).unwrap_or(u32::MAX);
        if let Some(root) = r.root(q) {
            return Ok(Value::real(root));
        }
        // An odd root of a negative real is the real root, as a reader expects.
        if r.is_negative() && n % 2 == 1 {
            return Ok(neg(&root(
                index.cloned().as_ref(),
                &Value::real(r.neg()),
                budget,
            )?));
        }
    }
    let b = match x.ball() {
        Ok(b) => b,
        Err(e @ EvalError::OutOfRange) => return root_beyond(n, x, budget).map_err(|_| e),
        Err(e) => return Err(e),
    };
    if n == 2 {
        return Ok(Value::Approx(b.sqrt()?));
    }
    if b.is_real() && b.re < 0.0 && n % 2 == 1 {
        let r = b.neg().pow(Ball::real(1.0 / n as f64, 0.0))?;
        return Ok(Value::Approx(r.neg()));
    }
    Ok(Value::Approx(b.pow(Ball::real(1.0 / n as f64, 0.0))?))
}

/// The real `n`-th root of a value beyond range, as a power.
fn root_beyond(n: i64, x: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    let inv = Value::real(Rat::ratio_signed(1, i128::from(n)));
    let negative = match x {
        Value::Huge(h) => huge::is_negative(h),
        _ => x.exact_real().is_some_and(Rat::is_negative),
    };
    if negative && n % 2 == 1 {
        return Ok(neg(&huge::pow(&neg(x), &inv, budget)?));
    }
    huge::pow(x, &inv, budget)
}

fn exact_special(f: Func, x: &Value) -> Option<Value> {
    let zero = x.exact_real().is_some_and(Rat::is_zero);
    let one = x.exact_real().is_some_and(|r| *r == Rat::ONE);
    match f {
        Func::Sin | Func::Tan | Func::Asin | Func::Atan | Func::Sinh | Func::Tanh if zero => {
            Some(Value::real(Rat::ZERO))
        }
        Func::Cos | Func::Sec | Func::Cosh | Func::Exp if zero => Some(Value::real(Rat::ONE)),
        Func::Ln | Func::Log if one => Some(Value::real(Rat::ZERO)),
        Func::Acos if one => Some(Value::real(Rat::ZERO)),
        Func::Abs => match x {
            Value::Exact(c) if c.is_real() => Some(Value::real(c.re.abs())),
            _ => None,
        },
        Func::Floor | Func::Ceil => {
            let r = x.exact_real()?;
            let big = match r {
                Rat::Big(b) => (**b).clone(),
                Rat::Small(n, d) => num_rational::BigRational::new((*n).into(), (*d).into()),
            };
            let v = if f == Func::Floor {
                big.floor()
            } else {
                big.ceil()
            };
            Some(Value::real(Rat::from_big(v)))
        }
        _ => None,
    }
}

fn apply(f: Func, x: &Value) -> Result<Value, EvalError> {
    if let Some(v) = exact_special(f, x) {
        return Ok(v);
    }
    if let Value::Huge(h) = x {
        return match f {
            Func::Abs => Ok(Value::Huge(Box::new(huge::abs(h)))),
            Func::Ln | Func::Log => huge::ln(h),
            _ => Err(EvalError::OutOfRange),
        };
    }
    let b = x.ball()?;
    let r = match f {
        Func::Sin => b.sin()?,
        Func::Cos => b.cos()?,
        Func::Tan => b.sin()?.div(b.cos()?)?,
        Func::Sec => b.cos()?.recip()?,
        Func::Csc => b.sin()?.recip()?,
        Func::Cot => b.cos()?.div(b.sin()?)?,
        Func::Asin => b.asin()?,
        Func::Acos => b.acos()?,
        Func::Atan => b.atan()?,
        Func::Sinh | Func::Cosh | Func::Tanh => {
            let (p, m) = (b.exp()?, b.neg().exp()?);
            let half = Ball::real(0.5, 0.0);
            match f {
                Func::Sinh => p.add(m.neg())?.mul(half)?,
                Func::Cosh => p.add(m)?.mul(half)?,
                _ => p.add(m.neg())?.div(p.add(m)?)?,
            }
        }
        Func::Ln | Func::Log => b.ln()?,
        Func::Exp => b.exp()?,
        Func::Abs => b.abs()?,
        Func::Floor => b.round_with(f64::floor)?,
        Func::Ceil => b.round_with(f64::ceil)?,
    };
    Ok(Value::Approx(r))
}

fn log_base(base: &Value, x: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    if base.is_huge() || x.is_huge() {
        return huge::log_base(base, x, budget);
    }
    let approx = match x.ball().and_then(|v| v.ln()?.div(base.ball()?.ln()?)) {
        Ok(a) => a,
        Err(e @ EvalError::OutOfRange) => {
            return huge::log_base(base, x, budget).map_err(|_| e);
        }
        Err(e) => return Err(e),
    };
    // log_2 8 is exactly 3: confirm a near-integer result by exact powering.
    if let (Some(b), Some(v)) = (base.exact_real(), x.exact_real()) {
        let k = approx.re.round();
        if approx.is_real()
            && (approx.re - k).abs() < 1e-6
            && k.abs() <= 4096.0
            && let Some(k) = k.to_i64()
        {
            budget.spend(b.bits().saturating_mul(k.unsigned_abs()) / 64 + 1)?;
            if b.powi(k).ok().as_ref() == Some(v) {
                return Ok(Value::real(Rat::int(k)));
            }
        }
    }
    Ok(Value::Approx(approx))
}

fn factorial(x: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    let Some(n) = x
        .exact_real()
        .filter(|r| r.is_integer() && !r.is_negative())
    else {
        return Err(EvalError::Unsupported("factorial of a non-integer"));
    };
    let n = n
        .to_i64()
        .and_then(|n| u64::try_from(n).ok())
        .ok_or(EvalError::TooLarge)?;
    if n > 3000 {
        return huge::factorial(&Rat::int(i64::try_from(n).unwrap_or(i64::MAX)), budget);
    }
    budget.spend(n.saturating_mul(n) / 64 + 1)?;
    Ok(Value::real(Rat::factorial(n)?))
}

fn binom(n: &Value, k: &Value, budget: &mut Budget) -> Result<Value, EvalError> {
    let (Some(n), Some(k)) = (
        n.exact_real().and_then(Rat::to_i64),
        k.exact_real().and_then(Rat::to_i64),
    ) else {
        return Err(EvalError::Unsupported(
            "binomial coefficient of non-integers",
        ));
    };
    if k < 0 || n < 0 || k > n {
        return Ok(Value::real(Rat::ZERO));
    }
    let k = k.min(n - k);
    if k > 3000 {
        return Err(EvalError::TooLarge);
    }
    let mut acc = Rat::ONE;
    for j in 0..k {
        budget.spend(acc.bits() / 64 + 2)?;
        acc = acc.mul(&Rat::int(n - j))?.div(&Rat::int(j + 1))?;
    }
    Ok(Value::real(acc))
}

/// Evaluates a scalar expression at the point `env`.
pub(crate) fn eval(node: &Node, env: &Env<'_>, budget: &mut Budget) -> Result<Value, EvalError> {
    budget.spend(20)?;
    match node {
        Node::Num(n) => Ok(Value::real(n.value.clone())),
        Node::Base { value, .. } => Ok(Value::real(value.clone())),
        Node::Const(Const::Pi) => Ok(Value::Approx(Ball::pi())),
        Node::Const(Const::E) => Ok(Value::Approx(Ball::e())),
        Node::Const(Const::I) => Ok(Value::Exact(CRat {
            re: Rat::ZERO,
            im: Rat::ONE,
        })),
        Node::Const(Const::Infinity) => Err(EvalError::Infinite),
        Node::Var(name) => env
            .vars
            .iter()
            .find(|(n, _)| *n == &**name)
            .map(|(_, v)| Value::real(v.clone()))
            .ok_or(EvalError::Unsupported("unbound variable")),
        Node::Neg(a) => Ok(neg(&eval(a, env, budget)?)),
        Node::Sum(terms) => {
            let mut acc = Value::real(Rat::ZERO);
            for (sign, t) in terms {
                let v = eval(t, env, budget)?;
                acc = match sign {
                    Sign::Plus => add(&acc, &v, budget)?,
                    Sign::Minus => sub(&acc, &v, budget)?,
                    Sign::PlusMinus | Sign::MinusPlus => return Err(EvalError::NotScalar),
                };
            }
            Ok(acc)
        }
        Node::Product(factors) => {
            let mut acc = Value::real(Rat::ONE);
            for (op, t) in factors {
                let v = eval(t, env, budget)?;
                acc = match op {
                    MulOp::Mul => mul(&acc, &v, budget)?,
                    MulOp::Div => div(&acc, &v, budget)?,
                };
            }
            Ok(acc)
        }
        Node::Frac(a, b) => div(&eval(a, env, budget)?, &eval(b, env, budget)?, budget),
        Node::Mixed(w, f) => add(&eval(w, env, budget)?, &eval(f, env, budget)?, budget),
        Node::Pow(a, b) => {
            let e = eval(b, env, budget)?;
            pow(&eval(a, env, budget)?, &e, budget)
        }
        Node::Root(idx, a) => {
            let index = match idx {
                Some(i) => Some(eval(i, env, budget)?),
                None => None,
            };
            root(index.as_ref(), &eval(a, env, budget)?, budget)
        }
        Node::Func(f, a) => apply(*f, &eval(a, env, budget)?),
        Node::LogBase(b, a) => log_base(&eval(b, env, budget)?, &eval(a, env, budget)?, budget),
        Node::Factorial(a) => factorial(&eval(a, env, budget)?, budget),
        Node::Binom(n, k) => binom(&eval(n, env, budget)?, &eval(k, env, budget)?, budget),
        Node::Percent(a) => div(&eval(a, env, budget)?, &Value::real(Rat::int(100)), budget),
        Node::Degrees(a) => {
            let v = mul(&eval(a, env, budget)?, &Value::Approx(Ball::pi()), budget)?;
            div(&v, &Value::real(Rat::int(180)), budget)
        }
        Node::Unit(a, _) => eval(a, env, budget),
        Node::Text(_)
        | Node::Choice(_)
        | Node::Labeled(..)
        | Node::Tuple(_)
        | Node::List(_)
        | Node::Set(_)
        | Node::Interval(_)
        | Node::Union(_)
        | Node::Matrix { .. }
        | Node::Relation(..) => Err(EvalError::NotScalar),
    }
}

/// How two values relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Equal,
    NotEqual,
    Unknown(EvalError),
}

/// Balls that overlap are called equal only when both are this tight,
/// relative to the larger magnitude (or absolute below 1).
const TIGHT: f64 = 1e-11;
/// …and never wider than this in absolute terms, so values a unit (or a
/// millionth) apart are never confused.
const ABSOLUTE: f64 = 1e-6;

pub(crate) fn decide(a: &Value, b: &Value) -> Decision {
    if let (Value::Exact(x), Value::Exact(y)) = (a, b) {
        return if x == y {
            Decision::Equal
        } else {
            Decision::NotEqual
        };
    }
    if a.is_huge() || b.is_huge() {
        return huge::decide(a, b);
    }
    let (x, y) = match (a.ball(), b.ball()) {
        (Ok(x), Ok(y)) => (x, y),
        // An exact value past `f64` can still be told apart by magnitude.
        (Err(EvalError::OutOfRange), _) | (_, Err(EvalError::OutOfRange)) => {
            return huge::decide(a, b);
        }
        (Err(e), _) | (_, Err(e)) => return Decision::Unknown(e),
    };
    let slack = |p: f64, q: f64| 4.0 * f64::EPSILON * (p.abs() + q.abs());
    if (x.re - y.re).abs() > x.er + y.er + slack(x.re, y.re)
        || (x.im - y.im).abs() > x.ei + y.ei + slack(x.im, y.im)
    {
        return Decision::NotEqual;
    }
    let width = x.er.max(x.ei).max(y.er).max(y.ei);
    let scale = x.modulus().max(y.modulus()).max(1.0);
    // The absolute cap keeps large values honest: at 10^15 a relative 1e-11
    // would call `\sqrt{2}\cdot 10^{15}` and that plus one equal.
    if width <= TIGHT * scale && width <= ABSOLUTE {
        Decision::Equal
    } else {
        Decision::Unknown(EvalError::Imprecise)
    }
}

/// Why two values that [`decide`] found different differ, in a few words:
/// "magnitudes differ" for values beyond range, "values differ" otherwise.
pub(crate) fn difference(a: &Value, b: &Value) -> &'static str {
    if a.is_huge() || b.is_huge() {
        huge::difference(a, b)
    } else {
        "values differ"
    }
}

/// Whether either value is beyond range (for messages).
pub(crate) fn beyond_range(a: &Value, b: &Value) -> bool {
    a.is_huge() || b.is_huge()
}

/// A short rendering of a value for messages, written straight into the
/// message rather than through a `String` of its own.
pub(crate) fn show(v: &Value) -> Show<'_> {
    Show(v)
}

pub(crate) struct Show<'a>(&'a Value);

impl std::fmt::Display for Show<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Value::Exact(c) => write!(f, "{c}"),
            Value::Huge(h) => f.write_str(&huge::show(h)),
            Value::Approx(b) if b.is_real() || b.im == 0.0 => write!(f, "{:.12}", b.re),
            Value::Approx(b) => write!(
                f,
                "{:.12} {} {:.12}i",
                b.re,
                if b.im < 0.0 { '-' } else { '+' },
                b.im.abs()
            ),
        }
    }
}

/// Whether the value is certainly zero, certainly not, or unclear.
pub(crate) fn zero_test(v: &Value) -> Decision {
    decide(v, &Value::real(Rat::ZERO))
}

/// |a| <= bound, decided exactly or with the ball's radius; `None` when too close to call.
pub(crate) fn abs_at_most(a: &Value, bound: &Rat) -> Option<bool> {
    match a {
        Value::Exact(c) if c.is_real() => Some(c.re.cmp_abs(bound) != std::cmp::Ordering::Greater),
        _ => {
            let b = a.ball().ok()?;
            let (bound, _) = bound.to_f64()?;
            let m = b.modulus();
            let r = b.er.hypot(b.ei) + 4.0 * f64::EPSILON * m;
            if m + r <= bound {
                Some(true)
            } else if m - r > bound {
                Some(false)
            } else {
                None
            }
        }
    }
}
