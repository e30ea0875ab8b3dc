"""plaudit's replay of an assert suite that does not convert to call tests.

Runs inside a sandbox that holds NO candidate code: only the dataset's own
check function, its prelude (the problem's helpers, e.g. HumanEval's
prompt) and plain data. Two modes, read from stdin as one JSON document:

record: {"mode": "record", "prelude", "check", "entry_point", "seed"}
    Runs check(candidate) with a stand-in candidate that records the
    arguments of every call and returns an inert placeholder; every assert
    is made soft so the whole suite runs. Prints {"calls": [{"args",
    "kwargs"}]} in plaudit's typed JSON, or {"error": "..."}.

judge: the same fields plus "calls" (as recorded) and "results" (what the
    candidate returned for each call, in another sandbox, as typed JSON or
    {"error": "ExcType: message"}).
    Runs check(candidate) again, with the same random seed, and a candidate
    that checks each call's arguments against the recording and returns the
    recorded result. Prints {"passed": true} or {"passed": false, "reason"},
    or {"error": "..."} when the check cannot be replayed (its inputs depend
    on the function's earlier results).

The candidate's results arrive as plain data (lists, dicts, numbers…),
decoded from typed JSON that plaudit validated; nothing the candidate wrote
runs here.
"""

import ast
import copy
import json
import os
import random
import sys
import traceback

# `python -I` leaves the script's folder off the path; the harness sits beside it.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import decode, describe, encode  # noqa: E402


class Placeholder:
    """What the recording candidate returns: absorbs whatever the check does."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __lt__(self, other):
        return True

    __le__ = __gt__ = __ge__ = __lt__

    def __hash__(self):
        return 0

    def __bool__(self):
        return True

    def __len__(self):
        return 0

    def __iter__(self):
        return iter(())

    def __float__(self):
        return 0.0

    def __int__(self):
        return 0

    def __index__(self):
        return 0

    def __str__(self):
        return ""

    def __getitem__(self, key):
        return self

    def __getattr__(self, name):
        return self

    def __call__(self, *args, **kwargs):
        return self

    def _same(self, *args):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _same
    __mod__ = __rmod__ = __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = _same
    __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = _same


class SoftAsserts(ast.NodeTransformer):
    """assert X, msg  ->  __plaudit_soft(lambda: X)"""

    def visit_Assert(self, node):
        call = ast.Call(
            func=ast.Name(id="__plaudit_soft", ctx=ast.Load()),
            args=[ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]), body=node.test)],
            keywords=[],
        )
        return ast.copy_location(ast.Expr(value=call), node)


def soft(test):
    try:
        test()
    except Exception:
        pass


def load(spec, soft_asserts, candidate):
    """The check function, in a namespace where the function under test's own
    name is the candidate too, as in HumanEval, where the check runs beside
    the completion (HumanEval/33 compares `candidate(x)` with `sort_third(x)`)."""
    namespace = {"__name__": "__plaudit_check__", "__plaudit_soft": soft}
    if spec.get("prelude"):
        exec(compile(spec["prelude"], "<prelude>", "exec"), namespace)
    tree = ast.parse(spec["check"], "<check>")
    if soft_asserts:
        tree = ast.fix_missing_locations(SoftAsserts().visit(tree))
    exec(compile(tree, "<check>", "exec"), namespace)
    namespace[spec["entry_point"]] = candidate
    return namespace["check"]


def typed_args(args, kwargs):
    return {
        "args": [encode(copy.deepcopy(a), False, [0]) for a in args],
        "kwargs": {k: encode(copy.deepcopy(v), False, [0]) for k, v in kwargs.items()},
    }


def record(spec):
    calls = []

    def candidate(*args, **kwargs):
        if len(calls) >= 10_000:
            raise RuntimeError("the check calls the function more than 10000 times")
        calls.append(typed_args(args, kwargs))
        return Placeholder()

    check = load(spec, soft_asserts=True, candidate=candidate)
    random.seed(spec["seed"])
    check(candidate)
    return {"calls": calls}


class CandidateRaised(Exception):
    pass


class ReplayBroken(Exception):
    """The check cannot be replayed: an infrastructure failure, not a verdict."""


def judge(spec):
    calls, results = spec["calls"], spec["results"]
    count = [0]

    def candidate(*args, **kwargs):
        i = count[0]
        count[0] += 1
        if i >= len(calls):
            raise ReplayBroken("the check made more calls than were recorded")
        if typed_args(args, kwargs) != calls[i]:
            raise ReplayBroken(f"call {i} has other arguments than recorded: the check's inputs depend on earlier results")
        result = results[i]
        if "error" in result:
            raise CandidateRaised(result["error"])
        return decode(result["value"])

    check = load(spec, soft_asserts=False, candidate=candidate)
    random.seed(spec["seed"])
    try:
        check(candidate)
    except AssertionError:
        line = next((f.lineno for f in reversed(traceback.extract_tb(sys.exc_info()[2])) if f.filename == "<check>"), None)
        return {"passed": False, "reason": f"assertion failed at line {line} of the check"}
    except CandidateRaised as e:
        return {"passed": False, "reason": f"the function raised {e}"}
    except ReplayBroken as e:
        return {"error": str(e)}
    except BaseException as e:
        return {"passed": False, "reason": f"the check raised {describe(e)}"}
    if count[0] != len(calls):
        return {"error": "the check made fewer calls than were recorded"}
    return {"passed": True}


def main():
    spec = json.loads(sys.stdin.buffer.read())
    try:
        out = record(spec) if spec["mode"] == "record" else judge(spec)
    except BaseException as e:
        out = {"error": describe(e)}
    sys.stdout.write(json.dumps(out, ensure_ascii=True, allow_nan=False) + "\n")


if __name__ == "__main__":
    main()
