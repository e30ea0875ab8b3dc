//! The `plaudit` command: a thin layer over the libraries.
//!
//! Data goes to stdout, logs and progress to stderr. Exit status: 0 ok, 1 a
//! check failed, 2 an error (a bad spec, unreadable input, `--strict` with
//! malformed rows). A closed stdout pipe (`plaudit score … | head`) is not an
//! error.

mod alloc;
mod audit;
mod doctor;
mod eval;
mod input;
mod math;
mod output;
mod score;
mod serve;
mod summary;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use plaudit_core::spec::SpecSource;
use plaudit_engine::{Engine, default_registry};

/// A multi-aspect reward engine for post-training and evaluating language models.
#[derive(Debug, Parser)]
#[command(name = "plaudit", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Score a dataset (JSONL or Parquet) with a reward spec.
    Score(Box<score::ScoreArgs>),
    /// Serve rewards over HTTP: plaudit's API and the trainers' protocols.
    Serve(Box<serve::ServeArgs>),
    /// Probe a spec with reward-hacking exploits and report which it pays.
    Audit(Box<audit::AuditArgs>),
    /// Evaluate a reward model on preference data (RewardBench 1/2, LLMBar,
    /// JudgeBench, HH-RLHF…): scores, intervals, length baselines, comparisons.
    Eval(Box<eval::EvalArgs>),
    /// Validate a spec and print it resolved, defaults filled in.
    Check(CheckArgs),
    /// List the aspect kinds a spec may use.
    Kinds,
    /// Math answer verification, one answer at a time.
    #[command(subcommand)]
    Math(math::MathCommand),
    /// Check what this host offers the code sandbox, with a probe run inside one.
    Doctor(doctor::DoctorArgs),
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// The spec file (TOML, or JSON by extension).
    spec: PathBuf,
}

/// An error that has already been reported, carrying the exit status.
#[derive(Debug)]
pub(crate) struct Exit(pub u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for Exit {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Score(args) => score::run(*args),
        Command::Serve(args) => serve::run(*args),
        Command::Audit(args) => audit::run(*args),
        Command::Eval(args) => eval::run(*args),
        Command::Check(args) => check(&args),
        Command::Kinds => kinds(),
        Command::Math(command) => math::run(command),
        Command::Doctor(args) => doctor::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(exit) = e.downcast_ref::<Exit>() {
                return ExitCode::from(exit.0);
            }
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Builds the engine for a spec file, printing every spec problem on error.
pub(crate) fn load_engine(
    spec: &std::path::Path,
    builder: plaudit_engine::EngineBuilder,
) -> anyhow::Result<Engine> {
    let source = SpecSource::from_path(spec).and_then(|s| builder.build(&s).map(|e| (s, e)));
    match source {
        Ok((_, engine)) => Ok(engine),
        Err(e) => {
            eprintln!("error: {e}");
            Err(Exit(2).into())
        }
    }
}

fn check(args: &CheckArgs) -> anyhow::Result<()> {
    let engine = load_engine(&args.spec, Engine::builder().threads(1))?;
    let mut out = io::stdout().lock();
    writeln!(out, "# {} is valid", args.spec.display())?;
    writeln!(out, "# content hash: {}", engine.spec_hash())?;
    write!(out, "{}", engine.spec().to_toml())?;
    out.flush()?;
    Ok(())
}

fn kinds() -> anyhow::Result<()> {
    let registry = default_registry();
    let width = registry
        .entries()
        .iter()
        .map(|e| e.kind.len())
        .max()
        .unwrap_or(0);
    let mut out = io::stdout().lock();
    for e in registry.entries() {
        writeln!(out, "{:width$}  {}", e.kind, e.summary)?;
    }
    out.flush()?;
    Ok(())
}
