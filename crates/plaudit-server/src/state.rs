//! What every handler shares: the specs, the limits, the metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use plaudit_core::{Sample, Score};
use plaudit_engine::{Engine, Keep};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;
use crate::metrics::{Metrics, Occupancy};
use crate::{ServerConfig, ServerError};

/// The state behind a [`router`](crate::router), built from a validated
/// [`ServerConfig`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) specs: Vec<SpecEntry>,
    token: Option<Vec<u8>>,
    pub(crate) max_body_bytes: usize,
    pub(crate) request_timeout: Duration,
    permits: Arc<Semaphore>,
    max_in_flight: usize,
    /// Turns to be handled on a blocking thread
    /// ([`ServerConfig::max_blocking`]), how many there are, and how many
    /// requests wait for one.
    blocking: Arc<Semaphore>,
    max_blocking: usize,
    blocking_waiting: AtomicUsize,
    retry_after_secs: u64,
    pub(crate) eot_tokens: Vec<String>,
    pub(crate) missing_reward: f64,
    pub(crate) metrics: Metrics,
    /// Whether every served engine scores without blocking
    /// ([`Engine::can_score_async`]): small requests are then handled on
    /// the async runtime.
    pub(crate) all_async: bool,
}

/// Where a request's scoring waits for the engine's workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scoring {
    /// On the async runtime, without holding a thread.
    Async,
    /// On the blocking thread the handler runs on.
    Blocking,
}

/// A served spec.
#[derive(Debug)]
pub(crate) struct SpecEntry {
    pub(crate) name: String,
    pub(crate) engine: Arc<Engine>,
    /// The engine's aspect names, in spec order, borrowed by each request
    /// (cloning them per request bumped reference counts every thread
    /// shares).
    pub(crate) aspects: Vec<Arc<str>>,
    /// The aspects' indices in the order of their names (for answers that
    /// list aspects by name, sorted).
    pub(crate) by_name: Vec<usize>,
    /// Its position, for the metrics.
    pub(crate) index: usize,
}

impl AppState {
    /// Checks `config` (see [`ServerConfig::validate`]) and prepares the
    /// state for it.
    pub fn new(config: ServerConfig) -> Result<Self, ServerError> {
        config.validate()?;
        Ok(Self::from_validated(config))
    }

    pub(crate) fn from_validated(config: ServerConfig) -> Self {
        let metrics = Metrics::new(
            config
                .specs
                .iter()
                .map(|(name, engine)| (name.clone(), engine.aspect_names())),
        );
        let specs: Vec<SpecEntry> = config
            .specs
            .into_iter()
            .enumerate()
            .map(|(index, (name, engine))| {
                let aspects = engine.aspect_names();
                let mut by_name: Vec<usize> = (0..aspects.len()).collect();
                by_name.sort_by(|&a, &b| aspects[a].cmp(&aspects[b]));
                SpecEntry {
                    name,
                    aspects,
                    by_name,
                    engine,
                    index,
                }
            })
            .collect();
        let all_async = specs.iter().all(|s| s.engine.can_score_async());
        let busiest = specs.iter().map(|s| s.engine.workers()).max().unwrap_or(1);
        let blocking = config
            .max_blocking
            .unwrap_or(4 * busiest)
            .clamp(1, config.max_in_flight);
        Self {
            inner: Arc::new(Inner {
                all_async,
                specs,
                token: config.token.map(String::into_bytes),
                max_body_bytes: config.max_body_bytes,
                request_timeout: config.request_timeout,
                permits: Arc::new(Semaphore::new(config.max_in_flight)),
                max_in_flight: config.max_in_flight,
                blocking: Arc::new(Semaphore::new(blocking)),
                max_blocking: blocking,
                blocking_waiting: AtomicUsize::new(0),
                retry_after_secs: config.retry_after_secs,
                eot_tokens: config.eot_tokens,
                missing_reward: config.missing_reward,
                metrics,
            }),
        }
    }

    /// Whether a bearer token is configured.
    pub(crate) fn requires_token(&self) -> bool {
        self.inner.token.is_some()
    }

    /// Whether `presented` (the `Authorization` header's value) carries the
    /// token; always true when no token is configured.
    pub(crate) fn authorized(&self, presented: Option<&[u8]>) -> bool {
        let Some(token) = &self.inner.token else {
            return true;
        };
        let Some(given) = presented.and_then(|h| h.strip_prefix(b"Bearer ")) else {
            return false;
        };
        constant_time_eq(given, token)
    }

    /// A slot for one scoring request, or 503 when all are taken. Rejecting
    /// at once (rather than queueing) keeps latency bounded and tells a
    /// load balancer or trainer to back off.
    pub(crate) fn admit(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.inner.permits.clone().try_acquire_owned().map_err(|_| {
            let mut e = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the server is busy: {} scoring requests are in flight (max_in_flight); retry later",
                    self.inner.max_in_flight
                ),
            );
            e.retry_after = Some(self.inner.retry_after_secs);
            e
        })
    }

    /// A turn to be handled on a blocking thread, waited for: a request
    /// that gives up waiting (deadline, client gone) leaves the queue.
    pub(crate) async fn blocking_turn(&self) -> OwnedSemaphorePermit {
        /// Counts a waiting request until it has its turn or gives up.
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        self.inner.blocking_waiting.fetch_add(1, Ordering::Relaxed);
        let _waiting = Waiting(&self.inner.blocking_waiting);
        self.inner
            .blocking
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed")
    }

    /// How full the limits are now: scoring slots and blocking turns taken,
    /// requests waiting for a turn, and the settings.
    pub(crate) fn occupancy(&self) -> Occupancy {
        let inner = &self.inner;
        Occupancy {
            scoring_in_flight: inner.max_in_flight - inner.permits.available_permits(),
            max_in_flight: inner.max_in_flight,
            blocking_in_use: inner.max_blocking - inner.blocking.available_permits(),
            blocking_waiting: inner.blocking_waiting.load(Ordering::Relaxed),
            max_blocking: inner.max_blocking,
        }
    }

    /// The spec a request asks for: by the path, else by a `data_source`
    /// field, else the default. A name that is not served is a 404 listing
    /// those that are; a path and a `data_source` that disagree are a 400.
    pub(crate) fn resolve(
        &self,
        path: Option<&str>,
        data_source: Option<&str>,
    ) -> Result<&SpecEntry, ApiError> {
        let name = match (path, data_source) {
            (Some(p), Some(d)) if p != d => {
                return Err(ApiError::bad_request(format!(
                    "the path names spec {p:?} but `data_source` names {d:?}"
                )));
            }
            (Some(n), _) | (None, Some(n)) => n,
            (None, None) => return Ok(&self.inner.specs[0]),
        };
        self.inner
            .specs
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| {
                let known: Vec<String> = self
                    .inner
                    .specs
                    .iter()
                    .map(|s| format!("{:?}", s.name))
                    .collect();
                ApiError::not_found(format!(
                    "unknown spec {name:?}; this server serves {}",
                    known.join(", ")
                ))
            })
    }

    /// Scores `samples` with `spec` and counts the outcomes: waiting on the
    /// runtime or blocking the calling thread, as `on` says, and keeping
    /// details only where the protocol answers with them (`keep`).
    pub(crate) async fn score(
        &self,
        spec: &SpecEntry,
        samples: Vec<Sample>,
        on: Scoring,
        keep: Keep,
    ) -> Result<Vec<Score>, ApiError> {
        if samples.is_empty() {
            return Ok(Vec::new());
        }
        let scores = match on {
            Scoring::Async if spec.engine.can_score_async() => {
                spec.engine.score_async_keeping(samples, keep).await
            }
            // Not reached (a server with such a spec handles every request
            // on a blocking thread), but never block the runtime.
            Scoring::Async => {
                let engine = spec.engine.clone();
                tokio::task::spawn_blocking(move || engine.score_batch_keeping(samples, keep))
                    .await
                    .map_err(|_| ApiError::internal())?
            }
            Scoring::Blocking => {
                // Freed here, where they were made: `score_batch` hands them
                // to a worker to free, which a busy server pays for in
                // frees across threads (wrk, 256-sample bodies: about 4%).
                let samples = Arc::new(samples);
                let scores = spec.engine.score_shared_keeping(&samples, keep);
                drop(samples);
                scores
            }
        };
        self.inner.metrics.record_scores(spec.index, &scores);
        // A failing cache never fails a score, but it must not go unseen:
        // each failure is logged once and counted in /metrics.
        let errors = spec.engine.take_cache_errors();
        if !errors.is_empty() {
            self.inner
                .metrics
                .record_cache_errors(spec.index, errors.len());
            for e in errors {
                eprintln!("warning: result cache of spec `{}`: {e}", spec.name);
            }
        }
        Ok(scores)
    }
}

/// Compares in time that depends only on the lengths, so that response
/// timing does not reveal how much of a guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(constant_time_eq(b"", b""));
    }
}
