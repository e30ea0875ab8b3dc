# threat: memory bomb spread over processes (each under its own rlimit)
# problem: stdio-sum
# destructive: yes
# needs: cgroups
# expect: zero
# RLIMIT_AS bounds each process, not the slot: eight children holding
# 256 MiB each would hold 2 GiB. The slot's memory cgroup (512 MiB) is what
# stops them (the OOM killer ends some). The parent prints the answer only
# if the children together held more than 640 MiB at once. Without cgroups
# the sandbox documents that only the rlimits hold, so the runner does not
# run this case there. At most 2 GiB even if uncontained.
import os
import sys
import time

CHILDREN = 8
EACH = 256 << 20
r, w = os.pipe()
for _ in range(CHILDREN):
    if os.fork() == 0:
        os.close(r)
        held = []
        try:
            while sum(len(b) for b in held) < EACH:
                held.append(b"\x01" * (16 << 20))
        except MemoryError:
            pass
        os.write(w, b"%d\n" % sum(len(b) for b in held))
        time.sleep(10)
        os._exit(0)
os.close(w)
total = 0
deadline = time.monotonic() + 1.5
data = b""
os.set_blocking(r, False)
while time.monotonic() < deadline and data.count(b"\n") < CHILDREN:
    try:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        data += chunk
    except BlockingIOError:
        time.sleep(0.02)
total = sum(int(x) for x in data.split())
if total > 640 << 20:
    a, b = map(int, sys.stdin.read().split())
    print(a + b)
else:
    print(f"contained at {total >> 20} MiB")
