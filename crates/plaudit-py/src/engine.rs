//! `plaudit.Engine`: a spec built into an engine, safe across threads and
//! across `fork`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use plaudit_core::Sample;
use plaudit_core::spec::{Format, SpecSource};
use plaudit_engine::{Cache, Engine, Keep};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};

use crate::columns::{Columns, PyColumns};
use crate::convert;
use crate::errors::{PlauditError, SampleError, spec_error};
use crate::results::PyScore;

/// The engine and the process it was built in.
#[derive(Debug)]
struct Built {
    pid: u32,
    engine: Arc<Engine>,
}

/// A reward spec, built and ready to score batches of samples.
///
/// Build one with `Engine.from_file(path)`, `Engine.from_toml(text)` or
/// `Engine.from_json(text)`. Scoring releases the GIL, so threads calling one
/// engine run in parallel; an engine used in a child process after `fork`
/// rebuilds its worker pool there. Engines pickle (by their spec text), so
/// they can be sent to Ray workers and multiprocessing pools.
#[pyclass(name = "Engine", module = "plaudit", frozen)]
#[derive(Debug)]
pub struct PyEngine {
    source: SpecSource,
    threads: Option<usize>,
    cache: Option<PathBuf>,
    built: Mutex<Built>,
    /// Aspect names in spec order, kept as Python strings so that result
    /// columns reuse them.
    names: Vec<Py<pyo3::types::PyString>>,
}

fn build(source: &SpecSource, threads: Option<usize>, cache: Option<&Path>) -> PyResult<Engine> {
    let mut builder = Engine::builder();
    if let Some(t) = threads {
        builder = builder.threads(t);
    }
    if let Some(path) = cache {
        let cache = Cache::open(path).map_err(|e| PlauditError::new_err(e.to_string()))?;
        builder = builder.cache(Arc::new(cache));
    }
    builder.build(source).map_err(|e| spec_error(&e))
}

impl PyEngine {
    fn new(
        py: Python<'_>,
        source: SpecSource,
        threads: Option<usize>,
        cache: Option<PathBuf>,
    ) -> PyResult<Self> {
        if threads == Some(0) {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "threads must be at least 1 (or None for one per core)",
            ));
        }
        let engine = py.detach(|| build(&source, threads, cache.as_deref()))?;
        let names = engine
            .aspect_names()
            .iter()
            .map(|n| pyo3::types::PyString::new(py, n).unbind())
            .collect();
        Ok(Self {
            source,
            threads,
            cache,
            built: Mutex::new(Built {
                pid: std::process::id(),
                engine: Arc::new(engine),
            }),
            names,
        })
    }

    /// The engine of this process, rebuilt first when this process is a
    /// child forked after the engine was built.
    pub(crate) fn engine(&self) -> PyResult<Arc<Engine>> {
        let pid = std::process::id();
        let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if built.pid != pid {
            let fresh = build(&self.source, self.threads, self.cache.as_deref())?;
            let stale = std::mem::replace(&mut built.engine, Arc::new(fresh));
            // Its pool's threads exist only in the parent; dropping it here
            // would wait on them or touch their locks.
            std::mem::forget(stale);
            built.pid = pid;
        }
        Ok(built.engine.clone())
    }

    /// Scores samples with the GIL released, keeping `keep` of each
    /// evaluation.
    pub(crate) fn run(
        &self,
        py: Python<'_>,
        samples: Vec<Sample>,
        keep: Keep,
    ) -> PyResult<Vec<plaudit_core::Score>> {
        let engine = self.engine()?;
        Ok(py.detach(move || score_here(&engine, samples, keep)))
    }

    pub(crate) fn names(&self) -> &[Py<pyo3::types::PyString>] {
        &self.names
    }
}

/// Scores on the calling thread's behalf and frees the samples there:
/// `Engine::score_batch` would hand the freeing to a pool worker, one more
/// task and wake-up per call, which small calls from many threads feel.
fn score_here(engine: &Engine, samples: Vec<Sample>, keep: Keep) -> Vec<plaudit_core::Score> {
    let samples = Arc::new(samples);
    engine.score_shared_keeping(&samples, keep)
}

/// Collects a Python sequence (or any iterable) into a vector, converting
/// each item with its index.
fn collect<T>(
    items: &Bound<'_, PyAny>,
    what: &str,
    mut f: impl FnMut(&Bound<'_, PyAny>, usize) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    if let Ok(list) = items.cast::<PyList>() {
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            out.push(f(&item, i)?);
        }
        return Ok(out);
    }
    if items.cast::<pyo3::types::PyString>().is_ok() || items.cast::<PyDict>().is_ok() {
        return Err(SampleError::new_err(format!(
            "{what} must be a list (or another iterable) of samples, not a single `{}`",
            convert::type_name(items)
        )));
    }
    let mut out = Vec::new();
    for (i, item) in items.try_iter()?.enumerate() {
        out.push(f(&item?, i)?);
    }
    Ok(out)
}

#[pymethods]
impl PyEngine {
    /// Builds an engine from exactly one of `path`, `toml` or `json`.
    #[new]
    #[pyo3(signature = (*, path=None, toml=None, json=None, origin=None, base_dir=None, threads=None, cache=None))]
    #[allow(clippy::too_many_arguments)]
    fn py_new(
        py: Python<'_>,
        path: Option<PathBuf>,
        toml: Option<String>,
        json: Option<String>,
        origin: Option<String>,
        base_dir: Option<PathBuf>,
        threads: Option<usize>,
        cache: Option<PathBuf>,
    ) -> PyResult<Self> {
        let mut source = match (path, toml, json) {
            (Some(path), None, None) => SpecSource::from_path(&path).map_err(|e| spec_error(&e))?,
            (None, Some(text), None) => SpecSource::from_text(
                origin.unwrap_or_else(|| "<toml>".into()),
                text,
                Format::Toml,
            ),
            (None, None, Some(text)) => SpecSource::from_text(
                origin.unwrap_or_else(|| "<json>".into()),
                text,
                Format::Json,
            ),
            _ => {
                return Err(pyo3::exceptions::PyTypeError::new_err(
                    "give exactly one of `path`, `toml` or `json`",
                ));
            }
        };
        if let Some(dir) = base_dir {
            source.base_dir = dir;
        }
        Self::new(py, source, threads, cache)
    }

    /// Builds an engine from a spec file (TOML, or JSON for `.json`).
    /// Relative paths in the spec resolve against the file's folder.
    #[classmethod]
    #[pyo3(signature = (path, *, threads=None, cache=None))]
    fn from_file<'py>(
        cls: &Bound<'py, PyType>,
        path: PathBuf,
        threads: Option<usize>,
        cache: Option<PathBuf>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kw = PyDict::new(cls.py());
        kw.set_item("path", path)?;
        kw.set_item("threads", threads)?;
        kw.set_item("cache", cache)?;
        cls.call((), Some(&kw))
    }

    /// Builds an engine from TOML text. Relative paths in the spec resolve
    /// against `base_dir` (default: the current directory).
    #[classmethod]
    #[pyo3(signature = (text, *, base_dir=None, threads=None, cache=None))]
    fn from_toml<'py>(
        cls: &Bound<'py, PyType>,
        text: String,
        base_dir: Option<PathBuf>,
        threads: Option<usize>,
        cache: Option<PathBuf>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kw = PyDict::new(cls.py());
        kw.set_item("toml", text)?;
        kw.set_item("base_dir", base_dir)?;
        kw.set_item("threads", threads)?;
        kw.set_item("cache", cache)?;
        cls.call((), Some(&kw))
    }

    /// Builds an engine from JSON text.
    #[classmethod]
    #[pyo3(signature = (text, *, base_dir=None, threads=None, cache=None))]
    fn from_json<'py>(
        cls: &Bound<'py, PyType>,
        text: String,
        base_dir: Option<PathBuf>,
        threads: Option<usize>,
        cache: Option<PathBuf>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kw = PyDict::new(cls.py());
        kw.set_item("json", text)?;
        kw.set_item("base_dir", base_dir)?;
        kw.set_item("threads", threads)?;
        kw.set_item("cache", cache)?;
        cls.call((), Some(&kw))
    }

    /// Scores a batch of samples: dicts or objects (dataclasses…) with a
    /// `response` and optionally `id`, `prompt`, `reference`, `group`,
    /// `meta`. Returns one `Score` per sample, in order. Group
    /// normalization, when the spec asks for it, is computed within the
    /// batch.
    fn score(&self, py: Python<'_>, samples: &Bound<'_, PyAny>) -> PyResult<Vec<PyScore>> {
        let samples = collect(samples, "samples", convert::sample)?;
        let scores = self.run(py, samples, Keep::Details)?;
        Ok(scores.into_iter().map(PyScore::from).collect())
    }

    /// Scores one sample; the same as `score([sample])[0]`.
    fn score_one(&self, py: Python<'_>, sample: &Bound<'_, PyAny>) -> PyResult<PyScore> {
        let sample = convert::sample(sample, 0)?;
        let score = self.run(py, vec![sample], Keep::Details)?.pop();
        score
            .map(PyScore::from)
            .ok_or_else(|| PlauditError::new_err("the engine returned no score"))
    }

    /// Scores samples given as columns (parallel sequences), the shape
    /// trainers hold them in, and returns the results as columns. Only
    /// `responses` is required; every other column, when given, has the
    /// same length.
    #[pyo3(signature = (responses, references=None, prompts=None, groups=None, metas=None, ids=None))]
    #[allow(clippy::too_many_arguments)]
    fn score_columns(
        &self,
        py: Python<'_>,
        responses: &Bound<'_, PyAny>,
        references: Option<&Bound<'_, PyAny>>,
        prompts: Option<&Bound<'_, PyAny>>,
        groups: Option<&Bound<'_, PyAny>>,
        metas: Option<&Bound<'_, PyAny>>,
        ids: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyColumns> {
        let samples = Columns::read(responses, references, prompts, groups, metas, ids)?;
        // Columns hold values, not details: the aspects skip building them.
        let scores = self.run(py, samples, Keep::Outcomes)?;
        PyColumns::new(py, self, scores)
    }

    /// `await engine.score_async(samples)`: `score` without blocking the
    /// event loop. Samples are read at once; scoring runs on a thread of
    /// its own, without the GIL, and the result is delivered to the running
    /// loop.
    fn score_async<'py>(
        &self,
        py: Python<'py>,
        samples: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let samples = collect(samples, "samples", convert::sample)?;
        let engine = self.engine()?;
        spawn_future(
            py,
            move || score_here(&engine, samples, Keep::Details),
            |py, scores| {
                let list = PyList::empty(py);
                for s in scores {
                    list.append(PyScore::from(s))?;
                }
                Ok(list.into_any())
            },
        )
    }

    /// `await engine.score_columns_async(...)`: `score_columns` without
    /// blocking the event loop.
    #[pyo3(signature = (responses, references=None, prompts=None, groups=None, metas=None, ids=None))]
    #[allow(clippy::too_many_arguments)]
    fn score_columns_async<'py>(
        slf: &Bound<'py, Self>,
        responses: &Bound<'py, PyAny>,
        references: Option<&Bound<'py, PyAny>>,
        prompts: Option<&Bound<'py, PyAny>>,
        groups: Option<&Bound<'py, PyAny>>,
        metas: Option<&Bound<'py, PyAny>>,
        ids: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let samples = Columns::read(responses, references, prompts, groups, metas, ids)?;
        let engine = slf.get().engine()?;
        let this = slf.clone().unbind();
        spawn_future(
            py,
            move || score_here(&engine, samples, Keep::Outcomes),
            move |py, scores| {
                Ok(Bound::new(py, PyColumns::new(py, this.get(), scores)?)?.into_any())
            },
        )
    }

    /// The spec's name.
    #[getter]
    fn name(&self) -> String {
        self.source_spec_name()
    }

    /// The spec's content hash.
    #[getter]
    fn spec_hash(&self) -> PyResult<String> {
        Ok(self.engine()?.spec_hash().to_owned())
    }

    /// The aspect names, in spec (and output) order.
    #[getter]
    fn aspect_names(&self, py: Python<'_>) -> Vec<Py<pyo3::types::PyString>> {
        self.names.iter().map(|n| n.clone_ref(py)).collect()
    }

    /// The spec, as the dict its JSON form reads as.
    #[getter]
    fn spec<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.engine()?;
        let value = serde_json::to_value(engine.spec())
            .map_err(|e| PlauditError::new_err(format!("cannot serialize the spec: {e}")))?;
        convert::to_py(py, &value)
    }

    /// Whether rewards depend on other samples of the batch (group
    /// normalization): then every group must be scored in one call.
    #[getter]
    fn needs_groups(&self) -> PyResult<bool> {
        Ok(self.engine()?.needs_groups())
    }

    /// Worker threads for CPU aspects (`None`: one per core).
    #[getter]
    fn threads(&self) -> Option<usize> {
        self.threads
    }

    fn __repr__(&self) -> String {
        format!(
            "Engine(name={:?}, origin={:?}, aspects={})",
            self.source_spec_name(),
            self.source.origin,
            self.names.len()
        )
    }

    /// Pickles by spec text: the engine is rebuilt where it is unpickled.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let state = PyDict::new(py);
        let format = match self.source.format {
            Format::Toml => "toml",
            Format::Json => "json",
        };
        state.set_item(format, &self.source.text)?;
        state.set_item("origin", &self.source.origin)?;
        state.set_item("base_dir", &self.source.base_dir)?;
        state.set_item("threads", self.threads)?;
        state.set_item("cache", self.cache.as_deref())?;
        let cls = py.get_type::<PyEngine>();
        let rebuild = py
            .import("plaudit._native")?
            .getattr("_engine_from_state")?;
        PyTuple::new(
            py,
            [
                rebuild,
                PyTuple::new(py, [cls.into_any(), state.into_any()])?.into_any(),
            ],
        )
    }
}

impl PyEngine {
    fn source_spec_name(&self) -> String {
        self.built
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .engine
            .spec()
            .name
            .clone()
    }
}

/// Runs `work` on a new thread without the GIL and returns an asyncio
/// future of the running loop that `finish` resolves with its result.
fn spawn_future<'py, T: Send + 'static>(
    py: Python<'py>,
    work: impl FnOnce() -> T + Send + 'static,
    finish: impl FnOnce(Python<'_>, T) -> PyResult<Bound<'_, PyAny>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>> {
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let future = event_loop.call_method0("create_future")?;
    let (loop_ref, future_ref) = (event_loop.unbind(), future.clone().unbind());
    std::thread::Builder::new()
        .name("plaudit-async".into())
        .spawn(move || {
            let out = work();
            Python::attach(|py| {
                let delivered = (|| -> PyResult<()> {
                    let (setter, value) = match finish(py, out) {
                        Ok(v) => ("_set_result", v),
                        Err(e) => ("_set_exception", e.into_value(py).into_bound(py).into_any()),
                    };
                    let setter = py.import("plaudit._native")?.getattr(setter)?;
                    loop_ref.call_method1(
                        py,
                        "call_soon_threadsafe",
                        (setter, &future_ref, value),
                    )?;
                    Ok(())
                })();
                // A closed loop has no one left to tell.
                drop(delivered);
            });
        })
        .map_err(|e| PlauditError::new_err(format!("cannot start a scoring thread: {e}")))?;
    Ok(future)
}

/// Resolves an asyncio future unless it was cancelled meanwhile.
#[pyfunction]
pub(crate) fn _set_result(future: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
    if !future.call_method0("done")?.is_truthy()? {
        future.call_method1("set_result", (value,))?;
    }
    Ok(())
}

/// Fails an asyncio future unless it was cancelled meanwhile.
#[pyfunction]
pub(crate) fn _set_exception(future: &Bound<'_, PyAny>, error: &Bound<'_, PyAny>) -> PyResult<()> {
    if !future.call_method0("done")?.is_truthy()? {
        future.call_method1("set_exception", (error,))?;
    }
    Ok(())
}

/// Rebuilds a pickled engine (`Engine.__reduce__`).
#[pyfunction]
pub(crate) fn _engine_from_state<'py>(
    cls: &Bound<'py, PyType>,
    state: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    cls.call((), Some(state))
}
