#!/usr/bin/env python3
"""plaudit's judge.rubric against the Python `openai` client, on one local
judge that answers in 20 ms, in one run.

    python3 bench/judge/run.py                 # 1,000 samples, C = 32
    python3 bench/judge/run.py --samples 200 --concurrency 16 --no-write

Steps:
1. probe the stub judges: examples/judge/scripted_judge.py (threads),
   bench/judge/fast_judge.py (asyncio) and the judge_stub example of
   plaudit-judge (axum on tokio), all with the same protocol and verdicts,
   are each driven by a bare asyncio client (raw sockets, C keep-alive
   connections, no HTTP library) to see how close each gets to the ideal
   `calls x delay / C` by itself. The benchmark runs on the server given by
   --server (default: rust), for both sides;
2. make N samples (GSM8K test questions with their reference solutions,
   from ../shared/data/math/gsm8k_test.jsonl, else examples/gsm8k-rollouts.jsonl
   cycled with unique ids) and a spec with one `judge.rubric` aspect of 5
   criteria, `max_concurrency = C`;
3. `plaudit score` with a fresh SQLite cache: wall time, calls the stub saw,
   ideal and observed/ideal;
4. the same command again on the same data and cache: the calls must be 0
   and the summary must say every evaluation came from the cache;
5. bench/judge/python_judge.py (verifiers' JudgeRubric call pattern on
   AsyncOpenAI) in target/bench-venv (made if missing), with a semaphore
   of C and with no limit;
6. a table on stdout; with --write, bench/judge/RESULTS.md gets the run
   appended under "## Runs".
"""

import argparse
import asyncio
import itertools
import json
import os
import platform
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "bench" / "judge"
PLAUDIT = ROOT / "target" / "release" / "plaudit"
VENV = ROOT / "target" / "bench-venv"
SERVERS = {
    "stdlib": ROOT / "examples" / "judge" / "scripted_judge.py",
    "fast": HERE / "fast_judge.py",
    "rust": ROOT / "crates" / "plaudit-judge" / "examples" / "judge_stub.rs",
}
RUST_STUB = ROOT / "target" / "release" / "examples" / "judge_stub"
CRITERIA = [
    "States a final numeric answer",
    "The final answer matches the reference answer",
    "Shows the intermediate arithmetic steps",
    "Every arithmetic step is correct",
    "Is concise and contains nothing irrelevant to the question",
]
CACHE_LINE = "cache: {n} of {n} evaluations of cached aspects came from the cache, 0 were computed"


# --- helpers -----------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stub:
    """A judge stub on a free loopback port, with its request counter."""

    def __init__(self, kind, delay_ms):
        self.kind = kind
        self.port = free_port()
        program = [str(RUST_STUB)] if kind == "rust" else [sys.executable, str(SERVERS[kind])]
        self.proc = subprocess.Popen(
            program + ["--port", str(self.port), "--delay-ms", str(delay_ms)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.requests()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"the {kind} stub did not start: {self.proc.stderr.read().decode()}")
                time.sleep(0.05)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}/v1"

    def requests(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=5) as r:
            return json.load(r)["requests"]

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


async def _probe(port, calls, concurrency):
    body = json.dumps({"model": "judge", "messages": [
        {"role": "user", "content": "Rubric:\n" + "\n".join(
            f"c{i + 1}: {c}" for i, c in enumerate(CRITERIA))}]}).encode()
    request = (f"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n"
               f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
               ).encode() + body
    left = itertools.count()

    async def worker():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while next(left) < calls:
            writer.write(request)
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - t0


def probe(kind, calls, concurrency, delay_ms):
    """The stub alone, driven by a bare keep-alive asyncio client."""
    ideal = calls * delay_ms / 1000 / concurrency
    with Stub(kind, delay_ms) as stub:
        t0 = time.perf_counter()
        try:
            wall = asyncio.run(asyncio.wait_for(_probe(stub.port, calls, concurrency),
                                                max(30.0, 20 * ideal)))
        except (OSError, asyncio.TimeoutError) as e:
            # The threaded stub's listen backlog is 5: at high concurrency
            # it resets connections.
            return {"server": kind, "calls": stub.requests(), "wall_s": time.perf_counter() - t0,
                    "ideal_s": ideal, "ratio": None, "error": f"{type(e).__name__}: {e}".rstrip(": ")}
        seen = stub.requests()
    return {"server": kind, "calls": seen, "wall_s": wall, "ideal_s": ideal, "ratio": wall / ideal}


def describe_probe(p, c):
    head = f"stub probe ({p['server']}, bare asyncio client, C={c}): "
    if p["ratio"] is None:
        return head + f"FAILED after {p['calls']} calls, {p['wall_s']:.3f} s ({p['error']})"
    return head + f"{p['calls']} calls in {p['wall_s']:.3f} s, observed/ideal {p['ratio']:.2f}"


def make_samples(n, path):
    gsm8k = ROOT.parent / "shared" / "data" / "math" / "gsm8k_test.jsonl"
    rows = []
    if gsm8k.exists():
        for i, line in enumerate(open(gsm8k)):
            if i == n:
                break
            d = json.loads(line)
            solution, _, final = d["answer"].rpartition("####")
            rows.append({"id": f"gsm8k-test-{i}",
                         "prompt": [{"role": "user", "content": d["question"]}],
                         "response": f"{solution.strip()}\nThe answer is {final.strip()}.",
                         "reference": final.strip()})
        source = str(gsm8k.relative_to(ROOT.parent))
    if len(rows) < n:
        # Cycle the shipped rollouts; a pass number keeps every response
        # unique, so that no two samples share a cache key.
        base = [json.loads(l) for l in open(ROOT / "examples" / "gsm8k-rollouts.jsonl")]
        for k in range(len(rows), n):
            r = dict(base[k % len(base)])
            r["id"] = f"{r['id']}-{k}"
            r["response"] = f"{r['response']}\n(pass {k // len(base)})"
            r.pop("group", None)
            rows.append(r)
        source = "examples/gsm8k-rollouts.jsonl (cycled)" if not gsm8k.exists() else source + " + rollouts"
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return source


def write_spec(path, base_url, concurrency):
    crit = ",\n".join(f"  {json.dumps(c)}" for c in CRITERIA)
    path.write_text(f"""name = "bench-judge-rubric"

[[aspect]]
name = "rubric"
kind = "judge.rubric"
base_url = "{base_url}"
model = "judge"
max_concurrency = {concurrency}
timeout_ms = 600000
criteria = [
{crit},
]
""")


def ensure_plaudit():
    """cargo build --release -p plaudit-cli, and the Rust stub (no-ops when
    up to date)."""
    t0 = time.perf_counter()
    quiet = subprocess.DEVNULL if PLAUDIT.exists() and RUST_STUB.exists() else None
    subprocess.run(["cargo", "build", "--release", "-p", "plaudit-cli"], cwd=ROOT, check=True,
                   stderr=quiet)
    subprocess.run(["cargo", "build", "--release", "-p", "plaudit-judge", "--example", "judge_stub"],
                   cwd=ROOT, check=True, stderr=quiet)
    return time.perf_counter() - t0


def ensure_venv():
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if subprocess.run([str(py), "-c", "import openai"], capture_output=True).returncode != 0:
        subprocess.run([str(py), "-m", "pip", "install", "-q", "openai"], check=True)
    return subprocess.run([str(py), "-c", "import openai; print(openai.__version__)"],
                          capture_output=True, text=True, check=True).stdout.strip()


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_plaudit(spec, samples, cache, out, stub):
    before = stub.requests()
    cpu0 = children_cpu()
    cmd = [str(PLAUDIT), "score", "--spec", str(spec), "--cache", str(cache),
           "-o", str(out), str(samples)]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    cpu = children_cpu() - cpu0
    if p.returncode != 0:
        sys.exit(f"plaudit failed ({p.returncode}):\n{p.stderr}")
    calls = stub.requests() - before
    rewards = [json.loads(l)["reward"] for l in open(out)]
    m = re.search(r" in ([\d.]+) s,", p.stderr)
    return {"wall_s": wall, "cpu_s": cpu, "calls": calls, "stderr": p.stderr,
            "summary_s": float(m.group(1)) if m else None,
            "rewards": rewards, "cmd": cmd}


def run_python(samples, criteria, stub, concurrency, out):
    before = stub.requests()
    cmd = [str(VENV / "bin" / "python"), str(HERE / "python_judge.py"), "--samples", str(samples),
           "--criteria", str(criteria), "--base-url", stub.base_url,
           "--concurrency", str(concurrency), "--out", str(out)]
    cpu0 = children_cpu()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    cpu = children_cpu() - cpu0
    if p.returncode != 0:
        sys.exit(f"the Python baseline failed ({p.returncode}):\n{p.stderr}")
    res = json.loads(p.stdout.strip().splitlines()[-1])
    res.update(wall_s=wall, cpu_s=cpu, calls=stub.requests() - before, cmd=cmd,
               rewards=[json.loads(l)["reward"] for l in open(out)])
    return res


def loadavg():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# --- main ----------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--delay-ms", type=float, default=20.0)
    ap.add_argument("--server", choices=sorted(SERVERS), default="rust",
                    help="the stub both sides are measured on")
    ap.add_argument("--no-probe", action="store_true", help="skip the stub probes")
    ap.add_argument("--no-unlimited", action="store_true",
                    help="skip the Python run without a concurrency limit")
    ap.add_argument("--write", action=argparse.BooleanOptionalAction, default=True,
                    help="append this run to bench/judge/RESULTS.md (default: yes)")
    args = ap.parse_args()
    n, c, delay = args.samples, args.concurrency, args.delay_ms
    command = "python3 bench/judge/run.py" + "".join(
        f" {a}" for a in sys.argv[1:])

    load_before = loadavg()
    build_s = ensure_plaudit()
    openai_version = ensure_venv()
    print(f"plaudit built/checked in {build_s:.1f} s; openai {openai_version}; "
          f"load average {load_before}", flush=True)

    probes = []
    if not args.no_probe:
        for kind in ("stdlib", "fast", "rust"):
            pr = probe(kind, n, c, delay)
            probes.append(pr)
            print(describe_probe(pr, c), flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="plaudit-bench-judge-"))
    try:
        samples = tmp / "samples.jsonl"
        source = make_samples(n, samples)
        criteria = tmp / "criteria.json"
        criteria.write_text(json.dumps(CRITERIA))
        cache = tmp / "cache.sqlite"
        ideal = n * delay / 1000 / c
        with Stub(args.server, delay) as stub:
            spec = tmp / "spec.toml"
            write_spec(spec, stub.base_url, c)
            first = run_plaudit(spec, samples, cache, tmp / "plaudit-1.jsonl", stub)
            print(f"plaudit 1st: {first['calls']} calls in {first['wall_s']:.3f} s "
                  f"(ideal {ideal:.3f} s, ratio {first['wall_s'] / ideal:.2f})", flush=True)
            second = run_plaudit(spec, samples, cache, tmp / "plaudit-2.jsonl", stub)
            cache_ok = CACHE_LINE.format(n=n) in second["stderr"]
            print(f"plaudit 2nd: {second['calls']} calls in {second['wall_s']:.3f} s; "
                  f"cache line {'present' if cache_ok else 'MISSING'}", flush=True)
            py = run_python(samples, criteria, stub, c, tmp / "python-c.jsonl")
            print(f"python C={c}: {py['calls']} calls in {py['wall_s']:.3f} s "
                  f"(judging {py['judge_s']:.3f} s, import {py['import_s']:.3f} s)", flush=True)
            pyu = None
            if not args.no_unlimited:
                pyu = run_python(samples, criteria, stub, 0, tmp / "python-u.jsonl")
                print(f"python no limit: {pyu['calls']} calls in {pyu['wall_s']:.3f} s "
                      f"(judging {pyu['judge_s']:.3f} s)", flush=True)
        load_after = loadavg()
        same = all(abs(a - b) < 1e-9 for a, b in zip(first["rewards"], py["rewards"])
                   if a is not None and b is not None) and len(first["rewards"]) == len(py["rewards"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    rows = [
        ("plaudit score (1st run)", first["wall_s"], first["calls"], f"{first['wall_s'] / ideal:.2f}",
         first["cpu_s"]),
        ("plaudit score (2nd run, cached)", second["wall_s"], second["calls"], "-", second["cpu_s"]),
        (f"Python AsyncOpenAI, semaphore {c} (process)", py["wall_s"], py["calls"],
         f"{py['wall_s'] / ideal:.2f}", py["cpu_s"]),
        (f"Python AsyncOpenAI, semaphore {c} (judging only)", py["judge_s"], py["calls"],
         f"{py['judge_s'] / ideal:.2f}", None),
    ]
    if pyu:
        rows += [
            ("Python AsyncOpenAI, no limit (process)", pyu["wall_s"], pyu["calls"],
             f"{pyu['wall_s'] / ideal:.2f}", pyu["cpu_s"]),
            ("Python AsyncOpenAI, no limit (judging only)", pyu["judge_s"], pyu["calls"],
             f"{pyu['judge_s'] / ideal:.2f}", None),
        ]
    table = ["| side | wall s | samples/s | judge calls | wall / ideal | CPU s (user+sys) |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, wall, calls, ratio, cpu in rows:
        cpu = "-" if cpu is None else f"{cpu:.3f}"
        table.append(f"| {name} | {wall:.3f} | {n / wall:,.0f} | {calls} | {ratio} | {cpu} |")
    speedup = py["wall_s"] / first["wall_s"]
    speedup_judge = py["judge_s"] / first["wall_s"]
    checks = [
        f"ideal = {n} calls x {delay:g} ms / {c} = {ideal:.3f} s; plaudit observed/ideal = "
        f"{first['wall_s'] / ideal:.2f} (target <= 1.2): "
        f"{'PASS' if first['wall_s'] / ideal <= 1.2 else 'FAIL'}",
    ] + [
        f"plaudit against the {args.server} stub's own floor (its probe with a bare client): "
        f"{first['wall_s'] / p['wall_s']:.2f}x" for p in probes
        if p["server"] == args.server and p["ratio"] is not None
    ] + [
        f"plaudit / Python throughput at C={c}: {speedup:.2f}x by process wall time, "
        f"{speedup_judge:.2f}x against the Python judging loop alone (target >= 5): "
        f"{'PASS' if speedup_judge >= 5 else ('PASS by process time only' if speedup >= 5 else 'FAIL')}",
    ]
    if pyu:
        checks.append(f"plaudit / Python (no limit): {pyu['wall_s'] / first['wall_s']:.2f}x by process, "
                      f"{pyu['judge_s'] / first['wall_s']:.2f}x judging only")
    checks += [
        f"second run: {second['calls']} judge calls (target 0); summary line "
        f"\"{CACHE_LINE.format(n=n)}\" {'present' if cache_ok else 'MISSING'}: "
        f"{'PASS' if second['calls'] == 0 and cache_ok else 'FAIL'}",
        f"same rewards from plaudit and the baseline: {'yes' if same else 'NO'} "
        f"(plaudit mean {sum(r or 0 for r in first['rewards']) / n:.4f}, "
        f"Python mean {py['mean_reward']:.4f}, Python unreadable verdicts {py['failed']})",
    ]
    env = [
        f"machine: {os.cpu_count()} cores ({cpu_model()}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, openai {openai_version}",
        f"load average (1/5/15 min) before: {load_before}; after: {load_after}",
        f"samples: {n} from {source}; rubric of {len(CRITERIA)} criteria; C = {c}; "
        f"stub: {args.server} ({SERVERS[args.server].relative_to(ROOT)}), {delay:g} ms per call",
    ]
    probe_lines = [describe_probe(p, c) for p in probes]
    summary_lines = [l for l in first["stderr"].splitlines() if l.startswith("scored")]
    report = "\n".join(
        [f"### {time.strftime('%Y-%m-%d %H:%M:%S %Z')}", "", f"`{command}`", ""]
        + [f"- {l}" for l in env + probe_lines] + [""] + table + [""]
        + [f"- {l}" for l in checks]
        + ([f"- plaudit's own summary (1st run): `{summary_lines[0]}`"] if summary_lines else [])
        + [""])
    print()
    print(report)
    if args.write:
        results = HERE / "RESULTS.md"
        text = results.read_text() if results.exists() else ""
        if "## Runs" not in text:
            text += "\n## Runs\n\n"
        results.write_text(text.rstrip("\n") + "\n\n" + report)
        print(f"appended to {results.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
