//! Reward-model evaluation: preference benchmarks, their reference metrics,
//! statistics that say how sure a number is, and reports.
//!
//! The pipeline is four steps, one module each:
//!
//! 1. [`data`] reads preference data in the layouts people have —
//!    RewardBench 1 and 2, LLMBar, JudgeBench, HH-RLHF transcripts, generic
//!    pairwise and best-of-N JSONL, plain or gzipped — into [`Item`]s: a
//!    prompt, its responses in the dataset's order, and the rule that says
//!    which response should win.
//! 2. [`scores`] gives every response a number, from a precomputed scores
//!    file or from a reward spec run by [`plaudit_engine::Engine`]. A
//!    response without a reward keeps its item out of every metric and is
//!    reported; it is never counted as a 0.
//! 3. [`metrics`] turns scores into the benchmarks' numbers exactly as their
//!    reference code does (RewardBench's strict `chosen > rejected`, its
//!    example-count-weighted sections, RewardBench 2's 1/k tie credit and
//!    the Ties composite), and [`stats`] adds seeded bootstrap intervals, a
//!    paired comparison of two models (paired bootstrap and McNemar), and
//!    the correlation of score with length.
//! 4. [`report`] renders the result as JSON, a terminal table and one
//!    self-contained HTML file with inline SVG plots.
//!
//! [`evaluate()`] runs steps 3 and 4's inputs in one call.
//!
//! Why it is shaped so: the expensive part of a bootstrap over a million
//! pairs is drawing a billion indices, so per-item results are reduced to
//! one byte (or one float, for fractional credit) before resampling, and
//! resamples run in parallel, each with its own small generator seeded
//! from (seed, resample index) — the numbers do not depend on the number
//! of threads.
#![deny(missing_docs)]

pub mod audit;
pub mod bias;
pub mod data;
mod error;
pub mod evaluate;
pub mod metrics;
pub mod report;
pub mod scores;
pub mod stats;

pub use data::{Dataset, Format, Item, LoadOptions, RowError, Rule};
pub use error::EvalError;
pub use evaluate::{EvalOptions, evaluate};
pub use report::Report;
pub use scores::Scores;
