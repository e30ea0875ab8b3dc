//! Python's `repr()` of values, for messages and for the float text of
//! the typed JSON encoding.

use std::fmt::{self, Write as _};

use num_bigint::BigInt;

use super::PyValue;

impl PyValue {
    /// Python's `repr()`, cut to about `max_bytes` with `…` marking the cut:
    /// for messages about values of any size.
    pub fn repr_preview(&self, max_bytes: usize) -> String {
        let mut out = String::new();
        let mut w = Limited {
            out: &mut out,
            left: max_bytes,
        };
        if write!(w, "{self}").is_err() {
            out.push('…');
        }
        out
    }
}

/// A writer that stops, with an error, after `left` bytes.
struct Limited<'a> {
    out: &'a mut String,
    left: usize,
}

impl fmt::Write for Limited<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if s.len() <= self.left {
            self.out.push_str(s);
            self.left -= s.len();
            return Ok(());
        }
        let mut end = self.left;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.out.push_str(&s[..end]);
        self.left = 0;
        Err(fmt::Error)
    }
}

/// Python's `repr()` of a float: the shortest digits that read back to the
/// same float, positional for exponents −4 to 15, scientific otherwise
/// (`1e-05`, `1e+16`), and `inf`, `-inf`, `nan`.
pub(crate) fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Rust's `{:e}` gives the shortest digits that read back to `x`.
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = closest_digits(x.abs(), digits, exp);
    let mut out = String::with_capacity(digits.len() + 8);
    if x < 0.0 {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    out
}

/// Among the shortest digit strings that read back to `x` (> 0), the one
/// nearest to `x`, as Python's repr picks (Rust's shortest form may differ
/// in the last digit, about once in 3,000 floats). `digits` × 10^(`exp` −
/// len + 1) is one such string; its neighbours in the last digit are the
/// only other candidates.
fn closest_digits(x: f64, digits: String, exp: i32) -> String {
    let n = digits.len();
    let k = exp - n as i32 + 1;
    let Ok(m) = digits.parse::<u64>() else {
        return digits;
    };
    let reads_back = |c: u64| format!("{c}e{k}").parse::<f64>().is_ok_and(|y| y == x);
    let neighbours: Vec<u64> = [m.checked_sub(1), m.checked_add(1)]
        .into_iter()
        .flatten()
        .filter(|c| c.to_string().len() == n && reads_back(*c))
        .collect();
    if neighbours.is_empty() {
        return digits;
    }
    // Exact distances: x = mant · 2^q, a candidate is c · 10^k; both scaled
    // to integers by 10^max(−k, 0) · 2^max(−q, 0).
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let (mant, q) = if biased == 0 {
        (bits & ((1 << 52) - 1), -1074)
    } else {
        ((bits & ((1 << 52) - 1)) | (1 << 52), biased - 1075)
    };
    let pow = |base: u32, e: i32| BigInt::from(base).pow(e.max(0) as u32);
    let scaled_x = BigInt::from(mant) * pow(2, q) * pow(10, -k);
    let distance = |c: u64| {
        let v = BigInt::from(c) * pow(10, k) * pow(2, -q);
        let d = v - &scaled_x;
        if d.sign() == num_bigint::Sign::Minus {
            -d
        } else {
            d
        }
    };
    let mut best = (distance(m), m);
    for c in neighbours {
        let d = distance(c);
        // A tie goes to the even last digit.
        if d < best.0 || (d == best.0 && c % 2 == 0) {
            best = (d, c);
        }
    }
    best.1.to_string()
}

fn write_str_repr(s: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    f.write_char(quote)?;
    for c in s.chars() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c == quote => write!(f, "\\{c}")?,
            c if c.is_control() => match u32::from(c) {
                n @ 0..=0xff => write!(f, "\\x{n:02x}")?,
                n @ 0x100..=0xffff => write!(f, "\\u{n:04x}")?,
                n => write!(f, "\\U{n:08x}")?,
            },
            c => f.write_char(c)?,
        }
    }
    f.write_char(quote)
}

fn write_items(f: &mut fmt::Formatter<'_>, items: &[PyValue]) -> fmt::Result {
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{v}")?;
    }
    Ok(())
}

/// Python's `repr()`.
impl fmt::Display for PyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PyValue::None => f.write_str("None"),
            PyValue::Bool(true) => f.write_str("True"),
            PyValue::Bool(false) => f.write_str("False"),
            PyValue::Int(i) => write!(f, "{i}"),
            PyValue::Float(x) => f.write_str(&float_repr(*x)),
            PyValue::Str(s) => write_str_repr(s, f),
            PyValue::Bytes(b) => {
                f.write_str("b'")?;
                for &c in b {
                    match c {
                        b'\\' => f.write_str("\\\\")?,
                        b'\'' => f.write_str("\\'")?,
                        b'\n' => f.write_str("\\n")?,
                        b'\r' => f.write_str("\\r")?,
                        b'\t' => f.write_str("\\t")?,
                        0x20..=0x7e => f.write_char(char::from(c))?,
                        _ => write!(f, "\\x{c:02x}")?,
                    }
                }
                f.write_char('\'')
            }
            PyValue::List(items) => {
                f.write_char('[')?;
                write_items(f, items)?;
                f.write_char(']')
            }
            PyValue::Tuple(items) => {
                f.write_char('(')?;
                write_items(f, items)?;
                if items.len() == 1 {
                    f.write_char(',')?;
                }
                f.write_char(')')
            }
            PyValue::Dict(pairs) => {
                f.write_char('{')?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_char('}')
            }
            PyValue::Set(items) if items.is_empty() => f.write_str("set()"),
            PyValue::Set(items) => {
                f.write_char('{')?;
                write_items(f, items)?;
                f.write_char('}')
            }
            PyValue::FrozenSet(items) if items.is_empty() => f.write_str("frozenset()"),
            PyValue::FrozenSet(items) => {
                f.write_str("frozenset({")?;
                write_items(f, items)?;
                f.write_str("})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lit(src: &str) -> PyValue {
        PyValue::parse_literal(src).unwrap()
    }

    #[test]
    fn repr_matches_python() {
        #[rustfmt::skip]
        let cases = [
            ("1.0", "1.0"), ("0.1 + 0.2", "0.30000000000000004"), ("1e16", "1e+16"),
            ("1.5e16", "1.5e+16"), ("123456789012345.6", "123456789012345.6"),
            ("1e-5", "1e-05"), ("0.0001", "0.0001"), ("-2.5e-7", "-2.5e-07"), ("1e300", "1e+300"),
            ("-0.0", "-0.0"), ("float('-inf')", "-inf"), ("float('nan')", "nan"), ("100.0", "100.0"),
            ("(1,)", "(1,)"), ("()", "()"), ("[1, 'a', None, True]", "[1, 'a', None, True]"),
            ("{'a': (1, 2)}", "{'a': (1, 2)}"), ("set()", "set()"), ("frozenset([1])", "frozenset({1})"),
            ("\"it's\"", "\"it's\""), ("'a\\nb\\x00'", "'a\\nb\\x00'"), ("b'a\\x00\\''", "b'a\\x00\\''"),
            ("-10**20", "-100000000000000000000"),
            // Two shortest forms read back; Python's repr takes the nearer.
            ("779539845543410.2", "779539845543410.2"), ("145312000254101.62", "145312000254101.62"),
        ];
        for (src, want) in cases {
            assert_eq!(lit(src).to_string(), want, "{src}");
        }
        assert_eq!(lit("[1, 2, 3, 4]").repr_preview(5), "[1, 2…");
        assert_eq!(lit("'ééé'").repr_preview(4), "'é…");
    }

    proptest! {
        #[test]
        fn float_repr_round_trips(x in any::<f64>()) {
            let r = float_repr(x);
            if x.is_nan() {
                prop_assert_eq!(r, "nan");
            } else {
                prop_assert_eq!(r.parse::<f64>().unwrap().to_bits(), x.to_bits());
            }
        }
    }
}
