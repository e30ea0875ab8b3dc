//! The summary printed when scoring ends: per-aspect means and outcome counts.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use plaudit_core::{Score, Status};

#[derive(Debug, Default, Clone)]
struct AspectStats {
    sum: f64,
    counts: [u64; 4],
}

/// Running totals over every score written.
#[derive(Debug)]
pub struct Summary {
    names: Vec<Arc<str>>,
    aspects: Vec<AspectStats>,
    rewarded: u64,
    unrewarded: u64,
    reward_sum: f64,
    reward_min: f64,
    reward_max: f64,
    /// Rows that could not become samples.
    pub malformed: u64,
    /// Samples skipped because `--resume` found them in the output.
    pub resumed: u64,
    /// Groups seen again after other groups (normalized separately).
    pub split_groups: u64,
    /// Evaluations of cached aspects served from the cache, and computed.
    cache_hits: u64,
    cache_misses: u64,
}

fn index(status: Status) -> usize {
    match status {
        Status::Scored => 0,
        Status::NotApplicable => 1,
        Status::Failed => 2,
        Status::TimedOut => 3,
    }
}

impl Summary {
    pub fn new(names: Vec<Arc<str>>) -> Self {
        let aspects = vec![AspectStats::default(); names.len()];
        Self {
            names,
            aspects,
            rewarded: 0,
            unrewarded: 0,
            reward_sum: 0.0,
            reward_min: f64::INFINITY,
            reward_max: f64::NEG_INFINITY,
            malformed: 0,
            resumed: 0,
            split_groups: 0,
            cache_hits: 0,
            cache_misses: 0,
        }
    }

    pub fn add(&mut self, scores: &[Score]) {
        for s in scores {
            match s.reward {
                Some(r) => {
                    self.rewarded += 1;
                    self.reward_sum += r;
                    self.reward_min = self.reward_min.min(r);
                    self.reward_max = self.reward_max.max(r);
                }
                None => self.unrewarded += 1,
            }
            for (stats, a) in self.aspects.iter_mut().zip(&s.aspects) {
                let outcome = a.outcome();
                stats.counts[index(outcome.status())] += 1;
                if let Some(v) = outcome.value() {
                    stats.sum += v;
                }
                match a.cache_hit {
                    Some(true) => self.cache_hits += 1,
                    Some(false) => self.cache_misses += 1,
                    None => {}
                }
            }
        }
    }

    /// Samples scored.
    pub fn scored(&self) -> u64 {
        self.rewarded + self.unrewarded
    }

    /// The summary table. `elapsed` is `None` in tests, for a stable text.
    pub fn render(&self, spec_name: &str, spec_hash: &str, elapsed: Option<Duration>) -> String {
        let mut out = String::new();
        let n = self.scored();
        let _ = write!(
            out,
            "scored {n} samples with spec `{spec_name}` ({spec_hash})"
        );
        if let Some(t) = elapsed {
            let secs = t.as_secs_f64().max(1e-9);
            let _ = write!(out, " in {secs:.2} s, {:.0} samples/s", n as f64 / secs);
        }
        out.push('\n');
        let width = self.names.iter().map(|n| n.len()).max().unwrap_or(0).max(6);
        let _ = writeln!(
            out,
            "  {:width$}  {:>8}  {:>8}  {:>14}  {:>8}  {:>9}",
            "aspect", "mean", "scored", "not_applicable", "failed", "timed_out"
        );
        for (name, s) in self.names.iter().zip(&self.aspects) {
            let mean = if s.counts[0] > 0 {
                format!("{:.4}", s.sum / s.counts[0] as f64)
            } else {
                "-".into()
            };
            let _ = writeln!(
                out,
                "  {:width$}  {:>8}  {:>8}  {:>14}  {:>8}  {:>9}",
                name, mean, s.counts[0], s.counts[1], s.counts[2], s.counts[3]
            );
        }
        if self.rewarded > 0 {
            let _ = writeln!(
                out,
                "  {:width$}  {:>8.4}  (min {:.4}, max {:.4}; {} samples without a reward)",
                "reward",
                self.reward_sum / self.rewarded as f64,
                self.reward_min,
                self.reward_max,
                self.unrewarded
            );
        } else {
            let _ = writeln!(
                out,
                "  {:width$}  {:>8}  ({} samples without a reward)",
                "reward", "-", self.unrewarded
            );
        }
        if self.cache_hits + self.cache_misses > 0 {
            // Cached aspects are the expensive ones (judges, models): say
            // how many calls a re-run saved.
            let _ = writeln!(
                out,
                "cache: {} of {} evaluations of cached aspects came from the cache, {} were computed",
                self.cache_hits,
                self.cache_hits + self.cache_misses,
                self.cache_misses
            );
        }
        if self.malformed > 0 {
            let _ = writeln!(
                out,
                "{} malformed rows were skipped (see the messages above)",
                self.malformed
            );
        }
        if self.resumed > 0 {
            let _ = writeln!(
                out,
                "{} samples were already in the output (--resume) and were skipped",
                self.resumed
            );
        }
        if self.split_groups > 0 {
            let _ = writeln!(
                out,
                "warning: {} groups appeared again after other groups; each run of a group was normalized on its own (keep a group's rows together)",
                self.split_groups
            );
        }
        out
    }
}
