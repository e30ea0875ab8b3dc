#!/usr/bin/env python3
"""Builds fixtures.jsonl: code responses with oracle-established verdicts.

    python3 crates/plaudit-verifiers/tests/data/code/make_fixtures.py [DATA_DIR]
        [--python PYTHON] [--timeout SECONDS] [--jobs N] [--repeat N]

DATA_DIR defaults to shared/data/code beside the repository (<repo>/../shared/
data/code). Standard library only. Writes, next to this script:

  fixtures.jsonl   one row per (problem, variant):
                   {"source", "id", "variant", "response", "expected_pass"}
  README.md        what the rows are, the counts and the rules below
  LICENSE-human-eval, LICENSE-SandboxFusion   copied from DATA_DIR

Problems: the 164 HumanEval problems (the solution is prompt +
canonical_solution), the 20 MBPP samples (canonical_solution) and the
CodeContests samples for which codecontests_solutions.json (next to this
script) holds a solution that passes every test (see EXCLUDED below).

Variants: "canonical", and up to MUTANTS_PER_PROBLEM mutants
"mutant:<operator>:<n>", made by changing one node of the canonical
solution's AST (`ast`, `ast.unparse`) and splicing the unparsed node back into
the original text, so that a mutant differs from its canonical in that one
place only. Operators (see OPERATORS and README.md): const (a numeric literal
+-1), range_bound (range's stop +-1), compare (< <=, > >=, == !=, in/not in,
is/is not), arith (+ -), bool_op (and/or), drop_if, drop_call (sorted(x) -> x,
x.lower() -> x) and return_value. <n> numbers the candidate sites of that
operator in `ast.walk` order. The candidate order is shuffled with a
per-problem seed, so the output is deterministic.

The oracle runs every variant, unsandboxed, with plain Python in a temporary
directory, against the problem's full tests:
  HumanEval     solution + test + `check(<entry_point>)`, one process
  MBPP          test_setup_code + solution + every assert of test_list
  CodeContests  one process per test case, stdin in, stdout compared after
                stripping trailing whitespace (space, tab, CR, FF, VT) from
                every line and dropping trailing empty lines; leading
                whitespace and inner blank lines count
expected_pass is true iff every test passes (and, for CodeContests, every
case exits with status 0). A verdict is kept only when it is clean: no run
timed out, was killed by a signal, ran out of memory or took more than half
the timeout; every repetition (--repeat, run with different hash seeds) gave
the same verdict; and no CodeContests case printed the right output but then
exited non-zero. A mutant that passes (an equivalent mutant) or whose verdict
is not clean is dropped and counted. Every canonical must pass cleanly: the
script fails otherwise.
"""

import argparse
import ast
import copy
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20250611
MUTANTS_PER_PROBLEM = 2
MAX_ATTEMPTS = 8  # mutants tried per problem before giving up
MEMORY_LIMIT = 4 << 30  # bytes of address space per oracle process

# CodeContests problems left out of the fixtures, and why. A correct program
# cannot pass these problems' tests under the exact comparison rule above.
EXCLUDED = {
    "9": "10 of the 95 expected outputs are right-aligned in a 64-column field "
         "(leading spaces), the other 85 are not; the solution in "
         "codecontests_solutions.json differs from them only in that whitespace",
    "11": "interactive problem: the tests feed a non-interactive transcript on "
          "stdin and expect one reference program's query log (one expected "
          "output is the interactor's own transcript); no solution is stored",
    "13": "any valid colouring is accepted, but the tests expect one reference "
          "colouring, and one test expects 'YES' where the others expect 'Yes'; "
          "the stored solution gives the right Yes/No verdict on every valid "
          "test and valid colourings (checked by brute force on small trees)",
    "19": "the sample test expects one answer per line, the 100 other tests one "
          "line of space-separated answers per test case; the stored solution "
          "differs from the sample only in that whitespace",
}

OPERATORS = ("const", "range_bound", "compare", "arith", "bool_op", "drop_if", "drop_call",
             "return_value")
COMPARE_FLIP = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
ARITH_FLIP = {ast.Add: ast.Sub, ast.Sub: ast.Add}
BOOL_FLIP = {ast.And: ast.Or, ast.Or: ast.And}
# one-argument builtins whose call drop_call removes: f(x) -> x
DROPPABLE_CALLS = {"sorted", "reversed", "set", "list", "tuple", "abs", "round", "int",
                   "str", "len", "sum", "max", "min"}


def default_data_dir() -> Path:
    # HERE is <repo>/crates/plaudit-verifiers/tests/data/code, so HERE.parents[4]
    # is <repo>; shared/ sits beside the repository.
    repo = HERE.parents[4]
    return repo.parent / "shared" / "data" / "code"


# ---------------------------------------------------------------- problems


def load_problems(data: Path) -> list:
    problems = []
    with gzip.open(data / "humaneval.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            code = normalize(row["prompt"] + row["canonical_solution"])
            problems.append({
                "source": "humaneval",
                "id": row["task_id"],
                "code": code,
                # mutate the canonical solution, not the prompt's signature,
                # docstring or helper functions
                "first_line": normalize(row["prompt"]).count("\n") + 1,
                "test": row["test"],
                "entry_point": row["entry_point"],
            })
    with open(data / "sandboxfusion-code_eval_mbpp.jsonl", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            problems.append({
                "source": "mbpp",
                "id": str(row["id"]),
                "code": normalize(row["canonical_solution"]),
                "first_line": 1,
                "setup": (row.get("labels") or {}).get("test_setup_code") or "",
                "test_list": row["test_list"],
            })
    solutions = json.loads((HERE / "codecontests_solutions.json").read_text(encoding="utf-8"))
    with open(data / "sandboxfusion-code_eval_code_contests.jsonl", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            pid = str(row["id"])
            if pid in EXCLUDED:
                continue
            if pid not in solutions:
                raise SystemExit(f"codecontests problem {pid}: no solution and not in EXCLUDED")
            cases = [(c["input"]["stdin"], c["output"]["stdout"]) for c in json.loads(row["test"])]
            problems.append({
                "source": "codecontests",
                "id": pid,
                "code": normalize(solutions[pid]),
                "first_line": 1,
                "cases": cases,
            })
    return problems


def codecontests_index(data: Path) -> list:
    """[(id, name, number of tests)] of every CodeContests problem."""
    out = []
    with open(data / "sandboxfusion-code_eval_code_contests.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                labels = row.get("labels") or {}
                if isinstance(labels, str):
                    labels = json.loads(labels)
                name = str(labels.get("name", "")).strip()
                out.append((str(row["id"]), name, len(json.loads(row["test"]))))
    return out


def normalize(code: str) -> str:
    """LF line ends, no trailing blank lines, one final newline."""
    code = code.replace("\r\n", "\n").replace("\r", "\n")
    return code.rstrip("\n").rstrip() + "\n"


def response(code: str) -> str:
    return "```python\n" + code + "```"


# ---------------------------------------------------------------- oracle


def _limit_memory():
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass


def run_python(python, script: str, stdin: str, timeout: float, hash_seed: int):
    """Runs `script` in a fresh temporary directory. Returns (status, stdout,
    stderr, seconds), status one of ok, error, timeout, killed, memory."""
    with tempfile.TemporaryDirectory(prefix="plaudit-oracle-") as tmp:
        path = Path(tmp) / "main.py"
        path.write_text(script, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env["PYTHONHASHSEED"] = str(hash_seed)
        start = time.monotonic()
        try:
            proc = subprocess.run(
                [python, str(path)], input=stdin.encode("utf-8"), cwd=tmp, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                preexec_fn=_limit_memory if os.name == "posix" else None,
            )
        except subprocess.TimeoutExpired:
            return "timeout", "", "", time.monotonic() - start
        seconds = time.monotonic() - start
    out = proc.stdout.decode("utf-8", errors="replace")
    err = proc.stderr.decode("utf-8", errors="replace")
    if proc.returncode < 0:
        return "killed", out, err, seconds
    if "MemoryError" in err:
        return "memory", out, err, seconds
    return ("ok" if proc.returncode == 0 else "error"), out, err, seconds


def norm_output(text: str) -> list:
    lines = [line.rstrip(" \t\r\f\v") for line in text.split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def verdict_once(problem, code, python, timeout, hash_seed):
    """Returns ("pass" | "fail" | "unclean", detail)."""
    slow = timeout / 2
    src = problem["source"]
    if src in ("humaneval", "mbpp"):
        if src == "humaneval":
            script = f"{code}\n\n{problem['test']}\n\ncheck({problem['entry_point']})\n"
        else:
            asserts = "\n".join(problem["test_list"])
            script = f"{problem['setup']}\n{code}\n\n{asserts}\n"
        status, _, err, seconds = run_python(python, script, "", timeout, hash_seed)
        if status in ("timeout", "killed", "memory"):
            return "unclean", status
        if seconds > slow:
            return "unclean", f"slow ({seconds:.1f} s)"
        if status == "ok":
            return "pass", ""
        last = err.strip().splitlines()[-1] if err.strip() else "exit status != 0"
        return "fail", last
    failed = []
    for i, (stdin, expected) in enumerate(problem["cases"]):
        status, out, _, seconds = run_python(python, code, stdin, timeout, hash_seed)
        if status in ("timeout", "killed", "memory"):
            return "unclean", f"case {i}: {status}"
        if seconds > slow:
            return "unclean", f"case {i}: slow ({seconds:.1f} s)"
        same = norm_output(out) == norm_output(expected)
        if status != "ok" and same:
            return "unclean", f"case {i}: right output, exit status != 0"
        if status != "ok" or not same:
            failed.append(i)
    if failed:
        return "fail", f"{len(failed)}/{len(problem['cases'])} cases fail (first: {failed[0]})"
    return "pass", ""


def verdict(problem, code, python, timeout, repeat):
    seen = []
    for r in range(repeat):
        v, detail = verdict_once(problem, code, python, timeout, hash_seed=r + 1)
        if v == "unclean":
            return v, detail
        seen.append(v)
    if len(set(seen)) > 1:
        return "unclean", "verdict differs between runs"
    return seen[0], detail


# ---------------------------------------------------------------- mutation


def _inside(node, parents, kinds):
    while node in parents:
        node = parents[node]
        if isinstance(node, kinds):
            return True
    return False


def candidates(tree, first_line):
    """[(operator, node index in ast.walk order, change)] in walk order.
    `return_value` candidates whose change is "none" (any other return value
    replaced by None) are the weakest mutants: ordered_candidates() tries them
    last."""
    nodes = list(ast.walk(tree))
    parents = {}
    for node in nodes:
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    out = []
    for i, node in enumerate(nodes):
        if getattr(node, "lineno", 0) < first_line:
            continue
        if _inside(node, parents, (ast.JoinedStr,)):
            continue  # node positions inside f-strings are unreliable before 3.12
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            out += [("const", i, +1), ("const", i, -1)]
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "range" and 1 <= len(node.args) <= 3
                and not node.keywords
                and not any(isinstance(a, ast.Starred) for a in node.args)):
            out += [("range_bound", i, +1), ("range_bound", i, -1)]
        if isinstance(node, ast.Compare):
            for k, op in enumerate(node.ops):
                if type(op) in COMPARE_FLIP:
                    out.append(("compare", i, k))
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in ARITH_FLIP:
            out.append(("arith", i, None))
        if isinstance(node, ast.BoolOp):
            out.append(("bool_op", i, None))
        if isinstance(node, ast.Call) and not node.keywords:
            f = node.func
            if (isinstance(f, ast.Name) and f.id in DROPPABLE_CALLS and len(node.args) == 1
                    and not isinstance(node.args[0], ast.Starred)) or \
                    (isinstance(f, ast.Attribute) and not node.args):
                out.append(("drop_call", i, None))
        if isinstance(node, ast.If) and not node.orelse:
            parent = parents.get(node)
            # an `elif` is the lone If in its parent's orelse: leave those
            if not (isinstance(parent, ast.If) and parent.orelse == [node]):
                out.append(("drop_if", i, None))
        if isinstance(node, ast.Return) and node.value is not None:
            v = node.value
            if (isinstance(v, ast.Constant) and type(v.value) in (bool, int)) or \
                    isinstance(v, (ast.Compare, ast.BoolOp)) or \
                    (isinstance(v, ast.UnaryOp) and isinstance(v.op, ast.Not)):
                out.append(("return_value", i, None))
            elif not (isinstance(v, ast.Constant) and v.value is None):
                out.append(("return_value", i, "none"))
    return out


def _num_node(value):
    if value < 0:
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=-value))
    return ast.Constant(value=value)


def _segment_bounds(lines, node):
    """(start, end) offsets of node's text in the joined UTF-8 source."""
    def offset(lineno, col):
        return sum(len(b) for b in lines[: lineno - 1]) + col
    return offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset)


def mutate(code, first_line, cand):
    """Returns the mutant's source, or None when the candidate cannot be
    applied cleanly. The mutant's AST is checked against the mutated tree."""
    op, index, change = cand
    tree = ast.parse(code)
    nodes = list(ast.walk(tree))
    node = nodes[index]
    parents = {}
    for n in nodes:
        for field, value in ast.iter_fields(n):
            if isinstance(value, list):
                for k, child in enumerate(value):
                    if isinstance(child, ast.AST):
                        parents[child] = (n, field, k)
            elif isinstance(value, ast.AST):
                parents[value] = (n, field, None)

    def replace(old, new):
        parent, field, k = parents[old]
        if k is None:
            setattr(parent, field, new)
        else:
            getattr(parent, field)[k] = new

    lines = code.encode("utf-8").splitlines(keepends=True)
    source = b"".join(lines)
    target = node  # the node whose text is replaced
    if op == "const":
        new = _num_node(node.value + change)
    elif op == "range_bound":
        k = 0 if len(node.args) == 1 else 1
        target = node.args[k]
        new = ast.BinOp(left=copy.deepcopy(target),
                        op=ast.Add() if change > 0 else ast.Sub(),
                        right=ast.Constant(value=1))
    elif op == "compare":
        new = copy.deepcopy(node)
        new.ops[change] = COMPARE_FLIP[type(node.ops[change])]()
    elif op == "arith":
        new = copy.deepcopy(node)
        new.op = ARITH_FLIP[type(node.op)]()
    elif op == "bool_op":
        new = copy.deepcopy(node)
        new.op = BOOL_FLIP[type(node.op)]()
    elif op == "drop_call":
        f = node.func
        new = copy.deepcopy(f.value if isinstance(f, ast.Attribute) else node.args[0])
    elif op == "return_value":
        target = node.value
        v = target
        if change == "none":
            new = ast.Constant(value=None)
        elif isinstance(v, ast.Constant) and type(v.value) is bool:
            new = ast.Constant(value=not v.value)
        elif isinstance(v, ast.Constant):
            new = _num_node(v.value + 1)
        elif isinstance(v, ast.UnaryOp):
            new = copy.deepcopy(v.operand)
        else:
            new = ast.UnaryOp(op=ast.Not(), operand=copy.deepcopy(v))
    elif op == "drop_if":
        return _drop_if(code, tree, node, parents, lines)
    else:
        raise ValueError(op)
    start, end = _segment_bounds(lines, target)
    replace(target, new)
    ast.fix_missing_locations(tree)
    text = ast.unparse(new).encode("utf-8")
    if b"\n" in text:
        return None
    # the node's text excludes any parentheses around it; the replacement may
    # need its own where it binds looser than the text it replaces
    for wrapped in (text, b"(" + text + b")"):
        mutant = _checked((source[:start] + wrapped + source[end:]).decode("utf-8"), tree, code)
        if mutant is not None:
            return mutant
    return None


def _drop_if(code, tree, node, parents, lines):
    parent, field, k = parents[node]
    body = getattr(parent, field)
    first = lines[node.lineno - 1]
    before = first[: node.col_offset]
    if before.strip() or not first[node.col_offset:].startswith(b"if"):
        return None
    last = lines[node.end_lineno - 1]
    after = last[node.end_col_offset:].strip()
    if after and not after.startswith(b"#"):
        return None
    # no other statement may share the if's first or last line
    for other in body:
        if other is not node and (other.lineno in (node.lineno, node.end_lineno)
                                  or other.end_lineno in (node.lineno, node.end_lineno)):
            return None
    del body[k]
    keep = [] if body else [before + b"pass\n"]
    if not body:
        body.append(ast.Pass())
    mutant = b"".join(lines[: node.lineno - 1] + keep + lines[node.end_lineno:]).decode("utf-8")
    return _checked(mutant, tree, code)


def _checked(mutant, tree, code):
    try:
        parsed = ast.parse(mutant)
    except SyntaxError:
        return None
    if ast.dump(parsed) != ast.dump(tree) or mutant == code:
        return None
    return normalize(mutant)


def ordered_candidates(problem):
    tree = ast.parse(problem["code"])
    cands = candidates(tree, problem["first_line"])
    rng = random.Random(f"{SEED}:{problem['source']}:{problem['id']}")
    groups = {op: [c for c in cands if c[0] == op] for op in OPERATORS}
    for op in OPERATORS:
        rng.shuffle(groups[op])
    weakest = [c for c in groups["return_value"] if c[2] == "none"]
    groups["return_value"] = [c for c in groups["return_value"] if c[2] != "none"]
    ops = [op for op in OPERATORS if groups[op]]
    rng.shuffle(ops)
    # round robin, so that a problem's mutants use different operators
    out = []
    while any(groups[op] for op in ops):
        for op in ops:
            if groups[op]:
                out.append(groups[op].pop(0))
    out += weakest
    # the n of "mutant:<op>:<n>": the candidate's rank among its operator's
    # candidates in walk order
    rank = {}
    for op in OPERATORS:
        for n, c in enumerate(c for c in cands if c[0] == op):
            rank[c] = n
    return [(c, rank[c]) for c in out]


# ---------------------------------------------------------------- driver


def build(problem, python, timeout, repeat):
    """Returns (rows, log) for one problem; log lists dropped mutants."""
    code = problem["code"]
    v, detail = verdict(problem, code, python, timeout, repeat)
    if v != "pass":
        return None, [f"CANONICAL {v}: {detail}"]
    rows = [{"variant": "canonical", "code": code, "expected_pass": True}]
    log = []
    attempts = 0
    seen = {code}
    for cand, n in ordered_candidates(problem):
        if len(rows) > MUTANTS_PER_PROBLEM or attempts >= MAX_ATTEMPTS:
            break
        mutant = mutate(code, problem["first_line"], cand)
        if mutant is None or mutant in seen:
            continue
        seen.add(mutant)
        attempts += 1
        name = f"mutant:{cand[0]}:{n}"
        v, detail = verdict(problem, mutant, python, timeout, repeat)
        if v == "fail":
            rows.append({"variant": name, "code": mutant, "expected_pass": False})
        else:
            log.append((name, "equivalent" if v == "pass" else "unclean", detail))
    return rows, log


def _build_star(args):
    return build(*args)


README = """# Code-test reward fixtures

`fixtures.jsonl` holds {rows} model-style responses to real programming
problems, each labeled with whether the code in it passes the problem's own
tests. The labels come from an independent oracle: every response was run
with plain, unsandboxed Python ({python_version}) against the problem's full
tests. They are what a sandboxed code-test reward must reproduce.

Regenerate them (standard library only; runs every variant, a few minutes):

```sh
python3 crates/plaudit-verifiers/tests/data/code/make_fixtures.py              # reads ../shared/data/code (beside the repository)
python3 crates/plaudit-verifiers/tests/data/code/make_fixtures.py DATA_DIR     # humaneval.jsonl.gz, sandboxfusion-code_eval_*.jsonl
```

The script is deterministic (seeded): the same data and the same Python give
the same file, as long as no verdict sits on the edge of the time limit.

## Rows

```json
{{"source": "mbpp", "id": "11", "variant": "mutant:arith:3",
 "response": "```python\\ndef remove_Occ(s,ch): ...```", "expected_pass": false}}
```

| field | meaning |
|---|---|
| `source` | `humaneval`, `mbpp` or `codecontests` |
| `id` | the problem's id in its data file, as a string: HumanEval's `task_id` (`HumanEval/0`), MBPP's and CodeContests' `id` (`"11"`, `"0"`) |
| `variant` | `canonical`, or `mutant:<operator>:<n>` |
| `response` | the code as a model would answer it: one ```` ```python ```` fenced block and nothing else |
| `expected_pass` | `true` iff the code passes every test of the problem |

The tests are not copied here: read them from the shared data by `source`
and `id` (HumanEval: `test` and `entry_point`; MBPP: `test_list` and
`labels.test_setup_code`; CodeContests: `test`, a JSON list of
`{{"input": {{"stdin"}}, "output": {{"stdout"}}}}`).

## Variants

- `canonical`: the reference solution. HumanEval: `prompt` +
  `canonical_solution` (the whole function, with its signature, docstring and
  the prompt's imports and helpers); MBPP: `canonical_solution`;
  CodeContests: the solutions written for these fixtures, kept in
  `codecontests_solutions.json` (id → source; the data set has none). Line
  ends are normalized to LF. Every canonical passes.
- `mutant:<operator>:<n>`: the canonical with one AST node changed (Python's
  `ast`; the changed node is rendered with `ast.unparse` and spliced into the
  original text, so a mutant differs from its canonical in that one place
  only; the result is checked to parse to the mutated tree). HumanEval mutants
  change the canonical solution, never the prompt. `<n>` numbers the sites of
  that operator in `ast.walk` order. Operators:
  - `const`: an integer (or float) literal plus or minus one
  - `range_bound`: the stop argument of `range(...)` plus or minus one
  - `compare`: `<` ↔ `<=`, `>` ↔ `>=`, `==` ↔ `!=`, `in` ↔ `not in`,
    `is` ↔ `is not`
  - `arith`: `+` ↔ `-` (binary or augmented assignment)
  - `bool_op`: `and` ↔ `or`
  - `drop_if`: an `if` without `else` removed (a guard, a branch, an early
    return); `pass` takes its place if the block would be empty
  - `drop_call`: a call dropped, keeping its argument or receiver:
    `sorted(x)` → `x` (also `reversed`, `set`, `list`, `tuple`, `abs`,
    `round`, `int`, `str`, `len`, `sum`, `max`, `min` with one argument),
    `x.lower()` → `x` (any method call without arguments)
  - `return_value`: `return True` ↔ `return False`, a numeric return value
    plus one, a boolean return expression negated (`not`) or un-negated; as
    a last resort, for problems where the operators above give fewer than
    {per_problem} failing mutants, any other return value replaced by `None`

  Up to {per_problem} mutants per problem, tried in a per-problem seeded order
  that alternates operators, at most {max_attempts} tries per problem. Only
  mutants that fail cleanly are kept (see below); all kept mutants have
  `expected_pass: false`.

## The oracle

Each variant runs in a fresh temporary directory, with a {timeout:g} s time limit per
process and a 4 GiB address-space limit:

- HumanEval: the code, then `test`, then `check(<entry_point>)`; passes iff
  the process exits with status 0.
- MBPP: `test_setup_code`, the code, then every assert of `test_list` (not
  `challenge_test_list`); passes iff the process exits with status 0.
- CodeContests: one process per test case, the case's stdin on standard
  input. A case passes iff the process exits with status 0 and its stdout
  equals the expected stdout after stripping trailing whitespace (space, tab,
  CR, FF, VT) from every line and dropping trailing empty lines. Leading
  whitespace, blank lines inside the output and letter case are significant.
  The response passes iff every case passes.

A verdict is kept only when it is clean: no run timed out, was killed by a
signal, ran out of memory or took more than half the time limit; {repeat} runs
with different `PYTHONHASHSEED`s agreed; and no CodeContests case printed the
right output and then exited with a non-zero status. A mutant that still
passes (an equivalent mutant) or whose verdict is not clean is dropped.

## Counts

| source | problems | rows | canonical | mutants | dropped: equivalent | dropped: unclean |
|---|---|---|---|---|---|---|
{count_rows}

Mutants per operator: {per_operator}.

Problems with a single mutant (every other problem has {per_problem}): {single}.

## CodeContests problems

The data set has no solutions; `codecontests_solutions.json` holds ones
written for these fixtures. Several problems accept any valid answer
(`4`, `7`, `10`, `15`: any divisor, any shortest move list, any optimal
L/R string, any placement), but their tests hold one reference program's
answer and are compared exactly; the stored solutions break ties the way
that program does, so they reproduce every expected output. Another correct
program may legitimately fail those tests. The tests are small: `8` is a
brute force (quadratic in the grid size, far too slow for the problem's
limits, correct and fast on these tests), and `7` rescans a box's presents
for every box it gives to; every other solution has the intended complexity.
Each canonical runs every test case in well under a second.

| id | problem | tests | in the fixtures |
|---|---|---|---|
{cc_table}

Left out, and why:

{excluded}

## Licenses

The fixtures embed data from HumanEval (MIT, `LICENSE-human-eval`) and from
the MBPP and CodeContests samples shipped with SandboxFusion (Apache-2.0,
`LICENSE-SandboxFusion`); both license files are copied here.
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", nargs="?", type=Path, default=default_data_dir(),
                    help="the shared data/code folder (default: %(default)s)")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter the oracle runs (default: this one)")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds per process")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--repeat", type=int, default=2, help="runs per variant")
    ap.add_argument("--out", type=Path, default=HERE, help="output folder")
    args = ap.parse_args()

    data = args.data.resolve()
    if not (data / "humaneval.jsonl.gz").exists():
        raise SystemExit(f"{data}: no humaneval.jsonl.gz (pass the shared data/code folder)")
    python_version = subprocess.run(
        [args.python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, check=True).stdout.strip()

    problems = load_problems(data)
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(_build_star, [(p, args.python, args.timeout, args.repeat)
                                              for p in problems]))
    elapsed = time.monotonic() - started

    failures = [(p, log) for p, (rows, log) in zip(problems, results) if rows is None]
    for p, log in failures:
        print(f"{p['source']} {p['id']}: {log[0]}", file=sys.stderr)
    assert not failures, "every canonical must pass its tests"

    out_rows = []
    stats = {}
    per_op = Counter()
    for p, (rows, log) in zip(problems, results):
        s = stats.setdefault(p["source"], Counter())
        s["problems"] += 1
        for r in rows:
            out_rows.append({"source": p["source"], "id": p["id"], "variant": r["variant"],
                             "response": response(r["code"]), "expected_pass": r["expected_pass"]})
            s["rows"] += 1
            if r["variant"] == "canonical":
                assert r["expected_pass"] is True
                s["canonical"] += 1
            else:
                s["mutants"] += 1
                per_op[r["variant"].split(":")[1]] += 1
        mutants = len(rows) - 1
        s[f"with_{mutants}_mutants"] += 1
        for name, why, detail in log:
            s[f"dropped_{why}"] += 1
            print(f"dropped {p['source']} {p['id']} {name}: {why} {detail}".rstrip())

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "fixtures.jsonl", "w", encoding="utf-8", newline="\n") as f:
        for row in out_rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    for name in ("LICENSE-human-eval", "LICENSE-SandboxFusion"):
        shutil.copyfile(data / name, args.out / name)

    total = Counter()
    table = []
    for src in ("humaneval", "mbpp", "codecontests"):
        s = stats.get(src, Counter())
        total.update(s)
        table.append(s)
    lines = []
    for src, s in zip(("humaneval", "mbpp", "codecontests", "**total**"), table + [total]):
        lines.append(f"| {src} | {s['problems']} | {s['rows']} | {s['canonical']} | {s['mutants']} "
                     f"| {s['dropped_equivalent']} | {s['dropped_unclean']} |")
    cc_table = "\n".join(
        f"| {pid} | {name} | {n} | {'no' if pid in EXCLUDED else 'yes'} |"
        for pid, name, n in codecontests_index(data))
    single = ", ".join(f"{p['source']} {p['id']}" for p, (rows, _) in zip(problems, results)
                       if len(rows) == 2) or "none"
    excluded = "\n".join(f"- `{pid}`: {why}." for pid, why in sorted(EXCLUDED.items(), key=lambda kv: int(kv[0])))
    readme = README.format(
        rows=total["rows"], python_version=python_version, per_problem=MUTANTS_PER_PROBLEM,
        max_attempts=MAX_ATTEMPTS, timeout=args.timeout, repeat=args.repeat,
        count_rows="\n".join(lines),
        per_operator=", ".join(f"`{op}` {per_op[op]}" for op in OPERATORS),
        single=single, cc_table=cc_table, excluded=excluded,
    )
    (args.out / "README.md").write_text(readme, encoding="utf-8")

    print(f"python {python_version}; oracle time {elapsed:.1f} s with {args.jobs} jobs")
    for src, s in zip(("humaneval", "mbpp", "codecontests", "total"), table + [total]):
        print(f"{src:13} problems {s['problems']:3}  rows {s['rows']:4}  canonical {s['canonical']:3}  "
              f"mutants {s['mutants']:3}  dropped equivalent {s['dropped_equivalent']:3}  "
              f"dropped unclean {s['dropped_unclean']:3}  1-mutant {s['with_1_mutants']}  "
              f"0-mutant {s['with_0_mutants']}")
    print("mutants per operator:", dict(per_op))
    size = (args.out / "fixtures.jsonl").stat().st_size
    print(f"wrote {args.out / 'fixtures.jsonl'} ({len(out_rows)} rows, {size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
