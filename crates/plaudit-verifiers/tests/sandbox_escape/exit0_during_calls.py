# threat: os._exit(0) in the middle of a HumanEval check suite
# would pass it)
# problem: call-check
# destructive: no
# expect: zero
# A verifier that ran check() and trusted the exit status would pass it.
# The check suite is converted to call tests judged outside the sandbox:
# the first call ends the process with status 0 and no result line, so
# every test fails.
import os


def add(a, b):
    os._exit(0)
