//! Parquet records as JSON, guided by the file's schema.
//!
//! The record API's [`Field`] loses what the schema says about a value: an
//! `INT64` nanosecond timestamp comes back as a plain `Long`, a naive
//! timestamp looks like a UTC one. So the conversion walks the schema beside
//! the record. Where the two disagree in shape (exotic legacy layouts) it
//! falls back to converting the value by its own kind.

use parquet::basic::{ConvertedType, LogicalType, Repetition, TimeUnit};
use parquet::record::{Field, Row};
use parquet::schema::types::Type;
use serde_json::{Map, Value};

use crate::encode::{self, Unit};

/// A top-level record, read with `schema` (the file's root group), as a JSON
/// object.
pub(crate) fn row_to_object(row: &Row, schema: &Type) -> Map<String, Value> {
    group_to_object(row, Some(schema))
}

fn group_to_object(row: &Row, ty: Option<&Type>) -> Map<String, Value> {
    let children: &[_] = match ty {
        Some(ty) if ty.is_group() => ty.get_fields(),
        _ => &[],
    };
    row.get_column_iter()
        .enumerate()
        .map(|(i, (name, field))| {
            // Record fields come in schema order; look further only when they do not.
            let child = children
                .get(i)
                .filter(|child| child.name() == name)
                .or_else(|| children.iter().find(|child| child.name() == name));
            (name.clone(), to_json(field, child.map(|child| &**child)))
        })
        .collect()
}

fn to_json(field: &Field, ty: Option<&Type>) -> Value {
    let logical = ty.and_then(|ty| ty.get_basic_info().logical_type_ref());
    match field {
        Field::Null => Value::Null,
        Field::Bool(b) => Value::Bool(*b),
        Field::Byte(n) => (*n).into(),
        Field::Short(n) => (*n).into(),
        Field::Int(n) => (*n).into(),
        Field::Long(n) => match logical {
            // Nanosecond units have no converted type, so they arrive as `Long`.
            Some(LogicalType::Timestamp(t)) => {
                encode::timestamp(*n, unit(&t.unit), t.is_adjusted_to_u_t_c).into()
            }
            Some(LogicalType::Time(t)) => encode::time_of_day(*n, unit(&t.unit)).into(),
            _ => (*n).into(),
        },
        Field::UByte(n) => (*n).into(),
        Field::UShort(n) => (*n).into(),
        Field::UInt(n) => (*n).into(),
        Field::ULong(n) => (*n).into(),
        Field::Float16(v) => float32(f32::from(*v)),
        Field::Float(v) => float32(*v),
        Field::Double(v) => float64(*v),
        // A string keeps every digit; a JSON number would go through f64.
        Field::Decimal(_) => field.to_string().into(),
        Field::Str(s) => s.as_str().into(),
        Field::Bytes(bytes) => binary(bytes.data(), logical),
        Field::Date(days) => encode::date(i64::from(*days)).into(),
        Field::TimeMillis(t) => encode::time_of_day(i64::from(*t), Unit::Millis).into(),
        Field::TimeMicros(t) => encode::time_of_day(*t, Unit::Micros).into(),
        Field::TimestampMillis(t) => encode::timestamp(*t, Unit::Millis, is_utc(logical)).into(),
        Field::TimestampMicros(t) => encode::timestamp(*t, Unit::Micros, is_utc(logical)).into(),
        Field::Group(row) => Value::Object(group_to_object(row, ty)),
        Field::ListInternal(list) => {
            let element = ty.and_then(element_type);
            Value::Array(
                list.elements()
                    .iter()
                    .map(|f| to_json(f, element))
                    .collect(),
            )
        }
        Field::MapInternal(map) => {
            let (key_ty, value_ty) = ty.map_or((None, None), key_value_types);
            Value::Object(
                map.entries()
                    .iter()
                    .map(|(key, value)| {
                        (key_string(to_json(key, key_ty)), to_json(value, value_ty))
                    })
                    .collect(),
            )
        }
    }
}

fn unit(unit: &TimeUnit) -> Unit {
    match unit {
        TimeUnit::MILLIS => Unit::Millis,
        TimeUnit::MICROS => Unit::Micros,
        TimeUnit::NANOS => Unit::Nanos,
    }
}

/// Timestamps annotated only with a legacy converted type are UTC by
/// definition; only a logical type can say otherwise.
fn is_utc(logical: Option<&LogicalType>) -> bool {
    match logical {
        Some(LogicalType::Timestamp(t)) => t.is_adjusted_to_u_t_c,
        _ => true,
    }
}

fn float64(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// Through the shortest decimal that reads back as the same `f32`, so that a
/// stored `0.1f32` becomes `0.1` rather than `0.10000000149011612`.
fn float32(v: f32) -> Value {
    if !v.is_finite() {
        return Value::Null;
    }
    float64(v.to_string().parse().unwrap_or(f64::from(v)))
}

/// Text when the bytes are UTF-8 (how most tools store text in an
/// unannotated binary column), standard base64 otherwise, and the usual
/// hyphenated form for UUIDs.
fn binary(bytes: &[u8], logical: Option<&LogicalType>) -> Value {
    if let (Some(LogicalType::Uuid), Ok(uuid)) = (logical, <&[u8; 16]>::try_from(bytes)) {
        return encode::uuid(uuid).into();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.into(),
        Err(_) => encode::base64(bytes).into(),
    }
}

fn key_string(key: Value) -> String {
    match key {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// The schema node of a list's elements. Mirrors how the record reader
/// assembles lists: a bare repeated field, a standard three-level `LIST`,
/// the legacy two-level layouts, and a `MAP` without values.
fn element_type(ty: &Type) -> Option<&Type> {
    let info = ty.get_basic_info();
    if info.has_repetition() && info.repetition() == Repetition::REPEATED {
        return Some(ty);
    }
    if !ty.is_group() {
        return None;
    }
    let repeated = &**ty.get_fields().first()?;
    match info.converted_type() {
        ConvertedType::LIST if is_legacy_element(ty, repeated) => Some(repeated),
        ConvertedType::LIST | ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE
            if repeated.is_group() =>
        {
            repeated.get_fields().first().map(|child| &**child)
        }
        _ => None,
    }
}

/// Whether the repeated field of a `LIST` is itself the element, as in the
/// backward-compatibility rules of the Parquet spec.
fn is_legacy_element(list: &Type, repeated: &Type) -> bool {
    if repeated.is_primitive() {
        return true;
    }
    let children = repeated.get_fields();
    let single_repeated_child = children.len() == 1
        && children[0].get_basic_info().has_repetition()
        && children[0].get_basic_info().repetition() == Repetition::REPEATED;
    if repeated.get_basic_info().converted_type() == ConvertedType::LIST || single_repeated_child {
        return false;
    }
    children.len() > 1
        || repeated.name() == "array"
        || repeated.name() == format!("{}_tuple", list.name())
}

fn key_value_types(ty: &Type) -> (Option<&Type>, Option<&Type>) {
    let key_value = match ty.is_group().then(|| ty.get_fields().first()).flatten() {
        Some(key_value) if key_value.is_group() => key_value.get_fields(),
        _ => return (None, None),
    };
    (
        key_value.first().map(|key| &**key),
        key_value.get(1).map(|value| &**value),
    )
}
