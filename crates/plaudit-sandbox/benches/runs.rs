//! Sandboxed against unsandboxed: the same trivial Python program, run as a
//! plain `python3` subprocess and in the sandbox, side by side in one run,
//! with as many workers as cores. Reports runs per second for each, the
//! cost ratio, and the sandbox's latency percentiles.
//!
//! `cargo bench -p plaudit-sandbox --bench runs [-- RUNS [WORKERS]]` (root
//! needed; WORKERS defaults to the number of cores).

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use plaudit_sandbox::{Job, Sandbox, SandboxConfig};

const PYTHON: &str = "/usr/bin/python3";
const PROGRAM: &str = "print(sum(range(100)))";

fn parallel(
    workers: usize,
    runs: usize,
    one: impl Fn() -> Duration + Sync,
) -> (Duration, Vec<Duration>) {
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    while next.fetch_add(1, Ordering::Relaxed) < runs {
                        mine.push(one());
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect()
    });
    latencies.sort();
    (started.elapsed(), latencies)
}

/// CPU time of this process and of the children it has waited for (the
/// sandbox's init counts its program): `/proc/self/stat` utime, stime,
/// cutime, cstime. Kernel threads' work (a namespace's deferred teardown)
/// is not in it; the throughput ratio covers that.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let rest = &stat[stat.rfind(')').expect("comm") + 1..];
    rest.split_whitespace()
        .skip(11)
        .take(4)
        .map(|t| t.parse::<u64>().expect("ticks"))
        .sum()
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let runs = numbers.first().copied().unwrap_or(600);
    let workers = numbers
        .get(1)
        .copied()
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let sandbox = match Sandbox::new(SandboxConfig {
        slots: workers,
        ..SandboxConfig::default()
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot benchmark the sandbox here: {e}");
            return;
        }
    };
    let plain = || {
        let t = Instant::now();
        let out = Command::new(PYTHON)
            .args(["-I", "-S", "-c", PROGRAM])
            .env_clear()
            .stdin(Stdio::null())
            .output()
            .expect("python3 runs");
        assert_eq!(out.stdout, b"4950\n");
        t.elapsed()
    };
    let job = Job::new([PYTHON, "-I", "-S", "-c", PROGRAM]);
    let sandboxed = || {
        let t = Instant::now();
        let out = sandbox.run(&job).expect("the sandbox runs");
        assert_eq!(out.stdout, b"4950\n");
        t.elapsed()
    };
    // Warm the page cache and the allocator for both.
    parallel(workers, 20, plain);
    parallel(workers, 20, sandboxed);
    // Interleave two rounds of each so drift on a shared machine hits both.
    let mut plain_time = Duration::ZERO;
    let mut sandbox_time = Duration::ZERO;
    let mut latencies = Vec::new();
    let (mut plain_ticks, mut sandbox_ticks) = (0, 0);
    for _ in 0..2 {
        let t0 = cpu_ticks();
        plain_time += parallel(workers, runs / 2, plain).0;
        let t1 = cpu_ticks();
        let (t, lat) = parallel(workers, runs / 2, sandboxed);
        sandbox_ticks += cpu_ticks() - t1;
        plain_ticks += t1 - t0;
        sandbox_time += t;
        latencies.extend(lat);
    }
    latencies.sort();
    let per_s = |t: Duration| runs as f64 / t.as_secs_f64();
    println!("trivial Python program ({PYTHON} -I -S), {runs} runs each, {workers} workers");
    println!("  plain subprocess: {:>7.1} runs/s", per_s(plain_time));
    println!("  sandboxed:        {:>7.1} runs/s", per_s(sandbox_time));
    println!(
        "  cost ratio (sandboxed / plain): {:.2}x",
        sandbox_time.as_secs_f64() / plain_time.as_secs_f64()
    );
    // Clock ticks are 10 ms on Linux (USER_HZ = 100).
    let per_run_ms = |ticks: u64| ticks as f64 * 10.0 / runs as f64;
    println!(
        "  CPU per run (this process and its reaped children): plain {:.2} ms, sandboxed {:.2} ms, ratio {:.2}x",
        per_run_ms(plain_ticks),
        per_run_ms(sandbox_ticks),
        sandbox_ticks as f64 / plain_ticks.max(1) as f64
    );
    println!(
        "  sandboxed latency p50 {:.1} ms, p99 {:.1} ms",
        pct(&latencies, 0.5).as_secs_f64() * 1e3,
        pct(&latencies, 0.99).as_secs_f64() * 1e3
    );
    println!(
        "  cgroups: {:?}, seccomp: {}",
        sandbox.cgroups(),
        sandbox.seccomp()
    );
}
