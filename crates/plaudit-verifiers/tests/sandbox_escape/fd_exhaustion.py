# threat: descriptor exhaustion
# problem: stdio-sum
# destructive: yes
# expect: zero
# Opens files, pipes and sockets until the kernel refuses, in the parent
# and in four children. RLIMIT_NOFILE is 64 per process
# (Limits::default().open_files); a process that held more prints the
# answer. None can, so the program prints a wrong line.
import os
import socket
import sys

LIMIT = 64


def exhaust():
    held = []
    try:
        while True:
            held.append(os.open("/dev/null", os.O_RDONLY))
            held.extend(os.pipe())
            held.extend(s.detach() for s in socket.socketpair())
    except OSError:
        pass
    for fd in held:
        os.close(fd)
    return len(held) + 3


most = exhaust()
for _ in range(4):
    r, w = os.pipe()
    if os.fork() == 0:
        os.write(w, b"%d\n" % exhaust())
        os._exit(0)
    os.close(w)
    got = os.read(r, 64)
    os.close(r)
    os.wait()
    if got.strip():
        most = max(most, int(got))
if most > LIMIT:
    a, b = map(int, sys.stdin.read().split())
    print(a + b)
else:
    print(f"contained at {most} descriptors")
