//! `plaudit score`: stream datasets through the engine.
//!
//! A reader thread reads chunks of rows while the main thread parses them
//! (in parallel), scores them and writes the scores, so memory stays flat
//! however large the input is.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use plaudit_core::Sample;
use plaudit_engine::{Cache, Engine, Keep};

use crate::input::{self, Chunk, FieldArgs, FieldMap};
use crate::summary::Summary;
use crate::{Exit, output};

/// How many malformed rows are described one by one before only counting.
const SHOWN_ROW_ERRORS: u64 = 20;

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The reward spec (TOML, or JSON by extension).
    #[arg(long, short, value_name = "SPEC")]
    spec: PathBuf,
    /// Datasets to score: JSONL (`-` for stdin) or Parquet, by extension.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Where to write scores: JSONL, or Parquet by extension [default: stdout].
    #[arg(long, short, value_name = "OUT")]
    output: Option<PathBuf>,
    #[command(flatten)]
    fields: FieldArgs,
    /// Exit with status 2 if any input row is malformed (all good rows are
    /// still scored and written).
    #[arg(long)]
    strict: bool,
    /// Keep an existing JSONL output and skip the ids it already holds.
    #[arg(long, requires = "output")]
    resume: bool,
    /// The result cache for expensive aspects (SQLite) [default: the user's
    /// cache folder, plaudit/cache.sqlite].
    #[arg(long, value_name = "PATH", env = "PLAUDIT_CACHE")]
    cache: Option<PathBuf>,
    /// Do not read or write the result cache.
    #[arg(long, conflicts_with = "cache")]
    no_cache: bool,
    /// Samples per batch. Group normalization is computed within a batch,
    /// which never splits a run of samples of one group.
    #[arg(long, default_value_t = 8192, value_parser = clap::value_parser!(u32).range(1..))]
    batch_size: u32,
    /// Worker threads for CPU aspects [default: the number of cores].
    #[arg(long)]
    threads: Option<usize>,
    /// Print no progress bar and no summary.
    #[arg(long, short)]
    quiet: bool,
    /// Write each aspect's outcome without its details (what was
    /// extracted, why a check failed): the aspects skip building them,
    /// which is faster, and the output is smaller. Values and rewards are
    /// the same. Cached aspects keep theirs.
    #[arg(long)]
    no_details: bool,
}

pub(crate) fn default_cache_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("plaudit").join("cache.sqlite"))
}

pub fn run(args: ScoreArgs) -> anyhow::Result<()> {
    let mut builder = Engine::builder();
    if let Some(t) = args.threads {
        builder = builder.threads(t);
    }
    let engine = crate::load_engine(&args.spec, builder)?;
    let engine = if engine.has_cached_aspects() && !args.no_cache {
        match args.cache.clone().or_else(default_cache_path) {
            Some(path) => {
                let cache = Cache::open(&path)?;
                engine.with_cache(Arc::new(cache))
            }
            None => engine,
        }
    } else {
        engine
    };
    // Every input must open before the output is created: a typo in an
    // input name must not truncate last run's scores.
    let out = args
        .output
        .as_deref()
        .and_then(|o| std::fs::canonicalize(o).ok());
    for path in args.inputs.iter().filter(|p| p.as_os_str() != "-") {
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        if out.is_some() && std::fs::canonicalize(path).ok() == out {
            anyhow::bail!(
                "the output {} is also an input; writing it would destroy the data",
                path.display()
            );
        }
    }
    let names = engine.aspect_names();
    let (mut sink, done) = output::open(args.output.as_deref(), &names, args.resume)?;
    let map = FieldMap::new(&args.fields);
    let mut summary = Summary::new(names);
    let started = Instant::now();
    let keep = if args.no_details {
        Keep::Outcomes
    } else {
        Keep::Details
    };
    let mut position = 0u64;
    let mut carry: Vec<Sample> = Vec::new();
    let mut closed_groups: HashSet<String> = HashSet::new();
    let show_progress = !args.quiet && std::io::stderr().is_terminal();

    for path in &args.inputs {
        let name = input::display_name(path);
        let mut source = input::open(path)?;
        let (spare_tx, spare_rx) = crossbeam_channel::bounded::<Vec<u8>>(2);
        source.recycle_from(spare_rx);
        let bar = progress_bar(show_progress, source.size_hint(), &name);
        let (tx, rx) = crossbeam_channel::bounded::<anyhow::Result<(Chunk, u64)>>(2);
        let batch = args.batch_size as usize;
        let reader = std::thread::spawn(move || {
            let mut source = source;
            loop {
                match source.next_chunk(batch) {
                    Ok(Some(chunk)) => {
                        if tx.send(Ok((chunk, source.progress()))).is_err() {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
        });
        for received in rx {
            let (chunk, progress) = received.with_context(|| format!("reading {name}"))?;
            let (parsed, buf) = chunk.parse(&name, &map, position);
            if let Some(buf) = buf {
                let _ = spare_tx.try_send(buf);
            }
            position += parsed.len() as u64;
            let mut samples = Vec::with_capacity(parsed.len() + carry.len());
            samples.append(&mut carry);
            for (_, row) in parsed {
                match row {
                    Ok(sample) if done.contains(&sample.id) => summary.resumed += 1,
                    Ok(sample) => samples.push(sample),
                    Err(e) => {
                        summary.malformed += 1;
                        if summary.malformed <= SHOWN_ROW_ERRORS {
                            bar.suspend(|| eprintln!("error: {}: {}", e.place, e.message));
                        } else if summary.malformed == SHOWN_ROW_ERRORS + 1 {
                            bar.suspend(|| {
                                eprintln!("error: more malformed rows; only counting them now")
                            });
                        }
                    }
                }
            }
            if engine.needs_groups() {
                carry = split_trailing_group(&mut samples);
                count_split_groups(&samples, &mut closed_groups, &mut summary);
            }
            score_and_write(&engine, samples, keep, &mut sink, &mut summary)?;
            bar.set_position(progress);
        }
        reader
            .join()
            .map_err(|_| anyhow::anyhow!("the reader of {name} panicked"))?;
        bar.finish_and_clear();
    }
    if !carry.is_empty() {
        let samples = std::mem::take(&mut carry);
        count_split_groups(&samples, &mut closed_groups, &mut summary);
        score_and_write(&engine, samples, keep, &mut sink, &mut summary)?;
    }
    sink.finish()?;
    for e in engine.take_cache_errors() {
        eprintln!("warning: {e} (scores were computed without the cache)");
    }
    if !args.quiet {
        eprint!(
            "{}",
            summary.render(
                &engine.spec().name,
                engine.spec_hash(),
                Some(started.elapsed())
            )
        );
    }
    if args.strict && summary.malformed > 0 {
        eprintln!("error: {} malformed rows (--strict)", summary.malformed);
        return Err(Exit(2).into());
    }
    Ok(())
}

fn score_and_write(
    engine: &Engine,
    samples: Vec<Sample>,
    keep: Keep,
    sink: &mut output::Sink,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    if samples.is_empty() {
        return Ok(());
    }
    let scores = engine.score_batch_keeping(samples, keep);
    sink.write(&scores)?;
    summary.add(&scores);
    Ok(())
}

/// Takes the trailing run of samples that share the last sample's group, so
/// that a group read across two chunks is normalized whole.
fn split_trailing_group(samples: &mut Vec<Sample>) -> Vec<Sample> {
    let Some(last) = samples.last().and_then(|s| s.group.clone()) else {
        return Vec::new();
    };
    let start = samples
        .iter()
        .rposition(|s| s.group.as_deref() != Some(last.as_str()))
        .map_or(0, |i| i + 1);
    if start == 0 {
        // The whole chunk is one group: keep reading it.
        return std::mem::take(samples);
    }
    samples.split_off(start)
}

/// Counts groups whose rows reappear after other groups.
fn count_split_groups(samples: &[Sample], closed: &mut HashSet<String>, summary: &mut Summary) {
    let mut previous: Option<&str> = None;
    for s in samples {
        let Some(g) = s.group.as_deref() else {
            continue;
        };
        if previous != Some(g) {
            if !closed.insert(g.to_owned()) {
                summary.split_groups += 1;
            }
            previous = Some(g);
        }
    }
}

fn progress_bar(show: bool, len: Option<u64>, name: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = match len {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {percent:>3}% {elapsed_precise} (eta {eta})",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_message(name.to_owned());
    bar
}
