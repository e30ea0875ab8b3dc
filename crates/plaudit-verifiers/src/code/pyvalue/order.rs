//! Python's `<` on values, for `sorted()`.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_traits::FromPrimitive;

use super::{Num, PyValue, py_eq};

/// Python's `a < b` as an ordering, for `sorted()`: numbers with numbers,
/// strings with strings, bytes with bytes, lists with lists and tuples
/// with tuples (lexicographically). Anything else, and `nan`, is an error
/// (Python's `sorted` would raise, or give an order that depends on the
/// input order).
fn py_cmp(a: &PyValue, b: &PyValue) -> Result<Ordering, String> {
    use PyValue as P;
    match (a, b) {
        (P::Str(x), P::Str(y)) => Ok(x.cmp(y)),
        (P::Bytes(x), P::Bytes(y)) => Ok(x.cmp(y)),
        (P::List(x), P::List(y)) | (P::Tuple(x), P::Tuple(y)) => {
            for (u, v) in x.iter().zip(y) {
                if !py_eq(u, v, None) {
                    return py_cmp(u, v);
                }
            }
            Ok(x.len().cmp(&y.len()))
        }
        _ => match (Num::of(a), Num::of(b)) {
            (Some(x), Some(y)) => {
                num_cmp(x, y).ok_or_else(|| "cannot sort values that include nan".to_owned())
            }
            _ => Err(format!(
                "TypeError: '<' not supported between instances of '{}' and '{}'",
                a.type_name(),
                b.type_name()
            )),
        },
    }
}

fn num_cmp(a: Num<'_>, b: Num<'_>) -> Option<Ordering> {
    match (a, b) {
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y),
        (Num::Float(f), i) => int_float_cmp(&i.to_big()?, f).map(Ordering::reverse),
        (i, Num::Float(f)) => int_float_cmp(&i.to_big()?, f),
        (x, y) => Some(x.to_big()?.cmp(&y.to_big()?)),
    }
}

/// Exact comparison of an int with a float.
fn int_float_cmp(i: &BigInt, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f.is_infinite() {
        return Some(if f > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    let floor = BigInt::from_f64(f.floor())?;
    Some(match i.cmp(&floor) {
        Ordering::Equal if f.fract() != 0.0 => Ordering::Less,
        o => o,
    })
}

/// Python's `sorted(items)`: a stable merge sort on [`py_cmp`] that stops
/// at the first pair that cannot be compared.
pub(crate) fn sort_values(items: Vec<PyValue>, reverse: bool) -> Result<Vec<PyValue>, String> {
    let mut items = items;
    if reverse {
        // Python keeps equal elements in input order under reverse=True.
        items.reverse();
    }
    let mut sorted = merge_sort(items)?;
    if reverse {
        sorted.reverse();
    }
    Ok(sorted)
}

fn merge_sort(mut items: Vec<PyValue>) -> Result<Vec<PyValue>, String> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let right = items.split_off(items.len() / 2);
    let (left, right) = (merge_sort(items)?, merge_sort(right)?);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
        // Stable: take from the right only when it is strictly smaller.
        if py_cmp(b, a)? == Ordering::Less {
            out.extend(r.next());
        } else {
            out.extend(l.next());
        }
    }
    out.extend(l);
    out.extend(r);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::pyvalue::iterate;

    fn lit(src: &str) -> PyValue {
        PyValue::parse_literal(src).unwrap()
    }

    #[test]
    fn sorting_follows_python() {
        let v = |s| iterate(lit(s)).unwrap();
        assert_eq!(
            PyValue::List(sort_values(v("[3, 1.5, True, -2]"), false).unwrap()),
            lit("[-2, True, 1.5, 3]")
        );
        assert_eq!(
            PyValue::List(sort_values(v("['b', 'a', 'B']"), false).unwrap()),
            lit("['B', 'a', 'b']")
        );
        assert_eq!(
            PyValue::List(sort_values(v("[(1, 'b'), (1, 'a'), (0, 'z')]"), false).unwrap()),
            lit("[(0, 'z'), (1, 'a'), (1, 'b')]")
        );
        // Stable, in both directions: 1 and 1.0 and True keep input order.
        assert_eq!(
            sort_values(v("[1, 1.0, True, 0]"), false).unwrap(),
            iterate(lit("[0, 1, 1.0, True]")).unwrap()
        );
        assert_eq!(
            sort_values(v("[1, 1.0, True, 0]"), true).unwrap(),
            iterate(lit("[1, 1.0, True, 0]")).unwrap()
        );
        assert!(
            sort_values(v("[1, 'a']"), false)
                .unwrap_err()
                .contains("'<' not supported")
        );
        assert!(sort_values(v("[1, float('nan')]"), false).is_err());
        assert_eq!(
            py_cmp(&lit("10**30"), &lit("1e30")).unwrap(),
            Ordering::Less,
            "10**30 < 1e30 (1e30 is 1000000000000000019884624838656)"
        );
        assert_eq!(py_cmp(&lit("3"), &lit("2.5")).unwrap(), Ordering::Greater);
        assert_eq!(py_cmp(&lit("2"), &lit("2.5")).unwrap(), Ordering::Less);
        assert_eq!(py_cmp(&lit("-3"), &lit("-2.5")).unwrap(), Ordering::Less);
    }
}
