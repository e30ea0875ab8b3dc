//! The in-process models through the engine, for the scripts that run
//! them beside their Python counterparts on the same inputs:
//!
//! - `embed PAIRS MODEL OUT` (`bench/embed/run.py`): `embed.similarity`
//!   on JSON lines of `{"response", "reference"}`, with the
//!   sentence-transformers model in `MODEL`;
//! - `rm TEXTS MODEL OUT` (`bench/local-rm/run.py`): `model.local` on JSON
//!   lines of `{"response"}` through `template = "{response}"`, with the
//!   sequence classifier in `MODEL`.
//!
//! `cargo bench -p plaudit-model --features local --bench local -- MODE INPUT MODEL OUT`
//! writes one reward a line to `OUT` and prints the timing as one JSON
//! line (`PLAUDIT_BENCH_BATCH_TOKENS` sets `batch_tokens`).

// A benchmark reports on stdout.
#![allow(clippy::print_stdout)]

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};

use plaudit_core::Sample;
use plaudit_core::spec::{Format, SpecSource};
use plaudit_engine::Engine;

// As in the plaudit binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [mode, input, model, out] = args.as_slice() else {
        eprintln!("usage: local embed|rm INPUT MODEL OUT");
        std::process::exit(2);
    };
    let (kind, extra) = match mode.as_str() {
        "embed" => ("embed.similarity", ""),
        "rm" => ("model.local", "template = \"{response}\"\n"),
        other => {
            eprintln!("unknown mode {other:?}: embed or rm");
            std::process::exit(2);
        }
    };
    let samples: Vec<Sample> = std::io::BufReader::new(std::fs::File::open(input).expect("INPUT"))
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let v: Value = serde_json::from_str(&l.expect("a line")).expect("a JSON row");
            let s = Sample::new(format!("{i}"), v["response"].as_str().expect("response"));
            match v.get("reference") {
                Some(r) => s.with_reference(r.clone()),
                None => s,
            }
        })
        .collect();
    let spec = format!(
        "name = \"bench\"\n\n[[aspect]]\nname = \"model\"\nkind = \"{kind}\"\ntimeout_ms = 36000000\n\
         model = {}\n{extra}{}",
        serde_json::to_string(model).expect("a string"),
        std::env::var("PLAUDIT_BENCH_BATCH_TOKENS")
            .map(|t| format!("batch_tokens = {t}\n"))
            .unwrap_or_default()
    );
    let loading = Instant::now();
    let engine = Engine::builder()
        .build(&SpecSource::from_text("<bench>", spec, Format::Toml))
        .unwrap_or_else(|e| panic!("{e}"));
    let load_seconds = loading.elapsed().as_secs_f64();
    let samples = Arc::new(samples);
    let start = Instant::now();
    let scores = engine.score_shared(&samples);
    let seconds = start.elapsed().as_secs_f64();
    let mut w = std::io::BufWriter::new(std::fs::File::create(out).expect("OUT"));
    for s in &scores {
        let r = s
            .reward
            .unwrap_or_else(|| panic!("sample {} was not scored: {s:?}", s.id));
        writeln!(w, "{r}").expect("writing OUT");
    }
    w.flush().expect("writing OUT");
    println!(
        "{}",
        json!({"samples": samples.len(), "seconds": seconds, "load_seconds": load_seconds,
               "per_second": samples.len() as f64 / seconds})
    );
}
