# threat: a crash after printing the right answer
# problem: stdio-sum
# destructive: no
# expect: zero
# The right answer is on stdout, flushed, and then the process dies of
# SIGSEGV. A test passes only when the program exits with 0 and its output
# matches, so this scores 0.
import ctypes
import sys

a, b = map(int, sys.stdin.read().split())
print(a + b, flush=True)
ctypes.string_at(0)
