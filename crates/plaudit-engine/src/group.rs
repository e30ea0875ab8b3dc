//! The group pre-pass: aspects of [`Scope::Group`] judge every group of the
//! batch whole, in one [`Aspect::evaluate_batch`](plaudit_core::Aspect)
//! call, before the samples are evaluated one by one.
//!
//! Such an aspect's verdict on a response depends on the other responses of
//! its group (a response judged against another one of its group), so it
//! cannot be evaluated sample by sample. Each group is one task on the pool,
//! under the aspect's deadline and the same watchdog as per-sample work: a
//! call that overruns by more than the grace is abandoned with its pool, and
//! the other groups finish on a fresh one. A panic, a late return or a
//! result of the wrong length fails (or times out) the whole group.
//!
//! Every member of a group is evaluated, gated or not: gates are decided per
//! sample afterwards, and a gated sample still gets the gated outcome. A
//! group whose members are all served from the cache is not called.
//!
//! **The cache.** A group aspect's key adds to the sample's content its own
//! id and [`group_hash`] — the group id and every member's id and content —
//! so a verdict is served again only to the same response, with the same
//! id, in the very same group.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crossbeam_channel::Sender;
use plaudit_core::{Context, Evaluation, Outcome, Sample, Scope};
use rayon::prelude::*;

use crate::run::{RoundEnd, Slots, panic_message, watched_round};
use crate::{Engine, Inner};

/// A sample's evaluation by a group aspect, made with its group.
#[derive(Debug, Clone)]
pub(crate) struct Grouped {
    pub(crate) evaluation: Evaluation,
    /// The latency of the group's call.
    pub(crate) latency_us: u64,
}

/// Fresh group evaluations, `grouped[sample][aspect]`; `Some` for group
/// aspects whose group was called.
pub(crate) type GroupRuns = Vec<Vec<Option<Grouped>>>;

/// One call: an aspect and the samples of one group.
struct Task {
    aspect: usize,
    members: Vec<usize>,
}

/// The samples of the batch by group, in order of first appearance; a
/// sample without a `group` is a group of its own.
pub(crate) fn groups(samples: &[Sample]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, s) in samples.iter().enumerate() {
        match s.group.as_deref() {
            Some(g) => {
                let at = *index.entry(g).or_insert_with(|| {
                    out.push(Vec::new());
                    out.len() - 1
                });
                out[at].push(i);
            }
            None => out.push(vec![i]),
        }
    }
    out
}

/// What identifies a group for the cache: its id and its members' ids and
/// content hashes, sorted so that the order of the batch does not matter.
/// `group[sample]` for every sample of the batch.
pub(crate) fn group_hash(samples: &[Sample], contents: &[blake3::Hash]) -> Vec<blake3::Hash> {
    let mut out = vec![blake3::Hash::from_bytes([0; 32]); samples.len()];
    for members in groups(samples) {
        let mut h = blake3::Hasher::new();
        let field = |h: &mut blake3::Hasher, s: &str| {
            h.update(&(s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        };
        match samples[members[0]].group.as_deref() {
            Some(g) => {
                h.update(&[1]);
                field(&mut h, g);
            }
            None => {
                h.update(&[0]);
            }
        }
        let mut ids: Vec<(&str, &[u8; 32])> = members
            .iter()
            .map(|&s| (samples[s].id.as_str(), contents[s].as_bytes()))
            .collect();
        ids.sort_unstable();
        for (id, content) in ids {
            field(&mut h, id);
            h.update(content);
        }
        let hash = h.finalize();
        for s in members {
            out[s] = hash;
        }
    }
    out
}

/// Evaluates every group of the batch with every group aspect, except
/// groups served whole from the cache (`prefilled`); `None` when the spec
/// has no group aspect.
pub(crate) fn evaluate_groups(
    engine: &Engine,
    samples: &Arc<Vec<Sample>>,
    prefilled: &Option<Vec<Vec<Option<Evaluation>>>>,
) -> Option<GroupRuns> {
    let inner = &engine.inner;
    if inner.group_aspects.is_empty() {
        return None;
    }
    let limit = inner.spec.limits.max_response_bytes;
    let groups = groups(samples);
    let mut tasks = Vec::new();
    for &aspect in &inner.group_aspects {
        for g in &groups {
            // An oversized response is not read; evaluate_sample fails it.
            let members: Vec<usize> = g
                .iter()
                .copied()
                .filter(|&s| samples[s].response.text().len() <= limit)
                .collect();
            let cached = prefilled
                .as_ref()
                .is_some_and(|p| members.iter().all(|&s| p[s][aspect].is_some()));
            if !members.is_empty() && !cached {
                tasks.push(Task { aspect, members });
            }
        }
    }
    let tasks = Arc::new(tasks);

    let mut done: Vec<Option<Vec<Grouped>>> = (0..tasks.len()).map(|_| None).collect();
    let mut todo: Vec<usize> = (0..tasks.len()).collect();
    while !todo.is_empty() {
        let job = {
            let inner = inner.clone();
            let samples = samples.clone();
            let tasks = tasks.clone();
            let todo = todo.clone();
            move |slots: Arc<Slots>,
                  cancelled: Arc<AtomicBool>,
                  tx: Sender<(usize, Vec<Grouped>)>| {
                todo.par_iter().with_max_len(1).for_each_with(tx, |tx, &t| {
                    if !cancelled.load(Ordering::Relaxed) {
                        let out = call(&inner, &samples, &tasks[t], t, &slots);
                        let _ = tx.send((t, out));
                    }
                });
            }
        };
        let end = watched_round(engine, job, |event| {
            if let Some((t, out)) = event {
                done[t] = Some(out);
            }
        });
        if let RoundEnd::Stuck(t, _) = end {
            let task = &tasks[t];
            let timeout = inner.aspects[task.aspect].timeout;
            let e = Evaluation::new(Outcome::timed_out(timeout)).with(
                "abandoned",
                "the aspect did not return by its deadline; its worker was given up on",
            );
            done[t] = Some(same(task.members.len(), e, 0));
        }
        todo.retain(|&t| done[t].is_none());
    }

    let mut out: GroupRuns = vec![vec![None; inner.aspects.len()]; samples.len()];
    for (task, evaluations) in tasks.iter().zip(done) {
        let evaluations = evaluations.expect("every group has a result");
        for (&s, g) in task.members.iter().zip(evaluations) {
            out[s][task.aspect] = Some(g);
        }
    }
    Some(out)
}

/// One group aspect's call on one group.
fn call(inner: &Inner, samples: &[Sample], task: &Task, t: usize, slots: &Slots) -> Vec<Grouped> {
    let p = &inner.aspects[task.aspect];
    debug_assert_eq!(p.scope, Scope::Group);
    let members: Vec<&Sample> = task.members.iter().map(|&s| &samples[s]).collect();
    let n = members.len();
    let start = Instant::now();
    let cx = Context::starting_at(start, p.timeout);
    slots.begin(t, task.aspect, start);
    let result = catch_unwind(AssertUnwindSafe(|| p.aspect.evaluate_batch(&members, &cx)));
    slots.end();
    let elapsed = start.elapsed();
    let latency_us = elapsed.as_micros().try_into().unwrap_or(u64::MAX);
    let evaluations = match result {
        Ok(_) if elapsed > p.timeout => {
            return same(
                n,
                Evaluation::new(Outcome::timed_out(p.timeout)),
                latency_us,
            );
        }
        Ok(v) if v.len() == n => v,
        Ok(v) => {
            let e = Evaluation::failed(format!(
                "the aspect returned {} evaluations for a group of {n} samples",
                v.len()
            ));
            return same(n, e, latency_us);
        }
        Err(panic) => {
            let e = Evaluation::failed(format!(
                "the aspect panicked on this sample's group: {}",
                panic_message(&panic)
            ));
            return same(n, e, latency_us);
        }
    };
    evaluations
        .into_iter()
        .map(|evaluation| Grouped {
            evaluation,
            latency_us,
        })
        .collect()
}

/// The same evaluation for every member of a group.
fn same(n: usize, evaluation: Evaluation, latency_us: u64) -> Vec<Grouped> {
    vec![
        Grouped {
            evaluation,
            latency_us,
        };
        n
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(samples: &[Sample]) -> Vec<blake3::Hash> {
        let contents: Vec<blake3::Hash> = samples
            .iter()
            .map(|s| blake3::hash(s.response.text().as_bytes()))
            .collect();
        group_hash(samples, &contents)
    }

    #[test]
    fn groups_keep_first_appearance_and_ungrouped_samples_alone() {
        let s = |id: &str, g: Option<&str>| {
            let s = Sample::new(id, "r");
            match g {
                Some(g) => s.with_group(g),
                None => s,
            }
        };
        let batch = [
            s("a", Some("x")),
            s("b", None),
            s("c", Some("y")),
            s("d", Some("x")),
            s("e", None),
        ];
        assert_eq!(groups(&batch), vec![vec![0, 3], vec![1], vec![2], vec![4]]);
    }

    #[test]
    fn the_group_hash_ignores_order_and_sees_every_member() {
        let a = Sample::new("a", "ra").with_group("g");
        let b = Sample::new("b", "rb").with_group("g");
        let c = Sample::new("c", "rc").with_group("g");
        let ab = hashes(&[a.clone(), b.clone()]);
        assert_eq!(ab[0], ab[1]);
        assert_eq!(
            ab,
            hashes(&[b.clone(), a.clone()])
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
        );
        assert_ne!(ab[0], hashes(&[a.clone(), c.clone()])[0]);
        assert_ne!(ab[0], hashes(&[a.clone(), b.clone(), c])[0]);
        let renamed = [a.clone().with_group("h"), b.with_group("h")];
        assert_ne!(ab[0], hashes(&renamed)[0]);
        // Grouped or not is part of the identity.
        assert_ne!(
            hashes(std::slice::from_ref(&a))[0],
            hashes(&[Sample::new("a", "ra")])[0]
        );
    }
}
