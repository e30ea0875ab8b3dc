//! Accuracy and per-check time of `plaudit_math::verify` on the labeled
//! corpus, in the same JSON layout as `bench/math_verify_baseline.py`, so
//! that `bench/math.py` can put the two side by side.
//!
//!     cargo bench -p plaudit-math --bench corpus -- [--corpus PATH] [--out FILE]
//!
//! Each row is timed once, from completion text to verdict (extraction,
//! parsing both sides, comparison), after one untimed pass over the corpus
//! that warms caches the way a training run's steady state would.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use plaudit_math::Equivalence;
use plaudit_math::verify::{Options, verify};
use serde_json::{Value, json};

struct Row {
    id: String,
    gold: String,
    completion: String,
    label: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/math_corpus.jsonl");
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--corpus" => corpus = args.next().ok_or("--corpus needs a path")?.into(),
            "--out" => out = Some(args.next().ok_or("--out needs a path")?.into()),
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let text = std::fs::read_to_string(&corpus)
        .map_err(|e| format!("cannot read {}: {e}", corpus.display()))?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line)
            .map_err(|e| format!("{}:{}: {e}", corpus.display(), i + 1))?;
        let field = |k: &str| {
            v[k].as_str()
                .map(str::to_owned)
                .ok_or(format!("row {}: no {k}", i + 1))
        };
        rows.push(Row {
            id: field("id")?,
            gold: field("gold")?,
            completion: field("completion")?,
            label: v["label"]
                .as_bool()
                .ok_or(format!("row {}: no label", i + 1))?,
        });
    }

    if rows.is_empty() {
        return Err(format!("{} has no rows", corpus.display()).into());
    }
    let options = Options::default();
    for row in &rows {
        std::hint::black_box(verify(&row.gold, &row.completion, &options).equivalence());
    }
    let mut per_row = Vec::with_capacity(rows.len());
    let mut times = Vec::with_capacity(rows.len());
    let (mut fp, mut fneg, mut undecided) = (Vec::new(), Vec::new(), Vec::new());
    let mut correct = 0usize;
    for row in &rows {
        let start = Instant::now();
        let equivalence = verify(&row.gold, &row.completion, &options).equivalence();
        let ns = start.elapsed().as_nanos() as u64;
        let verdict = equivalence == Equivalence::Equal;
        if equivalence == Equivalence::Unknown {
            undecided.push(row.id.clone());
        }
        match (verdict, row.label) {
            (true, false) => fp.push(row.id.clone()),
            (false, true) => fneg.push(row.id.clone()),
            _ => correct += 1,
        }
        times.push(ns);
        per_row.push(json!({"id": row.id, "verdict": verdict, "ns": ns}));
    }
    let total: u64 = times.iter().sum();
    times.sort_unstable();
    let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    let summary = json!({
        "tool": concat!("plaudit-math ", env!("CARGO_PKG_VERSION")),
        "rows": rows.len(),
        "accuracy": correct as f64 / rows.len() as f64,
        "false_positives": fp,
        "false_negatives": fneg,
        "timed_out": [],
        "errors": undecided,
        "time_ns": {"median": pct(0.5), "p90": pct(0.9), "p99": pct(0.99), "max": times[times.len() - 1], "total": total},
        "per_row": per_row,
    });
    eprintln!(
        "plaudit-math: {} rows, accuracy {:.4}, {} false positives, {} false negatives, {} undecided; median {} ns, p99 {} ns, max {} ns",
        rows.len(),
        summary["accuracy"].as_f64().unwrap_or(0.0),
        summary["false_positives"].as_array().map_or(0, Vec::len),
        summary["false_negatives"].as_array().map_or(0, Vec::len),
        summary["errors"].as_array().map_or(0, Vec::len),
        pct(0.5),
        pct(0.99),
        times[times.len() - 1],
    );
    match out {
        Some(path) => std::fs::write(&path, summary.to_string())?,
        None => {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{summary}")?;
        }
    }
    Ok(())
}
