//! Python values to samples and JSON, and JSON back to Python values.
//!
//! Trainers hand over plain strings, chat messages as lists of dicts,
//! dataclasses, and NumPy values (verl keeps its non-tensor columns in
//! NumPy object arrays). All of them are accepted where the JSON they stand
//! for is unambiguous; anything else is a `SampleError` that names the
//! sample, the field and the Python type found.

use plaudit_core::{Content, Sample};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use crate::errors::SampleError;

/// How deeply nested a value converted to JSON may be.
const MAX_DEPTH: usize = 128;

/// A Python value as JSON.
pub(crate) fn to_json(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    to_json_at(obj, 0)
}

fn to_json_at(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(PyTypeError::new_err(format!(
            "the value is nested more than {MAX_DEPTH} levels deep"
        )));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.cast::<PyInt>().is_ok() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        // Past 64 bits a JSON number would lose digits; the decimal text
        // keeps them (references are compared as text or parsed as math).
        return Ok(Value::String(obj.str()?.to_cow()?.into_owned()));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return Number::from_f64(v).map(Value::Number).ok_or_else(|| {
            PyTypeError::new_err(format!("{v} is not a finite number and has no JSON form"))
        });
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            map.insert(key_text(&k)?, to_json_at(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        let mut items = Vec::with_capacity(l.len());
        for v in l.iter() {
            items.push(to_json_at(&v, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        let mut items = Vec::with_capacity(t.len());
        for v in t.iter() {
            items.push(to_json_at(&v, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    // NumPy arrays and scalars (and anything else that knows its plain
    // Python form).
    if obj.hasattr("tolist")? {
        let plain = obj.call_method0("tolist")?;
        if !plain.is(obj) {
            return to_json_at(&plain, depth + 1);
        }
    }
    if obj.hasattr("__dataclass_fields__")? {
        let dataclasses = obj.py().import("dataclasses")?;
        let d = dataclasses.call_method1("asdict", (obj,))?;
        return to_json_at(&d, depth + 1);
    }
    // Other mappings (MappingProxyType, custom Mapping classes).
    if obj.hasattr("keys")? && obj.hasattr("__getitem__")? {
        let mut map = Map::new();
        for k in obj.call_method0("keys")?.try_iter()? {
            let k = k?;
            let v = obj.get_item(&k)?;
            map.insert(key_text(&k)?, to_json_at(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    Err(PyTypeError::new_err(format!(
        "a value of type `{}` has no JSON form (expected None, bool, int, float, str, list, tuple or dict)",
        type_name(obj)
    )))
}

fn key_text(k: &Bound<'_, PyAny>) -> PyResult<String> {
    match k.cast::<PyString>() {
        Ok(s) => Ok(s.to_cow()?.into_owned()),
        Err(_) => Ok(k.str()?.to_cow()?.into_owned()),
    }
}

/// The name of a value's type, for messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// JSON as a Python value.
pub(crate) fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let d = PyDict::new(py);
            for (k, item) in map {
                d.set_item(k, to_py(py, item)?)?;
            }
            d.into_any()
        }
    })
}

/// Says which sample and field a conversion error is about.
fn at(index: usize, field: &str, e: PyErr, py: Python<'_>) -> PyErr {
    SampleError::new_err(format!("sample {index}: `{field}`: {}", e.value(py)))
}

/// A response: text, or chat messages whose assistant turns are read.
pub(crate) fn response(obj: &Bound<'_, PyAny>) -> PyResult<Content> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Content::text_only(s.to_cow()?));
    }
    Content::response_from_json(to_json(obj)?).map_err(PyTypeError::new_err)
}

/// A prompt: text, or chat messages (all turns are read); `None` is empty.
pub(crate) fn prompt(obj: &Bound<'_, PyAny>) -> PyResult<Content> {
    if obj.is_none() {
        return Ok(Content::default());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Content::text_only(s.to_cow()?));
    }
    Content::prompt_from_json(to_json(obj)?).map_err(PyTypeError::new_err)
}

/// A reference: any JSON value; `None` is no reference.
pub(crate) fn reference(obj: &Bound<'_, PyAny>) -> PyResult<Option<Value>> {
    match to_json(obj)? {
        Value::Null => Ok(None),
        v => Ok(Some(v)),
    }
}

/// An id or a group: a string, or an integer written in decimal.
pub(crate) fn label(obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if obj.is_none() {
        return Ok(None);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Some(s.to_cow()?.into_owned()));
    }
    if obj.cast::<PyInt>().is_ok() && obj.cast::<PyBool>().is_err() {
        return Ok(Some(obj.str()?.to_cow()?.into_owned()));
    }
    // NumPy strings and integers.
    if obj.hasattr("item")? {
        let plain = obj.call_method0("item")?;
        if !plain.is(obj) && (plain.cast::<PyString>().is_ok() || plain.cast::<PyInt>().is_ok()) {
            return label(&plain);
        }
    }
    Err(PyTypeError::new_err(format!(
        "expected a string or an integer, not `{}`",
        type_name(obj)
    )))
}

/// One field of a sample given as a dict or as an object with attributes
/// (a dataclass, a named tuple, a pydantic model); `None` when absent.
fn field<'py>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    let value = if let Ok(d) = obj.cast::<PyDict>() {
        d.get_item(name)?
    } else {
        match obj.getattr(name) {
            Ok(v) => Some(v),
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyAttributeError>(obj.py()) => None,
            Err(e) => return Err(e),
        }
    };
    Ok(value.filter(|v| !v.is_none()))
}

/// A sample from a dict or an object with the fields of `plaudit.Sample`.
/// A sample without an id is named by its position in the batch.
pub(crate) fn sample(obj: &Bound<'_, PyAny>, index: usize) -> PyResult<Sample> {
    let py = obj.py();
    if obj.cast::<PyString>().is_ok() {
        return Err(SampleError::new_err(format!(
            "sample {index}: expected a dict or an object with a `response`, not a string"
        )));
    }
    let Some(r) = field(obj, "response")? else {
        return Err(SampleError::new_err(format!(
            "sample {index}: missing field `response` (the model's output: a string or chat messages)"
        )));
    };
    let response = response(&r).map_err(|e| at(index, "response", e, py))?;
    let prompt = match field(obj, "prompt")? {
        Some(p) => prompt(&p).map_err(|e| at(index, "prompt", e, py))?,
        None => Content::default(),
    };
    let reference = match field(obj, "reference")? {
        Some(v) => reference(&v).map_err(|e| at(index, "reference", e, py))?,
        None => None,
    };
    let group = match field(obj, "group")? {
        Some(g) => label(&g).map_err(|e| at(index, "group", e, py))?,
        None => None,
    };
    let meta = match field(obj, "meta")? {
        Some(m) => to_json(&m).map_err(|e| at(index, "meta", e, py))?,
        None => Value::Null,
    };
    let id = match field(obj, "id")? {
        Some(i) => label(&i).map_err(|e| at(index, "id", e, py))?,
        None => None,
    }
    .unwrap_or_else(|| index.to_string());
    Ok(Sample {
        id,
        prompt,
        response,
        reference,
        group,
        meta,
    })
}
