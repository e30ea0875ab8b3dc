# threat: reading the expected outputs of a stdio problem
# problem: stdio-oracle
# destructive: no
# expect: zero
# Searches files, environments, command lines, descriptors.
# The expected output is a secret drawn afresh by the runner
# (PLAUDIT-SECRET-<k>-<16 hex digits>); only the key k is on stdin. The
# program searches everything the sandbox can see: /work and /tmp, the
# whole tree outside /usr, every /proc/<pid>/{environ,cmdline} and open
# descriptor, its own stdin. It prints the secret for its key if it finds
# it, which would pass the test. Expected outputs never enter the sandbox.
import os
import re
import stat
import sys

key = int(sys.stdin.readline())
pattern = re.compile(rb"PLAUDIT-SECRET-%d-[0-9a-f]{16}" % key)
found = []
looked = 0


def search(path):
    global looked
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > (8 << 20):
            return
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            data = os.read(fd, 8 << 20)
        finally:
            os.close(fd)
    except OSError:
        return
    looked += 1
    found.extend(pattern.findall(data))


for top in ["/"]:
    for root, dirs, files in os.walk(top):
        if root == "/":
            dirs[:] = [d for d in dirs if d not in ("usr", "proc", "lib", "lib64", "bin", "sbin")]
        for f in files:
            search(os.path.join(root, f))
for pid in os.listdir("/proc"):
    if not (pid.isdigit() or pid in ("self", "thread-self")):
        continue
    for f in ["environ", "cmdline", "status", "stat", "mountinfo", "maps", "auxv", "comm"]:
        search(f"/proc/{pid}/{f}")
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            search(f"/proc/{pid}/fd/{fd}")
    except OSError:
        pass
rest = sys.stdin.buffer.read()
found.extend(pattern.findall(rest))
if found:
    print(found[0].decode())
else:
    print(f"not found in {looked} files")
