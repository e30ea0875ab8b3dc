//! What every judge kind shares: the guard, the calls of a batch run
//! concurrently on one runtime, votes, the deadline, and provenance.
//!
//! A kind only says which calls a sample needs ([`Kind::plan`]), how to read
//! one reply ([`Kind::parse`]) and how the verdicts make an evaluation
//! ([`Kind::decide`]). The calls of a whole batch — every sample, every
//! call, every vote — are spawned at once on a runtime this crate owns; the
//! client's semaphore bounds how many are on the wire. Each call is raced
//! against the [`Context`] deadline, so the batch returns by the deadline
//! with the late samples timed out, and the caller's thread (an engine
//! worker, or a server's blocking thread) only waits on a channel.

use std::sync::{Arc, OnceLock, mpsc};
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::runtime::Runtime;

use plaudit_core::{Aspect, BuildError, Context, Cost, Evaluation, Outcome, Sample};

use crate::client::{Call, CallError, Client, Reply};
use crate::guard;
use crate::params::{self, Common, Pricing};

/// Raw replies kept in the details of a failed verdict are cut to this size.
const RAW_PREVIEW: usize = 1000;

/// One judge kind.
pub(crate) trait Kind: Send + Sync + std::fmt::Debug + 'static {
    /// What `decide` needs besides the verdicts (the criteria, the scale…).
    type Plan;
    /// One reply, read.
    type Verdict;
    /// The calls a sample needs, or its evaluation when no call is needed
    /// (not applicable, bad per-sample data).
    fn plan(&self, sample: &Sample) -> Result<(Self::Plan, Vec<Call>), Evaluation>;
    /// Reads the reply to call `call`; an error says why it is no verdict.
    fn parse(&self, plan: &Self::Plan, call: usize, reply: &Reply)
    -> Result<Self::Verdict, String>;
    /// The evaluation from the verdicts: `verdicts[call]` holds one per vote.
    fn decide(&self, plan: Self::Plan, verdicts: Vec<Vec<Self::Verdict>>) -> Evaluation;
}

/// A judge aspect: a kind, its client and the shared parameters.
#[derive(Debug)]
pub(crate) struct Judge<K> {
    kind: K,
    client: Arc<Client>,
    votes: u32,
    guard: bool,
    pricing: Option<Pricing>,
}

/// Builds a judge of kind `K` from an aspect's parameters: the common ones
/// are taken out, `make` builds the kind from the rest.
pub(crate) fn build<K: Kind>(
    params: &Map<String, Value>,
    make: impl FnOnce(&Map<String, Value>, &Common) -> Result<K, BuildError>,
) -> Result<Box<dyn Aspect>, BuildError> {
    let (common, own) = params::split(params)?;
    let kind = make(&own, &common)?;
    let client = Client::new(common.settings).map_err(|e| BuildError::param("base_url", e))?;
    Ok(Box::new(Judge {
        kind,
        client: Arc::new(client),
        votes: common.votes,
        guard: common.guard,
        pricing: common.pricing,
    }))
}

/// The runtime every judge's calls run on, started on first use.
fn runtime() -> Result<&'static Runtime, String> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("plaudit-judge")
                .enable_all()
                .build()
                .map_err(|e| format!("could not start the judge runtime: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The replies to one sample's calls, `[call][vote]`; `None` when the
/// deadline came first.
type Replies = Option<Vec<Vec<Result<Reply, CallError>>>>;

/// Runs every call of every job, `votes` times each, concurrently, and
/// returns by the deadline.
fn run(
    client: &Arc<Client>,
    jobs: Vec<Vec<Call>>,
    votes: u32,
    cx: &Context,
) -> Result<Vec<Replies>, String> {
    let rt = runtime()?;
    let deadline = tokio::time::Instant::from_std(cx.deadline());
    let client = Arc::clone(client);
    let (tx, rx) = mpsc::channel();
    let task = rt.spawn(async move {
        // Spawn everything first so that all calls queue on the semaphore
        // at once, then collect in order.
        let handles: Vec<Vec<Vec<_>>> = jobs
            .into_iter()
            .map(|calls| {
                calls
                    .into_iter()
                    .map(|call| {
                        let call = Arc::new(call);
                        (0..votes)
                            .map(|_| {
                                let client = Arc::clone(&client);
                                let call = Arc::clone(&call);
                                tokio::spawn(async move {
                                    tokio::time::timeout_at(deadline, client.chat(&call))
                                        .await
                                        .ok()
                                })
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let mut out = Vec::with_capacity(handles.len());
        for job in handles {
            let mut replies = Some(Vec::with_capacity(job.len()));
            for call in job {
                let mut got = Vec::with_capacity(call.len());
                for vote in call {
                    // A panicked or cancelled call counts as late.
                    match vote.await.ok().flatten() {
                        Some(result) => got.push(result),
                        None => replies = None,
                    }
                }
                if let Some(r) = replies.as_mut() {
                    r.push(got);
                }
            }
            out.push(replies);
        }
        let _ = tx.send(out);
    });
    // Every call ends by the deadline; the margin covers scheduling.
    let wait = cx
        .deadline()
        .saturating_duration_since(std::time::Instant::now())
        + Duration::from_secs(2);
    match rx.recv_timeout(wait) {
        Ok(out) => Ok(out),
        Err(_) => {
            task.abort();
            Err("the judge runtime did not answer by the deadline".into())
        }
    }
}

impl<K: Kind> Judge<K> {
    /// The evaluation of one sample from its replies.
    fn conclude(&self, plan: K::Plan, replies: Vec<Vec<Result<Reply, CallError>>>) -> Evaluation {
        let mut usage = Provenance::default();
        let mut verdicts = Vec::with_capacity(replies.len());
        let mut failure: Option<Evaluation> = None;
        let needed = self.votes / 2 + 1;
        for (i, call) in replies.into_iter().enumerate() {
            let mut ok = Vec::with_capacity(call.len());
            let mut last_error = None;
            for result in call {
                match result {
                    Ok(reply) => {
                        usage.add(&reply);
                        match self.kind.parse(&plan, i, &reply) {
                            Ok(v) => ok.push(v),
                            Err(e) => {
                                last_error = Some(
                                    Evaluation::failed(format!(
                                        "the judge's reply is not a valid verdict: {e}"
                                    ))
                                    .with(
                                        "raw",
                                        plaudit_core::preview(&reply.content, RAW_PREVIEW),
                                    ),
                                );
                            }
                        }
                    }
                    Err(e) => {
                        usage.attempts += u64::from(e.attempts());
                        last_error = Some(Evaluation::failed(e.to_string()));
                    }
                }
            }
            // A verdict needs a majority of its votes to be readable.
            if (ok.len() as u32) < needed {
                failure = failure.or(last_error);
            }
            verdicts.push(ok);
        }
        let evaluation = match failure {
            Some(failed) => failed,
            None => self.kind.decide(plan, verdicts),
        };
        usage.attach(evaluation, self.client.model(), self.pricing)
    }
}

impl<K: Kind> Aspect for Judge<K> {
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation {
        self.evaluate_batch(&[sample], cx)
            .pop()
            .unwrap_or_else(|| Evaluation::failed("the judge returned no evaluation"))
    }

    fn evaluate_batch(&self, samples: &[&Sample], cx: &Context) -> Vec<Evaluation> {
        let mut out: Vec<Option<Evaluation>> = Vec::with_capacity(samples.len());
        let mut plans = Vec::new();
        let mut jobs = Vec::new();
        for (i, sample) in samples.iter().enumerate() {
            if self.guard
                && let Some(reason) = guard::content_free(sample.response.text())
            {
                out.push(Some(
                    Evaluation::scored(0.0)
                        .with("reason", reason)
                        .with("judged", false),
                ));
                continue;
            }
            match self.kind.plan(sample) {
                Ok((plan, calls)) => {
                    out.push(None);
                    plans.push((i, plan));
                    jobs.push(calls);
                }
                Err(e) => out.push(Some(e)),
            }
        }
        if !jobs.is_empty() {
            match run(&self.client, jobs, self.votes, cx) {
                Ok(all) => {
                    for ((i, plan), replies) in plans.into_iter().zip(all) {
                        out[i] = Some(match replies {
                            Some(r) => self.conclude(plan, r),
                            None => Evaluation::new(Outcome::timed_out(cx.timeout())),
                        });
                    }
                }
                Err(e) => {
                    for (i, _) in plans {
                        out[i] = Some(Evaluation::failed(e.clone()));
                    }
                }
            }
        }
        out.into_iter()
            .map(|e| e.unwrap_or_else(|| Evaluation::failed("the judge returned no evaluation")))
            .collect()
    }

    fn cost(&self) -> Cost {
        Cost::Expensive
    }

    /// The engine scores one sample per worker; asking for as many workers
    /// as calls may be in flight keeps `max_concurrency` calls busy (times
    /// the votes and criteria of each sample, which run together).
    fn concurrency(&self) -> usize {
        self.client.max_concurrency()
    }
}

/// Totals over the calls of one sample.
#[derive(Debug, Default)]
struct Provenance {
    prompt_tokens: u64,
    completion_tokens: u64,
    attempts: u64,
    calls: u64,
    latency: Duration,
    model: Option<String>,
}

impl Provenance {
    fn add(&mut self, reply: &Reply) {
        self.prompt_tokens += reply.usage.prompt_tokens;
        self.completion_tokens += reply.usage.completion_tokens;
        self.attempts += u64::from(reply.attempts);
        self.calls += 1;
        // Calls of a sample run concurrently: the slowest is its latency.
        self.latency = self.latency.max(reply.latency);
        if self.model.is_none() {
            self.model.clone_from(&reply.model);
        }
    }

    fn attach(self, evaluation: Evaluation, model: &str, pricing: Option<Pricing>) -> Evaluation {
        let mut e = evaluation
            .with("model", self.model.unwrap_or_else(|| model.to_owned()))
            .with(
                "tokens",
                json!({"prompt": self.prompt_tokens, "completion": self.completion_tokens}),
            )
            .with(
                "latency_ms",
                u64::try_from(self.latency.as_millis()).unwrap_or(u64::MAX),
            )
            .with("attempts", self.attempts);
        if let Some(p) = pricing {
            let cost = (self.prompt_tokens as f64 * p.input_per_1k
                + self.completion_tokens as f64 * p.output_per_1k)
                / 1000.0;
            e = e.with("cost_usd", cost);
        }
        e
    }
}
