//! The typed JSON encoding of [`PyValue`]s: how test arguments go into the
//! sandboxed harness and how returned values come out of it, so that
//! tuples, sets, non-string dict keys, big ints, `inf`/`nan` and bytes
//! survive the trip.
//!
//! | Python value            | JSON                                                    |
//! |-------------------------|---------------------------------------------------------|
//! | `None`, `True`, `False` | `null`, `true`, `false`                                 |
//! | `str`                   | a JSON string                                           |
//! | `int` within ±2⁶³       | a JSON integer                                          |
//! | any other `int`         | `{"$int": "-123…"}` (decimal, or `"0x…"`/`"-0x…"` hex)  |
//! | `float`                 | `{"$float": "0.1"}`, `{"$float": "inf"}`, `"-inf"`, `"nan"` |
//! | `list`                  | a JSON array                                            |
//! | `tuple`                 | `{"$tuple": [...]}`                                     |
//! | `dict`                  | `{"$dict": [[key, value], ...]}` (insertion order kept) |
//! | `set`, `frozenset`      | `{"$set": [...]}`, `{"$frozenset": [...]}`              |
//! | `bytes`                 | `{"$bytes": "68690a"}` (lowercase hex)                  |
//!
//! Every float is tagged, with Python's `repr` as its text: serde_json's
//! default number parsing is not guaranteed to round-trip every float to
//! the last bit, and a test comparing `0.30000000000000004` exactly must
//! see that exact float. Decoding also accepts, for hand-written
//! references, a plain JSON number with a fraction or exponent (a float)
//! and a plain JSON object (a dict with `str` keys, in the key order
//! serde_json keeps, which is sorted). An object with a single key that
//! starts with `$` is always a tag; an unknown tag is an error (a dict
//! like `{"$x": 1}` must be written with `$dict`).
//!
//! Decoding is bounded, since what comes out of the sandbox is written by
//! hostile code: [`Limits`] caps nesting depth, the number of values and
//! the length of an int's digits, and a set or dict with a repeated or
//! unhashable element is refused (the real harness cannot produce one).

use num_bigint::BigInt;
use num_traits::ToPrimitive;
use serde_json::{Map, Value};

use super::pyeval::build_dict;
use super::pyvalue::{MAX_DEPTH, PyValue, float_repr, unique};

/// Bounds on what decoding accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The deepest nesting of containers (default [`MAX_DEPTH`], 40).
    pub max_depth: usize,
    /// The most values in all (default 1,000,000).
    pub max_values: usize,
    /// The longest `$int` text, in characters (default 10,000).
    pub max_int_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: MAX_DEPTH,
            max_values: 1_000_000,
            max_int_chars: 10_000,
        }
    }
}

/// Why a JSON value is not a typed value: where (`[2].$tuple[0]`) and
/// what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("at {path}: ") })]
pub struct TypedJsonError {
    /// The path to the offending value, from the root (`""` for the root).
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl TypedJsonError {
    fn new(message: impl Into<String>) -> Self {
        TypedJsonError {
            path: String::new(),
            message: message.into(),
        }
    }

    fn under(mut self, segment: &str) -> Self {
        self.path.insert_str(0, segment);
        self
    }
}

/// An int at or beyond this many bits is written in hex: Python (3.11+)
/// refuses to read decimal ints of more than 4,300 digits.
const HEX_FROM_BITS: u64 = 13_000;

impl PyValue {
    /// This value in the typed JSON encoding (see the module docs).
    pub fn to_typed_json(&self) -> Value {
        let tagged = |tag: &str, v: Value| {
            let mut m = Map::with_capacity(1);
            m.insert(tag.to_owned(), v);
            Value::Object(m)
        };
        let all =
            |items: &[PyValue]| Value::Array(items.iter().map(PyValue::to_typed_json).collect());
        match self {
            PyValue::None => Value::Null,
            PyValue::Bool(b) => Value::Bool(*b),
            PyValue::Int(i) => match i.to_i64() {
                Some(small) => Value::from(small),
                None if i.bits() >= HEX_FROM_BITS => {
                    let hex = i.magnitude().to_str_radix(16);
                    let sign = if i.sign() == num_bigint::Sign::Minus {
                        "-"
                    } else {
                        ""
                    };
                    tagged("$int", Value::String(format!("{sign}0x{hex}")))
                }
                None => tagged("$int", Value::String(i.to_string())),
            },
            PyValue::Float(f) => tagged("$float", Value::String(float_repr(*f))),
            PyValue::Str(s) => Value::String(s.clone()),
            PyValue::Bytes(b) => {
                let hex: String = b.iter().map(|b| format!("{b:02x}")).collect();
                tagged("$bytes", Value::String(hex))
            }
            PyValue::List(items) => all(items),
            PyValue::Tuple(items) => tagged("$tuple", all(items)),
            PyValue::Set(items) => tagged("$set", all(items)),
            PyValue::FrozenSet(items) => tagged("$frozenset", all(items)),
            PyValue::Dict(pairs) => tagged(
                "$dict",
                Value::Array(
                    pairs
                        .iter()
                        .map(|(k, v)| Value::Array(vec![k.to_typed_json(), v.to_typed_json()]))
                        .collect(),
                ),
            ),
        }
    }

    /// The value that `json` encodes, within the default [`Limits`].
    pub fn from_typed_json(json: &Value) -> std::result::Result<PyValue, TypedJsonError> {
        Self::from_typed_json_with(json, &Limits::default())
    }

    /// The value that `json` encodes, within `limits`.
    pub fn from_typed_json_with(
        json: &Value,
        limits: &Limits,
    ) -> std::result::Result<PyValue, TypedJsonError> {
        Decoder { limits, values: 0 }.value(json, 0)
    }
}

struct Decoder<'l> {
    limits: &'l Limits,
    values: usize,
}

type Result<T> = std::result::Result<T, TypedJsonError>;

impl Decoder<'_> {
    fn value(&mut self, json: &Value, depth: usize) -> Result<PyValue> {
        self.values += 1;
        if self.values > self.limits.max_values {
            return Err(TypedJsonError::new(format!(
                "more than {} values",
                self.limits.max_values
            )));
        }
        let container = matches!(json, Value::Array(_) | Value::Object(_));
        if container && depth >= self.limits.max_depth {
            return Err(TypedJsonError::new(format!(
                "nested more than {} levels deep",
                self.limits.max_depth
            )));
        }
        match json {
            Value::Null => Ok(PyValue::None),
            Value::Bool(b) => Ok(PyValue::Bool(*b)),
            Value::String(s) => Ok(PyValue::Str(s.clone())),
            Value::Number(n) => Ok(if let Some(i) = n.as_i64() {
                PyValue::Int(i.into())
            } else if let Some(u) = n.as_u64() {
                PyValue::Int(u.into())
            } else {
                PyValue::Float(n.as_f64().unwrap_or(f64::NAN))
            }),
            Value::Array(items) => Ok(PyValue::List(self.items(items, depth)?)),
            Value::Object(map) => {
                if map.len() == 1 {
                    let (tag, inner) = map.iter().next().expect("one entry");
                    if tag.starts_with('$') {
                        return self.tagged(tag, inner, depth).map_err(|e| e.under(tag));
                    }
                }
                let mut keys = Vec::with_capacity(map.len());
                let mut values = Vec::with_capacity(map.len());
                for (k, v) in map {
                    keys.push(PyValue::Str(k.clone()));
                    values.push(
                        self.value(v, depth + 1)
                            .map_err(|e| e.under(&format!(".{k}")))?,
                    );
                }
                Ok(PyValue::Dict(keys.into_iter().zip(values).collect()))
            }
        }
    }

    fn items(&mut self, items: &[Value], depth: usize) -> Result<Vec<PyValue>> {
        items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                self.value(v, depth + 1)
                    .map_err(|e| e.under(&format!("[{i}]")))
            })
            .collect()
    }

    fn array<'v>(inner: &'v Value, tag: &str) -> Result<&'v [Value]> {
        match inner {
            Value::Array(a) => Ok(a),
            _ => Err(TypedJsonError::new(format!("{tag} takes a JSON array"))),
        }
    }

    fn string<'v>(inner: &'v Value, tag: &str) -> Result<&'v str> {
        match inner {
            Value::String(s) => Ok(s),
            _ => Err(TypedJsonError::new(format!("{tag} takes a JSON string"))),
        }
    }

    fn tagged(&mut self, tag: &str, inner: &Value, depth: usize) -> Result<PyValue> {
        match tag {
            "$int" => self.int(Self::string(inner, tag)?).map(PyValue::Int),
            "$float" => float(Self::string(inner, tag)?).map(PyValue::Float),
            "$bytes" => bytes(Self::string(inner, tag)?).map(PyValue::Bytes),
            "$tuple" => Ok(PyValue::Tuple(self.items(Self::array(inner, tag)?, depth)?)),
            "$set" | "$frozenset" => {
                let items = self.items(Self::array(inner, tag)?, depth)?;
                let n = items.len();
                let distinct = unique(items).map_err(TypedJsonError::new)?;
                if distinct.len() != n {
                    return Err(TypedJsonError::new("a repeated set element"));
                }
                Ok(if tag == "$set" {
                    PyValue::Set(distinct)
                } else {
                    PyValue::FrozenSet(distinct)
                })
            }
            "$dict" => {
                let pairs = Self::array(inner, tag)?;
                let mut keys = Vec::with_capacity(pairs.len());
                let mut values = Vec::with_capacity(pairs.len());
                for (i, pair) in pairs.iter().enumerate() {
                    let at = |e: TypedJsonError| e.under(&format!("[{i}]"));
                    let Value::Array(kv) = pair else {
                        return Err(at(TypedJsonError::new(
                            "a $dict entry is a [key, value] array",
                        )));
                    };
                    let [k, v] = kv.as_slice() else {
                        return Err(at(TypedJsonError::new(
                            "a $dict entry is a [key, value] array",
                        )));
                    };
                    keys.push(self.value(k, depth + 1).map_err(at)?);
                    values.push(self.value(v, depth + 1).map_err(at)?);
                }
                let n = keys.len();
                let dict = build_dict(keys, values).map_err(TypedJsonError::new)?;
                match &dict {
                    PyValue::Dict(pairs) if pairs.len() != n => {
                        Err(TypedJsonError::new("a repeated dict key"))
                    }
                    _ => Ok(dict),
                }
            }
            other => Err(TypedJsonError::new(format!(
                "unknown tag {other:?} (known: $int, $float, $bytes, $tuple, $set, $frozenset, $dict)"
            ))),
        }
    }

    fn int(&self, text: &str) -> Result<BigInt> {
        if text.len() > self.limits.max_int_chars {
            return Err(TypedJsonError::new(format!(
                "an int of more than {} characters",
                self.limits.max_int_chars
            )));
        }
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (radix, digits) = match body.strip_prefix("0x") {
            Some(hex) => (16, hex),
            None => (10, body),
        };
        let valid = !digits.is_empty() && digits.bytes().all(|c| char::from(c).is_digit(radix));
        let parsed = valid
            .then(|| BigInt::parse_bytes(digits.as_bytes(), radix))
            .flatten();
        match parsed {
            Some(i) if negative => Ok(-i),
            Some(i) => Ok(i),
            None => Err(TypedJsonError::new(format!("invalid $int text {text:?}"))),
        }
    }
}

/// A `$float` text: `inf`, `-inf`, `nan`, or a decimal float.
fn float(text: &str) -> Result<f64> {
    match text {
        "inf" => return Ok(f64::INFINITY),
        "-inf" => return Ok(f64::NEG_INFINITY),
        "nan" => return Ok(f64::NAN),
        _ => {}
    }
    let numeric = !text.is_empty()
        && text
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
        && text.bytes().any(|c| c.is_ascii_digit())
        && text.len() <= 64;
    numeric
        .then(|| text.parse::<f64>().ok())
        .flatten()
        .ok_or_else(|| {
            TypedJsonError::new(format!(
                "invalid $float text {:?}",
                plaudit_core::preview(text, 40)
            ))
        })
}

fn bytes(hex: &str) -> Result<Vec<u8>> {
    let bad = || TypedJsonError::new("$bytes takes an even number of hex digits");
    if !hex.len().is_multiple_of(2) {
        return Err(bad());
    }
    hex.as_bytes()
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(bad)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn lit(src: &str) -> PyValue {
        PyValue::parse_literal(src).unwrap()
    }

    #[test]
    fn encoding_table() {
        #[rustfmt::skip]
        let cases = [
            ("None", json!(null)), ("True", json!(true)), ("'é'", json!("é")), ("-3", json!(-3)),
            ("2**63", json!({"$int": "9223372036854775808"})), ("-2**63", json!(-9223372036854775808i64)),
            ("0.5", json!({"$float": "0.5"})), ("1e-06", json!({"$float": "1e-06"})),
            ("float('-inf')", json!({"$float": "-inf"})), ("-0.0", json!({"$float": "-0.0"})),
            ("[1, (2,)]", json!([1, {"$tuple": [2]}])), ("()", json!({"$tuple": []})),
            ("{1: 'a', 'b': None}", json!({"$dict": [[1, "a"], ["b", null]]})),
            ("{2, 1}", json!({"$set": [2, 1]})), ("frozenset()", json!({"$frozenset": []})),
            ("b'hi\\n'", json!({"$bytes": "68690a"})),
        ];
        for (src, want) in cases {
            let v = lit(src);
            assert_eq!(v.to_typed_json(), want, "{src}");
            assert_eq!(PyValue::from_typed_json(&want).unwrap(), v, "{src}");
        }
        let nan = PyValue::from_typed_json(&json!({"$float": "nan"})).unwrap();
        assert!(matches!(nan, PyValue::Float(f) if f.is_nan()));
        let big = lit("-(2**20000) + 1");
        let enc = big.to_typed_json();
        assert!(enc["$int"].as_str().unwrap().starts_with("-0x"));
        assert_eq!(PyValue::from_typed_json(&enc).unwrap(), big);
    }

    #[test]
    fn plain_json_is_accepted() {
        assert_eq!(
            PyValue::from_typed_json(&json!(2.5)).unwrap(),
            PyValue::Float(2.5)
        );
        assert_eq!(
            PyValue::from_typed_json(&json!(u64::MAX)).unwrap(),
            lit("2**64 - 1")
        );
        assert_eq!(
            PyValue::from_typed_json(&json!({"b": [1], "a": 2})).unwrap(),
            lit("{'a': 2, 'b': [1]}")
        );
        assert_eq!(PyValue::from_typed_json(&json!({})).unwrap(), lit("{}"));
        assert_eq!(
            PyValue::from_typed_json(&json!({"$int": "5", "x": 1})).unwrap(),
            lit("{'$int': '5', 'x': 1}"),
            "two keys: a plain dict"
        );
    }

    #[test]
    fn bad_input_is_refused_with_its_path() {
        #[rustfmt::skip]
        let cases = [
            (json!({"$tupel": [1]}), "at $tupel: unknown tag \"$tupel\" (known: $int, $float, $bytes, $tuple, $set, $frozenset, $dict)"),
            (json!([1, {"$tuple": [{"$int": "12a"}]}]), "at [1]$tuple[0]$int: invalid $int text \"12a\""),
            (json!({"$int": "+5"}), "at $int: invalid $int text \"+5\""),
            (json!({"$int": 5}), "at $int: $int takes a JSON string"),
            (json!({"$float": "1e5x"}), "at $float: invalid $float text \"1e5x\""),
            (json!({"$float": "infinity"}), "at $float: invalid $float text \"infinity\""),
            (json!({"$set": [1, 1.0]}), "at $set: a repeated set element"),
            (json!({"$set": [[1]]}), "at $set: TypeError: unhashable type: 'list'"),
            (json!({"$dict": [[1, 2], [true, 3]]}), "at $dict: a repeated dict key"),
            (json!({"$dict": [[[1], 2]]}), "at $dict: TypeError: unhashable type: 'list'"),
            (json!({"$dict": [[1]]}), "at $dict[0]: a $dict entry is a [key, value] array"),
            (json!({"$bytes": "abc"}), "at $bytes: $bytes takes an even number of hex digits"),
            (json!({"$bytes": "zz"}), "at $bytes: $bytes takes an even number of hex digits"),
            (json!({"k": {"$tuple": 1}}), "at .k$tuple: $tuple takes a JSON array"),
        ];
        for (json, want) in cases {
            assert_eq!(
                PyValue::from_typed_json(&json).unwrap_err().to_string(),
                want,
                "{json}"
            );
        }
    }

    #[test]
    fn decoding_is_bounded() {
        let mut deep = json!(1);
        for _ in 0..(MAX_DEPTH + 1) {
            deep = json!([deep]);
        }
        assert!(
            PyValue::from_typed_json(&deep)
                .unwrap_err()
                .message
                .contains("nested more than 40")
        );
        let mut ok = json!(1);
        for _ in 0..MAX_DEPTH {
            ok = json!([ok]);
        }
        assert!(PyValue::from_typed_json(&ok).is_ok());
        let tight = Limits {
            max_values: 3,
            ..Limits::default()
        };
        assert!(
            PyValue::from_typed_json_with(&json!([1, 2, 3]), &tight)
                .unwrap_err()
                .message
                .contains("more than 3 values")
        );
        let long = "9".repeat(10_001);
        assert!(
            PyValue::from_typed_json(&json!({"$int": long}))
                .unwrap_err()
                .message
                .contains("more than 10000 characters")
        );
    }

    fn value() -> impl Strategy<Value = PyValue> {
        let leaf = prop_oneof![
            Just(PyValue::None),
            any::<bool>().prop_map(PyValue::Bool),
            any::<i64>().prop_map(|i| PyValue::Int(BigInt::from(i) * BigInt::from(i) * i)),
            any::<f64>().prop_map(PyValue::Float),
            ".{0,4}".prop_map(PyValue::Str),
            prop::collection::vec(any::<u8>(), 0..4).prop_map(PyValue::Bytes),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(PyValue::List),
                prop::collection::vec(inner.clone(), 0..4).prop_map(PyValue::Tuple),
                prop::collection::vec((inner.clone(), inner), 0..4).prop_map(|pairs| {
                    let (k, v): (Vec<_>, Vec<_>) = pairs
                        .into_iter()
                        .filter(|(k, _)| k.unhashable().is_none())
                        .unzip();
                    build_dict(k, v).unwrap()
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn round_trips(v in value()) {
            let back = PyValue::from_typed_json(&v.to_typed_json()).unwrap();
            // Structural equality, except that nan is never equal to itself.
            prop_assert_eq!(format!("{back:?}"), format!("{v:?}"));
        }

        #[test]
        fn round_trips_through_text(v in value()) {
            let text = serde_json::to_string(&v.to_typed_json()).unwrap();
            let back = PyValue::from_typed_json(&serde_json::from_str(&text).unwrap()).unwrap();
            prop_assert_eq!(format!("{back:?}"), format!("{v:?}"));
        }
    }
}
