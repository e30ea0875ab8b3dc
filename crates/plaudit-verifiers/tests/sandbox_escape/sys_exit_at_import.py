# threat: sys.exit(0) at import
# problem: call-check
# destructive: no
# expect: zero
# SystemExit while loading the solution is a load error, reported as such;
# no test has a value, so every test fails.
import sys

sys.exit(0)


def add(a, b):
    return a + b
