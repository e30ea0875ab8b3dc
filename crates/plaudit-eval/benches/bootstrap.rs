//! How `plaudit eval` scales with pairs and bootstrap resamples.
//!
//!     cargo bench -p plaudit-eval --bench bootstrap -- [--quick] [--plaudit PATH]
//!
//! 1. The bootstrap alone (per-pair correctness as bytes, resamples in
//!    parallel) over a grid of pairs × resamples, best of 3.
//! 2. The library end to end on generated files: read a pairwise JSONL
//!    dataset and a scores file, evaluate (1,000 resamples), render the
//!    JSON, table and HTML reports.
//! 3. With `--plaudit PATH` (a release build of the binary), the same
//!    files through `plaudit eval --json --html`, timed from outside.
//!
//! Prints one JSON object per measurement. `--quick` stops at 100,000
//! pairs. The generated files are kept in the system's temporary folder
//! (`plaudit-eval-bench/`) and reused by later runs.

// The report on stdout is what this program is for.
#![allow(clippy::print_stdout)]

// The same allocator as the `plaudit` binary: loading a million items is
// allocation-heavy, and glibc's allocator would dominate the numbers.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use plaudit_eval::metrics::Overall;
use plaudit_eval::stats::bootstrap::{Units, bootstrap};
use plaudit_eval::stats::rng::Rng;
use plaudit_eval::{EvalOptions, Format, LoadOptions, data, evaluate, report, scores};

fn best_of_3(mut f: impl FnMut()) -> Duration {
    (0..3)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// Writes `pairs` pairwise rows (five subsets, responses of 20–400
/// characters) and a scores file in which the chosen response wins 70% of
/// the time.
fn generate(dir: &Path, pairs: usize) -> (PathBuf, PathBuf) {
    let data = dir.join(format!("pairs-{pairs}.jsonl"));
    let scores = dir.join(format!("pairs-{pairs}.scores.jsonl"));
    if data.exists() && scores.exists() {
        return (data, scores);
    }
    std::fs::create_dir_all(dir).expect("the bench data folder");
    let mut rng = Rng::new(11);
    let words = [
        "the",
        "reward",
        "model",
        "prefers",
        "longer",
        "answers",
        "often",
        "and",
        "sometimes",
        "not",
    ];
    let text = |rng: &mut Rng| {
        let n = 3 + rng.below(60);
        (0..n)
            .map(|_| words[rng.below(words.len())])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut d = std::io::BufWriter::new(std::fs::File::create(&data).expect("data file"));
    let mut s = std::io::BufWriter::new(std::fs::File::create(&scores).expect("scores file"));
    for i in 0..pairs {
        let (chosen, rejected) = (text(&mut rng), text(&mut rng));
        writeln!(
            d,
            "{{\"id\": {i}, \"prompt\": \"question {i}\", \"chosen\": \"{chosen}\", \"rejected\": \"{rejected}\", \"subset\": \"s{}\"}}",
            i % 5
        )
        .expect("write");
        let a = rng.below(1000) as f64 / 1000.0;
        let b = if rng.below(10) < 7 {
            a - 0.25
        } else {
            a + 0.25
        };
        writeln!(s, "{{\"id\": {i}, \"scores\": [{a}, {b}]}}").expect("write");
    }
    d.flush().expect("write");
    s.flush().expect("write");
    (data, scores)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let quick = args.iter().any(|a| a == "--quick");
    let plaudit = args
        .iter()
        .position(|a| a == "--plaudit")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let threads = rayon::current_num_threads();

    // 1. The bootstrap alone.
    let sizes: &[usize] = if quick {
        &[10_000, 100_000]
    } else {
        &[10_000, 100_000, 1_000_000]
    };
    for &pairs in sizes {
        let mut rng = Rng::new(5);
        let bits: Vec<u8> = (0..pairs).map(|_| u8::from(rng.below(10) < 7)).collect();
        let units = vec![Units::Bits(bits)];
        for resamples in [100, 1000] {
            let t = best_of_3(|| {
                let d = bootstrap(&units, &Overall::Micro, resamples, 0);
                assert_eq!(d.overall.len(), resamples);
            });
            let draws = pairs as f64 * resamples as f64;
            println!(
                "{{\"what\": \"bootstrap\", \"pairs\": {pairs}, \"resamples\": {resamples}, \"threads\": {threads}, \"seconds\": {:.4}, \"draws_per_second\": {:.3e}}}",
                t.as_secs_f64(),
                draws / t.as_secs_f64()
            );
        }
    }

    // 2. and 3. End to end.
    let dir = std::env::temp_dir().join("plaudit-eval-bench");
    let e2e: &[usize] = if quick {
        &[100_000]
    } else {
        &[100_000, 1_000_000]
    };
    for &pairs in e2e {
        let (data_file, scores_file) = generate(&dir, pairs);
        let mut phases = [Duration::ZERO; 4];
        let t = best_of_3(|| {
            let t0 = Instant::now();
            let (dataset, errors) =
                data::load(&[&data_file], &LoadOptions::new(Format::Pairwise)).expect("data loads");
            assert!(errors.is_empty());
            let t1 = Instant::now();
            let (s, errors) = scores::read_file(&scores_file, &dataset).expect("scores load");
            assert!(errors.is_empty());
            let t2 = Instant::now();
            let r = evaluate(&dataset, &s, None, &EvalOptions::default()).expect("evaluates");
            let t3 = Instant::now();
            let rendered = r.to_json().len()
                + report::table::render(&r).len()
                + report::html::render(&r).len();
            assert!(rendered > 0);
            phases = [t1 - t0, t2 - t1, t3 - t2, t3.elapsed()];
        });
        println!(
            "{{\"what\": \"library end to end\", \"pairs\": {pairs}, \"resamples\": 1000, \"threads\": {threads}, \"seconds\": {:.3}, \"read_data\": {:.3}, \"read_scores\": {:.3}, \"evaluate\": {:.3}, \"render\": {:.3}}}",
            t.as_secs_f64(),
            phases[0].as_secs_f64(),
            phases[1].as_secs_f64(),
            phases[2].as_secs_f64(),
            phases[3].as_secs_f64()
        );
        if let Some(bin) = &plaudit {
            let out = dir.join("out");
            std::fs::create_dir_all(&out).expect("out folder");
            let t = best_of_3(|| {
                let status = std::process::Command::new(bin)
                    .args(["eval", "--format", "pairwise", "-q", "--bootstrap", "1000"])
                    .arg(&data_file)
                    .arg("--scores")
                    .arg(&scores_file)
                    .arg("--json")
                    .arg(out.join("r.json"))
                    .arg("--html")
                    .arg(out.join("r.html"))
                    .stdout(std::process::Stdio::null())
                    .status()
                    .expect("plaudit runs");
                assert!(status.success());
            });
            println!(
                "{{\"what\": \"plaudit eval\", \"pairs\": {pairs}, \"resamples\": 1000, \"seconds\": {:.3}}}",
                t.as_secs_f64()
            );
        }
    }
}
