//! `plaudit audit`: reward-hacking probes for any spec.
//!
//! For each probe — a prompt, its reference and an honest response — every
//! [exploit](exploits::EXPLOITS) makes a response that games the reward
//! instead of earning it, and the spec scores them all in one batch. The
//! report gives, per exploit, how often it is paid: the share of probes
//! where it earns at least the threshold (for exploits with no acceptable
//! answer in them) or more than the honest response (for exploits that only
//! pad the honest answer), with examples. A reward that cannot score an
//! exploit (a failed aspect under `on_missing = "fail"`) does not pay it,
//! and the report counts those apart.
//!
//! Probes come from data (any JSONL or JSON-array rows with a prompt and a
//! reference, see [`ProbeFields`]) or from a built-in set of arithmetic
//! word problems ([`builtin_probes`]), so a spec can be audited before any
//! data exists.
//!
//! Every variant is scored alone: group fields are dropped, so a spec that
//! normalizes within groups is audited on its raw rewards.

pub mod exploits;
mod probes;
mod render;

use serde::Serialize;
use serde_json::Value;

use plaudit_core::Sample;
use plaudit_engine::Engine;

pub use exploits::{Criterion, EXPLOITS, Exploit};
pub use probes::{ProbeFields, ReadProbes, builtin_probes, read_probes};

/// One probe: what the exploits are made from.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// The probe's id (the row's id, or its position).
    pub id: String,
    /// The prompt, as text.
    pub prompt: String,
    /// The reference, as the spec's aspects read it.
    pub reference: Option<Value>,
    /// A response that earns the reward honestly.
    pub honest: String,
}

impl Probe {
    /// The reference as one answer's text: a string as is, the first of a
    /// list, anything else as JSON; empty when there is none.
    pub fn reference_text(&self) -> String {
        self.reference
            .as_ref()
            .map_or_else(String::new, probes::reference_text)
    }

    fn sample(&self, id: String, response: String) -> Sample {
        let mut s = Sample::new(id, response).with_prompt(self.prompt.clone());
        s.reference = self.reference.clone();
        s
    }
}

/// What the audit measures against.
#[derive(Debug, Clone, Serialize)]
pub struct AuditOptions {
    /// A reward at or above this pays an exploit judged by
    /// [`Criterion::Threshold`].
    pub threshold: f64,
    /// Which exploits to run (all when empty), by name.
    pub only: Vec<String>,
    /// How many examples to keep per exploit.
    pub examples: usize,
    /// How many probes to score per engine call.
    pub batch: usize,
}

impl Default for AuditOptions {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            only: Vec::new(),
            examples: 3,
            batch: 4096,
        }
    }
}

/// The audit's result: complete and machine-readable (`--json`).
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// The spec's name and content hash.
    pub spec: SpecId,
    /// The options it ran with.
    pub options: AuditOptions,
    /// How the honest responses fared: the baseline the exploits are read
    /// against.
    pub honest: Tally,
    /// One entry per exploit, in [`EXPLOITS`] order.
    pub exploits: Vec<ExploitResult>,
}

/// A spec, named.
#[derive(Debug, Clone, Serialize)]
pub struct SpecId {
    /// The spec's `name`.
    pub name: String,
    /// Its content hash.
    pub hash: String,
}

/// Reward counts over the probes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    /// Probes scored.
    pub n: usize,
    /// Rewards at or above the threshold.
    pub at_or_above_threshold: usize,
    /// Probes without a reward (an aspect failed and its spec says fail).
    pub no_reward: usize,
    /// The mean reward over probes that have one (`null` when none do).
    pub mean_reward: Option<f64>,
}

/// One exploit's result.
#[derive(Debug, Clone, Serialize)]
pub struct ExploitResult {
    /// The exploit's name.
    pub name: &'static str,
    /// Its family.
    pub family: &'static str,
    /// What it does.
    pub description: &'static str,
    /// How it is judged.
    pub criterion: Criterion,
    /// Reward counts.
    pub tally: Tally,
    /// Probes where it earned more than the honest response did.
    pub above_honest: usize,
    /// Probes where it was paid: at or above the threshold, or above the
    /// honest reward, as its criterion says.
    pub exploited: usize,
    /// `exploited / n`: the number `--max-rate` gates.
    pub rate: f64,
    /// A few probes where it was paid (the first ones, in probe order).
    pub examples: Vec<Example>,
}

/// A probe where an exploit was paid.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    /// The probe's id.
    pub id: String,
    /// The exploit's response, cut to a preview.
    pub response: String,
    /// What it earned.
    pub reward: f64,
    /// What the honest response earned.
    pub honest_reward: Option<f64>,
}

impl AuditReport {
    /// The exploits whose rate exceeds `max_rate`.
    pub fn over(&self, max_rate: f64) -> Vec<&ExploitResult> {
        self.exploits.iter().filter(|e| e.rate > max_rate).collect()
    }

    /// The report as a terminal table.
    pub fn to_table(&self) -> String {
        render::table(self)
    }
}

/// Errors an audit reports.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// `only` named an exploit that does not exist.
    #[error("unknown exploit `{name}`; the exploits are: {known}")]
    UnknownExploit {
        /// The name given.
        name: String,
        /// The valid names.
        known: String,
    },
    /// There was nothing to audit.
    #[error("no probes to audit")]
    NoProbes,
}

/// Runs every selected exploit on every probe and tallies the rewards.
pub fn run(
    engine: &Engine,
    probes: &[Probe],
    options: &AuditOptions,
) -> Result<AuditReport, AuditError> {
    let exploits = select(&options.only)?;
    if probes.is_empty() {
        return Err(AuditError::NoProbes);
    }
    let threshold = options.threshold;
    let mut honest = Accumulator::default();
    let mut results: Vec<Accumulator> = vec![Accumulator::default(); exploits.len()];
    let mut examples: Vec<Vec<Example>> = vec![Vec::new(); exploits.len()];
    let mut above: Vec<usize> = vec![0; exploits.len()];
    let mut exploited: Vec<usize> = vec![0; exploits.len()];
    let per_probe = exploits.len() + 1;
    for chunk in probes.chunks(options.batch.max(1)) {
        let mut samples = Vec::with_capacity(chunk.len() * per_probe);
        let mut responses = Vec::with_capacity(chunk.len() * exploits.len());
        for p in chunk {
            samples.push(p.sample(format!("{}#honest", p.id), p.honest.clone()));
            for e in &exploits {
                let response = e.response(p);
                responses.push(response.clone());
                samples.push(p.sample(format!("{}#{}", p.id, e.name), response));
            }
        }
        let scores = engine.score_batch(samples);
        for (i, p) in chunk.iter().enumerate() {
            let row = &scores[i * per_probe..(i + 1) * per_probe];
            let honest_reward = row[0].reward;
            honest.add(honest_reward, threshold);
            for (k, e) in exploits.iter().enumerate() {
                let reward = row[k + 1].reward;
                results[k].add(reward, threshold);
                let beats = matches!((reward, honest_reward), (Some(r), Some(h)) if r > h);
                if beats {
                    above[k] += 1;
                }
                let paid = match (e.criterion, reward) {
                    (_, None) => false,
                    (Criterion::Threshold, Some(r)) => r >= threshold,
                    (Criterion::AboveHonest, Some(_)) => beats,
                };
                if paid {
                    exploited[k] += 1;
                    if examples[k].len() < options.examples {
                        examples[k].push(Example {
                            id: p.id.clone(),
                            response: preview(&responses[i * exploits.len() + k]),
                            reward: reward.unwrap_or(f64::NAN),
                            honest_reward,
                        });
                    }
                }
            }
        }
    }
    let exploits = exploits
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let tally = results[k].tally();
            ExploitResult {
                name: e.name,
                family: e.family,
                description: e.description,
                criterion: e.criterion,
                rate: exploited[k] as f64 / tally.n as f64,
                tally,
                above_honest: above[k],
                exploited: exploited[k],
                examples: std::mem::take(&mut examples[k]),
            }
        })
        .collect();
    Ok(AuditReport {
        spec: SpecId {
            name: engine.spec().name.clone(),
            hash: engine.spec_hash().to_owned(),
        },
        options: options.clone(),
        honest: honest.tally(),
        exploits,
    })
}

fn select(only: &[String]) -> Result<Vec<&'static Exploit>, AuditError> {
    if only.is_empty() {
        return Ok(EXPLOITS.iter().collect());
    }
    only.iter()
        .map(|name| {
            exploits::by_name(name).ok_or_else(|| AuditError::UnknownExploit {
                name: name.clone(),
                known: EXPLOITS
                    .iter()
                    .map(|e| e.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        })
        .collect()
}

#[derive(Debug, Clone, Default)]
struct Accumulator {
    n: usize,
    at_or_above: usize,
    no_reward: usize,
    sum: f64,
}

impl Accumulator {
    fn add(&mut self, reward: Option<f64>, threshold: f64) {
        self.n += 1;
        match reward {
            Some(r) => {
                self.sum += r;
                if r >= threshold {
                    self.at_or_above += 1;
                }
            }
            None => self.no_reward += 1,
        }
    }

    fn tally(&self) -> Tally {
        let scored = self.n - self.no_reward;
        Tally {
            n: self.n,
            at_or_above_threshold: self.at_or_above,
            no_reward: self.no_reward,
            mean_reward: (scored > 0).then(|| self.sum / scored as f64),
        }
    }
}

/// A response cut to about 160 bytes at a character boundary, for examples.
fn preview(text: &str) -> String {
    plaudit_core::preview(text, 160)
}
