//! Scoring one batch: cache, parallel evaluation under a watchdog, combination.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{RecvTimeoutError, Sender};
use plaudit_core::{
    AspectResult, Context, Evaluation, OnMissing, Outcome, Sample, SampleToken, Scope, Score,
    without_details,
};
use rayon::prelude::*;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::cache::CacheKey;
use crate::combine::{Combined, Contribution, combine_batch, single};
use crate::group::{GroupRuns, Grouped, evaluate_groups, group_hash};
use crate::{Engine, Inner, Keep, Pool};

/// How often the watchdog looks at the workers.
pub(crate) const TICK: Duration = Duration::from_millis(20);
/// Samples per task on the pool for CPU aspects: large enough that
/// scheduling and result messages cost little, small enough to balance the
/// load. A chunk held by an aspect that never returns is evaluated again on
/// a fresh pool. Specs with I/O-bound aspects use one sample per task.
pub(crate) const CHUNK: usize = 32;
/// Chunks of at least this many samples copy the aspect names (see
/// [`Rounds::job`]).
const OWN_NAMES_FROM: usize = 8;
/// How far past its deadline a running evaluation may go before its worker
/// is given up on.
const GRACE: Duration = Duration::from_millis(250);

/// One sample's evaluations, in spec order, which aspects a gate held back,
/// and its reward — computed on the worker unless the spec normalizes across
/// samples, in which case the contributions wait for the whole batch.
struct SampleRun {
    id: String,
    results: Vec<AspectResult>,
    gated: Vec<bool>,
    reward: Result<Combined, Vec<Contribution>>,
}

/// What each worker is doing, for the watchdog: one [`Slot`] per worker.
pub(crate) struct Slots {
    epoch: Instant,
    slots: Vec<Slot>,
}

/// One worker's entry: `started` is nanoseconds since `epoch` plus one (0
/// when idle), `what` packs (sample, aspect). Aligned to its own cache
/// lines: each worker writes its entry twice per evaluation, and entries
/// side by side made the cores take the line from each other every time.
#[derive(Default)]
#[repr(align(128))]
struct Slot {
    started: AtomicU64,
    what: AtomicU64,
}

impl Slots {
    pub(crate) fn new(n: usize) -> Self {
        Self {
            epoch: Instant::now(),
            slots: (0..n).map(|_| Slot::default()).collect(),
        }
    }

    pub(crate) fn begin(&self, sample: usize, aspect: usize, at: Instant) {
        if let Some(slot) = rayon::current_thread_index().and_then(|i| self.slots.get(i)) {
            slot.what
                .store(((sample as u64) << 20) | aspect as u64, Ordering::Relaxed);
            let t = at.saturating_duration_since(self.epoch).as_nanos() as u64 + 1;
            slot.started.store(t, Ordering::Release);
        }
    }

    pub(crate) fn end(&self) {
        if let Some(slot) = rayon::current_thread_index().and_then(|i| self.slots.get(i)) {
            slot.started.store(0, Ordering::Release);
        }
    }

    /// A (sample, aspect) running past its deadline plus grace.
    pub(crate) fn stuck(&self, inner: &Inner) -> Option<(usize, usize)> {
        let now = self.epoch.elapsed().as_nanos() as u64 + 1;
        for slot in &self.slots {
            let t = slot.started.load(Ordering::Acquire);
            if t == 0 {
                continue;
            }
            let w = slot.what.load(Ordering::Relaxed);
            let (sample, aspect) = ((w >> 20) as usize, (w & 0xF_FFFF) as usize);
            let Some(p) = inner.aspects.get(aspect) else {
                continue;
            };
            if now.saturating_sub(t) > (p.timeout + GRACE).as_nanos() as u64 {
                return Some((sample, aspect));
            }
        }
        None
    }
}

/// Where a round's workers send their results: the waiting side's channel.
pub(crate) trait Sink<M>: Clone + Send + 'static {
    fn put(&self, message: M);
}

impl<M: Send + 'static> Sink<M> for Sender<M> {
    fn put(&self, message: M) {
        // The waiting side gone means nobody wants the result.
        let _ = self.send(message);
    }
}

impl<M: Send + 'static> Sink<M> for UnboundedSender<M> {
    fn put(&self, message: M) {
        let _ = self.send(message);
    }
}

/// How a round of work on the pool ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RoundEnd {
    /// Every item is done.
    Done,
    /// An evaluation ran past its deadline plus grace: (item, aspect). The
    /// round was cancelled and the engine's pool replaced.
    Stuck(usize, usize),
    /// The pool the round was queued on was replaced (another round gave
    /// up on one of its workers) and the round made no progress for a
    /// tick: it may be waiting behind the held worker. It was cancelled;
    /// what is left runs on the fresh pool.
    Moved,
}

/// One round of work on the engine's pool under the watchdog: `job` runs
/// on the pool with the round's [`Slots`] (each evaluation registers
/// there), a cancellation flag (set when the round is given up on; workers
/// stop taking new items) and a channel for its results, which reach
/// `on_event` on the calling thread as they come (`Some(message)`);
/// `on_event(None)` says no message came for a [`TICK`]. When an evaluation
/// runs past its deadline plus grace the round is cancelled and the
/// engine's pool replaced (the held worker stays with the old pool, which
/// ends once it is free), so the caller can run what is left on a fresh
/// one; see [`RoundEnd`].
pub(crate) fn watched_round<M: Send + 'static>(
    engine: &Engine,
    job: impl FnOnce(Arc<Slots>, Arc<AtomicBool>, Sender<M>) + Send + 'static,
    mut on_event: impl FnMut(Option<M>),
) -> RoundEnd {
    let (pool, generation) = engine.pool.get();
    let slots = Arc::new(Slots::new(pool.current_num_threads()));
    let cancelled = Arc::new(AtomicBool::new(false));
    let (tx, rx) = crossbeam_channel::unbounded::<M>();
    {
        let slots = slots.clone();
        let cancelled = cancelled.clone();
        pool.spawn(move || job(slots, cancelled, tx));
    }
    let mut end = RoundEnd::Done;
    loop {
        match rx.recv_timeout(TICK) {
            Ok(message) => on_event(Some(message)),
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                on_event(None);
                if let Some(e) = check(&engine.inner, &engine.pool, &slots, generation) {
                    end = e;
                    break;
                }
            }
        }
    }
    // Whatever arrived before the job ended or was given up on.
    while let Ok(message) = rx.try_recv() {
        on_event(Some(message));
    }
    settle(&engine.pool, &cancelled, end, generation);
    end
}

/// The watchdog's look at a round that made no progress for a tick.
fn check(inner: &Inner, pool: &Pool, slots: &Slots, generation: u64) -> Option<RoundEnd> {
    if let Some((item, aspect)) = slots.stuck(inner) {
        Some(RoundEnd::Stuck(item, aspect))
    } else if pool.generation() != generation {
        Some(RoundEnd::Moved)
    } else {
        None
    }
}

/// After a round that did not end [`RoundEnd::Done`]: its workers take no
/// new item, and a pool with a held worker is replaced.
fn settle(pool: &Pool, cancelled: &AtomicBool, end: RoundEnd, generation: u64) {
    if end != RoundEnd::Done {
        cancelled.store(true, Ordering::Relaxed);
    }
    if let RoundEnd::Stuck(..) = end {
        pool.replace(generation);
    }
}

/// [`watched_round`] for a caller on an async runtime: the calling task
/// waits for results without holding a thread, and the runtime's timer
/// drives the watchdog's ticks. Dropping the future (the caller gave up)
/// cancels the round, and a task of its own watches what is still running
/// to its end, so that a held worker is still given up on.
pub(crate) async fn watched_round_async<M: Send + 'static>(
    engine: &Engine,
    job: impl FnOnce(Arc<Slots>, Arc<AtomicBool>, UnboundedSender<M>) + Send + 'static,
    mut on_message: impl FnMut(M),
) -> RoundEnd {
    let (pool, generation) = engine.pool.get();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<M>();
    let mut round = AsyncRound {
        slots: Arc::new(Slots::new(pool.current_num_threads())),
        cancelled: Arc::new(AtomicBool::new(false)),
        rx: Some(rx),
        inner: engine.inner.clone(),
        pool: engine.pool.clone(),
        generation,
    };
    {
        let slots = round.slots.clone();
        let cancelled = round.cancelled.clone();
        pool.spawn(move || job(slots, cancelled, tx));
    }
    let rx = round.rx.as_mut().expect("set above");
    let tick = tokio::time::sleep(TICK);
    tokio::pin!(tick);
    let mut end = RoundEnd::Done;
    let mut progressed = false;
    loop {
        tokio::select! {
            biased;
            message = rx.recv() => match message {
                Some(message) => {
                    progressed = true;
                    on_message(message);
                }
                None => break,
            },
            () = &mut tick => {
                if !progressed
                    && let Some(e) = check(&engine.inner, &engine.pool, &round.slots, generation)
                {
                    end = e;
                    break;
                }
                progressed = false;
                tick.as_mut().reset(tokio::time::Instant::now() + TICK);
            }
        }
    }
    while let Ok(message) = rx.try_recv() {
        on_message(message);
    }
    // Done (or given up on, below): nothing left for the guard to watch.
    round.rx = None;
    settle(&engine.pool, &round.cancelled, end, generation);
    end
}

/// A round waited on by [`watched_round_async`]. Dropped while its job is
/// still running (`rx` still set), it cancels the job and hands the
/// watching over to a task (or, outside a runtime, a thread) of its own.
struct AsyncRound<M: Send + 'static> {
    slots: Arc<Slots>,
    cancelled: Arc<AtomicBool>,
    rx: Option<UnboundedReceiver<M>>,
    inner: Arc<Inner>,
    pool: Arc<Pool>,
    /// The generation of the pool the job was queued on.
    generation: u64,
}

impl<M: Send + 'static> Drop for AsyncRound<M> {
    fn drop(&mut self) {
        let Some(mut rx) = self.rx.take() else {
            return;
        };
        self.cancelled.store(true, Ordering::Relaxed);
        let (slots, inner, pool) = (self.slots.clone(), self.inner.clone(), self.pool.clone());
        let cancelled = self.cancelled.clone();
        let generation = self.generation;
        // Workers stop taking items; the one evaluation each may be running
        // either ends (the channel closes) or outlives its deadline (the
        // pool is replaced). Once the pool was replaced, whatever held it
        // is no longer the engine's concern.
        let watch = async move {
            let mut ticks = tokio::time::interval(TICK);
            loop {
                tokio::select! {
                    message = rx.recv() => if message.is_none() { return },
                    _ = ticks.tick() => {
                        if let Some(end) = check(&inner, &pool, &slots, generation) {
                            return settle(&pool, &cancelled, end, generation);
                        }
                    }
                }
            }
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(watch);
        } else {
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .map(|rt| rt.block_on(watch))
            });
        }
    }
}

pub(crate) fn score_batch(engine: &Engine, samples: &Arc<Vec<Sample>>, keep: Keep) -> Vec<Score> {
    let inner = &engine.inner;
    let n = samples.len();
    if n == 0 {
        return Vec::new();
    }

    let cached: Vec<usize> = (0..inner.aspects.len())
        .filter(|&a| inner.aspects[a].cached)
        .collect();
    let (keys, prefilled) = match (&engine.cache, cached.is_empty()) {
        (Some(cache), false) => {
            let keys = cache_keys(inner, samples, &cached);
            let flat: Vec<CacheKey> = keys.iter().flatten().flatten().copied().collect();
            let hits = match cache.get_many(&flat) {
                Ok(h) => h,
                Err(e) => {
                    engine.note_cache_error(e.to_string());
                    vec![None; flat.len()]
                }
            };
            let mut hits = hits.into_iter();
            let prefilled: Vec<Vec<Option<Evaluation>>> = keys
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|k| k.and_then(|_| hits.next().flatten()))
                        .collect()
                })
                .collect();
            (Some(keys), Some(prefilled))
        }
        _ => (None, None),
    };
    // Group aspects first: whole groups, one call each.
    let grouped = evaluate_groups(engine, samples, &prefilled);
    let prefilled = prefilled.map(Arc::new);

    // Fresh evaluations of cached aspects are written while the rest of the
    // batch is still being evaluated (the waiting thread is idle), not after
    // it: a judged batch then ends with its last call, not with a write.
    let mut writer = match (&engine.cache, &keys) {
        (Some(_), Some(keys)) => Some(CacheWriter {
            keys,
            by_group: inner
                .aspects
                .iter()
                .map(|p| p.scope == Scope::Group)
                .collect(),
            pending: Vec::new(),
        }),
        _ => None,
    };
    // A group's fresh evaluations are all written, gated members' too: a
    // group is called again unless every member is in the cache.
    if let (Some(w), Some(g)) = (&mut writer, &grouped) {
        w.add_grouped(g);
    }
    let grouped = grouped.map(Arc::new);
    let runs = dispatch(engine, samples, &prefilled, &grouped, writer.as_mut(), keep);
    if let Some(w) = &mut writer {
        w.flush(engine);
    }
    finish(inner, samples, runs)
}

/// [`score_batch`] without blocking: for engines with neither a cache in
/// use nor aspects that judge whole groups (both need blocking work before
/// and after the pool's), waiting on an async runtime.
pub(crate) async fn score_async(
    engine: &Engine,
    samples: &Arc<Vec<Sample>>,
    keep: Keep,
) -> Vec<Score> {
    if samples.is_empty() {
        return Vec::new();
    }
    let mut rounds = Rounds::new(samples.len());
    while rounds.pending() {
        let job = rounds.job(engine, samples, &None, &None, keep);
        let end = watched_round_async(engine, job, |runs| rounds.take(runs)).await;
        rounds.end_round(end);
    }
    finish(&engine.inner, samples, rounds.finish())
}

/// Combines across the batch where the spec normalizes, and makes the
/// scores.
fn finish(inner: &Inner, samples: &[Sample], mut runs: Vec<SampleRun>) -> Vec<Score> {
    if inner.needs_groups {
        let rows: Vec<Vec<Contribution>> = runs
            .iter_mut()
            .map(
                |run| match std::mem::replace(&mut run.reward, Err(Vec::new())) {
                    Err(row) => row,
                    Ok(_) => unreachable!("grouped specs combine per batch"),
                },
            )
            .collect();
        let groups: Vec<Option<&str>> = samples.iter().map(|s| s.group.as_deref()).collect();
        let combined = combine_batch(&inner.spec.combine, &inner.weights, &rows, &groups);
        for (run, c) in runs.iter_mut().zip(combined) {
            run.reward = Ok(c);
        }
    }

    runs.into_iter()
        .map(|run| {
            let c = run
                .reward
                .unwrap_or_else(|_| unreachable!("combined above"));
            Score {
                id: run.id,
                reward: c.reward,
                raw_reward: c.raw,
                error: c.error,
                aspects: run.results,
            }
        })
        .collect()
}

impl Engine {
    pub(crate) fn note_cache_error(&self, e: String) {
        let mut errors = self.cache_errors.lock().unwrap_or_else(|e| e.into_inner());
        if !errors.contains(&e) {
            errors.push(e);
        }
    }
}

/// Writes fresh evaluations of cached aspects to the cache as samples
/// finish, a few at a time.
struct CacheWriter<'a> {
    keys: &'a [Vec<Option<CacheKey>>],
    /// Aspects of [`Scope::Group`], written by [`CacheWriter::add_grouped`].
    by_group: Vec<bool>,
    pending: Vec<(CacheKey, Evaluation)>,
}

impl CacheWriter<'_> {
    /// Evaluations worth one transaction.
    const BATCH: usize = 64;

    /// Queues the fresh evaluations of group aspects.
    fn add_grouped(&mut self, grouped: &GroupRuns) {
        for (keys, row) in self.keys.iter().zip(grouped) {
            for (k, g) in keys.iter().zip(row) {
                if let (Some(k), Some(g)) = (k, g) {
                    self.pending.push((*k, g.evaluation.clone()));
                }
            }
        }
    }

    /// Queues a finished sample's fresh evaluations (not cache hits, not
    /// gated ones, not those of group aspects).
    fn add(&mut self, s: usize, run: &SampleRun) {
        for (a, k) in self.keys[s].iter().enumerate() {
            if self.by_group[a] {
                continue;
            }
            let r = &run.results[a];
            let gated = run.gated.get(a).copied().unwrap_or(false);
            if let (Some(k), Some(false)) = (k, r.cache_hit)
                && !gated
            {
                self.pending.push((*k, r.evaluation.clone()));
            }
        }
    }

    /// Writes what is queued once there is a transaction's worth, or
    /// whatever there is when `all`.
    fn write(&mut self, engine: &Engine, all: bool) {
        if self.pending.is_empty() || (!all && self.pending.len() < Self::BATCH) {
            return;
        }
        if let Some(cache) = &engine.cache {
            let batch = std::mem::take(&mut self.pending);
            if let Err(e) = cache.put_many(batch.iter().map(|(k, e)| (*k, e))) {
                engine.note_cache_error(e.to_string());
            }
        }
    }

    fn flush(&mut self, engine: &Engine) {
        self.write(engine, true);
    }
}

/// Cache keys, `keys[sample][aspect]`, `Some` for cached aspects only.
fn cache_keys(inner: &Inner, samples: &[Sample], cached: &[usize]) -> Vec<Vec<Option<CacheKey>>> {
    // The id and group do not change a per-sample aspect's verdict; the
    // rest may.
    let contents: Vec<blake3::Hash> = samples
        .par_iter()
        .map(|s| {
            let content = serde_json::to_vec(&(&s.prompt, &s.response, &s.reference, &s.meta))
                .expect("samples serialize");
            blake3::hash(&content)
        })
        .collect();
    // A group aspect's verdict depends on the whole group, and on the id
    // (which may pick the group's reference).
    let by_group = cached
        .iter()
        .any(|&a| inner.aspects[a].scope == Scope::Group);
    let groups = if by_group {
        group_hash(samples, &contents)
    } else {
        Vec::new()
    };
    (0..samples.len())
        .into_par_iter()
        .map(|s| {
            let mut row = vec![None; inner.aspects.len()];
            for &a in cached {
                let p = &inner.aspects[a];
                let mut h = blake3::Hasher::new();
                h.update(&p.config_hash);
                h.update(contents[s].as_bytes());
                if p.scope == Scope::Group {
                    h.update(&[0xFF]);
                    h.update(groups[s].as_bytes());
                    h.update(samples[s].id.as_bytes());
                }
                row[a] = Some(CacheKey(*h.finalize().as_bytes()));
            }
            row
        })
        .collect()
}

/// Evaluates every sample, replacing the pool whenever a worker is held past
/// an aspect's deadline, until every sample has a result.
fn dispatch(
    engine: &Engine,
    samples: &Arc<Vec<Sample>>,
    prefilled: &Option<Arc<Hits>>,
    grouped: &Option<Arc<GroupRuns>>,
    mut writer: Option<&mut CacheWriter<'_>>,
    keep: Keep,
) -> Vec<SampleRun> {
    let mut rounds = Rounds::new(samples.len());
    while rounds.pending() {
        let job = rounds.job(engine, samples, prefilled, grouped, keep);
        // Results travel a chunk at a time: one message (and at most one
        // wake-up of the waiting thread) per CHUNK samples, not per sample.
        let end = watched_round(engine, job, |event| {
            let Some(runs) = event else {
                // Idle: a good moment to write what is queued.
                if let Some(w) = writer.as_deref_mut() {
                    w.write(engine, true);
                }
                return;
            };
            if let Some(w) = writer.as_deref_mut() {
                for (s, run) in &runs {
                    w.add(*s, run);
                }
            }
            rounds.take(runs);
            if let Some(w) = writer.as_deref_mut() {
                w.write(engine, false);
            }
        });
        rounds.end_round(end);
    }
    rounds.finish()
}

/// The samples of a batch still to evaluate, round after round: a round
/// ends when all are done or when the watchdog gives up on a worker, and
/// the next one runs what is left on a fresh pool.
struct Rounds {
    done: Vec<Option<SampleRun>>,
    todo: Vec<usize>,
    /// (sample → aspects) evaluations abandoned by the watchdog.
    abandoned: HashMap<usize, Vec<usize>>,
}

/// A chunk's results, by sample index.
type Runs = Vec<(usize, SampleRun)>;

/// Cache hits, `hits[sample][aspect]`.
type Hits = Vec<Vec<Option<Evaluation>>>;

impl Rounds {
    fn new(n: usize) -> Self {
        Self {
            done: (0..n).map(|_| None).collect(),
            todo: (0..n).collect(),
            abandoned: HashMap::new(),
        }
    }

    fn pending(&self) -> bool {
        !self.todo.is_empty()
    }

    /// The next round's work on the pool: the samples still to do, in
    /// chunks, each chunk's results sent as one message.
    fn job<S: Sink<Runs>>(
        &self,
        engine: &Engine,
        samples: &Arc<Vec<Sample>>,
        prefilled: &Option<Arc<Hits>>,
        grouped: &Option<Arc<GroupRuns>>,
        keep: Keep,
    ) -> impl FnOnce(Arc<Slots>, Arc<AtomicBool>, S) + Send + 'static {
        let inner = engine.inner.clone();
        let samples = samples.clone();
        let prefilled = prefilled.clone();
        let grouped = grouped.clone();
        let todo = self.todo.clone();
        let abandoned = self.abandoned.clone();
        let chunk_size = inner.chunk;
        move |slots: Arc<Slots>, cancelled: Arc<AtomicBool>, tx: S| {
            let work = |tx: &mut S, chunk: &[usize]| {
                let mut runs = Vec::with_capacity(chunk.len());
                // Where the next evaluation starts: each one ends where
                // the next begins, across the samples of the chunk.
                let mut clock = Instant::now();
                // A chunk of many samples makes its own copies of the
                // aspect names for its results: cloning the engine's shared
                // ones, every worker bumped the same reference counts for
                // every sample, and the cache lines went back and forth
                // between cores (engine bench, two threads: 6% of the
                // time). For a few samples (a server's single-sample
                // requests) the copies cost more than they save.
                let names: Vec<Arc<str>> = if chunk.len() >= OWN_NAMES_FROM {
                    inner.aspects.iter().map(|p| Arc::from(&*p.name)).collect()
                } else {
                    inner.aspects.iter().map(|p| p.name.clone()).collect()
                };
                let out = Out {
                    names: &names,
                    keep,
                };
                for &s in chunk {
                    if cancelled.load(Ordering::Relaxed) {
                        return;
                    }
                    let settled = Settled {
                        hits: prefilled.as_deref().map(|p| p[s].as_slice()),
                        grouped: grouped.as_deref().map(|g| g[s].as_slice()),
                        abandoned: abandoned.get(&s).map_or(&[][..], Vec::as_slice),
                    };
                    let sample = &samples[s];
                    let run =
                        evaluate_sample(&inner, sample, s, &settled, &slots, &mut clock, &out);
                    runs.push((s, run));
                }
                tx.put(runs);
            };
            if todo.len() == 1 {
                // One sample (a server's single-sample request): no
                // splitting to do.
                let mut tx = tx;
                work(&mut tx, &todo);
            } else if chunk_size == 1 {
                // I/O-bound aspects: every sample its own task, so that
                // each worker waits on one call rather than a queue.
                todo.par_chunks(1).with_max_len(1).for_each_with(tx, work);
            } else {
                todo.par_chunks(chunk_size).for_each_with(tx, work);
            }
        }
    }

    fn take(&mut self, runs: Runs) {
        for (s, run) in runs {
            self.done[s] = Some(run);
        }
    }

    /// After a round: the evaluation the watchdog gave up on, if any, is
    /// abandoned, and what is not done stays to do.
    fn end_round(&mut self, end: RoundEnd) {
        if let RoundEnd::Stuck(s, a) = end {
            self.abandoned.entry(s).or_default().push(a);
        }
        let done = &self.done;
        self.todo.retain(|&s| done[s].is_none());
    }

    fn finish(self) -> Vec<SampleRun> {
        self.done
            .into_iter()
            .map(|r| r.expect("every sample has a result"))
            .collect()
    }
}

/// What is settled about one sample before its aspects run.
struct Settled<'a> {
    /// Cache hits by aspect; there only when the engine has a cache.
    hits: Option<&'a [Option<Evaluation>]>,
    /// Group aspects' evaluations, made with the sample's group.
    grouped: Option<&'a [Option<Grouped>]>,
    /// Aspects the watchdog gave up on for this sample.
    abandoned: &'a [usize],
}

/// How a chunk's results are made: the aspect names they carry, and what
/// of each evaluation the caller keeps.
struct Out<'a> {
    names: &'a [Arc<str>],
    keep: Keep,
}

/// Evaluates the aspects of one sample in gate order; group aspects take
/// their evaluation from `settled.grouped` or the cache. `clock` is where
/// the first evaluation starts, and becomes where the last one ended;
/// `out` says how the results are made.
fn evaluate_sample(
    inner: &Inner,
    sample: &Sample,
    index: usize,
    settled: &Settled<'_>,
    slots: &Slots,
    clock: &mut Instant,
    out: &Out<'_>,
) -> SampleRun {
    let Settled {
        hits,
        grouped,
        abandoned,
    } = *settled;
    let n = inner.aspects.len();
    // Results land in evaluation order; with no gates that is spec order
    // and they are pushed straight into place.
    let mut slots_by_aspect: Vec<Option<AspectResult>> = Vec::new();
    let mut in_order: Vec<AspectResult> = Vec::new();
    if inner.has_gates {
        slots_by_aspect.resize_with(n, || None);
    } else {
        in_order.reserve_exact(n);
    }
    // Which aspects a gate held back: only tracked when there are gates.
    let mut gated = if inner.has_gates {
        vec![false; n]
    } else {
        Vec::new()
    };
    let size = sample.response.text().len();
    let limit = inner.spec.limits.max_response_bytes;
    // One clock read per aspect: each evaluation ends where the next starts
    // (the first where the last sample's last one ended).
    let mut now = *clock;
    // The aspects of this sample may share work on it (see `SampleToken`).
    let token = SampleToken::next();

    for &a in &inner.order {
        let p = &inner.aspects[a];
        let hit = hits.and_then(|h| h[a].clone());
        // `hits` is there only when the engine has a cache.
        let mut cache_hit = (p.cached && hits.is_some()).then_some(hit.is_some());
        let mut latency_us = 0;
        let gate_failed = p.gates.iter().copied().find(|&g| {
            let r = slots_by_aspect[g]
                .as_ref()
                .expect("gates are evaluated first");
            !r.evaluation
                .outcome
                .value()
                .is_some_and(|v| v >= inner.aspects[g].pass_threshold)
        });
        let evaluation = if size > limit {
            Evaluation::failed(format!(
                "the response is {size} bytes, over the limit of {limit} (limits.max_response_bytes); it was not read"
            ))
        } else if let Some(g) = gate_failed {
            gated[a] = true;
            let gate = &inner.aspects[g];
            let why = match slots_by_aspect[g].as_ref().map(|r| &r.evaluation.outcome) {
                Some(Outcome::Scored { value }) => {
                    format!("{value} < pass_threshold {}", gate.pass_threshold)
                }
                Some(other) => other.status().to_string(),
                None => "not evaluated".into(),
            };
            Evaluation::not_applicable(format!("gated: `{}` did not pass ({why})", gate.name))
                .with("gated_by", gate.name.to_string())
        } else if abandoned.contains(&a) {
            Evaluation::new(Outcome::timed_out(p.timeout)).with(
                "abandoned",
                "the aspect did not return by its deadline; its worker was given up on",
            )
        } else if let Some(g) = grouped.and_then(|g| g[a].as_ref()) {
            // Fresh with its group, even where the cache held this member.
            cache_hit = cache_hit.map(|_| false);
            latency_us = g.latency_us;
            g.evaluation.clone()
        } else if let Some(hit) = hit {
            hit
        } else if p.scope == Scope::Group {
            Evaluation::failed(
                "the aspect judges whole groups, and this sample's group was not evaluated",
            )
        } else {
            let start = now;
            let cx = Context::starting_at(start, p.timeout).for_sample(token);
            slots.begin(index, a, start);
            // Details off only where nothing else reads them: a fresh
            // evaluation of a cached aspect goes to the cache whole.
            let details = out.keep == Keep::Details || cache_hit.is_some();
            let result = catch_unwind(AssertUnwindSafe(|| {
                if details {
                    p.aspect.evaluate(sample, &cx)
                } else {
                    without_details(|| p.aspect.evaluate(sample, &cx))
                }
            }));
            slots.end();
            now = Instant::now();
            let elapsed = now.saturating_duration_since(start);
            latency_us = elapsed.as_micros().try_into().unwrap_or(u64::MAX);
            match result {
                Ok(_) if elapsed > p.timeout => Evaluation::new(Outcome::timed_out(p.timeout)),
                Ok(e) => e,
                Err(panic) => {
                    Evaluation::failed(format!("the aspect panicked: {}", panic_message(&panic)))
                }
            }
        };
        let result = AspectResult {
            name: out.names[a].clone(),
            evaluation,
            latency_us,
            cache_hit,
        };
        if inner.has_gates {
            slots_by_aspect[a] = Some(result);
        } else {
            in_order.push(result);
        }
    }
    let results: Vec<AspectResult> = if inner.has_gates {
        slots_by_aspect
            .into_iter()
            .map(|r| r.expect("every aspect is in the order"))
            .collect()
    } else {
        in_order
    };
    let row = contributions(inner, &results, &gated);
    let reward = if inner.needs_groups {
        Err(row.collect())
    } else {
        Ok(single(&inner.spec.combine, &inner.weights, row))
    };
    *clock = now;
    SampleRun {
        id: sample.id.clone(),
        results,
        gated,
        reward,
    }
}

pub(crate) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".into()
    }
}

/// How each aspect of a sample enters the combination.
fn contributions<'a>(
    inner: &'a Inner,
    results: &'a [AspectResult],
    gated: &'a [bool],
) -> impl Iterator<Item = Contribution> + 'a {
    inner
        .aspects
        .iter()
        .zip(results)
        .enumerate()
        .map(|(a, (p, r))| {
            if gated.get(a).copied().unwrap_or(false) {
                return Contribution::Value(0.0);
            }
            match (&r.evaluation.outcome, p.on_missing) {
                (Outcome::Scored { value }, _) => Contribution::Value(*value),
                (_, OnMissing::Skip) => Contribution::Skip,
                (_, OnMissing::Zero) => Contribution::Value(0.0),
                (outcome, OnMissing::Fail) => Contribution::Fail(format!(
                    "aspect `{}` {outcome} (on_missing = \"fail\")",
                    p.name
                )),
            }
        })
}
