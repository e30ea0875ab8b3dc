# threat: symlink tricks
# problem: stdio-sum
# destructive: no
# expect: zero
# Writes through links to /etc/passwd, the runner's canary, init's root.
# Links in /work resolve inside the sandbox's own tree: /etc/passwd is not
# there, the canary's directory is not there, the root is read-only, and
# /proc/1/root belongs to root. Hard links across the read-only binds fail.
# The program prints the answer if it read the canary or wrote through any
# link; the runner checks the canary and /etc/passwd on the host.
import os
import sys

CANARY = "__PLAUDIT_CANARY__"
targets = {"passwd": "/etc/passwd", "canary": CANARY, "initroot": "/proc/1/root/etc/passwd",
           "initcanary": "/proc/1/root" + CANARY, "selfroot": "/proc/self/root/etc/passwd",
           "up": "../../../../" + CANARY, "cwd": "/proc/1/cwd"}
escaped = []
for name, target in targets.items():
    link = f"/work/{name}"
    try:
        os.symlink(target, link)
    except OSError:
        continue
    try:
        with open(link, "rb") as f:
            if b"plaudit escape canary" in f.read():
                escaped.append("read " + name)
    except OSError:
        pass
    try:
        with open(link, "a") as f:
            f.write("escaped\n")
        if not os.path.realpath(link).startswith("/work/"):
            escaped.append("wrote " + name)
    except OSError:
        pass
for src in ["/etc/ld.so.cache", "/usr/bin/python3", CANARY]:
    try:
        os.link(src, "/work/hard")
        escaped.append("linked " + src)
    except OSError:
        pass
try:
    os.rename("/work/passwd", "/etc/passwd")
    escaped.append("renamed onto /etc/passwd")
except OSError:
    pass
if escaped:
    a, b = map(int, sys.stdin.read().split())
    print(a + b)
    print(escaped, file=sys.stderr)
else:
    print("every link stayed inside")
