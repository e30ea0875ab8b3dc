#!/usr/bin/env python3
"""plaudit against pure-Python rewards on the same 100,000 samples, in one run.

    python3 bench/run.py            # 100k samples, plus the 1M-line memory check
    python3 bench/run.py --quick    # 20k samples, no memory check

Steps: build `plaudit` (release), generate GSM8K rollouts with
examples/make_rollouts.py, score them with bench/python_baseline.py and with
`plaudit score --spec bench/rule5.toml`, check that both give the same
rewards, and print the throughputs and their ratio. Peak memory is read from
the kernel's accounting of each child process (wait4's ru_maxrss).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PLAUDIT = ROOT / "target" / "release" / "plaudit"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, cwd=ROOT, **kw)


def measured(cmd):
    """Runs a command; returns (wall seconds, peak RSS in MiB, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    wall = time.perf_counter() - t0
    # communicate() has reaped the child; its rusage went to RUSAGE_CHILDREN,
    # so measure each command in its own wrapper process instead.
    if p.returncode != 0:
        sys.exit(f"{cmd} failed:\n{err.decode()}")
    return wall, out.decode(), err.decode()


def peak_rss_mib(cmd):
    """Peak RSS of one command, via wait4 on the child itself."""
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit(f"{cmd} failed with status {status}")
    return usage.ru_maxrss / 1024


def rollouts(n_problems, path):
    if not path.exists():
        sh([sys.executable, "examples/make_rollouts.py", "--problems", str(n_problems),
            "--per-problem", "4", "-o", str(path)])
    return path


def agreement(plaudit_out, python_out):
    names = ["format", "correct", "overlong", "repetition", "json"]
    diff = {n: 0 for n in names}
    reward_diff = 0
    n = 0
    with open(plaudit_out) as a, open(python_out) as b:
        for la, lb in zip(a, b):
            ra, rb = json.loads(la), json.loads(lb)
            assert ra["id"] == rb["id"]
            n += 1
            for name in names:
                if abs((ra["aspects"][name]["value"] or 0.0) - rb["aspects"][name]) > 1e-9:
                    diff[name] += 1
            if abs(ra["reward"] - rb["reward"]) > 1e-9:
                reward_diff += 1
    return n, diff, reward_diff


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="best of N timed runs")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sh(["cargo", "build", "--release", "-q", "-p", "plaudit-cli"])

    problems = 5_000 if args.quick else 25_000
    data = rollouts(problems, OUT / f"rollouts-{problems * 4}.jsonl")
    n = problems * 4
    size_mb = data.stat().st_size / 1e6

    py = []
    for _ in range(args.repeat):
        _, out, _ = measured([sys.executable, "bench/python_baseline.py", str(data), str(OUT / "python.jsonl")])
        py.append(json.loads(out))
    py_best = min(py, key=lambda r: r["reward_s"])
    py_total = min(r["load_s"] + r["reward_s"] + r["write_s"] for r in py)

    # The engine in-process on the same samples, already loaded: the number to
    # compare with Python's reward functions on loaded data.
    engine_runs = []
    for _ in range(args.repeat):
        _, out, _ = measured(["cargo", "bench", "-q", "-p", "plaudit-engine", "--bench", "engine", "--",
                              str(ROOT / "bench" / "rule5.toml"), str(data.resolve())])
        engine_runs.append(json.loads(out.strip().splitlines()[-1]))
    engine_best = max(r["per_s"] for r in engine_runs)

    walls = []
    for _ in range(args.repeat):
        wall, _, _ = measured([str(PLAUDIT), "score", "--spec", "bench/rule5.toml", str(data),
                               "-o", str(OUT / "plaudit.jsonl"), "-q"])
        walls.append(wall)
    pl = min(walls)

    checked, diff, reward_diff = agreement(OUT / "plaudit.jsonl", OUT / "python.jsonl")
    rows = [
        ("python rewards only (in-process, data loaded)", n / py_best["reward_s"]),
        ("plaudit engine only (in-process, data loaded)", engine_best),
        ("python end to end (JSONL in, JSONL out)", n / py_total),
        ("plaudit score end to end (JSONL in, JSONL out)", n / pl),
    ]
    print(f"\n{n} samples ({size_mb:.0f} MB of JSONL), spec bench/rule5.toml, {os.cpu_count()} cores")
    for name, rate in rows:
        print(f"  {name:50} {rate:>12,.0f} samples/s")
    print(f"  ratio, in-process / in-process:                  {engine_best / (n / py_best['reward_s']):.1f}x")
    print(f"  ratio, end to end / end to end:                  {py_total / pl:.1f}x")
    print(f"  ratio, plaudit end to end / python rewards only: {n / pl / (n / py_best['reward_s']):.1f}x")
    print(f"  agreement over {checked} samples: reward differs on {reward_diff}; per aspect {diff}")
    result = {"samples": n, "python_reward_only_per_s": n / py_best["reward_s"],
              "plaudit_engine_only_per_s": engine_best,
              "python_end_to_end_per_s": n / py_total, "plaudit_end_to_end_per_s": n / pl,
              "disagreements": diff, "reward_disagreements": reward_diff}

    if not args.quick:
        big = rollouts(250_000, OUT / "rollouts-1000000.jsonl")
        rss_small = peak_rss_mib([str(PLAUDIT), "score", "--spec", "bench/rule5.toml", str(data),
                                  "-o", "/dev/null", "-q"])
        rss_big = peak_rss_mib([str(PLAUDIT), "score", "--spec", "bench/rule5.toml", str(big),
                                "-o", "/dev/null", "-q"])
        print(f"  peak RSS: {rss_small:.0f} MiB for 100k lines, {rss_big:.0f} MiB for 1M lines "
              f"({big.stat().st_size / 1e9:.1f} GB)")
        result.update(rss_100k_mib=rss_small, rss_1m_mib=rss_big)
    (OUT / "results.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
