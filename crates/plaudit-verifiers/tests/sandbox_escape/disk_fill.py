# threat: disk fill of the work dir
# problem: stdio-sum
# destructive: yes
# expect: zero
# Writes files into /work (and /tmp, which is the same tmpfs inside) until
# the tmpfs is full, then small files until its inodes run out. The work
# tmpfs is 32 MiB and 1,024 inodes (Limits::default()); the program prints
# the answer only if it wrote more than that, then exits without it.
import os
import sys

LIMIT = 32 << 20
INODES = 1024
block = b"\0" * (1 << 20)
written = 0
n = 0
for base in ("/work", "/tmp"):
    while True:
        try:
            with open(f"{base}/fill{n}", "wb") as f:
                n += 1
                for _ in range(16):
                    f.write(block)
                    f.flush()
                    written += len(block)
        except OSError:
            break
files = 0
try:
    while True:
        open(f"/work/small{files}", "wb").close()
        files += 1
except OSError:
    pass
if written > LIMIT + (1 << 20) or files + n > INODES:
    a, b = map(int, sys.stdin.read().split())
    print(a + b)
else:
    print(f"contained: {written >> 20} MiB in {n} files, then {files} empty files")
