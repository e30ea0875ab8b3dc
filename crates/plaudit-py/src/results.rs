//! Typed results: `plaudit.Score` and `plaudit.AspectResult`.

use plaudit_core::{AspectResult, Outcome, Score};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert;
use crate::errors::PlauditError;

/// The reward of one sample, with every aspect's outcome.
///
/// `reward` is `None` when an aspect whose `on_missing` is `fail` did not
/// score; `error` then says which and why.
#[pyclass(name = "Score", module = "plaudit", frozen)]
#[derive(Debug, Clone)]
pub struct PyScore {
    inner: Score,
}

impl From<Score> for PyScore {
    fn from(inner: Score) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl PyScore {
    /// The sample's id (its position in the batch when it had none).
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// The final reward, or `None` when the sample has none (see `error`).
    #[getter]
    fn reward(&self) -> Option<f64> {
        self.inner.reward
    }

    /// The reward before group normalization, when the spec normalizes.
    #[getter]
    fn raw_reward(&self) -> Option<f64> {
        self.inner.raw_reward
    }

    /// Why there is no reward.
    #[getter]
    fn error(&self) -> Option<&str> {
        self.inner.error.as_deref()
    }

    /// Every aspect's result, by name, in spec order.
    #[getter]
    fn aspects<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for a in &self.inner.aspects {
            d.set_item(&*a.name, PyAspectResult::from(a.clone()))?;
        }
        Ok(d)
    }

    /// Each aspect's value by name: a number when it scored, else `None`.
    #[getter]
    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for a in &self.inner.aspects {
            d.set_item(&*a.name, a.outcome().value())?;
        }
        Ok(d)
    }

    /// The named aspect's result.
    fn __getitem__(&self, name: &str) -> PyResult<PyAspectResult> {
        self.inner
            .aspect(name)
            .cloned()
            .map(PyAspectResult::from)
            .ok_or_else(|| {
                let names: Vec<&str> = self.inner.aspects.iter().map(|a| &*a.name).collect();
                pyo3::exceptions::PyKeyError::new_err(format!(
                    "no aspect {name:?}; the aspects are {names:?}"
                ))
            })
    }

    /// The score as plain data, in the shape `plaudit score` writes:
    /// `{"id", "reward", ["raw_reward"], ["error"], "aspects": {…}}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = serde_json::to_value(&self.inner)
            .map_err(|e| PlauditError::new_err(format!("cannot serialize the score: {e}")))?;
        convert::to_py(py, &v)
    }

    fn __repr__(&self) -> String {
        let aspects: Vec<String> = self
            .inner
            .aspects
            .iter()
            .map(|a| format!("{}={}", a.name, short(a.outcome())))
            .collect();
        match (&self.inner.reward, &self.inner.error) {
            (Some(r), _) => format!(
                "Score(id={:?}, reward={r}, {})",
                self.inner.id,
                aspects.join(", ")
            ),
            (None, e) => format!(
                "Score(id={:?}, reward=None, error={:?}, {})",
                self.inner.id,
                e.as_deref().unwrap_or(""),
                aspects.join(", ")
            ),
        }
    }
}

fn short(o: &Outcome) -> String {
    match o {
        Outcome::Scored { value } => value.to_string(),
        other => other.status().to_string(),
    }
}

/// One aspect's part in a `Score`: its outcome and provenance.
#[pyclass(name = "AspectResult", module = "plaudit", frozen)]
#[derive(Debug, Clone)]
pub struct PyAspectResult {
    inner: AspectResult,
}

impl From<AspectResult> for PyAspectResult {
    fn from(inner: AspectResult) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl PyAspectResult {
    /// The aspect's name in the spec.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// `"scored"`, `"not_applicable"`, `"failed"` or `"timed_out"`.
    #[getter]
    fn status(&self) -> &'static str {
        self.inner.outcome().status().as_str()
    }

    /// The value when scored, else `None`.
    #[getter]
    fn value(&self) -> Option<f64> {
        self.inner.outcome().value()
    }

    /// Why the aspect does not apply (status `not_applicable`).
    #[getter]
    fn reason(&self) -> Option<&str> {
        match self.inner.outcome() {
            Outcome::NotApplicable { reason } => Some(reason),
            _ => None,
        }
    }

    /// What went wrong (status `failed`).
    #[getter]
    fn error(&self) -> Option<&str> {
        match self.inner.outcome() {
            Outcome::Failed { error } => Some(error),
            _ => None,
        }
    }

    /// The deadline missed, in milliseconds (status `timed_out`).
    #[getter]
    fn after_ms(&self) -> Option<u64> {
        match self.inner.outcome() {
            Outcome::TimedOut { after_ms } => Some(*after_ms),
            _ => None,
        }
    }

    /// Whether a gate (`requires`) held the aspect back; it then counts 0.
    #[getter]
    fn gated(&self) -> bool {
        self.inner.evaluation.details.contains_key("gated_by")
    }

    /// Provenance: what was extracted, why it was judged so…
    #[getter]
    fn details<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in self.inner.evaluation.details.iter() {
            d.set_item(k, convert::to_py(py, v)?)?;
        }
        Ok(d)
    }

    /// How long the evaluation took, in microseconds (0 on a cache hit).
    #[getter]
    fn latency_us(&self) -> u64 {
        self.inner.latency_us
    }

    /// For cached aspects, whether the evaluation came from the cache.
    #[getter]
    fn cache_hit(&self) -> Option<bool> {
        self.inner.cache_hit
    }

    /// The result as plain data, as `plaudit score` writes it.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = serde_json::to_value(&self.inner)
            .map_err(|e| PlauditError::new_err(format!("cannot serialize the result: {e}")))?;
        convert::to_py(py, &v)
    }

    fn __repr__(&self) -> String {
        format!(
            "AspectResult(name={:?}, {})",
            &*self.inner.name,
            self.inner.outcome()
        )
    }
}
