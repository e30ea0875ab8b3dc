#!/usr/bin/env python3
"""plaudit.verl.compute_score against verl's Math-Verify scorer, one run.

    target/py-venv/bin/python bench/python/verl_math.py [--quick] [--out FILE]

Needs, in the running interpreter: the plaudit wheel (crates/plaudit-py/ci.sh
builds and installs it into target/py-venv) and math-verify 0.9.0.

Data: the labeled math corpus crates/plaudit-math/corpus/math_corpus.jsonl
(4,515 completions built from ../shared/data/math: MATH, MATH-500 and GSM8K
reference answers, verbatim, rewritten and wrong; its README says how).
Each row is (ground truth, completion, label).

Baseline: verl's `verl.utils.reward_score.math_verify.compute_score`, written
out below as verl has it: Math-Verify's `math_metric` with a LaTeX gold
target and expression + LaTeX prediction targets, the gold wrapped in
`\\boxed{}`, any exception a score of 0 and a `TimeoutException` the
`timeout_score` (0). It runs one row at a time, in a worker process as a
verl reward worker would; Math-Verify's own timeouts (signal alarms) apply,
and a row still running after --guard seconds (a C-level computation an
alarm cannot interrupt) gets the worker killed and restarted, its whole wall
time counted.

plaudit: `plaudit.verl.compute_score` (one call per row, verl's naive
manager convention) and `plaudit.verl.compute_score_batch` (verl's batch
manager convention), in this process, with a spec of one
`math.equivalent` aspect. Samples/s is rows over wall time; accuracy is
`score >= 1` against the label, for both tools.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "crates" / "plaudit-math" / "corpus" / "math_corpus.jsonl"
SPEC = """name = "math"

[[aspect]]
name = "correct"
kind = "math.equivalent"
"""


def verl_math_verify_compute_score(model_output: str, ground_truth: str, timeout_score: float = 0) -> float:
    """verl's Math-Verify reward, as verl writes it."""
    from math_verify.errors import TimeoutException
    from math_verify.metric import math_metric
    from math_verify.parser import ExprExtractionConfig, LatexExtractionConfig

    verify_func = math_metric(
        gold_extraction_target=(LatexExtractionConfig(),),
        pred_extraction_target=(ExprExtractionConfig(), LatexExtractionConfig()),
    )
    ret_score = 0.0
    ground_truth_boxed = "\\boxed{" + ground_truth + "}"
    try:
        ret_score, _ = verify_func([ground_truth_boxed], [model_output])
    except TimeoutException:
        ret_score = timeout_score
    except Exception:
        pass
    return ret_score


def _worker(conn) -> None:
    import logging

    # Math-Verify warns on every completion it extracts nothing from; the
    # messages are not part of the work being measured.
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    while True:
        job = conn.recv()
        if job is None:
            return
        conn.send(verl_math_verify_compute_score(job[1], job[0]))


def baseline(rows, guard_s: float):
    """(verdicts, per-row seconds, rows killed by the guard)."""
    import math_verify  # noqa: F401  (imported before forking: a restart costs a fork)

    ctx = mp.get_context("fork")

    def start():
        parent, child = ctx.Pipe()
        p = ctx.Process(target=_worker, args=(child,), daemon=True)
        p.start()
        child.close()
        return p, parent

    proc, conn = start()
    verdicts, times, killed = [], [], []
    for row in rows:
        t0 = time.perf_counter()
        conn.send((row["gold"], row["completion"]))
        if conn.poll(guard_s):
            score = conn.recv()
        else:
            proc.kill()
            proc.join()
            proc, conn = start()
            score = 0.0
            killed.append(row["id"])
        times.append(time.perf_counter() - t0)
        verdicts.append(score >= 1.0)
    conn.send(None)
    proc.join(5)
    return verdicts, times, killed


def accuracy(verdicts, rows):
    right = sum(v == r["label"] for v, r in zip(verdicts, rows))
    fp = sum(v and not r["label"] for v, r in zip(verdicts, rows))
    fn = sum((not v) and r["label"] for v, r in zip(verdicts, rows))
    return right / len(rows), fp, fn


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the first 600 rows")
    ap.add_argument("--guard", type=float, default=10.0, help="seconds before a stuck baseline row is killed")
    ap.add_argument("--repeat", type=int, default=5, help="passes over the corpus for plaudit (best is kept)")
    ap.add_argument("--batch-size", type=int, default=1024, help="rows per compute_score_batch call")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "python" / "results" / "verl_math.json")
    args = ap.parse_args()

    import plaudit
    import plaudit.verl

    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.quick:
        rows = rows[:600]
    n = len(rows)
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "math.toml"
        spec.write_text(SPEC)
        kwargs = {"spec": str(spec)}
        data_sources = [r["source"] for r in rows]
        sols = [r["completion"] for r in rows]
        gts = [r["gold"] for r in rows]
        extras = [{"index": i} for i in range(n)]
        # Warm up: build the engine, touch the code paths.
        plaudit.verl.compute_score(data_sources[0], sols[0], gts[0], extras[0], **kwargs)

        per_sample_s, per_sample_verdicts = None, None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = [plaudit.verl.compute_score(ds, s, g, e, **kwargs) for ds, s, g, e in zip(data_sources, sols, gts, extras)]
            dt = time.perf_counter() - t0
            per_sample_s = dt if per_sample_s is None else min(per_sample_s, dt)
            per_sample_verdicts = [d["score"] >= 1.0 for d in out]

        batch_s, batch_verdicts = None, None
        b = args.batch_size
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = []
            for k in range(0, n, b):
                out.extend(plaudit.verl.compute_score_batch(data_sources[k:k + b], sols[k:k + b], gts[k:k + b], extras[k:k + b], **kwargs))
            dt = time.perf_counter() - t0
            batch_s = dt if batch_s is None else min(batch_s, dt)
            batch_verdicts = [d["score"] >= 1.0 for d in out]

    print(f"plaudit done ({n} rows); running the Math-Verify baseline (about a minute)…", file=sys.stderr)
    t0 = time.perf_counter()
    mv_verdicts, mv_times, killed = baseline(rows, args.guard)
    mv_s = time.perf_counter() - t0
    slow = sorted(range(n), key=lambda i: mv_times[i], reverse=True)
    # The same baseline without the rows that hit a timeout (alarm or guard),
    # so that the ratio does not rest on a handful of pathological rows.
    timed = [i for i in range(n) if mv_times[i] >= 4.9]
    mv_s_no_timeouts = sum(t for i, t in enumerate(mv_times) if i not in set(timed))

    acc_mv = accuracy(mv_verdicts, rows)
    acc_ps = accuracy(per_sample_verdicts, rows)
    acc_b = accuracy(batch_verdicts, rows)
    rate = lambda secs, count=n: count / secs  # noqa: E731
    report = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "load_avg_1m_end": os.getloadavg()[0]},
        "rows": n,
        "corpus": str(CORPUS.relative_to(ROOT)),
        "baseline": {
            "tool": "verl math_verify.compute_score over math-verify 0.9.0",
            "samples_per_s": rate(mv_s),
            "samples_per_s_without_timeouts": rate(mv_s_no_timeouts, n - len(timed)),
            "rows_over_4_9_s": len(timed),
            "killed_by_guard": killed,
            "slowest_s": [round(mv_times[i], 3) for i in slow[:8]],
            "accuracy": acc_mv[0], "false_positives": acc_mv[1], "false_negatives": acc_mv[2],
        },
        "plaudit_per_sample": {
            "call": "plaudit.verl.compute_score, one row per call",
            "samples_per_s": rate(per_sample_s),
            "accuracy": acc_ps[0], "false_positives": acc_ps[1], "false_negatives": acc_ps[2],
        },
        "plaudit_batch": {
            "call": f"plaudit.verl.compute_score_batch, {b} rows per call",
            "samples_per_s": rate(batch_s),
            "accuracy": acc_b[0], "false_positives": acc_b[1], "false_negatives": acc_b[2],
        },
    }
    report["ratios"] = {
        "per_sample_vs_baseline": report["plaudit_per_sample"]["samples_per_s"] / report["baseline"]["samples_per_s"],
        "batch_vs_baseline": report["plaudit_batch"]["samples_per_s"] / report["baseline"]["samples_per_s"],
        "per_sample_vs_baseline_without_timeouts": report["plaudit_per_sample"]["samples_per_s"] / report["baseline"]["samples_per_s_without_timeouts"],
        "batch_vs_baseline_without_timeouts": report["plaudit_batch"]["samples_per_s"] / report["baseline"]["samples_per_s_without_timeouts"],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")

    bl, ps, bt, r = report["baseline"], report["plaudit_per_sample"], report["plaudit_batch"], report["ratios"]
    print(f"\n{n} labeled rows ({report['corpus']}), {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print("| | samples/s | ratio | accuracy | false pos. | false neg. |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| verl Math-Verify `compute_score` | {bl['samples_per_s']:,.0f} | 1× | {bl['accuracy']:.2%} | {bl['false_positives']} | {bl['false_negatives']} |")
    print(f"| … without its {bl['rows_over_4_9_s']} timed-out rows | {bl['samples_per_s_without_timeouts']:,.0f} | | | | |")
    print(f"| `plaudit.verl.compute_score` (per sample) | {ps['samples_per_s']:,.0f} | {r['per_sample_vs_baseline']:,.0f}× ({r['per_sample_vs_baseline_without_timeouts']:,.0f}× without timeouts) | {ps['accuracy']:.2%} | {ps['false_positives']} | {ps['false_negatives']} |")
    print(f"| `plaudit.verl.compute_score_batch` ({b}/call) | {bt['samples_per_s']:,.0f} | {r['batch_vs_baseline']:,.0f}× ({r['batch_vs_baseline_without_timeouts']:,.0f}× without timeouts) | {bt['accuracy']:.2%} | {bt['false_positives']} | {bt['false_negatives']} |")
    print(f"\nreport: {args.out}")


if __name__ == "__main__":
    main()
