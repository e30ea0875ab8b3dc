//! The [`Aspect`] trait: one way of judging a response.

use std::cell::Cell;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::{Evaluation, Sample};

/// How expensive an aspect is to evaluate, which decides whether the engine
/// caches its evaluations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// Microseconds of CPU: recomputing is cheaper than a cache lookup.
    Cheap,
    /// A model call, a judge, a sandboxed program: cached by content hash.
    Expensive,
}

/// What an aspect judges at once: one sample, or a whole group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Each sample on its own, with [`Aspect::evaluate`] (the default).
    #[default]
    Sample,
    /// All the samples of one group of the batch at once, with
    /// [`Aspect::evaluate_batch`]: a verdict depends on the other responses
    /// of the group (a response judged against another of its group). The
    /// engine calls the aspect once per group, with the group's context,
    /// and a sample without a `group` is a group of one. Callers that cut a
    /// stream into batches keep each group within one batch (see the
    /// engine's `needs_groups`).
    Group,
}

/// What the engine tells an aspect about the evaluation at hand.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    deadline: Instant,
    timeout: Duration,
    sample: Option<SampleToken>,
}

/// Names one evaluation of one sample: the engine makes a token per sample
/// and gives it, through [`Context::for_sample`], to each of that sample's
/// aspects. While the token is current the sample is borrowed and cannot
/// change, so aspects may share work derived from it — splitting the
/// response into words once for every aspect that counts words — keyed by
/// the token. A token is never made twice in a process, whichever thread
/// makes it or uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleToken(NonZeroU64);

impl SampleToken {
    /// A token no earlier call returned. Each thread counts in a range of
    /// its own (2^40 tokens, its number in the high bits), so making one
    /// touches no memory shared with other threads.
    pub fn next() -> Self {
        static THREADS: AtomicU64 = AtomicU64::new(1);
        thread_local! {
            static LAST: Cell<u64> = Cell::new(THREADS.fetch_add(1, Ordering::Relaxed) << 40);
        }
        LAST.with(|last| {
            let n = last.get() + 1;
            last.set(n);
            Self(NonZeroU64::new(n).expect("thread numbers start at 1"))
        })
    }
}

impl Context {
    /// A context whose deadline is `timeout` from now.
    pub fn with_timeout(timeout: Duration) -> Self {
        Self::starting_at(Instant::now(), timeout)
    }

    /// A context for an evaluation that started at `start` (saves reading
    /// the clock again when the caller has just read it).
    pub fn starting_at(start: Instant, timeout: Duration) -> Self {
        Self {
            deadline: start + timeout,
            timeout,
            sample: None,
        }
    }

    /// This context, for an evaluation of the sample that `token` names
    /// (see [`SampleToken`]).
    pub fn for_sample(mut self, token: SampleToken) -> Self {
        self.sample = Some(token);
        self
    }

    /// The sample evaluation this context belongs to, when the caller said
    /// (the engine always does).
    pub fn sample(&self) -> Option<SampleToken> {
        self.sample
    }

    /// When the evaluation must be done. Aspects that loop over input check
    /// [`Context::expired`] and return [`crate::Outcome::TimedOut`] rather
    /// than run on; the engine marks a late evaluation timed out either way.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The time the aspect was given.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether the deadline has passed.
    pub fn expired(&self) -> bool {
        Instant::now() >= self.deadline
    }
}

/// One way of judging a response: a verifier, a reward model, a judge.
///
/// An aspect is built once from its spec (see [`crate::Registry`]) and then
/// evaluated on many samples, from many threads at once. It must bound its
/// own work: cap the input it reads and check [`Context::expired`] inside any
/// loop whose length depends on the input, so that one pathological sample
/// cannot hold a worker.
pub trait Aspect: Send + Sync + std::fmt::Debug {
    /// Judges one sample.
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation;

    /// Judges several samples. Aspects with a per-call overhead (a model, a
    /// remote API) override this; the default evaluates one by one.
    fn evaluate_batch(&self, samples: &[&Sample], cx: &Context) -> Vec<Evaluation> {
        samples.iter().map(|s| self.evaluate(s, cx)).collect()
    }

    /// Whether evaluations are worth caching.
    fn cost(&self) -> Cost {
        Cost::Cheap
    }

    /// Whether the aspect judges samples one by one or whole groups at once
    /// (default: [`Scope::Sample`]). A [`Scope::Group`] aspect's evaluations
    /// are cached, if at all, under the content of the whole group.
    fn scope(&self) -> Scope {
        Scope::Sample
    }

    /// How many evaluations of this aspect may usefully run at once. CPU
    /// aspects keep the default, 1: the engine runs one per core. An aspect
    /// that mostly waits — on a judge model, a served reward model, a
    /// sandbox — asks for more, and the engine gives its pool that many
    /// workers and hands out one sample at a time, so that many calls are
    /// in flight together; the aspect still bounds its own calls.
    fn concurrency(&self) -> usize {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_tokens_are_unique_across_threads() {
        let here: Vec<SampleToken> = (0..3).map(|_| SampleToken::next()).collect();
        let there: Vec<SampleToken> =
            std::thread::spawn(|| (0..3).map(|_| SampleToken::next()).collect())
                .join()
                .unwrap();
        let all: std::collections::HashSet<u64> =
            here.iter().chain(&there).map(|t| t.0.get()).collect();
        assert_eq!(all.len(), 6);
        let cx = Context::with_timeout(Duration::from_secs(1));
        assert_eq!(cx.sample(), None);
        assert_eq!(cx.for_sample(here[0]).sample(), Some(here[0]));
    }
}
