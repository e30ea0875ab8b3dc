# threat: thread bomb
# problem: stdio-sum
# destructive: yes
# expect: zero
# Starts threads until the kernel refuses. Threads count against
# RLIMIT_NPROC and the pids cgroup like processes (32 per slot); the
# program prints the answer only if it ran more than that.
import sys
import threading
import time

LIMIT = 32
started = 0
stop = threading.Event()
try:
    while started < 4096:
        threading.Thread(target=stop.wait, daemon=True).start()
        started += 1
except RuntimeError:
    pass
if started + 1 > LIMIT:
    a, b = map(int, sys.stdin.read().split())
    print(a + b)
else:
    print(f"contained at {started} threads")
