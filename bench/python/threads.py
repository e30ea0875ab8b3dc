#!/usr/bin/env python3
"""Python threads sharing one engine: does scoring release the GIL?

    target/py-venv/bin/python bench/python/threads.py [--out FILE]

The same calls — `engine.score_columns` on consecutive slices of the
labeled math corpus (crates/plaudit-math/corpus/math_corpus.jsonl, built
from ../shared/data/math) with a one-aspect `math.equivalent` spec — are
made from one Python thread, then split over 8 threads calling one engine
at once. If the GIL were held while scoring, 8 threads could not beat one.

Calls of one sample are how trainers call per-sample reward functions
(verl's naive manager, verifiers, OpenRLHF's per-rollout path); there one
caller leaves the engine's pool mostly idle while it converts the next
sample, and other threads fill it. Large calls already keep every core of
the pool busy from one thread, so the gain there is small by construction;
all sizes are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "crates" / "plaudit-math" / "corpus" / "math_corpus.jsonl"
SPEC = 'name = "math"\n\n[[aspect]]\nname = "correct"\nkind = "math.equivalent"\n'


def run(engine, calls, threads: int) -> float:
    """Seconds to make every call, `threads` threads taking calls in turn."""
    barrier = threading.Barrier(threads + 1)

    def work(part):
        barrier.wait()
        for responses, refs in part:
            engine.score_columns(responses, refs)

    parts = [calls[t::threads] for t in range(threads)]
    ts = [threading.Thread(target=work, args=(p,)) for p in parts]
    for t in ts:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in ts:
        t.join()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=4, help="passes over the corpus per measurement")
    ap.add_argument("--repeat", type=int, default=3, help="measurements per setting (best is kept)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "python" / "results" / "threads.json")
    args = ap.parse_args()

    import plaudit

    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = rows * args.copies
    engine = plaudit.Engine.from_toml(SPEC)
    results = []
    for size in (1, 8, 32, 256, 1024):
        calls = [
            ([r["completion"] for r in rows[k:k + size]], [r["gold"] for r in rows[k:k + size]])
            for k in range(0, len(rows), size)
        ]
        engine.score_columns(*calls[0])
        best = {}
        for threads in (1, 8):
            best[threads] = min(run(engine, calls, threads) for _ in range(args.repeat))
        results.append({
            "samples_per_call": size,
            "samples": len(rows),
            "one_thread_per_s": len(rows) / best[1],
            "eight_threads_per_s": len(rows) / best[8],
            "speedup": best[1] / best[8],
        })

    report = {
        "machine": {"cores": len(os.sched_getaffinity(0)), "python": platform.python_version(), "load_avg_1m_end": os.getloadavg()[0]},
        "engine_threads": "default (one per core)",
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\n{len(rows):,} samples per measurement, {len(os.sched_getaffinity(0))} cores, one engine\n")
    print("| samples per call | 1 thread (samples/s) | 8 threads (samples/s) | speed-up |")
    print("|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['samples_per_call']} | {r['one_thread_per_s']:,.0f} | {r['eight_threads_per_s']:,.0f} | {r['speedup']:.2f}× |")
    print(f"\nreport: {args.out}")


if __name__ == "__main__":
    main()
