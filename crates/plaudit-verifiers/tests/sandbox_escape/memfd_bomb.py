# threat: memory outside the address space (memfd)
# problem: stdio-sum
# destructive: yes
# needs: cgroups
# expect: zero
# memfd pages are not mapped, so RLIMIT_AS does not count them.
# Fills anonymous memory files (each up to RLIMIT_FSIZE, 16 MiB) without
# mapping them, in four processes. Only the slot's memory cgroup (512 MiB)
# bounds that; the parent prints the answer only if more than 640 MiB was
# held at once. Capped at 1.5 GiB in case it is not contained.
import os
import sys
import time

CHILDREN = 4
EACH = 384 << 20
block = b"\x01" * (1 << 20)
r, w = os.pipe()
for _ in range(CHILDREN):
    if os.fork() == 0:
        os.close(r)
        held = 0
        fds = []
        try:
            while held < EACH:
                fd = os.memfd_create("x")
                fds.append(fd)
                for _ in range(16):
                    os.write(fd, block)
                    held += len(block)
        except OSError:
            pass
        os.write(w, b"%d\n" % held)
        time.sleep(10)
        os._exit(0)
os.close(w)
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
