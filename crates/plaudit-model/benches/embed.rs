//! `embed.similarity` through the engine on response/reference pairs, for
//! `bench/embed/run.py`, which builds the pairs, runs sentence-transformers
//! on the same ones and compares.
//!
//! `cargo bench -p plaudit-model --features local --bench embed -- PAIRS MODEL OUT`
//! reads `PAIRS` (JSON lines of `{"response", "reference"}`), scores them
//! with the model in `MODEL`, writes one similarity a line to `OUT`, and
//! prints the timing as one JSON line.

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
    let [pairs, model, out] = args.as_slice() else {
        eprintln!("usage: embed PAIRS MODEL OUT");
        std::process::exit(2);
    };
    let samples: Vec<Sample> = std::io::BufReader::new(std::fs::File::open(pairs).expect("PAIRS"))
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let v: Value = serde_json::from_str(&l.expect("a line")).expect("a JSON row");
            Sample::new(format!("{i}"), v["response"].as_str().expect("response"))
                .with_reference(v["reference"].clone())
        })
        .collect();
    let spec = format!(
        "name = \"bench\"\n\n[[aspect]]\nname = \"sim\"\nkind = \"embed.similarity\"\ntimeout_ms = 3600000\nmodel = {}\n{}",
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
        json!({"pairs": samples.len(), "seconds": seconds, "load_seconds": load_seconds,
               "pairs_per_second": samples.len() as f64 / seconds})
    );
}
