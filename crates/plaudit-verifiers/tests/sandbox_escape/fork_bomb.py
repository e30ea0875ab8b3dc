# threat: fork bomb
# problem: stdio-sum
# destructive: yes
# expect: zero
# Every child forks forever. RLIMIT_NPROC and the slot's pids cgroup hold
# the slot to 32 processes and threads (Limits::default().processes). The
# parent counts the children it got for a second and prints the answer only
# if it got more than the limit allows; it cannot, so it prints a wrong
# line and exits, and the namespace's teardown takes the whole bomb with
# it: every test scores 0, nothing is left behind.
import os
import sys
import time

LIMIT = 32
got = 0
deadline = time.monotonic() + 1.0
while time.monotonic() < deadline:
    try:
        pid = os.fork()
    except OSError:
        continue
    if pid == 0:
        while True:
            try:
                os.fork()
            except OSError:
                pass
    got += 1
if got + 1 > LIMIT:
    a, b = map(int, sys.stdin.read().split())
    print(a + b)
else:
    print(f"contained: {got} children")
