//! Canonical LaTeX rendering of a [`Node`].
//!
//! The rendering is what provenance shows, so it is LaTeX a reader
//! recognises; it is also re-parseable to an equivalent answer, which the
//! property tests hold it to. Products are always written with `\cdot` and
//! parentheses are added by precedence, so nothing depends on juxtaposition.

use std::fmt::{self, Write};

use crate::ast::{Const, Func, MulOp, Node, Num, Sign};
use crate::number::Rat;
use crate::parser::is_infinite;

/// Binding strength, loosest first.
fn prec(n: &Node) -> u8 {
    match n {
        Node::Relation(..) | Node::List(_) | Node::Union(_) => 0,
        Node::Sum(_) => 1,
        Node::Product(_) | Node::Unit(..) | Node::Mixed(..) => 2,
        Node::Neg(_) => 3,
        Node::Pow(..) => 4,
        Node::Factorial(_) | Node::Percent(_) | Node::Degrees(_) => 5,
        _ => 6,
    }
}

pub(crate) fn write_node(f: &mut fmt::Formatter<'_>, n: &Node) -> fmt::Result {
    write(f, n, true)
}

/// The rendering as a `String`, written into it directly (no formatter in
/// between) and sized for a typical answer up front.
pub(crate) fn to_string(n: &Node) -> String {
    let mut s = String::with_capacity(32);
    // Writing to a `String` cannot fail.
    let _ = write(&mut s, n, true);
    s
}

/// An `i64` in decimal without the formatting machinery. Twenty bytes hold
/// every `u64`, so the buffer never runs out.
fn write_int<W: Write + ?Sized>(f: &mut W, n: i64) -> fmt::Result {
    let mut buf = [0u8; 20];
    let mut k = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        k -= 1;
        buf[k] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        f.write_char('-')?;
    }
    // Only ASCII digits were written.
    f.write_str(std::str::from_utf8(&buf[k..]).unwrap_or("?"))
}

fn paren<W: Write + ?Sized>(f: &mut W, n: &Node, min: u8) -> fmt::Result {
    if prec(n) < min {
        f.write_char('(')?;
        write(f, n, false)?;
        f.write_char(')')
    } else {
        write(f, n, false)
    }
}

fn join<W: Write + ?Sized>(f: &mut W, items: &[Node], sep: &str) -> fmt::Result {
    for (k, it) in items.iter().enumerate() {
        if k > 0 {
            f.write_str(sep)?;
        }
        write(f, it, false)?;
    }
    Ok(())
}

fn write<W: Write + ?Sized>(f: &mut W, n: &Node, root: bool) -> fmt::Result {
    match n {
        Node::Num(num) => write_num(f, num),
        Node::Base { digits, base, .. } => write!(f, "{digits}_{{{base}}}"),
        Node::Const(c) => f.write_str(match c {
            Const::Pi => "\\pi",
            Const::E => "e",
            Const::I => "i",
            Const::Infinity => "\\infty",
        }),
        Node::Var(v) => f.write_str(v),
        Node::Text(t) => write!(f, "\\text{{{t}}}"),
        Node::Choice(c) => write!(f, "\\text{{({c})}}"),
        Node::Labeled(c, a) => {
            write!(f, "\\text{{({c}) }}")?;
            write(f, a, true)
        }
        Node::Neg(a) => {
            f.write_char('-')?;
            paren(f, a, 3)
        }
        Node::Sum(terms) => {
            for (k, (sign, t)) in terms.iter().enumerate() {
                let s = match (k, sign) {
                    (0, Sign::Plus) => "",
                    (0, Sign::Minus) => "-",
                    (0, Sign::PlusMinus) => "\\pm ",
                    (0, Sign::MinusPlus) => "\\mp ",
                    (_, Sign::Plus) => " + ",
                    (_, Sign::Minus) => " - ",
                    (_, Sign::PlusMinus) => " \\pm ",
                    (_, Sign::MinusPlus) => " \\mp ",
                };
                f.write_str(s)?;
                paren(f, t, if k == 0 && *sign != Sign::Plus { 3 } else { 2 })?;
            }
            Ok(())
        }
        Node::Product(factors) => {
            for (k, (op, t)) in factors.iter().enumerate() {
                match (k, op) {
                    (0, MulOp::Mul) => {}
                    (0, MulOp::Div) => f.write_str("1 / ")?,
                    (_, MulOp::Mul) => f.write_str(" \\cdot ")?,
                    (_, MulOp::Div) => f.write_str(" / ")?,
                }
                // A unit reads a following `/ word` as part of its name
                // (`km/h`), so a unit divided by something is bracketed.
                let divided = matches!(factors.get(k + 1), Some((MulOp::Div, _)));
                let min = if k == 0 && !(divided && matches!(t, Node::Unit(..))) {
                    2
                } else {
                    3
                };
                paren(f, t, min)?;
            }
            Ok(())
        }
        Node::Frac(a, b) => {
            f.write_str("\\frac{")?;
            write(f, a, false)?;
            f.write_str("}{")?;
            write(f, b, false)?;
            f.write_char('}')
        }
        Node::Mixed(w, fr) => {
            write(f, w, false)?;
            write(f, fr, false)
        }
        Node::Pow(a, b) => {
            paren(f, a, 5)?;
            f.write_str("^{")?;
            write(f, b, false)?;
            f.write_char('}')
        }
        Node::Root(idx, a) => {
            f.write_str("\\sqrt")?;
            if let Some(i) = idx {
                // The index, like `|…|` and `\lfloor…\rfloor` below, is read
                // as a sum: a relation, list or union in it is bracketed.
                f.write_char('[')?;
                paren(f, i, 1)?;
                f.write_char(']')?;
            }
            f.write_char('{')?;
            write(f, a, false)?;
            f.write_char('}')
        }
        Node::Func(func, a) => match func {
            Func::Abs => {
                f.write_char('|')?;
                paren(f, a, 1)?;
                f.write_char('|')
            }
            Func::Floor | Func::Ceil => {
                let (l, r) = if *func == Func::Floor {
                    ("\\lfloor ", " \\rfloor")
                } else {
                    ("\\lceil ", " \\rceil")
                };
                f.write_str(l)?;
                paren(f, a, 1)?;
                f.write_str(r)
            }
            _ => {
                f.write_str(func.name())?;
                f.write_char('(')?;
                write(f, a, false)?;
                f.write_char(')')
            }
        },
        Node::LogBase(b, a) => {
            f.write_str("\\log_{")?;
            write(f, b, false)?;
            f.write_str("}(")?;
            write(f, a, false)?;
            f.write_char(')')
        }
        Node::Factorial(a) => {
            paren(f, a, 6)?;
            f.write_char('!')
        }
        Node::Percent(a) => {
            paren(f, a, 6)?;
            f.write_str("\\%")
        }
        Node::Degrees(a) => {
            paren(f, a, 6)?;
            f.write_str("^{\\circ}")
        }
        Node::Unit(a, u) => {
            paren(f, a, 2)?;
            write!(f, "\\text{{ {u}}}")
        }
        Node::Binom(a, b) => {
            f.write_str("\\binom{")?;
            write(f, a, false)?;
            f.write_str("}{")?;
            write(f, b, false)?;
            f.write_char('}')
        }
        Node::Tuple(items) => {
            // `(a)` would read back as a parenthesised value and `(1, \infty)` as an interval.
            if items.len() == 1 || items.iter().any(is_infinite) {
                f.write_str("\\langle ")?;
                join(f, items, ", ")?;
                f.write_str(" \\rangle")
            } else {
                f.write_char('(')?;
                join(f, items, ", ")?;
                f.write_char(')')
            }
        }
        Node::List(items) => {
            if root {
                join(f, items, ", ")
            } else {
                f.write_char('{')?;
                join(f, items, ", ")?;
                f.write_char('}')
            }
        }
        Node::Set(items) => {
            f.write_str("\\{")?;
            join(f, items, ", ")?;
            f.write_str("\\}")
        }
        Node::Interval(iv) => {
            f.write_char(if iv.lo_closed { '[' } else { '(' })?;
            write(f, &iv.lo, false)?;
            f.write_str(", ")?;
            write(f, &iv.hi, false)?;
            f.write_char(if iv.hi_closed { ']' } else { ')' })
        }
        Node::Union(items) => join(f, items, " \\cup "),
        Node::Matrix { cols, cells, .. } => {
            f.write_str("\\begin{pmatrix}")?;
            for (k, c) in cells.iter().enumerate() {
                if k > 0 {
                    f.write_str(if k % cols.max(&1) == 0 {
                        " \\\\ "
                    } else {
                        " & "
                    })?;
                }
                write(f, c, false)?;
            }
            f.write_str("\\end{pmatrix}")
        }
        Node::Relation(first, rest) => {
            paren(f, first, 1)?;
            for (rel, t) in rest {
                write!(f, " {} ", rel.symbol())?;
                paren(f, t, 1)?;
            }
            Ok(())
        }
    }
}

fn write_num<W: Write + ?Sized>(f: &mut W, num: &Num) -> fmt::Result {
    if num.repeat > 0 {
        return write_repeating(f, num);
    }
    // Machine-word literals, nearly all of them, print without a big integer.
    if let Rat::Small(n, d) = num.value {
        if !num.decimal && d == 1 {
            return write_int(f, n);
        }
        let k = num.frac_digits;
        if num.decimal
            && let Some(p) = 10i64.checked_pow(k)
            && let Some(scaled) = n.checked_mul(p)
            && scaled % d == 0
        {
            let scaled = scaled / d;
            let (p, m) = (p.unsigned_abs(), scaled.unsigned_abs());
            let sign = if scaled < 0 { "-" } else { "" };
            let width = k as usize;
            return write!(f, "{sign}{}.{:0width$}", m / p, m % p);
        }
    }
    if !num.decimal {
        return match num.value.to_bigint() {
            Some(v) => write!(f, "{v}"),
            None => write!(f, "{}", num.value),
        };
    }
    // value · 10^k is an integer by construction; print it with the point put back.
    let scaled = Rat::pow10(num.frac_digits)
        .ok()
        .and_then(|p| num.value.mul(&p).ok())
        .and_then(|v| v.to_bigint());
    let Some(scaled) = scaled else {
        return write!(f, "{}", num.value);
    };
    let digits = scaled.to_string();
    let k = num.frac_digits as usize;
    let padded = if digits.len() <= k {
        format!("{}{digits}", "0".repeat(k + 1 - digits.len()))
    } else {
        digits
    };
    let (int, frac) = padded.split_at(padded.len() - k);
    write!(f, "{int}.{frac}")
}

/// `0.1\overline{6}`: the digits recovered from the exact value, which is
/// `I.F + R / (10^f (10^r - 1))`.
fn write_repeating<W: Write + ?Sized>(f: &mut W, num: &Num) -> fmt::Result {
    let digits = (|| {
        let scaled = num.value.mul(&Rat::pow10(num.frac_digits).ok()?).ok()?;
        let head = scaled.floor();
        let nines = Rat::pow10(num.repeat).ok()?.sub(&Rat::ONE).ok()?;
        let rep = scaled.sub(&head).ok()?.mul(&nines).ok()?;
        Some((head.to_bigint()?, rep.to_bigint()?))
    })();
    let Some((head, rep)) = digits else {
        return write!(f, "{}", num.value);
    };
    let head = head.to_string();
    let k = num.frac_digits as usize;
    let padded = if head.len() <= k {
        format!("{}{head}", "0".repeat(k + 1 - head.len()))
    } else {
        head
    };
    let (int, frac) = padded.split_at(padded.len() - k);
    let width = num.repeat as usize;
    write!(f, "{int}.{frac}\\overline{{{rep:0width$}}}")
}
