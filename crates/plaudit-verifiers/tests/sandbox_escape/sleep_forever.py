# threat: sleep forever
# problem: call-add
# destructive: no
# expect: zero
# The function never returns. The call suite's wall limit (test_timeout_ms
# plus per_call_ms per test) kills the harness; no test has a result line,
# so each scores 0.
import time


def add(a, b):
    time.sleep(10**6)
