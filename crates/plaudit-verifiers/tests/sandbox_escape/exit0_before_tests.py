# threat: os._exit(0) before any test runs
# problem: stdio-sum
# destructive: no
# expect: zero
# Exits with status 0 and prints nothing. An exit status of 0 alone never
# counts as a pass: the output must match too.
import os

os._exit(0)
