//! Python values, and Python's `==` on them, in Rust.
//!
//! The tests of a code sample compare what the model's function returned
//! with an expected value. That comparison must not run next to the
//! model's code: a returned object whose `__eq__` always answers `True`
//! would pass every test. So the sandboxed harness only *reports* the
//! returned value, as data ([`PyValue::to_typed_json`] describes the
//! encoding), and the comparison happens here, with Python's rules:
//!
//! - `1 == 1.0 == True`: bools, ints and floats compare by value, exactly
//!   (an int and a float are equal only when the float is that integer,
//!   as in Python, which never rounds the int to a float to compare);
//! - `nan` equals nothing, itself included (Python's `[x] == [x]` is true
//!   for one `nan` object through an identity shortcut; here values have
//!   no identity, so every `nan` is a fresh one);
//! - a list never equals a tuple; `set` and `frozenset` with the same
//!   elements are equal; dicts and sets compare without regard to order;
//! - `str` and `bytes` never compare equal.
//!
//! A float tolerance ([`Tolerance`]), when given, applies wherever a
//! float meets a number: in sequence elements and dict values, at any
//! depth. Set elements and dict keys are matched exactly, as Python's
//! hashing would find them.
//!
//! Ints are unbounded ([`num_bigint::BigInt`]); every value this crate
//! builds (from a literal, from JSON) is nested at most
//! [`MAX_DEPTH`] deep, so the recursive functions here are bounded.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};

use num_bigint::BigInt;
use num_traits::{FromPrimitive, ToPrimitive, Zero};

/// How deeply values may nest (containers within containers), in literals,
/// in decoded JSON and in the harness alike; also the nesting limit of the
/// expression parser. Forty levels is far beyond any test value, and keeps
/// a result line's JSON (three JSON levels for each level of dict) within
/// serde_json's parsing limit of 128.
pub const MAX_DEPTH: usize = 40;

mod order;
mod repr;

pub(crate) use order::sort_values;
pub(crate) use repr::float_repr;

/// A Python value as tests hold it.
///
/// The derived `PartialEq` is structural (`Int(1) != Float(1.0)`, `nan !=
/// nan`, order matters in sets): use [`py_eq`] for Python's `==`.
#[derive(Debug, Clone, PartialEq)]
pub enum PyValue {
    /// `None`.
    None,
    /// `True` or `False`.
    Bool(bool),
    /// An int, unbounded.
    Int(BigInt),
    /// A float, `inf` and `nan` included.
    Float(f64),
    /// A `str`.
    Str(String),
    /// A `bytes` (or `bytearray`, which compares equal to it).
    Bytes(Vec<u8>),
    /// A `list`.
    List(Vec<PyValue>),
    /// A `tuple`.
    Tuple(Vec<PyValue>),
    /// A `dict`: its pairs in insertion order, keys hashable and distinct.
    Dict(Vec<(PyValue, PyValue)>),
    /// A `set`: its elements in iteration order, hashable and distinct.
    Set(Vec<PyValue>),
    /// A `frozenset`, as [`PyValue::Set`].
    FrozenSet(Vec<PyValue>),
}

/// How far apart two floats may be and still count as equal: `|a − b| ≤
/// max(abs, rel · max(|a|, |b|))`, Python's `math.isclose` rule (so it is
/// symmetric). Infinities equal only themselves; `nan` nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// The absolute tolerance.
    pub abs: f64,
    /// The relative tolerance.
    pub rel: f64,
}

impl Tolerance {
    /// Whether `a` and `b` are within this tolerance.
    pub fn close(self, a: f64, b: f64) -> bool {
        if a == b {
            return true;
        }
        if !a.is_finite() || !b.is_finite() {
            return false;
        }
        (a - b).abs() <= self.abs.max(self.rel * a.abs().max(b.abs()))
    }
}

/// Python's `a == b`, with floats compared within `float_tol` when given
/// (see the module docs for the rules).
pub fn py_eq(a: &PyValue, b: &PyValue, float_tol: Option<Tolerance>) -> bool {
    use PyValue as P;
    match (a, b) {
        (P::None, P::None) => true,
        (P::Str(x), P::Str(y)) => x == y,
        (P::Bytes(x), P::Bytes(y)) => x == y,
        (P::List(x), P::List(y)) | (P::Tuple(x), P::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| py_eq(a, b, float_tol))
        }
        (P::Dict(x), P::Dict(y)) => dict_eq(x, y, float_tol),
        (P::Set(x) | P::FrozenSet(x), P::Set(y) | P::FrozenSet(y)) => set_eq(x, y),
        _ => match (Num::of(a), Num::of(b)) {
            (Some(x), Some(y)) => num_eq(x, y, float_tol),
            _ => false,
        },
    }
}

/// A number, borrowed: bools count as the ints 0 and 1.
#[derive(Clone, Copy)]
enum Num<'a> {
    Small(i64),
    Big(&'a BigInt),
    Float(f64),
}

impl<'a> Num<'a> {
    fn of(v: &'a PyValue) -> Option<Self> {
        match v {
            PyValue::Bool(b) => Some(Num::Small(i64::from(*b))),
            PyValue::Int(i) => Some(i.to_i64().map_or(Num::Big(i), Num::Small)),
            PyValue::Float(f) => Some(Num::Float(*f)),
            _ => None,
        }
    }

    fn to_big(self) -> Option<BigInt> {
        match self {
            Num::Small(i) => Some(BigInt::from(i)),
            Num::Big(b) => Some(b.clone()),
            Num::Float(_) => None,
        }
    }
}

/// The int equal to `f`, if `f` is a finite whole number.
pub(crate) fn float_to_int(f: f64) -> Option<BigInt> {
    if f.is_finite() && f.fract() == 0.0 {
        BigInt::from_f64(f)
    } else {
        None
    }
}

fn num_eq(a: Num<'_>, b: Num<'_>, tol: Option<Tolerance>) -> bool {
    match (a, b) {
        (Num::Small(x), Num::Small(y)) => x == y,
        (Num::Float(x), Num::Float(y)) => x == y || tol.is_some_and(|t| t.close(x, y)),
        (Num::Float(f), i) | (i, Num::Float(f)) => {
            let int = i.to_big().expect("not a float");
            float_to_int(f).is_some_and(|fi| fi == int)
                || tol.is_some_and(|t| int.to_f64().is_some_and(|x| t.close(x, f)))
        }
        (x, y) => x.to_big() == y.to_big(),
    }
}

fn set_eq(x: &[PyValue], y: &[PyValue]) -> bool {
    if x.len() != y.len() {
        return false;
    }
    let (ix, iy) = (Index::new(x), Index::new(y));
    x.iter().all(|v| iy.find(v).is_some()) && y.iter().all(|v| ix.find(v).is_some())
}

fn dict_eq(x: &[(PyValue, PyValue)], y: &[(PyValue, PyValue)], tol: Option<Tolerance>) -> bool {
    if x.len() != y.len() {
        return false;
    }
    let ykeys: Vec<PyValue> = y.iter().map(|(k, _)| k.clone()).collect();
    let xkeys: Vec<PyValue> = x.iter().map(|(k, _)| k.clone()).collect();
    let (ix, iy) = (Index::new(&xkeys), Index::new(&ykeys));
    x.iter()
        .all(|(k, v)| iy.find(k).is_some_and(|j| py_eq(v, &y[j].1, tol)))
        && ykeys.iter().all(|k| ix.find(k).is_some())
}

/// Finds values in a slice by Python equality (exact), through a hash
/// table once the slice is large enough for one to pay.
pub(crate) struct Index<'a> {
    items: &'a [PyValue],
    /// `None` for a small slice, or one with an unhashable value (which a
    /// set built by this crate never has): then lookups scan.
    table: Option<(RandomState, HashMap<u64, Vec<usize>>)>,
}

impl<'a> Index<'a> {
    pub(crate) fn new(items: &'a [PyValue]) -> Self {
        const SCAN_BELOW: usize = 8;
        if items.len() < SCAN_BELOW {
            return Index { items, table: None };
        }
        // A fresh random key per index: values from hostile code cannot be
        // chosen to collide.
        let state = RandomState::new();
        let mut map: HashMap<u64, Vec<usize>> = HashMap::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let Some(h) = hash_value(v, &state) else {
                return Index { items, table: None };
            };
            map.entry(h).or_default().push(i);
        }
        Index {
            items,
            table: Some((state, map)),
        }
    }

    /// The position of an element equal to `v`.
    pub(crate) fn find(&self, v: &PyValue) -> Option<usize> {
        match &self.table {
            None => self.items.iter().position(|x| py_eq(x, v, None)),
            Some((state, map)) => map
                .get(&hash_value(v, state)?)?
                .iter()
                .copied()
                .find(|&i| py_eq(&self.items[i], v, None)),
        }
    }
}

/// A hash consistent with exact [`py_eq`], or `None` for an unhashable
/// value (a list, dict or set, or anything holding one).
fn hash_value(v: &PyValue, state: &RandomState) -> Option<u64> {
    let mut h = state.build_hasher();
    feed(v, state, &mut h)?;
    Some(h.finish())
}

fn feed(v: &PyValue, state: &RandomState, h: &mut impl Hasher) -> Option<()> {
    match v {
        PyValue::None => 0u8.hash(h),
        PyValue::Bool(b) => (1u8, i64::from(*b)).hash(h),
        PyValue::Int(i) => match i.to_i64() {
            Some(small) => (1u8, small).hash(h),
            None => (2u8, i.to_signed_bytes_le()).hash(h),
        },
        PyValue::Float(f) => match float_to_int(*f) {
            Some(i) => return feed(&PyValue::Int(i), state, h),
            None => (3u8, f.to_bits()).hash(h),
        },
        PyValue::Str(s) => (4u8, s).hash(h),
        PyValue::Bytes(b) => (5u8, b).hash(h),
        PyValue::Tuple(items) => {
            (6u8, items.len()).hash(h);
            for x in items {
                feed(x, state, h)?;
            }
        }
        PyValue::FrozenSet(items) => {
            // Order-independent: a sum of the elements' own hashes.
            let mut sum = 0u64;
            for x in items {
                sum = sum.wrapping_add(hash_value(x, state)?);
            }
            (7u8, items.len(), sum).hash(h);
        }
        PyValue::List(_) | PyValue::Dict(_) | PyValue::Set(_) => return None,
    }
    Some(())
}

impl PyValue {
    /// The Python type name (`"int"`, `"list"`…), for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            PyValue::None => "NoneType",
            PyValue::Bool(_) => "bool",
            PyValue::Int(_) => "int",
            PyValue::Float(_) => "float",
            PyValue::Str(_) => "str",
            PyValue::Bytes(_) => "bytes",
            PyValue::List(_) => "list",
            PyValue::Tuple(_) => "tuple",
            PyValue::Dict(_) => "dict",
            PyValue::Set(_) => "set",
            PyValue::FrozenSet(_) => "frozenset",
        }
    }

    /// Python's `bool(value)`.
    pub fn is_truthy(&self) -> bool {
        match self {
            PyValue::None => false,
            PyValue::Bool(b) => *b,
            PyValue::Int(i) => !i.is_zero(),
            PyValue::Float(f) => *f != 0.0,
            PyValue::Str(s) => !s.is_empty(),
            PyValue::Bytes(b) => !b.is_empty(),
            PyValue::List(v) | PyValue::Tuple(v) | PyValue::Set(v) | PyValue::FrozenSet(v) => {
                !v.is_empty()
            }
            PyValue::Dict(d) => !d.is_empty(),
        }
    }

    /// The value of a bool, int or float as a float (`None` for other
    /// types; an int too large for a float gives ±inf).
    pub fn as_f64(&self) -> Option<f64> {
        match Num::of(self)? {
            Num::Small(i) => Some(i as f64),
            Num::Big(b) => Some(
                b.to_f64()
                    .unwrap_or(if b.sign() == num_bigint::Sign::Minus {
                        f64::NEG_INFINITY
                    } else {
                        f64::INFINITY
                    }),
            ),
            Num::Float(f) => Some(f),
        }
    }

    /// Whether the value could be a set element or dict key (no list, dict
    /// or set inside), and if not, the unhashable type.
    pub(crate) fn unhashable(&self) -> Option<&'static str> {
        match self {
            PyValue::List(_) | PyValue::Dict(_) | PyValue::Set(_) => Some(self.type_name()),
            PyValue::Tuple(items) | PyValue::FrozenSet(items) => {
                items.iter().find_map(PyValue::unhashable)
            }
            _ => None,
        }
    }
}

/// The elements of a set built from `items`, in first-seen order, as
/// Python's `set(items)` keeps them; an unhashable element is a
/// `TypeError`.
pub(crate) fn unique(items: Vec<PyValue>) -> Result<Vec<PyValue>, String> {
    if let Some(t) = items.iter().find_map(PyValue::unhashable) {
        return Err(format!("TypeError: unhashable type: '{t}'"));
    }
    let mut out: Vec<PyValue> = Vec::with_capacity(items.len());
    let state = RandomState::new();
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::with_capacity(items.len());
    for v in items {
        let h = hash_value(&v, &state).expect("checked hashable");
        let bucket = seen.entry(h).or_default();
        if !bucket.iter().any(|&i| py_eq(&out[i], &v, None)) {
            bucket.push(out.len());
            out.push(v);
        }
    }
    Ok(out)
}

/// The items Python's `iter(v)` gives: a str gives its characters, bytes
/// their ints, a dict its keys.
pub(crate) fn iterate(v: PyValue) -> Result<Vec<PyValue>, String> {
    match v {
        PyValue::List(x) | PyValue::Tuple(x) | PyValue::Set(x) | PyValue::FrozenSet(x) => Ok(x),
        PyValue::Dict(d) => Ok(d.into_iter().map(|(k, _)| k).collect()),
        PyValue::Str(s) => Ok(s.chars().map(|c| PyValue::Str(c.to_string())).collect()),
        PyValue::Bytes(b) => Ok(b.into_iter().map(|b| PyValue::Int(b.into())).collect()),
        other => Err(format!(
            "TypeError: '{}' object is not iterable",
            other.type_name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lit(src: &str) -> PyValue {
        PyValue::parse_literal(src).unwrap_or_else(|e| panic!("{src}: {e}"))
    }

    #[test]
    fn python_equality_table() {
        // (a, b, a == b in Python 3.11)
        #[rustfmt::skip]
        let cases = [
            ("1", "1.0", true),
            ("1", "True", true),
            ("0.0", "False", true),
            ("-0.0", "0", true),
            ("2**53 + 1", "2.0**53", false),
            ("2**53", "2.0**53", true),
            ("10**400", "10**400", true),
            ("float('nan')", "float('nan')", false),
            ("float('inf')", "float('inf')", true),
            ("float('inf')", "10**400", false),
            ("[1, 2]", "(1, 2)", false),
            ("[1, [2, (3,)]]", "[1.0, [2, (3.0,)]]", true),
            ("(1,)", "(1, 1)", false),
            ("{1, 2}", "{2, 1}", true),
            ("{1, 2}", "frozenset([2, 1.0])", true),
            ("{'a': 1, 'b': 2}", "{'b': 2, 'a': 1}", true),
            ("{'a': 1}", "{'a': 1, 'b': 2}", false),
            ("{1: 'x'}", "{True: 'x'}", true),
            ("{(1, 2): 'x'}", "{(1.0, 2): 'x'}", true),
            ("'a'", "b'a'", false),
            ("None", "0", false),
            ("None", "None", true),
            ("''", "[]", false),
            ("set()", "{}", false),
        ];
        for (a, b, want) in cases {
            let (x, y) = (lit(a), lit(b));
            assert_eq!(py_eq(&x, &y, None), want, "{a} == {b}");
            assert_eq!(py_eq(&y, &x, None), want, "{b} == {a}");
        }
    }

    #[test]
    fn large_sets_and_dicts_use_the_hash_index() {
        let a = lit(&format!(
            "{{{}}}",
            (0..100)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let b = lit(&format!(
            "{{{}}}",
            (0..100)
                .rev()
                .map(|i| format!("{i}.0"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        assert!(py_eq(&a, &b, None));
        let c = lit(&format!(
            "{{{}}}",
            (1..101)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        assert!(!py_eq(&a, &c, None));
        let d1 = lit(&format!(
            "{{{}}}",
            (0..50)
                .map(|i| format!("'k{i}': {i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let d2 = lit(&format!(
            "{{{}}}",
            (0..50)
                .rev()
                .map(|i| format!("'k{i}': {i}.0"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        assert!(py_eq(&d1, &d2, None));
    }

    #[test]
    fn tolerance_applies_to_floats_only() {
        let t = Some(Tolerance {
            abs: 1e-6,
            rel: 0.0,
        });
        assert!(py_eq(&lit("[0.1 + 0.2, 1]"), &lit("[0.3, 1]"), t));
        assert!(!py_eq(&lit("[0.1 + 0.2, 1]"), &lit("[0.3, 1]"), None));
        assert!(py_eq(&lit("{'a': 1.0000001}"), &lit("{'a': 1}"), t));
        assert!(
            !py_eq(&lit("10**20 + 1"), &lit("10**20"), t),
            "ints compare exactly"
        );
        assert!(!py_eq(&lit("float('nan')"), &lit("float('nan')"), t));
        assert!(!py_eq(&lit("float('inf')"), &lit("1e308"), t));
        assert!(
            !py_eq(&lit("{1.0000001}"), &lit("{1}"), t),
            "set elements are exact"
        );
        let rel = Tolerance {
            abs: 0.0,
            rel: 1e-9,
        };
        assert!(rel.close(1e10, 1e10 + 1.0));
        assert!(!rel.close(1.0, 1.0 + 1e-8));
    }

    #[test]
    fn unique_keeps_first_occurrences() {
        assert_eq!(
            unique(iterate(lit("[1, 1.0, True, 2, 'a', 'a']")).unwrap()).unwrap(),
            iterate(lit("[1, 2, 'a']")).unwrap()
        );
        assert!(
            unique(vec![lit("[1]")])
                .unwrap_err()
                .contains("unhashable type: 'list'")
        );
        assert_eq!(lit("{1, 1.0, True}"), PyValue::Set(vec![lit("1")]));
    }

    fn value() -> impl Strategy<Value = PyValue> {
        let leaf = prop_oneof![
            Just(PyValue::None),
            any::<bool>().prop_map(PyValue::Bool),
            (-3i64..4).prop_map(|i| PyValue::Int(i.into())),
            prop_oneof![
                Just(0.5),
                Just(1.0),
                Just(-0.0),
                Just(f64::NAN),
                Just(f64::INFINITY)
            ]
            .prop_map(PyValue::Float),
            "[ab]{0,2}".prop_map(PyValue::Str),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(PyValue::List),
                prop::collection::vec(inner.clone(), 0..4).prop_map(PyValue::Tuple),
                prop::collection::vec(inner, 0..4).prop_map(|v| PyValue::Set(
                    unique(v.into_iter().filter(|x| x.unhashable().is_none()).collect()).unwrap()
                )),
            ]
        })
    }

    proptest! {
        #[test]
        fn equality_is_symmetric(a in value(), b in value()) {
            prop_assert_eq!(py_eq(&a, &b, None), py_eq(&b, &a, None));
            let t = Some(Tolerance { abs: 0.6, rel: 0.0 });
            prop_assert_eq!(py_eq(&a, &b, t), py_eq(&b, &a, t));
        }

        #[test]
        fn equal_hashable_values_hash_alike(a in value(), b in value()) {
            let state = RandomState::new();
            if py_eq(&a, &b, None) && a.unhashable().is_none() && b.unhashable().is_none() {
                prop_assert_eq!(hash_value(&a, &state), hash_value(&b, &state));
            }
        }

        #[test]
        fn repr_reads_back(a in value()) {
            // Sets of nan and the like read back as equal-but-not-identical
            // values; compare structurally where there is no nan.
            let text = a.to_string();
            if !text.contains("nan") && !text.contains("inf") {
                let back = PyValue::parse_literal(&text).unwrap();
                prop_assert!(py_eq(&a, &back, None), "{} -> {:?}", text, back);
            }
        }
    }
}
