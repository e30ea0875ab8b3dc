# threat: regaining privileges
# problem: stdio-sum
# destructive: no
# expect: zero
# Tries setuid(0), setuid binaries, higher rlimits, real-time scheduling, nice.
# The program runs as an unprivileged uid with every capability set empty
# and no_new_privs set; the runtime is mounted nosuid. It tries to become
# root directly and through sudo/su/newgrp, to raise its hard limits, and
# to take a real-time priority or a negative nice (either would let a spin
# starve the host). It prints the answer if any of that worked.
import os
import resource
import subprocess
import sys

won = []
for name, attempt in [
    ("setuid(0)", lambda: os.setuid(0)),
    ("setgid(0)", lambda: os.setgid(0)),
    ("setgroups([0])", lambda: os.setgroups([0])),
    ("SCHED_FIFO", lambda: os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(50))),
    ("nice(-10)", lambda: os.nice(-10) if os.getpriority(os.PRIO_PROCESS, 0) >= 0 else None),
    ("RLIMIT_NPROC up", lambda: resource.setrlimit(resource.RLIMIT_NPROC, (4096, 4096))),
    ("RLIMIT_AS up", lambda: resource.setrlimit(resource.RLIMIT_AS, (1 << 40, 1 << 40))),
    ("RLIMIT_NOFILE up", lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1 << 16, 1 << 16))),
    ("RLIMIT_CPU up", lambda: resource.setrlimit(resource.RLIMIT_CPU, (3600, 3600))),
]:
    try:
        attempt()
        won.append(name)
    except (OSError, ValueError):
        pass
if os.getpriority(os.PRIO_PROCESS, 0) < 0:
    won.append("negative nice")
for argv in (["/usr/bin/sudo", "-n", "id", "-u"], ["/usr/bin/su", "-c", "id -u"],
             ["/usr/bin/newgrp", "root"], ["/usr/bin/passwd", "-S"]):
    try:
        out = subprocess.run(argv, capture_output=True, timeout=1, stdin=subprocess.DEVNULL)
        if out.stdout.strip() == b"0":
            won.append(" ".join(argv))
    except (OSError, subprocess.SubprocessError):
        pass
if os.geteuid() == 0 or os.getegid() == 0:
    won.append("root")
if won:
    a, b = map(int, sys.stdin.read().split())
    print(a + b)
    print(won, file=sys.stderr)
else:
    print(f"still uid {os.getuid()}")
