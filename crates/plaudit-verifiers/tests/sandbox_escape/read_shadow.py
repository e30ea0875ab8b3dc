# threat: read /etc/shadow (and other host secrets) and print it
# problem: stdio-sum
# destructive: no
# expect: zero
# Only the runtime (/usr, the loader cache) is bound in: /etc/shadow,
# /root and /home are not there, and init's root (/proc/1/root, a root
# process) is closed to an unprivileged uid. The program prints the answer
# only if it could read one of them, and the secret itself to stderr.
import os
import sys

found = {}
for path in ["/etc/shadow", "/etc/gshadow", "/etc/passwd", "/etc/sudoers", "/etc/hostname",
             "/root/.bash_history", "/root/.ssh/id_rsa", "/proc/1/root/etc/shadow",
             "/proc/1/cwd/Cargo.toml", "/proc/1/environ", "/proc/1/root/etc/passwd",
             "/work/../etc/shadow", "/proc/self/root/../../etc/shadow"]:
    try:
        with open(path, "rb") as f:
            data = f.read(4096)
        if data:
            found[path] = data
    except OSError:
        pass
if found:
    a, b = map(int, sys.stdin.read().split())
    print(a + b)
    for path, data in found.items():
        print(path, data[:200], file=sys.stderr)
else:
    print("nothing readable")
