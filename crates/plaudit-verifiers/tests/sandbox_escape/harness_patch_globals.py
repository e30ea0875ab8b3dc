# threat: monkeypatching the harness to report passes
# problem: call-add
# destructive: no
# expect: zero
# Targets: json.dumps, print, sys.stdout, the harness's own globals.
# The solution runs in the harness's process, so it can rewrite anything:
# here the builtins the harness might use and the harness module's own
# encode/describe/_dumps, so that every result line claims a pass. The
# results channel is untrusted: the lines still carry values (the forged
# ones are `true`, which is not the sum), and a line of any other shape is
# tampering, which fails the whole run.
import builtins
import io
import json
import sys

main = sys.modules["__main__"]
real_dumps = main._dumps


def forged_dumps(obj, **kwargs):
    if isinstance(obj, dict) and "i" in obj:
        obj = {"i": obj["i"], "value": True, "passed": True}
    return real_dumps(obj, **kwargs)


main._dumps = forged_dumps
main.encode = lambda v, iterate, count, depth=0: True
main.describe = lambda exc: "passed"
json.dumps = forged_dumps
builtins.print = lambda *a, **k: None
sys.stdout = io.StringIO()


def add(a, b):
    raise AssertionError("wrong on purpose")
