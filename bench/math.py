#!/usr/bin/env python3
"""plaudit-math against Math-Verify on the same labeled corpus, in one run.

    python3 bench/math.py            # the whole corpus, both tools, and scaling
    python3 bench/math.py --quick    # the first 600 rows

Steps: score every row of crates/plaudit-math/corpus/math_corpus.jsonl with
Math-Verify 0.9.0 (bench/math_verify_baseline.py: `verify(parse(gold),
parse(completion))`, as verl calls it) and with plaudit-math
(crates/plaudit-math/benches/corpus.rs: `verify(gold, completion)`), each
row timed from completion text to verdict; compare accuracy, the rows each
gets wrong, and the time per check. Then score the corpus through
`plaudit score` with one and with two worker threads.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CORPUS = ROOT / "crates" / "plaudit-math" / "corpus" / "math_corpus.jsonl"
PLAUDIT = ROOT / "target" / "release" / "plaudit"

SPEC = """name = "math-only"
[[aspect]]
name = "correct"
kind = "math.equivalent"
"""


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, cwd=ROOT, **kw)


def fmt_ns(ns):
    return f"{ns / 1000:,.1f} µs" if ns < 1_000_000 else f"{ns / 1e6:,.1f} ms"


def scaling(corpus, copies):
    """Samples/s over `copies` copies of the corpus with 1 and 2 worker
    threads: the engine in-process (data loaded first: where the math runs)
    and `plaudit score` end to end (JSONL in and out)."""
    rows = [json.loads(l) for l in corpus.read_text().splitlines() if l.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "math.jsonl"
        with data.open("w") as f:
            for c in range(copies):
                for r in rows:
                    f.write(json.dumps({"id": f"{r['id']}#{c}", "response": r["completion"],
                                        "reference": r["gold"]}) + "\n")
        spec = tmp / "math.toml"
        spec.write_text(SPEC)
        n = len(rows) * copies
        engine, score = {}, {}
        for threads in (1, 2):
            out = subprocess.run(["cargo", "bench", "-q", "-p", "plaudit-engine", "--bench", "engine", "--",
                                  str(spec), str(data), "8192", str(threads)],
                                 check=True, cwd=ROOT, capture_output=True, text=True).stdout
            engine[threads] = json.loads(out.strip().splitlines()[-1])["per_s"]
            best = None
            for _ in range(3):
                t0 = time.perf_counter()
                sh([str(PLAUDIT), "score", "--spec", str(spec), str(data), "-o", str(tmp / "out.jsonl"),
                    "--no-cache", "-q", "--threads", str(threads)])
                wall = time.perf_counter() - t0
                best = wall if best is None else min(best, wall)
            score[threads] = n / best
        return n, engine, score


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reuse-baseline", action="store_true",
                    help="reuse bench/out/math_verify.json from an earlier run")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    corpus = CORPUS
    if args.quick:
        corpus = OUT / "math_corpus_quick.jsonl"
        corpus.write_text("".join(CORPUS.read_text().splitlines(keepends=True)[:600]))

    sh(["cargo", "build", "--release", "-q", "-p", "plaudit-cli"])
    ours_path, theirs_path = OUT / "plaudit_math.json", OUT / "math_verify.json"
    sh(["cargo", "bench", "-q", "-p", "plaudit-math", "--bench", "corpus", "--",
        "--corpus", str(corpus), "--out", str(ours_path)])
    if not (args.reuse_baseline and theirs_path.exists()):
        sh([sys.executable, "bench/math_verify_baseline.py", "--corpus", str(corpus), "--out", str(theirs_path)])
    ours, theirs = json.loads(ours_path.read_text()), json.loads(theirs_path.read_text())
    if ours["rows"] != theirs["rows"]:
        sys.exit(f"row counts differ: {ours['rows']} vs {theirs['rows']}")

    n, engine, rates = scaling(corpus, 2 if args.quick else 25)

    load = os.getloadavg()[0]
    print(f"\n{ours['rows']} labeled rows ({corpus.relative_to(ROOT)}), {os.cpu_count()} cores, "
          f"load average {load:.1f} at the end\n")
    print("| | Math-Verify 0.9.0 | plaudit-math | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| accuracy | {theirs['accuracy']:.2%} | {ours['accuracy']:.2%} | |")
    for k in ("false_positives", "false_negatives"):
        print(f"| {k.replace('_', ' ')} | {len(theirs[k])} | {len(ours[k])} | |")
    print(f"| timed out / undecided | {len(theirs['timed_out'])} / {len(theirs['errors'])} errors "
          f"| 0 / {len(ours['errors'])} | |")
    for k in ("median", "p90", "p99", "max"):
        a, b = theirs["time_ns"][k], ours["time_ns"][k]
        print(f"| {k} time per check | {fmt_ns(a)} | {fmt_ns(b)} | {a / max(b, 1):,.0f}× |")
    print(f"\nOn {n:,} samples (the corpus × {n // ours['rows']}), samples/s with 1 and 2 worker threads:")
    print(f"- engine in-process: {engine[1]:,.0f} and {engine[2]:,.0f} ({engine[2] / engine[1]:.2f}×)")
    print(f"- `plaudit score` end to end: {rates[1]:,.0f} and {rates[2]:,.0f} ({rates[2] / rates[1]:.2f}×)")
    for name, r in (("Math-Verify", theirs), ("plaudit-math", ours)):
        for k in ("false_positives", "false_negatives"):
            if r[k]:
                print(f"\n{name} {k.replace('_', ' ')}: {', '.join(r[k])}")
    (OUT / "math_results.json").write_text(json.dumps({
        "rows": ours["rows"],
        "math_verify": {k: theirs[k] for k in ("accuracy", "false_positives", "false_negatives", "timed_out", "time_ns")},
        "plaudit": {k: ours[k] for k in ("accuracy", "false_positives", "false_negatives", "errors", "time_ns")},
        "median_ratio": theirs["time_ns"]["median"] / max(ours["time_ns"]["median"], 1),
        "engine_samples_per_s": engine,
        "score_samples_per_s": rates,
    }, indent=1))


if __name__ == "__main__":
    main()
