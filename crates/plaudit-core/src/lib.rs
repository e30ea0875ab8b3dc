//! The data model of plaudit, shared by every other crate.
//!
//! A [`Sample`] goes in, an [`Aspect`] turns it into an [`Evaluation`] (an
//! [`Outcome`] plus provenance details), and the engine folds the evaluations
//! of every aspect of a [`Spec`] into one [`Score`].
//!
//! The outcome of an aspect is never collapsed into a number early: a value, a
//! "does not apply", a failure and a timeout stay distinct until the spec's
//! `on_missing` policy decides how each enters the reward. That is the whole
//! reason this crate exists separately from the engine: every surface (CLI,
//! server, Python) speaks these types.
//!
//! This crate has no async runtime and no Python bindings, only serde.
#![deny(missing_docs)]

mod aspect;
mod outcome;
mod registry;
mod sample;
mod score;
pub mod spec;

pub use aspect::{Aspect, Context, Cost};
pub use outcome::{Details, Evaluation, Outcome, Status};
pub use registry::{BuildContext, BuildError, BuildFn, KindEntry, Registry};
pub use sample::{Content, Message, Sample, json_type};
pub use score::{AspectResult, Score};
pub use spec::{AspectSpec, Combine, CombineMethod, Limits, Normalize, OnMissing, Spec, SpecError};
