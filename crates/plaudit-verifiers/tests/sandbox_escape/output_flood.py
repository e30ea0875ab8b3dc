# threat: 1 GB of output to stdout
# problem: stdio-sum
# destructive: no
# expect: zero
# Prints the right answer, then a gigabyte of newlines. Trailing empty
# lines are ignored by the default comparison, so if the output limit
# (output_kb, 1 MiB) only truncated the output, the answer would pass; the
# limit kills the run instead, and a killed run scores 0.
import os
import sys

a, b = map(int, sys.stdin.read().split())
sys.stdout.write(f"{a + b}\n")
sys.stdout.flush()
block = b"\n" * (1 << 20)
for _ in range(1024):
    os.write(1, block)
