# threat: os._exit(0) at import, before the harness calls anything
# problem: call-add
# destructive: no
# expect: zero
# The harness never gets to write a result: every test has no line, which
# fails, however cleanly the process exited.
import os

os._exit(0)


def add(a, b):
    return a + b
