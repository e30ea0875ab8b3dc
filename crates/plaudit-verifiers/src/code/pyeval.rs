//! Constant evaluation of Python expressions: the values of test literals.
//!
//! Test suites write expected values and arguments as literals with a
//! little arithmetic around them: `(3 + 5 + 7, 3 * 5 * 7)`,
//! `2.0/3.0`, `'abcde' + 'cade'`, `[1, 0**0]`, `float('inf')`,
//! `tuple([2, 6, 3])`. This module computes those values with Python's
//! semantics (floor division and modulo toward −∞, int/int true division
//! correctly rounded, unbounded ints, `True + 1 == 2`) and refuses
//! anything else with an error that names the construct (a variable, a
//! call to another function, a comprehension).
//!
//! Supported: literals, lists, tuples, dicts, sets; unary `- + ~ not`;
//! `+ - * / // % **`, shifts and bitwise operators on ints; `+` and `*`
//! on strings, bytes, lists and tuples; the calls `float(x)`, `int(x)`,
//! `list(x)`, `tuple(x)`, `set(x)`, `frozenset(x)`, `sorted(x,
//! reverse=…)`, `dict()`; and `math.pi`, `math.e`, `math.tau`,
//! `math.inf`, `math.nan`.
//!
//! Bounded: ints stay under [`MAX_INT_BITS`] bits, and all the strings and
//! sequences built by `+` and `*` together under [`MAX_UNITS`] characters
//! or elements, so `'a' * 10**12` or `10**10**10` is an error, not an
//! allocation.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

use super::pyexpr::{BinOp, Expr, Parser, UnaryOp};
use super::pysyntax::logical_lines;
use super::pyvalue::{PyValue, float_to_int, iterate, sort_values, unique};

/// The largest int an expression may produce, in bits.
pub const MAX_INT_BITS: u64 = 100_000;

/// How many characters or elements the `+` and `*` of one expression may
/// build, in all.
pub const MAX_UNITS: usize = 1 << 22;

/// Why a literal could not be read: the construct it contains, or the
/// error Python would raise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LiteralError(pub String);

impl PyValue {
    /// The value of a Python literal expression, such as the expected value
    /// of a test assert.
    ///
    /// Supported: literals (numbers with `_`, hex/octal/binary, strings with
    /// any quotes, prefixes and escapes, implicitly joined), lists, tuples,
    /// dicts, sets; unary `- + ~ not`; `+ - * / // % **`, shifts and bitwise
    /// operators on ints, with Python's semantics; `+` and `*` on strings,
    /// bytes, lists and tuples; `float(x)`, `int(x)`, `list(x)`,
    /// `tuple(x)`, `set(x)`, `frozenset(x)`, `sorted(x, reverse=…)`,
    /// `dict()`; `math.pi`, `math.e`, `math.tau`, `math.inf`, `math.nan`.
    /// Anything else is an error naming the construct (a name such as
    /// `odd_sum`, a call to another function, a comprehension). Ints are
    /// limited to 100,000 bits and the strings and sequences one expression
    /// builds to 4 Mi characters or elements.
    pub fn parse_literal(src: &str) -> std::result::Result<PyValue, LiteralError> {
        let lines = logical_lines(src);
        let line = match lines.as_slice() {
            [] => return Err(LiteralError("an empty expression".into())),
            [line] => line,
            [_, second, ..] => {
                return Err(LiteralError(format!(
                    "more than one statement (a second one starts on line {})",
                    second.line
                )));
            }
        };
        if let Some(e) = &line.error {
            return Err(LiteralError(format!("syntax error: {e}")));
        }
        let mut p = Parser::new(&line.tokens);
        let expr = p.expr_list().map_err(LiteralError)?;
        if !p.at_end() {
            return Err(LiteralError(format!(
                "more input after the expression: {}",
                p.describe_next()
            )));
        }
        Evaluator::default().eval(&expr).map_err(LiteralError)
    }
}

/// Evaluates constant expressions within a size budget.
#[derive(Debug, Default)]
pub(crate) struct Evaluator {
    units: usize,
}

type Result<T> = std::result::Result<T, String>;

impl Evaluator {
    fn charge(&mut self, units: usize) -> Result<()> {
        self.units = self.units.saturating_add(units);
        if self.units > MAX_UNITS {
            return Err(format!(
                "a value of more than {MAX_UNITS} characters or elements"
            ));
        }
        Ok(())
    }

    fn all(&mut self, items: &[Expr]) -> Result<Vec<PyValue>> {
        items.iter().map(|e| self.eval(e)).collect()
    }

    /// The value of `e`.
    pub(crate) fn eval(&mut self, e: &Expr) -> Result<PyValue> {
        match e {
            Expr::Const(v) => Ok(v.clone()),
            Expr::Name(n) => Err(format!("the name `{n}`")),
            Expr::Attr(base, attr) => match (&**base, attr.as_str()) {
                (Expr::Name(m), "pi") if m == "math" => Ok(PyValue::Float(std::f64::consts::PI)),
                (Expr::Name(m), "e") if m == "math" => Ok(PyValue::Float(std::f64::consts::E)),
                (Expr::Name(m), "tau") if m == "math" => Ok(PyValue::Float(std::f64::consts::TAU)),
                (Expr::Name(m), "inf") if m == "math" => Ok(PyValue::Float(f64::INFINITY)),
                (Expr::Name(m), "nan") if m == "math" => Ok(PyValue::Float(f64::NAN)),
                _ => Err(format!("the attribute `{}`", dotted(e))),
            },
            Expr::Call { func, args, kwargs } => self.call(func, args, kwargs),
            Expr::Subscript(..) => Err("a subscript (`x[i]`)".into()),
            Expr::BoolOp(and, _) => Err(format!("`{}`", if *and { "and" } else { "or" })),
            Expr::Compare(_, ops) => Err(format!("a comparison (`{}`)", ops[0].0.symbol())),
            Expr::Unsupported(why) => Err(why.clone()),
            Expr::List(items) => Ok(PyValue::List(self.all(items)?)),
            Expr::Tuple(items) => Ok(PyValue::Tuple(self.all(items)?)),
            Expr::Set(items) => Ok(PyValue::Set(unique(self.all(items)?)?)),
            Expr::Dict(pairs) => {
                let mut keys = Vec::with_capacity(pairs.len());
                let mut values = Vec::with_capacity(pairs.len());
                for (k, v) in pairs {
                    keys.push(self.eval(k)?);
                    values.push(self.eval(v)?);
                }
                build_dict(keys, values)
            }
            Expr::Unary(op, x) => {
                let x = self.eval(x)?;
                unary(*op, x)
            }
            Expr::Binary(op, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                self.binary(*op, a, b)
            }
        }
    }

    fn call(&mut self, func: &Expr, args: &[Expr], kwargs: &[(String, Expr)]) -> Result<PyValue> {
        let Expr::Name(name) = func else {
            return Err(format!("a call to `{}`", dotted(func)));
        };
        let name = name.as_str();
        let known = [
            "float",
            "int",
            "list",
            "tuple",
            "set",
            "frozenset",
            "sorted",
            "dict",
        ];
        if !known.contains(&name) {
            return Err(format!("a call to `{name}`"));
        }
        let mut reverse = false;
        for (k, v) in kwargs {
            match (name, k.as_str()) {
                ("sorted", "reverse") => reverse = self.eval(v)?.is_truthy(),
                _ => return Err(format!("`{name}()` with the keyword argument `{k}`")),
            }
        }
        let mut args = self.all(args)?;
        if args.len() > 1 {
            return Err(format!("`{name}()` with {} arguments", args.len()));
        }
        let arg = args.pop();
        match (name, arg) {
            ("float", None) => Ok(PyValue::Float(0.0)),
            ("float", Some(v)) => to_float(&v).map(PyValue::Float),
            ("int", None) => Ok(PyValue::Int(BigInt::zero())),
            ("int", Some(v)) => to_int(v).map(PyValue::Int),
            ("dict", None) => Ok(PyValue::Dict(Vec::new())),
            ("dict", Some(_)) => Err("`dict()` with an argument".into()),
            (_, None) if name == "sorted" => Err("`sorted()` without an argument".into()),
            (_, None) => Ok(collection(name, Vec::new())?),
            (_, Some(v)) => {
                let items = iterate(v)?;
                if name == "sorted" {
                    return sort_values(items, reverse).map(PyValue::List);
                }
                collection(name, items)
            }
        }
    }

    fn binary(&mut self, op: BinOp, a: PyValue, b: PyValue) -> Result<PyValue> {
        use PyValue as P;
        match (op, a, b) {
            (BinOp::Add, P::Str(mut x), P::Str(y)) => {
                self.charge(x.len() + y.len())?;
                x.push_str(&y);
                Ok(P::Str(x))
            }
            (BinOp::Add, P::Bytes(mut x), P::Bytes(y)) => {
                self.charge(x.len() + y.len())?;
                x.extend_from_slice(&y);
                Ok(P::Bytes(x))
            }
            (BinOp::Add, P::List(mut x), P::List(y)) => {
                self.charge(x.len() + y.len())?;
                x.extend(y);
                Ok(P::List(x))
            }
            (BinOp::Add, P::Tuple(mut x), P::Tuple(y)) => {
                self.charge(x.len() + y.len())?;
                x.extend(y);
                Ok(P::Tuple(x))
            }
            (BinOp::Mul, seq @ (P::Str(_) | P::Bytes(_) | P::List(_) | P::Tuple(_)), n)
            | (
                BinOp::Mul,
                n @ (P::Int(_) | P::Bool(_)),
                seq @ (P::Str(_) | P::Bytes(_) | P::List(_) | P::Tuple(_)),
            ) => self.repeat(seq, n),
            (op, a, b) => {
                let (Some(x), Some(y)) = (Num::of(&a), Num::of(&b)) else {
                    return Err(format!(
                        "TypeError: unsupported operand type(s) for {}: '{}' and '{}'",
                        symbol(op),
                        a.type_name(),
                        b.type_name()
                    ));
                };
                let both_bool = matches!((&a, &b), (P::Bool(_), P::Bool(_)));
                let r = arith(op, x, y)?;
                // `True & False` is a bool in Python; other operators give ints.
                match r {
                    Num::Int(i)
                        if both_bool
                            && matches!(op, BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor) =>
                    {
                        Ok(P::Bool(!i.is_zero()))
                    }
                    r => r.into_value(),
                }
            }
        }
    }

    fn repeat(&mut self, seq: PyValue, n: PyValue) -> Result<PyValue> {
        let n = match n {
            PyValue::Bool(b) => usize::from(b),
            PyValue::Int(i) if i.is_negative() => 0,
            PyValue::Int(i) => i.to_usize().unwrap_or(usize::MAX),
            other => {
                return Err(format!(
                    "TypeError: can't multiply sequence by non-int of type '{}'",
                    other.type_name()
                ));
            }
        };
        let len = match &seq {
            PyValue::Str(s) => s.len(),
            PyValue::Bytes(b) => b.len(),
            PyValue::List(v) | PyValue::Tuple(v) => v.len(),
            _ => unreachable!("only sequences are repeated"),
        };
        self.charge(len.saturating_mul(n))?;
        Ok(match seq {
            PyValue::Str(s) => PyValue::Str(s.repeat(n)),
            PyValue::Bytes(b) => PyValue::Bytes(b.repeat(n)),
            PyValue::List(v) => PyValue::List(repeat_items(&v, n)),
            PyValue::Tuple(v) => PyValue::Tuple(repeat_items(&v, n)),
            _ => unreachable!("only sequences are repeated"),
        })
    }
}

fn repeat_items(items: &[PyValue], n: usize) -> Vec<PyValue> {
    let mut out = Vec::with_capacity(items.len() * n);
    for _ in 0..n {
        out.extend_from_slice(items);
    }
    out
}

/// `list`, `tuple`, `set` or `frozenset` of `items`.
fn collection(name: &str, items: Vec<PyValue>) -> Result<PyValue> {
    Ok(match name {
        "list" => PyValue::List(items),
        "tuple" => PyValue::Tuple(items),
        "set" => PyValue::Set(unique(items)?),
        "frozenset" => PyValue::FrozenSet(unique(items)?),
        _ => unreachable!("called for the four collection types"),
    })
}

/// A dict from its keys and values in order: a repeated key keeps its
/// first position and its last value, as in Python.
pub(crate) fn build_dict(keys: Vec<PyValue>, values: Vec<PyValue>) -> Result<PyValue> {
    let distinct = unique(keys.clone())?;
    if distinct.len() == keys.len() {
        return Ok(PyValue::Dict(keys.into_iter().zip(values).collect()));
    }
    let index = super::pyvalue::Index::new(&distinct);
    let mut slots: Vec<Option<PyValue>> = vec![None; distinct.len()];
    for (k, v) in keys.iter().zip(values) {
        let i = index.find(k).expect("every key is among the distinct ones");
        slots[i] = Some(v);
    }
    Ok(PyValue::Dict(
        distinct
            .into_iter()
            .zip(slots)
            .map(|(k, v)| (k, v.expect("every distinct key has a value")))
            .collect(),
    ))
}

/// `a.b.c` of a chain of names and attributes, for messages.
fn dotted(e: &Expr) -> String {
    match e {
        Expr::Name(n) => n.clone(),
        Expr::Attr(base, attr) => format!("{}.{attr}", dotted(base)),
        _ => "…".into(),
    }
}

fn symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::MatMul => "@",
        BinOp::Div => "/",
        BinOp::FloorDiv => "//",
        BinOp::Mod => "%",
        BinOp::Pow => "**",
        BinOp::LShift => "<<",
        BinOp::RShift => ">>",
        BinOp::BitAnd => "&",
        BinOp::BitOr => "|",
        BinOp::BitXor => "^",
    }
}

/// A number, owned: bools are ints here.
enum Num {
    Int(BigInt),
    Float(f64),
}

impl Num {
    fn of(v: &PyValue) -> Option<Num> {
        match v {
            PyValue::Bool(b) => Some(Num::Int(BigInt::from(u8::from(*b)))),
            PyValue::Int(i) => Some(Num::Int(i.clone())),
            PyValue::Float(f) => Some(Num::Float(*f)),
            _ => None,
        }
    }

    fn into_value(self) -> Result<PyValue> {
        match self {
            Num::Int(i) if i.bits() > MAX_INT_BITS => {
                Err(format!("an int of more than {MAX_INT_BITS} bits"))
            }
            Num::Int(i) => Ok(PyValue::Int(i)),
            Num::Float(f) => Ok(PyValue::Float(f)),
        }
    }
}

/// An int as a float, or Python's OverflowError.
fn int_to_f64(i: &BigInt) -> Result<f64> {
    i.to_f64()
        .filter(|f| f.is_finite())
        .ok_or_else(|| "OverflowError: int too large to convert to float".to_owned())
}

fn unary(op: UnaryOp, x: PyValue) -> Result<PyValue> {
    if op == UnaryOp::Not {
        return Ok(PyValue::Bool(!x.is_truthy()));
    }
    let bad = || {
        let sym = match op {
            UnaryOp::Neg => "-",
            UnaryOp::Pos => "+",
            _ => "~",
        };
        format!(
            "TypeError: bad operand type for unary {sym}: '{}'",
            x.type_name()
        )
    };
    match (op, Num::of(&x)) {
        (UnaryOp::Neg, Some(Num::Int(i))) => Ok(PyValue::Int(-i)),
        (UnaryOp::Neg, Some(Num::Float(f))) => Ok(PyValue::Float(-f)),
        (UnaryOp::Pos, Some(n)) => n.into_value(),
        (UnaryOp::Invert, Some(Num::Int(i))) => Ok(PyValue::Int(-i - 1)),
        _ => Err(bad()),
    }
}

fn arith(op: BinOp, a: Num, b: Num) -> Result<Num> {
    const ZERO_DIV: &str = "ZeroDivisionError: division by zero";
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => match op {
            BinOp::Add => Ok(Num::Int(x + y)),
            BinOp::Sub => Ok(Num::Int(x - y)),
            BinOp::Mul => {
                if x.bits() + y.bits() > MAX_INT_BITS + 1 {
                    return Err(format!("an int of more than {MAX_INT_BITS} bits"));
                }
                Ok(Num::Int(x * y))
            }
            BinOp::Div => {
                if y.is_zero() {
                    return Err(ZERO_DIV.into());
                }
                // Exact when both fit a float's 53-bit mantissa: then one
                // division rounds once, as Python's int/int does.
                if x.bits() <= 53 && y.bits() <= 53 {
                    return Ok(Num::Float(int_to_f64(&x)? / int_to_f64(&y)?));
                }
                Err("true division of ints beyond 2**53 (write a float literal)".into())
            }
            BinOp::FloorDiv if y.is_zero() => Err(ZERO_DIV.into()),
            BinOp::FloorDiv => Ok(Num::Int(x.div_floor(&y))),
            BinOp::Mod if y.is_zero() => Err(ZERO_DIV.into()),
            BinOp::Mod => Ok(Num::Int(x.mod_floor(&y))),
            BinOp::Pow => int_pow(x, y),
            BinOp::LShift | BinOp::RShift => {
                if y.is_negative() {
                    return Err("ValueError: negative shift count".into());
                }
                if op == BinOp::RShift {
                    let s = y.to_u64().unwrap_or(u64::MAX);
                    // Python's >> floors, as div_floor does.
                    return Ok(Num::Int(if s >= x.bits() {
                        if x.is_negative() {
                            -BigInt::one()
                        } else {
                            BigInt::zero()
                        }
                    } else {
                        x.div_floor(&(BigInt::one() << s))
                    }));
                }
                match y.to_u64() {
                    Some(s) if x.bits() + s <= MAX_INT_BITS => Ok(Num::Int(x << s)),
                    _ if x.is_zero() => Ok(Num::Int(x)),
                    _ => Err(format!("an int of more than {MAX_INT_BITS} bits")),
                }
            }
            BinOp::BitAnd => Ok(Num::Int(x & y)),
            BinOp::BitOr => Ok(Num::Int(x | y)),
            BinOp::BitXor => Ok(Num::Int(x ^ y)),
            BinOp::MatMul => {
                Err("TypeError: unsupported operand type(s) for @: 'int' and 'int'".into())
            }
        },
        (a, b) => {
            let x = match a {
                Num::Int(i) => int_to_f64(&i)?,
                Num::Float(f) => f,
            };
            let y = match b {
                Num::Int(i) => int_to_f64(&i)?,
                Num::Float(f) => f,
            };
            float_arith(op, x, y).map(Num::Float)
        }
    }
}

fn int_pow(x: BigInt, y: BigInt) -> Result<Num> {
    if y.is_negative() {
        if x.is_zero() {
            return Err("ZeroDivisionError: 0.0 cannot be raised to a negative power".into());
        }
        return float_arith(BinOp::Pow, int_to_f64(&x)?, int_to_f64(&y)?).map(Num::Float);
    }
    if x.is_zero() || x.is_one() || y.is_zero() {
        return Ok(Num::Int(if y.is_zero() { BigInt::one() } else { x }));
    }
    if x == -BigInt::one() {
        return Ok(Num::Int(if y.is_even() { BigInt::one() } else { x }));
    }
    let e = y
        .to_u32()
        .filter(|&e| u64::from(e) * (x.bits() - 1) <= MAX_INT_BITS);
    match e {
        Some(e) => Ok(Num::Int(x.pow(e))),
        None => Err(format!("an int of more than {MAX_INT_BITS} bits")),
    }
}

/// Python's float operators, with its errors.
fn float_arith(op: BinOp, x: f64, y: f64) -> Result<f64> {
    const ZERO_DIV: &str = "ZeroDivisionError: float division by zero";
    Ok(match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div if y == 0.0 => return Err(ZERO_DIV.into()),
        BinOp::Div => x / y,
        BinOp::FloorDiv | BinOp::Mod if y == 0.0 => {
            return Err("ZeroDivisionError: float floor division by zero".into());
        }
        BinOp::FloorDiv => float_divmod(x, y).0,
        BinOp::Mod => float_divmod(x, y).1,
        BinOp::Pow => {
            if x == 0.0 && y < 0.0 {
                return Err("ZeroDivisionError: 0.0 cannot be raised to a negative power".into());
            }
            if x < 0.0 && y.fract() != 0.0 && y.is_finite() {
                return Err("a complex result (a negative number to a fractional power)".into());
            }
            let r = x.powf(y);
            if r.is_infinite() && x.is_finite() && y.is_finite() {
                return Err("OverflowError: (34, 'Numerical result out of range')".into());
            }
            r
        }
        _ => {
            return Err(format!(
                "TypeError: unsupported operand type(s) for {}: 'float'",
                symbol(op)
            ));
        }
    })
}

/// Python's `divmod` of floats (CPython's `float_divmod`): the remainder
/// takes the divisor's sign.
fn float_divmod(x: f64, y: f64) -> (f64, f64) {
    let mut m = x % y;
    let mut div = (x - m) / y;
    if m != 0.0 {
        if (y < 0.0) != (m < 0.0) {
            m += y;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(y);
    }
    let floordiv = if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 { f + 1.0 } else { f }
    } else {
        0.0f64.copysign(x / y)
    };
    (floordiv, m)
}

/// Python's `float(v)`.
fn to_float(v: &PyValue) -> Result<f64> {
    match v {
        PyValue::Str(s) => parse_float(s).ok_or_else(|| {
            format!(
                "ValueError: could not convert string to float: {}",
                v.repr_preview(60)
            )
        }),
        PyValue::Bool(_) | PyValue::Int(_) | PyValue::Float(_) => match Num::of(v) {
            Some(Num::Int(i)) => int_to_f64(&i),
            Some(Num::Float(f)) => Ok(f),
            None => unreachable!("numbers"),
        },
        other => Err(format!(
            "TypeError: float() argument must be a string or a real number, not '{}'",
            other.type_name()
        )),
    }
}

/// A float as Python's `float(str)` reads it: surrounding whitespace,
/// a sign, `inf`/`infinity`/`nan` in any case, underscores between digits.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim();
    let (sign, body) = match t.as_bytes().first() {
        Some(b'-') => (-1.0, &t[1..]),
        Some(b'+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(sign * f64::INFINITY);
    }
    if lower == "nan" {
        return Some(f64::NAN);
    }
    let ok = !body.is_empty()
        && body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'_' | b'+' | b'-'))
        && !body.contains("__")
        && !body.starts_with('_')
        && !body.ends_with('_');
    if !ok {
        return None;
    }
    body.replace('_', "").parse::<f64>().ok().map(|f| sign * f)
}

/// Python's `int(v)`.
fn to_int(v: PyValue) -> Result<BigInt> {
    match v {
        PyValue::Bool(b) => Ok(BigInt::from(u8::from(b))),
        PyValue::Int(i) => Ok(i),
        PyValue::Float(f) if f.is_nan() => {
            Err("ValueError: cannot convert float NaN to integer".into())
        }
        PyValue::Float(f) => float_to_int(f.trunc())
            .ok_or_else(|| "OverflowError: cannot convert float infinity to integer".to_owned()),
        PyValue::Str(s) => {
            let t = s.trim();
            let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
            let ok = !digits.is_empty()
                && digits.bytes().all(|c| c.is_ascii_digit() || c == b'_')
                && !digits.starts_with('_')
                && !digits.ends_with('_')
                && !digits.contains("__")
                && digits.len() <= 4300;
            let parsed = ok
                .then(|| BigInt::parse_bytes(digits.replace('_', "").as_bytes(), 10))
                .flatten();
            match parsed {
                Some(i) if t.starts_with('-') => Ok(-i),
                Some(i) => Ok(i),
                None => Err(format!(
                    "ValueError: invalid literal for int() with base 10: {}",
                    PyValue::Str(s).repr_preview(60)
                )),
            }
        }
        other => Err(format!(
            "TypeError: int() argument must be a string, a bytes-like object or a real number, not '{}'",
            other.type_name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(src: &str) -> PyValue {
        PyValue::parse_literal(src).unwrap_or_else(|e| panic!("{src}: {e}"))
    }

    /// Each expression with the `repr()` of its value in Python 3.11.
    #[test]
    fn values_match_python() {
        #[rustfmt::skip]
        let cases = [
            ("(3 + 5 + 7, 3 * 5 * 7)", "(15, 105)"), ("2.0/3.0", "0.6666666666666666"),
            ("'abcde' + 'cade' + 'CADE'", "'abcdecadeCADE'"), ("[-0, 1**0]", "[0, 1]"), ("[1, 0**0]", "[1, 1]"),
            ("13441 * 19", "255379"), ("-7 // 2", "-4"), ("-7 % 3", "2"), ("7 % -3", "-2"),
            ("-7.5 // 2", "-4.0"), ("-7.5 % 2", "0.5"), ("7.5 % -2", "-0.5"), ("1 / 3", "0.3333333333333333"),
            ("2 ** -1", "0.5"), ("2 ** 100", "1267650600228229401496703205376"), ("(-2) ** 3", "-8"),
            ("-2 ** 2", "-4"), ("10 ** 2.0", "100.0"), ("True + True", "2"), ("True & False", "False"),
            ("1 << 70", "1180591620717411303424"), ("-5 >> 1", "-3"), ("~5", "-6"), ("6 & 3 | 8 ^ 1", "11"),
            ("'ab' * 3", "'ababab'"), ("3 * 'ab'", "'ababab'"), ("[0] * 3", "[0, 0, 0]"), ("(1,) * 2", "(1, 1)"),
            ("'x' * -1", "''"), ("[1, 2] + [3]", "[1, 2, 3]"), ("(1,) + (2,)", "(1, 2)"), ("b'a' + b'b'", "b'ab'"),
            ("float('inf')", "inf"), ("float(\"-Infinity\")", "-inf"), ("float('nan')", "nan"), ("float(' 1_0.5 ')", "10.5"),
            ("float(3)", "3.0"), ("int('-42')", "-42"), ("int(2.9)", "2"), ("int(-2.9)", "-2"), ("int(True)", "1"),
            ("tuple([2, 6, 3])", "(2, 6, 3)"), ("list('abc')", "['a', 'b', 'c']"), ("set([1, 3, 1])", "{1, 3}"),
            ("frozenset()", "frozenset()"), ("sorted([3, 1, 2])", "[1, 2, 3]"), ("sorted({'b': 1, 'a': 2})", "['a', 'b']"),
            ("sorted([1, 3, 2], reverse=True)", "[3, 2, 1]"), ("dict()", "{}"), ("{1: 'a', 1.0: 'b', 2: 'c'}", "{1: 'b', 2: 'c'}"),
            ("{'a': [1, {2: (3,)}]}", "{'a': [1, {2: (3,)}]}"), ("not []", "True"), ("+True", "1"), ("1_000", "1000"),
            ("0xff", "255"), ("1e-6", "1e-06"), ("-9999999999999999", "-9999999999999999"), ("1, 2", "(1, 2)"),
            ("math.pi", "3.141592653589793"), ("-math.inf", "-inf"), ("(((1)))", "1"), ("r'\\d'", "'\\\\d'"),
        ];
        for (src, want) in cases {
            assert_eq!(lit(src).to_string(), want, "{src}");
        }
    }

    #[test]
    fn errors_name_the_construct() {
        #[rustfmt::skip]
        let cases = [
            ("odd_sum", "the name `odd_sum`"), ("sort_third([1, 2])", "a call to `sort_third`"),
            ("candidate(1)", "a call to `candidate`"), ("x.y.z", "the attribute `x.y.z`"),
            ("math.sqrt(2)", "a call to `math.sqrt`"), ("[i for i in range(3)]", "a comprehension"),
            ("1 / 0", "ZeroDivisionError: division by zero"), ("1 // 0", "ZeroDivisionError: division by zero"),
            ("1.0 % 0", "ZeroDivisionError: float floor division by zero"), ("'a' + 1", "TypeError: unsupported operand type(s) for +: 'str' and 'int'"),
            ("'a' * 1.5", "TypeError: can't multiply sequence by non-int of type 'float'"), ("-'a'", "TypeError: bad operand type for unary -: 'str'"),
            ("{[1]: 2}", "TypeError: unhashable type: 'list'"), ("{[1]}", "TypeError: unhashable type: 'list'"),
            ("float('x')", "ValueError: could not convert string to float: 'x'"), ("int('1.5')", "ValueError: invalid literal for int() with base 10: '1.5'"),
            ("sorted([1, 'a'])", "TypeError: '<' not supported between instances of 'str' and 'int'"),
            ("sorted([1], key=len)", "`sorted()` with the keyword argument `key`"), ("tuple(5)", "TypeError: 'int' object is not iterable"),
            ("1 if x else 2", "a conditional expression (`x if c else y`)"), ("a and b", "`and`"), ("1 < 2", "a comparison (`<`)"),
            ("x[0]", "a subscript (`x[i]`)"), ("f'{x}'", "an f-string"), ("", "an empty expression"),
            ("1\n2", "more than one statement (a second one starts on line 2)"), ("1 2", "more input after the expression: a number"),
            ("'abc", "syntax error: unterminated string literal"), ("(-8) ** 0.5", "a complex result (a negative number to a fractional power)"),
            ("10.0 ** 400", "OverflowError: (34, 'Numerical result out of range')"), ("float(10**400)", "OverflowError: int too large to convert to float"),
            ("(10**30) / 3", "true division of ints beyond 2**53 (write a float literal)"),
        ];
        for (src, want) in cases {
            assert_eq!(PyValue::parse_literal(src).unwrap_err().0, want, "{src}");
        }
    }

    #[test]
    fn sizes_are_bounded() {
        for src in [
            "10 ** 10 ** 10",
            "2 ** 200000",
            "1 << 200000",
            "'a' * 10**12",
            "[0] * 5000000",
            "[[0] * 3000000, [0] * 3000000]",
            "(10**50000) * (10**50000)",
        ] {
            let e = PyValue::parse_literal(src).unwrap_err().0;
            assert!(e.contains("more than"), "{src}: {e}");
        }
        assert!(PyValue::parse_literal("2 ** 60000").is_ok());
        assert!(PyValue::parse_literal("(-1) ** (10**30)").is_ok());
        assert!(PyValue::parse_literal("0 << (10**30)").is_ok());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(src in "[0-9a-z '()\\[\\]{},:.*+/%<>=~&|^-]{0,30}") {
            let _ = PyValue::parse_literal(&src);
        }
    }
}
