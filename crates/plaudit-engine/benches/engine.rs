//! In-process engine throughput on a JSONL file of samples: the samples are
//! loaded first, then `score_batch` is timed alone, batch by batch, so the
//! number compares with reward functions timed on data already in memory.
//!
//!     cargo bench -p plaudit-engine --bench engine -- SPEC DATA.jsonl [BATCH [THREADS]]
//!
//! Prints one JSON object: samples, seconds (best of 3), samples per second.
//! `bench/run.py` runs it beside the Python baseline.

// The report on stdout is what this program is for.
#![allow(clippy::print_stdout)]

use std::io::BufRead;
use std::sync::Arc;

// The same allocator as the `plaudit` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::Instant;

use plaudit_core::Sample;
use plaudit_engine::Engine;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [spec, data, rest @ ..] = args.as_slice() else {
        eprintln!("usage: engine SPEC DATA.jsonl [BATCH [THREADS]]");
        std::process::exit(2);
    };
    let batch: usize = rest
        .first()
        .map_or(8192, |b| b.parse().expect("BATCH is a number"));
    let mut builder = Engine::builder();
    if let Some(t) = rest.get(1) {
        builder = builder.threads(t.parse().expect("THREADS is a number"));
    }
    let source =
        plaudit_core::spec::SpecSource::from_path(spec.as_ref()).unwrap_or_else(|e| panic!("{e}"));
    let engine = builder.build(&source).unwrap_or_else(|e| panic!("{e}"));
    let file = std::io::BufReader::new(std::fs::File::open(data).expect("DATA opens"));
    let samples: Vec<Sample> = file
        .lines()
        .map(|l| serde_json::from_str(&l.expect("DATA reads")).expect("DATA rows are samples"))
        .collect();
    let n = samples.len();
    let mut best = f64::INFINITY;
    let mut checksum = 0.0;
    let mut inside = 0.0;
    for _ in 0..3 {
        // Batches the caller holds, as a trainer holds its rollouts: loading
        // and freeing them stay outside the clock, as they do for Python.
        let copies: Vec<Arc<Vec<Sample>>> = samples
            .chunks(batch)
            .map(|c| Arc::new(c.to_vec()))
            .collect();
        let mut kept = Vec::new();
        let start = Instant::now();
        let mut here = 0.0;
        for chunk in &copies {
            let t = Instant::now();
            let scores = engine.score_shared(chunk);
            here += t.elapsed().as_secs_f64();
            checksum += scores.iter().filter_map(|s| s.reward).sum::<f64>();
            // Dropped after the clock stops, as a trainer keeps its rewards.
            kept.push(scores);
        }
        let took = start.elapsed().as_secs_f64();
        if took < best {
            best = took;
            inside = here;
        }
        drop(kept);
        drop(copies);
    }
    eprintln!("score_batch took {inside:.4} s of {best:.4} s");
    println!(
        "{{\"samples\": {n}, \"seconds\": {best:.6}, \"per_s\": {:.1}, \"checksum\": {checksum:.6}}}",
        n as f64 / best
    );
}
