//! Scoring columns: the trainers' shape (parallel lists in, lists out).
//!
//! Trainer adapters need a reward per sample and a value per aspect per
//! sample, not a `Score` object per sample; building the lists directly
//! saves most of the Python-side cost of a large batch.

use plaudit_core::{Outcome, Sample, Score};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::convert;
use crate::engine::PyEngine;
use crate::errors::SampleError;

/// Reads parallel columns into samples.
pub(crate) struct Columns;

fn items<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if let Ok(list) = obj.cast::<PyList>() {
        return Ok(list.iter().collect());
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return Ok(t.iter().collect());
    }
    if obj.cast::<PyString>().is_ok() || obj.cast::<PyDict>().is_ok() {
        return Err(SampleError::new_err(format!(
            "`{what}` must be a list (one item per sample), not a single `{}`",
            convert::type_name(obj)
        )));
    }
    obj.try_iter()?.collect()
}

fn column<'py>(
    obj: Option<&Bound<'py, PyAny>>,
    what: &str,
    n: usize,
) -> PyResult<Option<Vec<Bound<'py, PyAny>>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let v = items(obj, what)?;
    if v.len() != n {
        return Err(SampleError::new_err(format!(
            "`responses` has {n} items but `{what}` has {}; every column must have one item per sample",
            v.len()
        )));
    }
    Ok(Some(v))
}

impl Columns {
    pub(crate) fn read(
        responses: &Bound<'_, PyAny>,
        references: Option<&Bound<'_, PyAny>>,
        prompts: Option<&Bound<'_, PyAny>>,
        groups: Option<&Bound<'_, PyAny>>,
        metas: Option<&Bound<'_, PyAny>>,
        ids: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Sample>> {
        let py = responses.py();
        let responses = items(responses, "responses")?;
        let n = responses.len();
        let references = column(references, "references", n)?;
        let prompts = column(prompts, "prompts", n)?;
        let groups = column(groups, "groups", n)?;
        let metas = column(metas, "metas", n)?;
        let ids = column(ids, "ids", n)?;
        let wrap = |i: usize, field: &str, e: PyErr| {
            SampleError::new_err(format!("sample {i}: `{field}`: {}", e.value(py)))
        };
        let mut samples = Vec::with_capacity(n);
        for (i, r) in responses.iter().enumerate() {
            let response = convert::response(r).map_err(|e| wrap(i, "response", e))?;
            let prompt = match &prompts {
                Some(p) => convert::prompt(&p[i]).map_err(|e| wrap(i, "prompt", e))?,
                None => Default::default(),
            };
            let reference = match &references {
                Some(v) => convert::reference(&v[i]).map_err(|e| wrap(i, "reference", e))?,
                None => None,
            };
            let group = match &groups {
                Some(g) => convert::label(&g[i]).map_err(|e| wrap(i, "group", e))?,
                None => None,
            };
            let meta = match &metas {
                Some(m) => convert::to_json(&m[i]).map_err(|e| wrap(i, "meta", e))?,
                None => serde_json::Value::Null,
            };
            let id = match &ids {
                Some(v) => convert::label(&v[i]).map_err(|e| wrap(i, "id", e))?,
                None => None,
            }
            .unwrap_or_else(|| i.to_string());
            samples.push(Sample {
                id,
                prompt,
                response,
                reference,
                group,
                meta,
            });
        }
        Ok(samples)
    }
}

/// The results of a batch as columns, one item per sample in every list.
///
/// - `rewards`: the final reward, `None` where the sample has none;
/// - `raw_rewards`: the reward before group normalization (the reward
///   itself when the spec does not normalize);
/// - `errors`: why a sample has no reward, else `None`;
/// - `values[aspect]`: the aspect's value where it scored, else `None`;
/// - `statuses[aspect]`: `"scored"`, `"not_applicable"`, `"gated"` (held
///   back by a `requires` gate: it counts 0), `"failed"` or `"timed_out"`;
/// - `problems`: `(sample index, aspect, message)` for every failed or
///   timed-out evaluation.
#[pyclass(name = "Columns", module = "plaudit", frozen)]
#[derive(Debug)]
pub struct PyColumns {
    /// The aspect names, in spec order.
    #[pyo3(get)]
    aspect_names: Py<PyList>,
    /// The final rewards.
    #[pyo3(get)]
    rewards: Py<PyList>,
    /// The rewards before group normalization.
    #[pyo3(get)]
    raw_rewards: Py<PyList>,
    /// Why a sample has no reward.
    #[pyo3(get)]
    errors: Py<PyList>,
    /// Values by aspect.
    #[pyo3(get)]
    values: Py<PyDict>,
    /// Statuses by aspect.
    #[pyo3(get)]
    statuses: Py<PyDict>,
    /// Failed and timed-out evaluations.
    #[pyo3(get)]
    problems: Py<PyList>,
    len: usize,
}

impl PyColumns {
    pub(crate) fn new(py: Python<'_>, engine: &PyEngine, scores: Vec<Score>) -> PyResult<Self> {
        let n = scores.len();
        let names = engine.names();
        let scored = intern!(py, "scored");
        let not_applicable = intern!(py, "not_applicable");
        let gated = intern!(py, "gated");
        let failed = intern!(py, "failed");
        let timed_out = intern!(py, "timed_out");

        let mut rewards = Vec::with_capacity(n);
        let mut raw = Vec::with_capacity(n);
        let mut errors = Vec::with_capacity(n);
        let mut values: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(n); names.len()];
        let mut statuses: Vec<Vec<Bound<'_, PyString>>> = vec![Vec::with_capacity(n); names.len()];
        let problems = PyList::empty(py);
        for (i, s) in scores.iter().enumerate() {
            rewards.push(s.reward);
            raw.push(s.raw_reward.or(s.reward));
            errors.push(s.error.as_deref());
            for (a, r) in s.aspects.iter().enumerate().take(names.len()) {
                let o = r.outcome();
                values[a].push(o.value());
                let status = match o {
                    Outcome::Scored { .. } => scored,
                    Outcome::NotApplicable { .. }
                        if r.evaluation.details.contains_key("gated_by") =>
                    {
                        gated
                    }
                    Outcome::NotApplicable { .. } => not_applicable,
                    Outcome::Failed { error } => {
                        problems.append((i, names[a].bind(py), error))?;
                        failed
                    }
                    Outcome::TimedOut { .. } => {
                        problems.append((i, names[a].bind(py), o.to_string()))?;
                        timed_out
                    }
                };
                statuses[a].push(status.clone());
            }
        }
        let values_d = PyDict::new(py);
        let statuses_d = PyDict::new(py);
        for (a, name) in names.iter().enumerate() {
            values_d.set_item(name.bind(py), PyList::new(py, &values[a])?)?;
            statuses_d.set_item(name.bind(py), PyList::new(py, &statuses[a])?)?;
        }
        Ok(Self {
            aspect_names: PyList::new(py, names.iter().map(|n| n.bind(py)))?.unbind(),
            rewards: PyList::new(py, rewards)?.unbind(),
            raw_rewards: PyList::new(py, raw)?.unbind(),
            errors: PyList::new(py, errors)?.unbind(),
            values: values_d.unbind(),
            statuses: statuses_d.unbind(),
            problems: problems.unbind(),
            len: n,
        })
    }
}

#[pymethods]
impl PyColumns {
    fn __len__(&self) -> usize {
        self.len
    }

    fn __repr__(&self) -> String {
        format!("Columns(len={})", self.len)
    }
}
