#!/usr/bin/env python3
"""Scores the math corpus with Math-Verify, the way RL reward code calls it.

verl's `math_verify` reward (and most TRL / open-r1 style accuracy rewards)
wrap the reference in a box and let Math-Verify extract the prediction from
the whole completion:

    gold = parse("\\boxed{" + reference + "}")
    pred = parse(completion)
    ok = verify(gold, pred)

This script does exactly that for every row of the corpus, times each row
(perf_counter_ns around both parses and the verify), and compares the verdict
with the row's label. Rows run one at a time in a single long-lived worker
process; a row that overruns --row-timeout gets the worker killed and
restarted, and counts as timed out (verdict False, and its wall time until
the kill in the timings). An exception counts as an error (verdict False).

    python3 bench/math_verify_baseline.py [--corpus PATH] [--limit N] [--out FILE]

writes a JSON report (default bench/out/math_verify.json) and prints a short
summary to stderr.
"""

import argparse
import json
import math
import multiprocessing as mp
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL = "math-verify 0.9.0"


def worker(conn):
    # Imported in the parent before forking (see main), so a restart after a
    # timeout costs a fork, not a sympy import.
    from math_verify import parse, verify

    while True:
        job = conn.recv()
        if job is None:
            return
        gold_text, completion = job
        error = None
        start = time.perf_counter_ns()
        try:
            gold = parse("\\boxed{" + gold_text + "}")
            pred = parse(completion)
            ok = bool(verify(gold, pred))
        except Exception as e:  # noqa: BLE001 - any failure is a False verdict
            ok, error = False, f"{type(e).__name__}: {e}"[:300]
        ns = time.perf_counter_ns() - start
        conn.send((ok, ns, error))


class Worker:
    """One worker process, restarted after a timeout."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.start()

    def start(self):
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=worker, args=(child,), daemon=True)
        self.proc.start()
        child.close()

    def run(self, gold, completion, timeout_s):
        """(verdict, ns, error, timed_out) for one row."""
        start = time.perf_counter_ns()
        self.conn.send((gold, completion))
        if self.conn.poll(timeout_s):
            try:
                ok, ns, error = self.conn.recv()
                return ok, ns, error, False
            except EOFError:
                # The worker died (a crash in native code, or out of memory).
                ns = time.perf_counter_ns() - start
                self.restart()
                return False, ns, "worker died", False
        ns = time.perf_counter_ns() - start
        self.restart()
        return False, ns, None, True

    def restart(self):
        self.proc.kill()
        self.proc.join()
        self.conn.close()
        self.start()

    def close(self):
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()


def percentile(sorted_values, q):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return 0
    k = max(0, min(len(sorted_values) - 1, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "crates/plaudit-math/corpus/math_corpus.jsonl")
    ap.add_argument("--limit", type=int, default=None, help="score only the first N rows")
    ap.add_argument("--out", type=Path, default=ROOT / "bench/out/math_verify.json")
    ap.add_argument("--row-timeout", type=float, default=5.0, help="wall-clock seconds per row (default 5)")
    args = ap.parse_args()

    rows = [json.loads(line) for line in open(args.corpus, encoding="utf-8")]
    if args.limit is not None:
        rows = rows[: args.limit]

    import math_verify  # noqa: F401 - warm the import before forking workers

    w = Worker(mp.get_context("fork"))
    per_row, fps, fns, timed_out, errors = [], [], [], [], []
    correct = 0
    started = time.monotonic()
    try:
        for k, row in enumerate(rows):
            ok, ns, error, overran = w.run(row["gold"], row["completion"], args.row_timeout)
            entry = {"id": row["id"], "verdict": ok, "ns": ns}
            if overran:
                entry["timed_out"] = True
                timed_out.append(row["id"])
            if error:
                entry["error"] = error
                errors.append(row["id"])
            per_row.append(entry)
            if ok == row["label"]:
                correct += 1
            elif ok:
                fps.append(row["id"])
            else:
                fns.append(row["id"])
            if (k + 1) % 500 == 0:
                print(f"  {k + 1}/{len(rows)} rows, {time.monotonic() - started:.0f} s", file=sys.stderr)
    finally:
        w.close()

    times = sorted(r["ns"] for r in per_row)
    report = {
        "tool": TOOL,
        "corpus": str(args.corpus),
        "row_timeout_s": args.row_timeout,
        "rows": len(rows),
        "accuracy": correct / len(rows) if rows else 0.0,
        "false_positives": fps,
        "false_negatives": fns,
        "timed_out": timed_out,
        "errors": errors,
        "time_ns": {
            "median": percentile(times, 50),
            "p90": percentile(times, 90),
            "p99": percentile(times, 99),
            "max": times[-1] if times else 0,
            "total": sum(times),
        },
        "per_row": per_row,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")

    t = report["time_ns"]
    print(
        f"{TOOL}: {len(rows)} rows, accuracy {report['accuracy']:.4f} "
        f"({correct} right, {len(fps)} false positives, {len(fns)} false negatives)\n"
        f"  timed out (> {args.row_timeout:g} s): {len(timed_out)}, errors: {len(errors)}\n"
        f"  time per row: median {t['median'] / 1e6:.2f} ms, p90 {t['p90'] / 1e6:.2f} ms, "
        f"p99 {t['p99'] / 1e6:.2f} ms, max {t['max'] / 1e6:.0f} ms, total {t['total'] / 1e9:.1f} s\n"
        f"  report: {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
