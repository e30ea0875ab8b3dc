//! `model.remote`: a reward model served by vLLM, SGLang or
//! text-embeddings-inference.
//!
//! The aspect renders each sample into the model's input on the caller's
//! thread, puts it on the aspect's queue and waits on a channel until its
//! evaluation comes back or the deadline passes; a dispatcher task on this
//! crate's runtime turns the queue into batched requests (see `batcher`).
//! The engine's workers each bring one sample at a time, and
//! [`Aspect::concurrency`] asks for enough of them to fill every batch of
//! every request in flight plus the next one; `evaluate_batch` puts a whole
//! batch on the queue at once.

mod batcher;
mod client;
pub(crate) mod output;
mod params;
pub(crate) mod protocol;

use std::sync::mpsc;
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};
use tokio::runtime::Runtime;
use tokio::sync::mpsc::UnboundedSender;

use plaudit_core::{
    Aspect, BuildContext, BuildError, Context, Cost, Evaluation, KindEntry, Outcome, Sample,
};

use crate::input::InputBuilder;
use batcher::{Entry, Job, Shared};

pub use params::{ENV_API_KEY, ENV_BASE_URL};

/// The kind.
pub(crate) const ENTRY: KindEntry = KindEntry {
    kind: "model.remote",
    summary: "a served reward model's score (vLLM, SGLang, text-embeddings-inference)",
    version: 1,
    build,
};

fn build(params: &Map<String, Value>, cx: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let r = params::resolve(params, cx, &|name| std::env::var(name).ok())?;
    let client = client::Client::new(r.settings).map_err(|e| BuildError::param("base_url", e))?;
    Ok(Box::new(Remote {
        input: r.input,
        shared: Arc::new(Shared {
            protocol: r.protocol,
            client,
            output: r.output,
            model: r.model,
            limits: r.limits,
        }),
        queue: OnceLock::new(),
    }))
}

/// The runtime every remote model's requests run on, started on first use.
fn runtime() -> Result<&'static Runtime, String> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("plaudit-model")
                .enable_all()
                .build()
                .map_err(|e| format!("could not start the model client's runtime: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// A served reward model.
#[derive(Debug)]
struct Remote {
    input: InputBuilder,
    shared: Arc<Shared>,
    /// The dispatcher's queue, started on the first evaluation (building a
    /// spec to check it starts nothing). The dispatcher ends when the
    /// aspect is dropped.
    queue: OnceLock<Result<UnboundedSender<Vec<Entry>>, String>>,
}

impl Remote {
    fn queue(&self) -> Result<&UnboundedSender<Vec<Entry>>, String> {
        self.queue
            .get_or_init(|| {
                let rt = runtime()?;
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                rt.spawn(batcher::dispatch(rx, Arc::clone(&self.shared)));
                Ok(tx)
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl Aspect for Remote {
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation {
        self.evaluate_batch(&[sample], cx)
            .pop()
            .unwrap_or_else(|| Evaluation::failed("the model client returned no evaluation"))
    }

    fn evaluate_batch(&self, samples: &[&Sample], cx: &Context) -> Vec<Evaluation> {
        let mut out: Vec<Option<Evaluation>> = vec![None; samples.len()];
        let (reply, results) = mpsc::channel();
        let now = tokio::time::Instant::now();
        let job = Arc::new(Job {
            reply,
            arrived: now,
            deadline: tokio::time::Instant::from_std(cx.deadline()),
        });
        let mut entries = Vec::with_capacity(samples.len());
        for (i, sample) in samples.iter().enumerate() {
            match self.input.build(sample) {
                Ok(input) => entries.push(Entry::new(input, i, Arc::clone(&job))),
                Err(e) => out[i] = Some(Evaluation::failed(e)),
            }
        }
        // From here on only the queued entries hold the sender: when the
        // last of them is scored or dropped, the channel closes.
        drop(job);
        let mut pending = entries.len();
        if pending > 0 {
            let sent = self.queue().and_then(|q| {
                q.send(entries)
                    .map_err(|_| "the model client has stopped".into())
            });
            if let Err(e) = sent {
                return fill(out, |_| Evaluation::failed(e.clone()));
            }
        }
        while pending > 0 {
            let left = cx
                .deadline()
                .saturating_duration_since(std::time::Instant::now());
            match results.recv_timeout(left) {
                Ok((slot, evaluation)) => {
                    if out[slot].replace(evaluation).is_none() {
                        pending -= 1;
                    }
                }
                Err(_) => break,
            }
        }
        fill(out, |_| {
            if cx.expired() {
                Evaluation::new(Outcome::timed_out(cx.timeout()))
            } else {
                Evaluation::failed("the model client dropped the sample")
            }
        })
    }

    fn cost(&self) -> Cost {
        Cost::Expensive
    }

    /// Enough evaluations in flight to fill a batch for every request in
    /// flight and one more waiting for a slot (the engine caps this at 256).
    fn concurrency(&self) -> usize {
        let l = self.shared.limits;
        (l.max_concurrency + 1).saturating_mul(l.batch_size)
    }
}

/// The evaluations, with `missing` for the samples that got none.
fn fill(out: Vec<Option<Evaluation>>, missing: impl Fn(usize) -> Evaluation) -> Vec<Evaluation> {
    out.into_iter()
        .enumerate()
        .map(|(i, e)| e.unwrap_or_else(|| missing(i)))
        .collect()
}
