//! Gathers the samples of every caller into batches and scores them.
//!
//! Callers (engine workers, one sample each, or one `evaluate_batch` with
//! many) put their samples on one queue. A dispatcher task takes a
//! concurrency slot, then as many queued samples as fit the batch — at most
//! `batch_size`, and at most `max_batch_tokens` estimated tokens — and sends
//! them as one request while it waits for the next slot. While every slot
//! is busy the queue fills, so a loaded server gets full batches; when the
//! first sample of a batch has waited less than `batch_wait`, the batch is
//! held that long for more to arrive, so that an idle server does not get a
//! request per sample either.
//!
//! Token budgets are estimated from the input's UTF-8 length at four bytes
//! a token (about right for English; Chinese runs about three bytes a
//! token, so its batches hold up to a third more tokens than the budget).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

use plaudit_core::Evaluation;

use super::client::Client;
use super::output::Output;
use super::protocol::Protocol;
use crate::input::Input;

/// Bodies kept in failures are cut to this many bytes.
const REPLY_PREVIEW: usize = 300;

/// How batches are formed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub batch_size: usize,
    pub max_batch_tokens: usize,
    pub batch_wait: Duration,
    pub max_concurrency: usize,
}

/// Everything a batch needs to be scored.
#[derive(Debug)]
pub(crate) struct Shared {
    pub protocol: Protocol,
    pub client: Client,
    pub output: Output,
    pub model: Option<String>,
    pub limits: Limits,
}

/// One caller's samples in flight: where their evaluations go, and until
/// when the caller waits for them.
#[derive(Debug)]
pub(crate) struct Job {
    pub reply: mpsc::Sender<(usize, Evaluation)>,
    pub arrived: Instant,
    pub deadline: Instant,
}

/// One sample on the queue: its input, its estimated tokens, its place in
/// the caller's batch.
#[derive(Debug)]
pub(crate) struct Entry {
    pub input: Input,
    pub tokens: usize,
    pub slot: usize,
    pub job: Arc<Job>,
}

impl Entry {
    pub fn new(input: Input, slot: usize, job: Arc<Job>) -> Self {
        let tokens = input.len().div_ceil(4).max(1);
        Self {
            input,
            tokens,
            slot,
            job,
        }
    }

    fn send(&self, evaluation: Evaluation) {
        // The caller may have stopped waiting; its result is then dropped.
        let _ = self.job.reply.send((self.slot, evaluation));
    }
}

impl Limits {
    /// Whether the front of the queue fills a batch.
    fn full(&self, queue: &VecDeque<Entry>) -> bool {
        let mut tokens = 0;
        for (n, e) in queue.iter().enumerate() {
            if n >= self.batch_size {
                return true;
            }
            tokens += e.tokens;
            if tokens >= self.max_batch_tokens {
                return true;
            }
        }
        queue.len() >= self.batch_size
    }

    /// The next batch; samples whose caller no longer waits are dropped.
    fn take(&self, queue: &mut VecDeque<Entry>) -> Vec<Entry> {
        let now = Instant::now();
        let mut batch = Vec::with_capacity(self.batch_size.min(queue.len()));
        let mut tokens = 0;
        while let Some(e) = queue.front() {
            if e.job.deadline <= now {
                queue.pop_front();
                continue;
            }
            let over = !batch.is_empty() && tokens + e.tokens > self.max_batch_tokens;
            if batch.len() == self.batch_size || over {
                break;
            }
            tokens += e.tokens;
            batch.extend(queue.pop_front());
        }
        batch
    }
}

/// The dispatcher: runs until every sender of `rx` is gone and the queue
/// is empty.
pub(crate) async fn dispatch(mut rx: UnboundedReceiver<Vec<Entry>>, shared: Arc<Shared>) {
    let limits = shared.limits;
    let permits = Arc::new(Semaphore::new(limits.max_concurrency));
    let mut queue: VecDeque<Entry> = VecDeque::new();
    let mut open = true;
    loop {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            return;
        };
        if queue.is_empty() {
            match rx.recv().await {
                Some(entries) if open => queue.extend(entries),
                _ => return,
            }
        }
        while let Ok(entries) = rx.try_recv() {
            queue.extend(entries);
        }
        if let Some(first) = queue.front() {
            let until = first.job.arrived + limits.batch_wait;
            while open && !limits.full(&queue) {
                tokio::select! {
                    entries = rx.recv() => match entries {
                        Some(entries) => queue.extend(entries),
                        None => open = false,
                    },
                    () = tokio::time::sleep_until(until) => break,
                }
            }
        }
        let batch = limits.take(&mut queue);
        if batch.is_empty() {
            continue;
        }
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            score(&shared, batch).await;
            drop(permit);
        });
    }
}

/// Scores one batch: one request, or several (one per reranker query, one
/// per conversation), each split in halves when the server rejects it in a
/// way one bad input can cause, until the bad inputs stand alone.
async fn score(shared: &Shared, batch: Vec<Entry>) {
    let Some(deadline) = batch.iter().map(|e| e.job.deadline).max() else {
        return;
    };
    let inputs: Vec<&Input> = batch.iter().map(|e| &e.input).collect();
    let mut work = shared.protocol.requests(&inputs);
    work.reverse();
    while let Some(positions) = work.pop() {
        let part: Vec<&Input> = positions.iter().map(|&p| inputs[p]).collect();
        let body = shared.protocol.body(shared.model.as_deref(), &part);
        // Past the deadline every caller has stopped waiting.
        let Ok(result) = tokio::time::timeout_at(deadline, shared.client.post(body)).await else {
            return;
        };
        let reply = match result {
            Ok(reply) => reply,
            Err(e) if e.may_be_one_input() && positions.len() > 1 => {
                let (a, b) = positions.split_at(positions.len() / 2);
                work.push(b.to_vec());
                work.push(a.to_vec());
                continue;
            }
            Err(e) => {
                for &p in &positions {
                    batch[p].send(Evaluation::failed(e.to_string()).with("attempts", e.attempts()));
                }
                continue;
            }
        };
        let provenance = |e: Evaluation| {
            let mut e = e
                .with("batch", positions.len())
                .with("attempts", reply.attempts)
                .with(
                    "latency_ms",
                    u64::try_from(reply.latency.as_millis()).unwrap_or(u64::MAX),
                );
            if let Some(m) = &shared.model {
                e = e.with("model", Value::String(m.clone()));
            }
            e
        };
        match shared.protocol.parse(&reply.body, positions.len()) {
            Ok(parsed) => {
                for (&p, result) in positions.iter().zip(parsed) {
                    let e = match result {
                        Ok(raw) => shared.output.evaluate(&raw),
                        Err(why) => Evaluation::failed(why),
                    };
                    batch[p].send(provenance(e));
                }
            }
            Err(why) => {
                let message = format!(
                    "the model server's reply is not a {} reply ({why}): {}",
                    shared.protocol.name(),
                    plaudit_core::preview(reply.body.trim(), REPLY_PREVIEW)
                );
                for &p in &positions {
                    batch[p].send(provenance(Evaluation::failed(message.clone())));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(bytes: usize, deadline: Instant) -> Entry {
        let (reply, _) = mpsc::channel();
        Entry::new(
            Input::Text("x".repeat(bytes)),
            0,
            Arc::new(Job {
                reply,
                arrived: Instant::now(),
                deadline,
            }),
        )
    }

    #[tokio::test]
    async fn batches_are_bounded_by_count_and_by_tokens() {
        let later = Instant::now() + Duration::from_secs(60);
        let limits = Limits {
            batch_size: 3,
            max_batch_tokens: 10,
            batch_wait: Duration::ZERO,
            max_concurrency: 1,
        };
        // 4 bytes a token: 4, 4, 4 tokens, then one of 40.
        let mut q: VecDeque<Entry> = [16, 16, 16, 160, 4]
            .into_iter()
            .map(|b| entry(b, later))
            .collect();
        assert!(limits.full(&q));
        assert_eq!(
            limits.take(&mut q).len(),
            2,
            "12 tokens would pass the budget"
        );
        assert_eq!(limits.take(&mut q).len(), 1, "4 + 40 tokens would too");
        // A sample over the budget goes alone.
        let big = limits.take(&mut q);
        assert_eq!(big[0].tokens, 40);
        assert_eq!(big.len(), 1);
        assert_eq!(limits.take(&mut q).len(), 1);
        assert!(!limits.full(&q));
        // Count bounds too.
        let mut q: VecDeque<Entry> = (0..7).map(|_| entry(1, later)).collect();
        assert_eq!(limits.take(&mut q).len(), 3);
    }

    #[tokio::test]
    async fn samples_whose_caller_gave_up_are_dropped() {
        let past = Instant::now();
        let later = past + Duration::from_secs(60);
        let limits = Limits {
            batch_size: 8,
            max_batch_tokens: 1000,
            batch_wait: Duration::ZERO,
            max_concurrency: 1,
        };
        let mut q: VecDeque<Entry> = [past, later, past, later]
            .into_iter()
            .map(|d| entry(4, d))
            .collect();
        assert_eq!(limits.take(&mut q).len(), 2);
        assert!(q.is_empty());
    }
}
