//! `plaudit eval`: measure a reward model (a spec, or precomputed scores)
//! on preference data, with intervals, length baselines and a comparison.
//!
//! The table goes to stdout; row errors, warnings and timing to stderr;
//! `--json` and `--html` write the full report. Bad rows are reported with
//! file, line and field and the good rows are evaluated; `--strict` then
//! exits with status 2.

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use clap::{ArgGroup, Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use plaudit_engine::{Cache, Engine};
use plaudit_eval::{EvalOptions, Format, LoadOptions, RowError, Scores, data, report, scores};

use crate::Exit;

/// How many bad rows per file are described one by one.
const SHOWN_ROW_ERRORS: usize = 20;

/// The data layouts `--format` names.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    /// RewardBench 1: prompt, chosen, rejected, subset.
    Rewardbench,
    /// RewardBench 2: chosen: [...], rejected: [...], num_correct, subset.
    Rewardbench2,
    /// LLMBar: input, output_1, output_2, label.
    Llmbar,
    /// JudgeBench: question, response_A, response_B, label.
    Judgebench,
    /// HH-RLHF: chosen and rejected whole dialogues.
    HhRlhf,
    /// Generic pairwise: prompt, chosen, rejected, [subset].
    Pairwise,
    /// Generic best-of-N: prompt, responses: [...], best, [subset].
    Bon,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Rewardbench => Format::RewardBench,
            FormatArg::Rewardbench2 => Format::RewardBench2,
            FormatArg::Llmbar => Format::LlmBar,
            FormatArg::Judgebench => Format::JudgeBench,
            FormatArg::HhRlhf => Format::HhRlhf,
            FormatArg::Pairwise => Format::Pairwise,
            FormatArg::Bon => Format::Bon,
        }
    }
}

#[derive(Debug, Args)]
#[command(group = ArgGroup::new("source").required(true).args(["spec", "scores"]))]
pub struct EvalArgs {
    /// The data layout.
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Data files: JSONL, or one JSON array; gzipped when named `.gz`.
    #[arg(required = true, value_name = "DATA")]
    inputs: Vec<PathBuf>,
    /// Score every response with this reward spec (TOML, or JSON by extension).
    #[arg(long, short, value_name = "SPEC")]
    spec: Option<PathBuf>,
    /// Precomputed scores: JSONL rows {"id": …, "scores": [s1, s2, …]}, one
    /// score per response in the dataset's order (null: missing).
    #[arg(long, value_name = "FILE")]
    scores: Option<PathBuf>,
    /// A second scores file to compare with: paired bootstrap and McNemar
    /// say whether the difference is real.
    #[arg(long, value_name = "FILE")]
    compare: Option<PathBuf>,
    /// Break results down by this row field (dotted path: language,
    /// meta.category…). Repeatable.
    #[arg(long, value_name = "FIELD")]
    by: Vec<String>,
    /// Bootstrap resamples for the intervals (0: none).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    bootstrap: usize,
    /// The bootstrap seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The intervals' coverage.
    #[arg(long, default_value_t = 0.95, value_parser = confidence)]
    confidence: f64,
    /// Write the full report as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a self-contained HTML report (plots as inline SVG).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write the spec's scores as a scores file, for a later --compare.
    #[arg(long, value_name = "FILE", requires = "spec")]
    save_scores: Option<PathBuf>,
    /// The result cache for expensive aspects (SQLite) [default: the
    /// user's cache folder, plaudit/cache.sqlite].
    #[arg(long, value_name = "PATH", env = "PLAUDIT_CACHE")]
    cache: Option<PathBuf>,
    /// Do not read or write the result cache.
    #[arg(long, conflicts_with = "cache")]
    no_cache: bool,
    /// Items per batch when scoring with a spec.
    #[arg(long, default_value_t = 4096, value_parser = clap::value_parser!(u32).range(1..))]
    batch_size: u32,
    /// Worker threads [default: the number of cores].
    #[arg(long)]
    threads: Option<usize>,
    /// Exit with status 2 if any row was rejected or any item lacks scores
    /// (the report is still written).
    #[arg(long)]
    strict: bool,
    /// Print no progress and no timing.
    #[arg(long, short)]
    quiet: bool,
}

fn confidence(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(c) if c > 0.0 && c < 1.0 => Ok(c),
        _ => Err(format!("expected a number between 0 and 1, found {s:?}")),
    }
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    if let Some(t) = args.threads {
        // Only the first global pool wins; a second `eval` in-process is not a thing.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(t.max(1))
            .build_global();
    }
    let started = Instant::now();
    let format = Format::from(args.format);
    let engine = match &args.spec {
        Some(spec) => Some(build_engine(spec, &args)?),
        None => None,
    };
    let options = LoadOptions {
        format,
        by: args.by.clone(),
        keep_meta: engine.is_some(),
    };
    let (dataset, data_errors) = data::load(&args.inputs, &options).context("reading the data")?;
    report_rows("data", &data_errors);
    if dataset.items.is_empty() {
        anyhow::bail!("no usable row in {}", names(&args.inputs));
    }
    let mut rejected = data_errors.len();

    let scores = match (&engine, &args.scores) {
        (Some(engine), _) => {
            let bar = progress(!args.quiet, dataset.items.len() as u64);
            let s = scores::score_with_engine(engine, &dataset, args.batch_size as usize, |n| {
                bar.inc(n as u64)
            });
            bar.finish_and_clear();
            for e in engine.take_cache_errors() {
                eprintln!("warning: {e} (scores were computed without the cache)");
            }
            if let Some(path) = &args.save_scores {
                scores::write_file(path, &dataset, &s)?;
            }
            s
        }
        (None, Some(path)) => read_scores(path, &dataset, &mut rejected)?,
        (None, None) => anyhow::bail!("give --spec or --scores"),
    };
    report_missing(&scores);
    let compare = match &args.compare {
        Some(path) => {
            let c = read_scores(path, &dataset, &mut rejected)?;
            report_missing(&c);
            Some(c)
        }
        None => None,
    };

    let eval_options = EvalOptions {
        resamples: args.bootstrap,
        seed: args.seed,
        confidence: args.confidence,
        ..EvalOptions::default()
    };
    let mut report = plaudit_eval::evaluate(&dataset, &scores, compare.as_ref(), &eval_options)?;
    report.coverage.rejected_rows = rejected;

    if let Some(path) = &args.json {
        write(path, &report.to_json())?;
    }
    if let Some(path) = &args.html {
        write(path, &report::html::render(&report))?;
    }
    let mut out = std::io::stdout().lock();
    out.write_all(report::table::render(&report).as_bytes())?;
    out.flush()?;
    if !args.quiet {
        eprintln!(
            "evaluated {} items ({} bootstrap resamples) in {:.2?}",
            report.coverage.evaluated,
            args.bootstrap,
            started.elapsed()
        );
    }
    if args.strict && (report.coverage.rejected_rows > 0 || report.coverage.missing > 0) {
        eprintln!(
            "error: {} rejected rows and {} items without scores (--strict)",
            report.coverage.rejected_rows, report.coverage.missing
        );
        return Err(Exit(2).into());
    }
    Ok(())
}

fn build_engine(spec: &Path, args: &EvalArgs) -> anyhow::Result<Engine> {
    let mut builder = Engine::builder();
    if let Some(t) = args.threads {
        builder = builder.threads(t);
    }
    let engine = crate::load_engine(spec, builder)?;
    if !engine.has_cached_aspects() || args.no_cache {
        return Ok(engine);
    }
    match args.cache.clone().or_else(crate::score::default_cache_path) {
        Some(path) => Ok(engine.with_cache(Arc::new(Cache::open(&path)?))),
        None => Ok(engine),
    }
}

fn read_scores(
    path: &Path,
    dataset: &plaudit_eval::Dataset,
    rejected: &mut usize,
) -> anyhow::Result<Scores> {
    let (s, errors) = scores::read_file(path, dataset).context("reading the scores")?;
    report_rows("scores", &errors);
    *rejected += errors.len();
    Ok(s)
}

fn report_rows(what: &str, errors: &[RowError]) {
    for e in errors.iter().take(SHOWN_ROW_ERRORS) {
        eprintln!("error: {e}");
    }
    if errors.len() > SHOWN_ROW_ERRORS {
        eprintln!(
            "error: {} more rejected {what} rows",
            errors.len() - SHOWN_ROW_ERRORS
        );
    }
}

fn report_missing(scores: &Scores) {
    let Some((_, first)) = scores.missing.iter().next() else {
        return;
    };
    eprintln!(
        "warning: {} items have no complete scores in {} and are left out (not counted as 0); the first: {first}",
        scores.missing.len(),
        scores.source
    );
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn names(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn progress(show: bool, len: u64) -> ProgressBar {
    if !show || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("scoring [{bar:30}] {pos}/{len} items ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
