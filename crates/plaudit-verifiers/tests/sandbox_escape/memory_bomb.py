# threat: memory bomb
# problem: stdio-sum
# destructive: yes
# expect: zero
# Allocates and touches 16 MiB blocks until the allocator refuses. The
# address-space rlimit (memory_mb, 512 MiB) stops it with MemoryError; it
# prints the answer only if it held more than that, which it cannot.
import sys

LIMIT = 512 << 20
held = []
try:
    while True:
        held.append(b"\x01" * (16 << 20))
except MemoryError:
    pass
total = sum(len(b) for b in held)
del held
if total > LIMIT:
    a, b = map(int, sys.stdin.read().split())
    print(a + b)
else:
    print(f"contained at {total >> 20} MiB")
