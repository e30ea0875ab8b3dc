//! The thread that owns an in-process model: it takes tokenized texts off
//! a channel, runs each distinct one once in length-sorted batches bounded
//! by a token budget, and sends each caller its outputs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crossbeam_channel::{Receiver, Sender};

use plaudit_core::{Context, Evaluation, Outcome};

/// One text's output: an embedding, token rows, or a classifier's logits.
pub(crate) type Embedding = Arc<[f32]>;

/// A model the worker runs: token id sequences in, one vector each out,
/// in order. `threads > 1` may spread the work over the current rayon pool.
pub(crate) trait Forward: Send + Sync + 'static {
    fn forward(&self, batch: &[&[u32]], threads: usize) -> Result<Vec<Vec<f32>>, String>;
}

/// A caller's end of a job: the outputs of its texts, in order.
pub(crate) type Reply = Receiver<Result<Vec<Embedding>, String>>;

/// Waits for a job's outputs until the aspect's deadline; what went wrong
/// is the evaluation to report.
pub(crate) fn wait(reply: &Reply, cx: &Context) -> Result<Vec<Embedding>, Evaluation> {
    let left = cx
        .deadline()
        .saturating_duration_since(std::time::Instant::now());
    match reply.recv_timeout(left) {
        Ok(Ok(outputs)) => Ok(outputs),
        Ok(Err(e)) => Err(Evaluation::failed(e)),
        Err(_) if cx.expired() => Err(Evaluation::new(Outcome::timed_out(cx.timeout()))),
        Err(_) => Err(Evaluation::failed("the model's thread dropped the sample")),
    }
}

/// Implements `Aspect` for a type whose `submit(&Sample)` queues a sample
/// (or says why it cannot) and whose `finish(pending, cx)` waits for and
/// scores it: a batch queues every sample before waiting for any, so that
/// they share the model's batches; the aspect is expensive (cached), and
/// enough samples are in flight for the model's thread to form full
/// batches, the callers only tokenizing and waiting.
macro_rules! queued_aspect {
    ($ty:ty) => {
        impl plaudit_core::Aspect for $ty {
            fn evaluate(
                &self,
                sample: &plaudit_core::Sample,
                cx: &plaudit_core::Context,
            ) -> plaudit_core::Evaluation {
                self.finish(self.submit(sample), cx)
            }

            fn evaluate_batch(
                &self,
                samples: &[&plaudit_core::Sample],
                cx: &plaudit_core::Context,
            ) -> Vec<plaudit_core::Evaluation> {
                let pending: Vec<_> = samples.iter().map(|s| self.submit(s)).collect();
                pending.into_iter().map(|p| self.finish(p, cx)).collect()
            }

            fn cost(&self) -> plaudit_core::Cost {
                plaudit_core::Cost::Expensive
            }

            fn concurrency(&self) -> usize {
                64
            }
        }
    };
}
pub(crate) use queued_aspect;

/// Texts to run for one caller.
#[derive(Debug)]
pub(crate) struct Job {
    /// Token ids.
    pub texts: Vec<Vec<u32>>,
    pub reply: Sender<Result<Vec<Embedding>, String>>,
}

/// How many 4-byte values (outputs and the token ids that key them) the
/// worker keeps, so that a text seen again (a group's shared reference or
/// prompt, a response scored by several aspects of one model, a dataset
/// that repeats itself) is not run again: 64 MiB.
const CACHE_FLOATS: usize = 16 << 20;

/// Embeddings of texts that repeat (references, prompts), by token ids.
#[derive(Default)]
struct Cache {
    map: HashMap<Vec<u32>, Embedding>,
    floats: usize,
}

/// At most this many jobs are taken off the queue for one round.
const MAX_JOBS_PER_ROUND: usize = 1024;

/// Starts the model's thread and its pool of compute threads (one per
/// core); they end when every sender is dropped.
///
/// The pool is the model's own, not rayon's global one: the engine's
/// workers wait for embeddings on the global pool's threads, and work
/// queued behind them there could wait forever.
/// `name` names the threads (`plaudit-<name>`, `plaudit-<name>-<i>`).
fn spawn(
    model: impl Forward,
    batch_tokens: usize,
    name: &'static str,
) -> std::io::Result<Sender<Job>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(move |i| format!("plaudit-{name}-{i}"))
        .build()
        .map_err(std::io::Error::other)?;
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name(format!("plaudit-{name}"))
        .spawn(move || {
            let compute = Compute {
                model: &model,
                pool: &pool,
                threads,
                batch_tokens,
            };
            run(&compute, &rx);
        })?;
    Ok(tx)
}

/// A model whose thread starts on its first use, so that building a spec
/// (to check it) starts nothing: the model until then, the thread's queue
/// after, or why the thread could not start.
pub(crate) struct Lazy<F> {
    pending: Mutex<Option<F>>,
    batch_tokens: usize,
    /// The threads' name ([`spawn`]).
    name: &'static str,
    /// What the model is, for errors ("the embedding model").
    what: &'static str,
    queue: OnceLock<Result<Sender<Job>, String>>,
}

impl<F: Forward> Lazy<F> {
    pub(crate) fn new(
        model: F,
        batch_tokens: usize,
        name: &'static str,
        what: &'static str,
    ) -> Self {
        Lazy {
            pending: Mutex::new(Some(model)),
            batch_tokens,
            name,
            what,
            queue: OnceLock::new(),
        }
    }

    /// The model thread's queue, starting the thread on the first call.
    pub(crate) fn queue(&self) -> Result<&Sender<Job>, String> {
        self.queue
            .get_or_init(|| {
                let taken = self.pending.lock().map_err(|e| e.to_string())?.take();
                let model = taken.ok_or_else(|| format!("{} is gone", self.what))?;
                spawn(model, self.batch_tokens, self.name)
                    .map_err(|e| format!("could not start {}'s thread: {e}", self.what))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl<F> std::fmt::Debug for Lazy<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lazy")
            .field("name", &self.name)
            .field("started", &self.queue.get().is_some())
            .finish_non_exhaustive()
    }
}

/// What a round computes with.
struct Compute<'a> {
    model: &'a dyn Forward,
    pool: &'a rayon::ThreadPool,
    threads: usize,
    batch_tokens: usize,
}

fn run(compute: &Compute<'_>, rx: &Receiver<Job>) {
    let mut cache = Cache::default();
    let mut jobs = Vec::new();
    while let Ok(first) = rx.recv() {
        jobs.push(first);
        while jobs.len() < MAX_JOBS_PER_ROUND {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        round(compute, &mut cache, &mut jobs);
    }
}

/// Embeds every text of `jobs` (each distinct one once) and replies.
fn round(compute: &Compute<'_>, cache: &mut Cache, jobs: &mut Vec<Job>) {
    // The distinct texts not in the cache, and for each job's text the
    // index of its embedding among `fresh` or its cached embedding.
    let mut index: HashMap<&[u32], usize> = HashMap::new();
    let mut fresh: Vec<&[u32]> = Vec::new();
    for job in jobs.iter() {
        for ids in &job.texts {
            if !cache.map.contains_key(ids) && !index.contains_key(ids.as_slice()) {
                index.insert(ids, fresh.len());
                fresh.push(ids);
            }
        }
    }
    let embedded = embed_all(compute, &fresh);
    let result: Result<Vec<Embedding>, String> =
        embedded.map(|v| v.into_iter().map(Embedding::from).collect());
    for job in jobs.iter() {
        let reply = match &result {
            Ok(embeddings) => Ok(job
                .texts
                .iter()
                .map(|ids| match index.get(ids.as_slice()) {
                    Some(&i) => Arc::clone(&embeddings[i]),
                    None => Arc::clone(&cache.map[ids]),
                })
                .collect()),
            Err(e) => Err(e.clone()),
        };
        // A caller that gave up (its deadline passed) has dropped its end.
        let _ = job.reply.send(reply);
    }
    if let Ok(embeddings) = &result {
        for (ids, embedding) in fresh.iter().zip(embeddings) {
            let len = embedding.len() + ids.len();
            if len > CACHE_FLOATS {
                continue;
            }
            if cache.floats + len > CACHE_FLOATS {
                // Start over: the texts that repeat from now on are the
                // ones worth keeping.
                cache.map.clear();
                cache.floats = 0;
            }
            cache.floats += len;
            cache.map.insert(ids.to_vec(), Arc::clone(embedding));
        }
    }
    drop((index, fresh));
    jobs.clear();
}

/// The embeddings of `texts`, in order. Sorted by length, they form
/// batches of at most `batch_tokens` tokens; several batches run side by
/// side, one per compute thread, and a lone batch spreads over all of them.
fn embed_all(compute: &Compute<'_>, texts: &[&[u32]]) -> Result<Vec<Vec<f32>>, String> {
    use rayon::prelude::*;

    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| texts[i].len());
    let mut batches: Vec<&[usize]> = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let end = batch_end(
            |k| texts[order[k]].len(),
            start,
            order.len(),
            compute.batch_tokens,
        );
        batches.push(&order[start..end]);
        start = end;
    }
    let one = |batch: &&[usize], threads: usize| {
        let ids: Vec<&[u32]> = batch.iter().map(|&i| texts[i]).collect();
        compute
            .model
            .forward(&ids, threads)
            .map_err(|e| format!("the model failed: {e}"))
    };
    let results: Vec<Result<Vec<Vec<f32>>, String>> = compute.pool.install(|| {
        if batches.len() > 1 {
            batches.par_iter().map(|b| one(b, 1)).collect()
        } else {
            batches.iter().map(|b| one(b, compute.threads)).collect()
        }
    });
    let mut out: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
    for (batch, embeddings) in batches.iter().zip(results) {
        for (&i, e) in batch.iter().zip(embeddings?) {
            out[i] = e;
        }
    }
    Ok(out)
}

/// Where the batch that starts at `start` ends: texts are sorted by
/// ascending length and packed without padding, so a batch holds texts
/// while their total length stays within the budget, and at least one
/// text, however long.
fn batch_end(len: impl Fn(usize) -> usize, start: usize, n: usize, budget: usize) -> usize {
    let mut end = start + 1;
    let mut total = len(start);
    while end < n && total + len(end) <= budget {
        total += len(end);
        end += 1;
    }
    end
}
#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A model whose output is the sum of the ids, counting what it runs.
    struct Counting(Arc<AtomicUsize>);

    impl Forward for Counting {
        fn forward(&self, batch: &[&[u32]], _: usize) -> Result<Vec<Vec<f32>>, String> {
            self.0.fetch_add(batch.len(), Ordering::SeqCst);
            Ok(batch
                .iter()
                .map(|ids| vec![ids.iter().sum::<u32>() as f32])
                .collect())
        }
    }

    fn ask(q: &Sender<Job>, texts: Vec<Vec<u32>>) -> Vec<f32> {
        let (reply, rx) = crossbeam_channel::bounded(1);
        q.send(Job { texts, reply }).unwrap();
        rx.recv().unwrap().unwrap().iter().map(|e| e[0]).collect()
    }

    #[test]
    fn each_distinct_text_runs_once_and_is_remembered() {
        let runs = Arc::new(AtomicUsize::new(0));
        let q = spawn(Counting(Arc::clone(&runs)), 64, "test").unwrap();
        assert_eq!(
            ask(&q, vec![vec![1, 2], vec![3], vec![1, 2]]),
            [3.0, 3.0, 3.0]
        );
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        // Seen before, in another job: from the cache.
        assert_eq!(ask(&q, vec![vec![3], vec![4, 4]]), [3.0, 8.0]);
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn batches_respect_the_budget() {
        let lens: Vec<usize> = vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 40];
        let mut batches = Vec::new();
        let mut start = 0;
        while start < lens.len() {
            let end = batch_end(|k| lens[k], start, lens.len(), 12);
            batches.push(lens[start..end].to_vec());
            start = end;
        }
        assert_eq!(batches[0], [1, 2, 3, 4]);
        assert_eq!(batches[1], [5, 6]);
        assert_eq!(batches.last().unwrap(), &[40]);
        for b in &batches {
            assert!(b.len() == 1 || b.iter().sum::<usize>() <= 12, "{b:?}");
        }
        assert_eq!(batches.concat(), lens);
    }
}
