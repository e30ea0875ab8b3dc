//! Taking typed fields out of a JSON row, with errors that name the field
//! and say what was found instead.

use plaudit_core::{Content, json_type};
use serde_json::{Map, Value};

pub(crate) type Row = Map<String, Value>;

/// A field that must be present and not null.
pub(crate) fn required(row: &mut Row, name: &str) -> Result<Value, String> {
    match row.remove(name) {
        None | Some(Value::Null) => Err(format!("missing field `{name}`")),
        Some(v) => Ok(v),
    }
}

/// A field that may be absent (or null).
pub(crate) fn optional(row: &mut Row, name: &str) -> Option<Value> {
    row.remove(name).filter(|v| !v.is_null())
}

/// A required string field.
pub(crate) fn string(row: &mut Row, name: &str) -> Result<String, String> {
    match required(row, name)? {
        Value::String(s) => Ok(s),
        other => Err(format!(
            "field `{name}`: expected a string, found {}",
            json_type(&other)
        )),
    }
}

/// An optional string field; present but not a string is an error.
pub(crate) fn optional_string(row: &mut Row, name: &str) -> Result<Option<String>, String> {
    match optional(row, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "field `{name}`: expected a string, found {}",
            json_type(&other)
        )),
    }
}

/// An id: a string or a number, spelled as the scores file must spell it.
pub(crate) fn id(row: &mut Row, name: &str) -> Result<Option<String>, String> {
    match optional(row, name) {
        None => Ok(None),
        Some(v) => id_text(&v).map(Some).ok_or_else(|| {
            format!(
                "field `{name}`: expected a string or a number, found {}",
                json_type(&v)
            )
        }),
    }
}

/// The text of an id value (a string or a number).
pub(crate) fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A prompt: text or chat messages. Absent is an empty prompt when
/// `required` is false.
pub(crate) fn prompt(row: &mut Row, name: &str, required_: bool) -> Result<Content, String> {
    let value = if required_ {
        required(row, name)?
    } else {
        match optional(row, name) {
            Some(v) => v,
            None => return Ok(Content::default()),
        }
    };
    Content::prompt_from_json(value).map_err(|e| format!("field `{name}`: {e}"))
}

/// A response: text or chat messages.
pub(crate) fn response(row: &mut Row, name: &str) -> Result<Content, String> {
    let value = required(row, name)?;
    Content::response_from_json(value).map_err(|e| format!("field `{name}`: {e}"))
}

/// A non-empty list of responses. A lone string is a list of one.
pub(crate) fn responses(row: &mut Row, name: &str) -> Result<Vec<Content>, String> {
    let items = match required(row, name)? {
        Value::Array(items) => items,
        s @ Value::String(_) => vec![s],
        other => {
            return Err(format!(
                "field `{name}`: expected a list of responses, found {}",
                json_type(&other)
            ));
        }
    };
    if items.is_empty() {
        return Err(format!("field `{name}`: the list is empty"));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            Content::response_from_json(v).map_err(|e| format!("field `{name}`[{i}]: {e}"))
        })
        .collect()
}

/// A non-negative integer field, or `default` when absent.
pub(crate) fn count(row: &mut Row, name: &str, default: usize) -> Result<usize, String> {
    match optional(row, name) {
        None => Ok(default),
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("field `{name}`: expected a non-negative integer, found {v}")),
    }
}

/// The value at a dotted path (`meta.language`), as text: strings as they
/// are, numbers and booleans spelled out. `None` when absent or null.
pub(crate) fn lookup(row: &Row, path: &str) -> Option<String> {
    let mut parts = path.split('.');
    let mut value = row.get(parts.next()?)?;
    for part in parts {
        value = value.get(part)?;
    }
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: Value) -> Row {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn errors_name_the_field_and_what_was_found() {
        let mut r = row(json!({"a": 3, "b": null, "c": [], "d": ["x", 4]}));
        assert_eq!(
            string(&mut r, "a").unwrap_err(),
            "field `a`: expected a string, found a number"
        );
        assert_eq!(string(&mut r, "b").unwrap_err(), "missing field `b`");
        assert_eq!(
            responses(&mut r, "c").unwrap_err(),
            "field `c`: the list is empty"
        );
        let err = responses(&mut r, "d").unwrap_err();
        assert!(err.starts_with("field `d`[1]: expected a string"), "{err}");
    }

    #[test]
    fn dotted_lookup() {
        let r = row(json!({"meta": {"language": "de", "n": 2}, "flag": true}));
        assert_eq!(lookup(&r, "meta.language").as_deref(), Some("de"));
        assert_eq!(lookup(&r, "meta.n").as_deref(), Some("2"));
        assert_eq!(lookup(&r, "flag").as_deref(), Some("true"));
        assert_eq!(lookup(&r, "meta.missing"), None);
    }
}
