//! Runs a reward spec over batches of samples.
//!
//! An [`Engine`] is built once from a spec: every aspect is constructed (so
//! bad parameters are reported before any sample is read), gates are put in
//! evaluation order, and a bounded CPU pool is started. Then
//! [`Engine::score_batch`] turns samples into [`Score`]s:
//!
//! 1. expensive aspects are looked up in the [`Cache`], one transaction per
//!    batch;
//! 2. aspects that judge whole groups ([`plaudit_core::Scope::Group`]) are
//!    evaluated first, one `evaluate_batch` call per group of the batch
//!    (groups in parallel, under the same deadline and watchdog as below);
//!    their cache key covers the whole group, so a verdict is never served
//!    to the same response in another group;
//! 3. samples are evaluated in parallel on the pool (rayon), each aspect with
//!    its own deadline; a gate that did not pass skips the aspects behind it;
//! 4. a watchdog on the calling thread notices an aspect that overruns its
//!    deadline without returning: its evaluation becomes `timed_out`, the
//!    held worker is abandoned with its pool, and the rest of the batch is
//!    finished on a fresh pool — so no aspect can stall a batch;
//! 5. new evaluations of expensive aspects are written to the cache;
//! 6. aspect values are combined and normalized within groups.
//!
//! The engine never turns a failure into a number on its own: how a
//! non-scored outcome enters the reward is the spec's `on_missing` decision.
#![deny(missing_docs)]

mod cache;
mod combine;
mod group;
mod run;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use plaudit_core::spec::{SpecSource, canonical_json, evaluation_order};
use plaudit_core::{
    Aspect, BuildContext, Cost, OnMissing, Registry, Scope, Score, Spec, SpecError,
};
use rayon::ThreadPool;

pub use cache::{Cache, CacheError, CacheKey};

/// What a caller keeps of each evaluation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Keep {
    /// Outcomes and the details that explain them (what was extracted,
    /// which check failed): what `plaudit score` writes. The default.
    #[default]
    Details,
    /// Outcomes only, for a caller that discards details (a server
    /// protocol that answers numbers). Aspects run with details off
    /// ([`plaudit_core::without_details`]) and skip building them; values,
    /// statuses, errors and rewards are the same as with
    /// [`Keep::Details`]. Aspects whose evaluations go to the cache, and
    /// aspects that judge whole groups, still record theirs, so the cache
    /// only ever holds whole evaluations.
    Outcomes,
}

/// The registry of every aspect kind this build knows.
pub fn default_registry() -> Registry {
    let mut registry = Registry::new();
    plaudit_verifiers::register(&mut registry);
    plaudit_math::aspect::register(&mut registry);
    plaudit_judge::register(&mut registry);
    plaudit_model::register(&mut registry);
    registry
}

/// One built aspect with the spec fields the engine acts on.
#[derive(Debug)]
struct Prepared {
    name: Arc<str>,
    aspect: Box<dyn Aspect>,
    timeout: Duration,
    on_missing: OnMissing,
    pass_threshold: f64,
    weight: f64,
    gates: Vec<usize>,
    cached: bool,
    /// Whether it judges whole groups (see [`run`] and [`group`]).
    scope: Scope,
    /// BLAKE3 of (kind, version, parameters): half of every cache key.
    config_hash: [u8; 32],
}

#[derive(Debug)]
struct Inner {
    spec: Spec,
    hash: String,
    aspects: Vec<Prepared>,
    order: Vec<usize>,
    weights: Vec<f64>,
    needs_groups: bool,
    /// The aspects of [`Scope::Group`], in spec order.
    group_aspects: Vec<usize>,
    /// Whether any aspect is gated (evaluation order then differs from
    /// spec order and gate results are looked up).
    has_gates: bool,
    /// Samples per task on the pool: 32 for CPU aspects, 1 when an aspect
    /// waits on I/O (see [`plaudit_core::Aspect::concurrency`]), so that
    /// every worker has a sample to wait on.
    chunk: usize,
}

/// Configures an [`Engine`].
#[derive(Debug, Default)]
pub struct EngineBuilder {
    registry: Option<Registry>,
    threads: Option<usize>,
    cache: Option<Arc<Cache>>,
}

impl EngineBuilder {
    /// The aspect kinds the spec may use (default: [`default_registry`]).
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Worker threads for CPU aspects (default: the available parallelism).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// Caches evaluations of expensive aspects (and of aspects whose spec
    /// says `cache = true`) in this cache. Without one, nothing is cached.
    pub fn cache(mut self, cache: Arc<Cache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Parses the spec, builds every aspect and starts the pool. All
    /// problems — syntax, validation, and parameters each kind rejects — are
    /// reported together, located in the spec's text.
    pub fn build(self, source: &SpecSource) -> Result<Engine, SpecError> {
        let registry = self.registry.unwrap_or_else(default_registry);
        let (spec, mut problems) = source.parse_with_problems(&registry)?;
        let cx = BuildContext {
            base_dir: source.base_dir.clone(),
        };
        let mut aspects = Vec::with_capacity(spec.aspects.len());
        for (i, a) in spec.aspects.iter().enumerate() {
            // Unknown kinds are already among the problems; the parameters of
            // the others are checked even when the spec has other problems.
            let Some(entry) = registry.get(&a.kind) else {
                continue;
            };
            match (entry.build)(&a.params, &cx) {
                Ok(aspect) => {
                    let cached = a.cache.unwrap_or(aspect.cost() == Cost::Expensive);
                    let scope = aspect.scope();
                    let mut h = blake3::Hasher::new();
                    h.update(a.kind.as_bytes());
                    h.update(&[0]);
                    h.update(&entry.version.to_le_bytes());
                    h.update(&canonical_json(&serde_json::Value::Object(
                        a.params.clone(),
                    )));
                    let gates = a
                        .requires
                        .iter()
                        .map(|r| {
                            spec.aspects
                                .iter()
                                .position(|b| &b.name == r)
                                .expect("validated")
                        })
                        .collect();
                    aspects.push(Prepared {
                        name: Arc::from(a.name.as_str()),
                        aspect,
                        timeout: a.timeout(),
                        on_missing: a.on_missing(&spec),
                        pass_threshold: a.pass_threshold,
                        weight: a.weight,
                        gates,
                        cached,
                        scope,
                        config_hash: *h.finalize().as_bytes(),
                    });
                }
                Err(e) => problems.push(source.aspect_error(
                    i,
                    e.field(),
                    format!("aspect `{}` ({}): {e}", a.name, a.kind),
                )),
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line);
            return Err(SpecError::new(source.origin.clone(), problems));
        }
        let order = evaluation_order(&spec);
        let cpu_threads = self
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        // Aspects that wait on I/O ask for more evaluations in flight than
        // there are cores; their waits cost no CPU.
        let io = aspects
            .iter()
            .map(|a| a.aspect.concurrency().clamp(1, MAX_CONCURRENCY))
            .max()
            .unwrap_or(1);
        let threads = cpu_threads.max(io);
        let chunk = if io > 1 { 1 } else { run::CHUNK };
        let hash = spec.content_hash();
        let weights = aspects.iter().map(|a| a.weight).collect();
        let has_gates = aspects.iter().any(|a| !a.gates.is_empty());
        let group_aspects = (0..aspects.len())
            .filter(|&a| aspects[a].scope == Scope::Group)
            .collect();
        let c = &spec.combine;
        let needs_groups = c.normalize != plaudit_core::Normalize::None
            || c.method == plaudit_core::CombineMethod::NormalizeThenSum;
        Ok(Engine {
            inner: Arc::new(Inner {
                spec,
                hash,
                aspects,
                order,
                weights,
                needs_groups,
                group_aspects,
                has_gates,
                chunk,
            }),
            pool: Arc::new(Pool::new(threads)),
            cache: self.cache,
            cache_errors: Mutex::new(Vec::new()),
        })
    }
}

/// The most workers an I/O-bound aspect can ask for.
const MAX_CONCURRENCY: usize = 256;

/// The engine's CPU pool, which the watchdog replaces when one of its
/// workers is held past an aspect's deadline (the held worker stays with
/// the old pool, which ends once it is free). Shared, so that a round whose
/// caller went away can still be watched to its end.
#[derive(Debug)]
pub(crate) struct Pool {
    current: Mutex<Arc<ThreadPool>>,
    /// How many times the pool was replaced: a round queued on a replaced
    /// pool may wait behind its held workers, and moves to the fresh one.
    generation: AtomicU64,
    threads: usize,
}

impl Pool {
    fn new(threads: usize) -> Self {
        Self {
            current: Mutex::new(Arc::new(Self::start(threads))),
            generation: AtomicU64::new(0),
            threads,
        }
    }

    fn start(threads: usize) -> ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("plaudit-worker-{i}"))
            .build()
            .expect("starting the worker pool")
    }

    /// The pool to use now, and its generation.
    pub(crate) fn get(&self) -> (Arc<ThreadPool>, u64) {
        let current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        (current.clone(), self.generation.load(Ordering::Relaxed))
    }

    /// The current pool's generation.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// Gives up on the pool of `generation` and starts a fresh one, unless
    /// that pool was already replaced (two rounds held on the same pool
    /// replace it once).
    pub(crate) fn replace(&self, generation: u64) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::Relaxed) != generation {
            return;
        }
        *current = Arc::new(Self::start(self.threads));
        self.generation.fetch_add(1, Ordering::Relaxed);
    }
}

/// A spec, built and ready to score batches of samples. Shareable across
/// threads; batches may be scored concurrently.
#[derive(Debug)]
pub struct Engine {
    inner: Arc<Inner>,
    pool: Arc<Pool>,
    cache: Option<Arc<Cache>>,
    cache_errors: Mutex<Vec<String>>,
}

impl Engine {
    /// Configures an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Builds an engine from a spec file with the default registry.
    pub fn from_path(path: impl Into<PathBuf>) -> Result<Engine, SpecError> {
        Self::builder().build(&SpecSource::from_path(&path.into())?)
    }

    /// The spec.
    pub fn spec(&self) -> &Spec {
        &self.inner.spec
    }

    /// The spec's content hash.
    pub fn spec_hash(&self) -> &str {
        &self.inner.hash
    }

    /// The aspect names, in spec (and output) order.
    pub fn aspect_names(&self) -> Vec<Arc<str>> {
        self.inner.aspects.iter().map(|a| a.name.clone()).collect()
    }

    /// Whether scores depend on other samples of the batch (group
    /// normalization, or an aspect that judges whole groups): callers that
    /// split a stream into batches must then keep each group within one
    /// batch.
    pub fn needs_groups(&self) -> bool {
        self.inner.needs_groups || !self.inner.group_aspects.is_empty()
    }

    /// Whether any aspect's evaluations are cached (expensive aspects, and
    /// those whose spec says `cache = true`).
    pub fn has_cached_aspects(&self) -> bool {
        self.inner.aspects.iter().any(|a| a.cached)
    }

    /// Uses this cache from now on.
    pub fn with_cache(mut self, cache: Arc<Cache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Cache errors met so far (each reported once, then cleared). A cache
    /// failure never fails a score: the engine evaluates without the cache.
    pub fn take_cache_errors(&self) -> Vec<String> {
        std::mem::take(&mut *self.cache_errors.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Scores a batch. Scores come back in the order of `samples`; group
    /// normalization is computed within the batch.
    pub fn score_batch(&self, samples: Vec<plaudit_core::Sample>) -> Vec<Score> {
        self.score_batch_keeping(samples, Keep::Details)
    }

    /// [`Engine::score_batch`], keeping `keep` of each evaluation.
    pub fn score_batch_keeping(
        &self,
        samples: Vec<plaudit_core::Sample>,
        keep: Keep,
    ) -> Vec<Score> {
        let samples = Arc::new(samples);
        let scores = run::score_batch(self, &samples, keep);
        // Freeing a batch of samples is real work; let a worker do it while
        // the caller goes on.
        self.pool.get().0.spawn(move || drop(samples));
        scores
    }

    /// How many evaluations the engine runs at once: its workers (one per
    /// core for CPU aspects, more for aspects that wait on I/O).
    pub fn workers(&self) -> usize {
        self.pool.threads
    }

    /// Whether [`Engine::score_async`] scores without blocking: true unless
    /// a cache is in use for some aspect or an aspect judges whole groups
    /// (reading and writing the cache, and group calls, block their
    /// thread).
    pub fn can_score_async(&self) -> bool {
        self.inner.group_aspects.is_empty() && (self.cache.is_none() || !self.has_cached_aspects())
    }

    /// Scores a batch from an async runtime: the same scores as
    /// [`Engine::score_batch`], with the same deadlines and watchdog, but
    /// the calling task waits for the workers without holding a thread,
    /// and the runtime's timer drives the watchdog. Must be polled within a
    /// tokio runtime with its time driver enabled.
    ///
    /// Dropping the future (a request deadline, a client gone) cancels the
    /// batch: workers take no new sample, and what is running is watched to
    /// its end in the background, so a worker held past a deadline is still
    /// given up on.
    ///
    /// Where [`Engine::can_score_async`] is false this scores with
    /// [`Engine::score_batch`] on the calling thread, blocking it: callers
    /// on a runtime should then hand the batch to a blocking thread.
    pub async fn score_async(&self, samples: Vec<plaudit_core::Sample>) -> Vec<Score> {
        self.score_async_keeping(samples, Keep::Details).await
    }

    /// [`Engine::score_async`], keeping `keep` of each evaluation.
    pub async fn score_async_keeping(
        &self,
        samples: Vec<plaudit_core::Sample>,
        keep: Keep,
    ) -> Vec<Score> {
        if !self.can_score_async() {
            return self.score_batch_keeping(samples, keep);
        }
        run::score_async(self, &Arc::new(samples), keep).await
    }

    /// Scores a batch the caller keeps: the samples are shared with the
    /// workers, not copied, and stay the caller's afterwards (bindings that
    /// hold their inputs, benchmarks that free them outside the clock).
    pub fn score_shared(&self, samples: &Arc<Vec<plaudit_core::Sample>>) -> Vec<Score> {
        run::score_batch(self, samples, Keep::Details)
    }

    /// [`Engine::score_shared`], keeping `keep` of each evaluation.
    pub fn score_shared_keeping(
        &self,
        samples: &Arc<Vec<plaudit_core::Sample>>,
        keep: Keep,
    ) -> Vec<Score> {
        run::score_batch(self, samples, keep)
    }
}
