//! What every judge kind shares: the guard, the calls of a batch run
//! concurrently on one runtime, votes, the deadline, and provenance.
//!
//! A kind only says which calls a sample needs ([`Kind::plan`]), how to read
//! one reply ([`Kind::parse`]) and how the verdicts make an evaluation
//! ([`Kind::decide`]). A kind whose samples depend on each other (responses
//! judged against another response of their group) plans the whole batch
//! at once ([`Kind::plan_batch`]) and may make a sample's evaluation from
//! other samples' ([`Kind::derive`]). The calls of a whole batch — every
//! sample, every call, every vote — are spawned at once on a runtime this
//! crate owns; the client's semaphore bounds how many are on the wire. Each
//! call is raced against the [`Context`] deadline, so the batch returns by
//! the deadline with the late samples timed out, and the caller's thread
//! (an engine worker, or a server's blocking thread) only waits on a
//! channel.

use std::sync::{Arc, OnceLock, mpsc};
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::runtime::Runtime;

use plaudit_core::{Aspect, BuildError, Context, Cost, Evaluation, Outcome, Sample, Scope};

use crate::client::{Call, CallError, Client, Reply, StructuredOutput};
use crate::guard;
use crate::params::{self, Common, Pricing};

/// Raw replies kept in the details of a failed verdict are cut to this size.
const RAW_PREVIEW: usize = 1000;

/// What one sample of a batch needs.
pub(crate) enum Planned<P> {
    /// Its evaluation, without a call (not applicable, bad per-sample data).
    Done(Evaluation),
    /// These calls, whose verdicts [`Kind::decide`] turns into its evaluation.
    Calls(P, Vec<Call>),
    /// An evaluation [`Kind::derive`] makes from the evaluations of these
    /// samples of the batch (indices into the slice given to
    /// [`Kind::plan_batch`]), which must all be `Done` or `Calls`.
    Derived(Vec<usize>),
}

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

    /// What each sample of a batch needs; the guard has already taken out
    /// the content-free ones. By default each sample on its own.
    fn plan_batch(&self, samples: &[&Sample]) -> Vec<Planned<Self::Plan>> {
        plan_each(self, samples)
    }

    /// The evaluation of a [`Planned::Derived`] sample from the evaluations
    /// it names, in the order it names them.
    fn derive(&self, _from: &[&Evaluation]) -> Evaluation {
        Evaluation::failed("this judge kind derives no evaluation from others")
    }

    /// The evaluation of a sample judged on its own, outside any batch
    /// ([`Aspect::evaluate`]), when the kind cannot judge it so.
    fn alone(&self, _sample: &Sample) -> Option<Evaluation> {
        None
    }

    /// Whether a sample's evaluation depends on that sample only; if not,
    /// the judge asks the engine for whole groups ([`Scope::Group`]).
    fn self_contained(&self) -> bool {
        true
    }
}

/// Each sample of a batch planned on its own, by [`Kind::plan`].
pub(crate) fn plan_each<K: Kind + ?Sized>(kind: &K, samples: &[&Sample]) -> Vec<Planned<K::Plan>> {
    samples
        .iter()
        .map(|s| match kind.plan(s) {
            Ok((plan, calls)) => Planned::Calls(plan, calls),
            Err(e) => Planned::Done(e),
        })
        .collect()
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
        let mut usage = Provenance {
            configured_output: self.client.configured_structured_output(),
            ..Provenance::default()
        };
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

    /// The guard's evaluation of a content-free response.
    fn guarded(&self, sample: &Sample) -> Option<Evaluation> {
        if !self.guard {
            return None;
        }
        let reason = guard::content_free(sample.response.text())?;
        Some(
            Evaluation::scored(0.0)
                .with("reason", reason)
                .with("judged", false),
        )
    }
}

impl<K: Kind> Aspect for Judge<K> {
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation {
        // The guard still comes first.
        if let Some(e) = self.kind.alone(sample) {
            return self.guarded(sample).unwrap_or(e);
        }
        self.evaluate_batch(&[sample], cx)
            .pop()
            .unwrap_or_else(|| Evaluation::failed("the judge returned no evaluation"))
    }

    fn evaluate_batch(&self, samples: &[&Sample], cx: &Context) -> Vec<Evaluation> {
        let mut out: Vec<Option<Evaluation>> = samples.iter().map(|s| self.guarded(s)).collect();
        // The samples that go to the kind, by their index in `samples`.
        let judged: Vec<usize> = (0..samples.len()).filter(|&i| out[i].is_none()).collect();
        let planned = self
            .kind
            .plan_batch(&judged.iter().map(|&i| samples[i]).collect::<Vec<_>>());
        let mut plans = Vec::new();
        let mut jobs = Vec::new();
        let mut derived = Vec::new();
        for (&i, planned) in judged.iter().zip(planned) {
            match planned {
                Planned::Done(e) => out[i] = Some(e),
                Planned::Calls(plan, calls) => {
                    plans.push((i, plan));
                    jobs.push(calls);
                }
                Planned::Derived(from) => {
                    derived.push((
                        i,
                        from.iter()
                            .filter_map(|&j| judged.get(j).copied())
                            .collect::<Vec<_>>(),
                    ));
                }
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
        let derived: Vec<(usize, Evaluation)> = derived
            .into_iter()
            .map(|(i, from)| {
                let from: Vec<&Evaluation> = from.iter().filter_map(|&j| out[j].as_ref()).collect();
                // A derived evaluation made no call of its own.
                let provenance = Provenance::default();
                (
                    i,
                    provenance.attach(self.kind.derive(&from), self.client.model(), self.pricing),
                )
            })
            .collect();
        for (i, e) in derived {
            out[i] = Some(e);
        }
        out.into_iter()
            .map(|e| e.unwrap_or_else(|| Evaluation::failed("the judge returned no evaluation")))
            .collect()
    }

    /// Expensive, and so cached by the engine.
    fn cost(&self) -> Cost {
        Cost::Expensive
    }

    /// Whole groups when an evaluation depends on other samples of the
    /// batch: the engine then calls [`Aspect::evaluate_batch`] once per
    /// group and caches under the whole group's content.
    fn scope(&self) -> Scope {
        if self.kind.self_contained() {
            Scope::Sample
        } else {
            Scope::Group
        }
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
    /// The `response_format` the spec asks for.
    configured_output: StructuredOutput,
    /// The form a reply used instead, after the server rejected the
    /// configured one.
    fallback_output: Option<StructuredOutput>,
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
        if reply.structured_output != self.configured_output {
            self.fallback_output = Some(reply.structured_output);
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
        if let Some(form) = self.fallback_output {
            // The server rejected the configured form; this one was used.
            e = e.with("structured_output_fallback", form.as_str());
        }
        if let Some(p) = pricing {
            let cost = (self.prompt_tokens as f64 * p.input_per_1k
                + self.completion_tokens as f64 * p.output_per_1k)
                / 1000.0;
            e = e.with("cost_usd", cost);
        }
        e
    }
}
