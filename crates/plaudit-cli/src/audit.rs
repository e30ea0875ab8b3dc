//! `plaudit audit`: reward-hacking probes for a spec.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use plaudit_engine::Engine;
use plaudit_eval::audit::{self, AuditOptions, EXPLOITS, ProbeFields};

use crate::Exit;

/// Arguments of `plaudit audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The reward spec to audit.
    #[arg(long, value_name = "SPEC", required_unless_present = "list")]
    spec: Option<PathBuf>,
    /// Probe data: JSONL, or a JSON array (LLMBar); rows need a prompt and a
    /// reference or a response. Without data, a built-in set of arithmetic
    /// word problems is used.
    #[arg(value_name = "DATA")]
    data: Vec<PathBuf>,
    /// A reward at or above this pays an exploit that carries no
    /// acceptable answer.
    #[arg(long, default_value_t = 0.5)]
    threshold: f64,
    /// Exit 1 when any exploit is paid on more than this share of probes
    /// (0 to 1), so CI can gate a spec. Without it the audit only reports.
    #[arg(long, value_name = "RATE")]
    max_rate: Option<f64>,
    /// Run only these exploits (comma-separated names; see --list).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    only: Vec<String>,
    /// Use at most this many probes from the data.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// How many examples to keep per paid exploit.
    #[arg(long, default_value_t = 3, value_name = "N")]
    examples: usize,
    /// Write the complete report as JSON here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// The honest response for rows without one; `{reference}` and
    /// `{solution}` are filled in.
    #[arg(long, value_name = "TEMPLATE")]
    honest_template: Option<String>,
    /// The prompt's field (dotted path) [default: prompt, problem,
    /// question, input or query, the first present].
    #[arg(long, value_name = "PATH")]
    prompt_field: Option<String>,
    /// The reference's field [default: reference, answer, ground_truth,
    /// reward_model.ground_truth or expected_answer].
    #[arg(long, value_name = "PATH")]
    reference_field: Option<String>,
    /// The honest response's field [default: response, completion or
    /// output].
    #[arg(long, value_name = "PATH")]
    response_field: Option<String>,
    /// Scoring threads [default: all cores].
    #[arg(long)]
    threads: Option<usize>,
    /// List the exploits and exit.
    #[arg(long)]
    list: bool,
}

pub fn run(args: AuditArgs) -> anyhow::Result<()> {
    if args.list {
        let mut out = io::stdout().lock();
        let width = EXPLOITS.iter().map(|e| e.name.len()).max().unwrap_or(0);
        for e in EXPLOITS {
            writeln!(out, "{:width$}  {}", e.name, e.description)?;
        }
        return Ok(());
    }
    if !(0.0..=1.0).contains(&args.max_rate.unwrap_or(0.0)) {
        anyhow::bail!("--max-rate must be between 0 and 1");
    }
    if !args.threshold.is_finite() {
        anyhow::bail!("--threshold must be a finite number");
    }
    let Some(spec) = &args.spec else {
        anyhow::bail!("--spec is required");
    };
    let mut builder = Engine::builder();
    if let Some(t) = args.threads {
        builder = builder.threads(t);
    }
    let engine = crate::load_engine(spec, builder)?;

    let mut fields = ProbeFields::default();
    if let Some(f) = &args.prompt_field {
        fields.prompt = vec![f.clone()];
    }
    if let Some(f) = &args.reference_field {
        fields.reference = vec![f.clone()];
    }
    if let Some(f) = &args.response_field {
        fields.response = vec![f.clone()];
    }
    if let Some(t) = &args.honest_template {
        fields.honest_template = t.clone();
    }
    let probes = if args.data.is_empty() {
        audit::builtin_probes()
    } else {
        let mut probes = Vec::new();
        let mut bad = 0;
        for path in &args.data {
            let left = args.limit.unwrap_or(usize::MAX) - probes.len();
            // Propagated, so that the reason (the I/O error) is printed too.
            let read = audit::read_probes(path, &fields, left)?;
            for e in &read.errors {
                eprintln!("{e}");
            }
            bad += read.errors.len();
            probes.extend(read.probes);
        }
        if bad > 0 {
            eprintln!("{bad} rows could not be read and were skipped (see above)");
        }
        probes
    };
    if probes.is_empty() {
        eprintln!("error: no probes: the data has no usable rows");
        return Err(Exit(2).into());
    }
    let options = AuditOptions {
        threshold: args.threshold,
        only: args.only.clone(),
        examples: args.examples,
        ..AuditOptions::default()
    };
    let report = match audit::run(&engine, &probes, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(Exit(2).into());
        }
    };
    if let Some(path) = &args.json {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let mut w = io::BufWriter::new(file);
        serde_json::to_writer_pretty(&mut w, &report)?;
        writeln!(w)?;
        w.flush()?;
    }
    let mut out = io::stdout().lock();
    write!(out, "{}", report.to_table())?;
    out.flush()?;
    if let Some(max) = args.max_rate {
        let over = report.over(max);
        if !over.is_empty() {
            let names: Vec<_> = over
                .iter()
                .map(|e| format!("{} ({:.1}%)", e.name, 100.0 * e.rate))
                .collect();
            eprintln!(
                "audit failed: {} exploit(s) paid on more than {:.1}% of probes: {}",
                over.len(),
                100.0 * max,
                names.join(", ")
            );
            return Err(Exit(1).into());
        }
    }
    Ok(())
}
