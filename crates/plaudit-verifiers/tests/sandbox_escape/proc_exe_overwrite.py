# threat: overwriting host binaries through /proc/<pid>/exe
# problem: stdio-sum
# destructive: no
# expect: zero
# The runc CVE-2019-5736 pattern, plus the runtime's own files.
# /proc/1/exe is the evaluating program itself (init is its fork), but
# opening it needs ptrace access to a root process; the interpreter and the
# runtime are read-only binds. The program prints the answer if any of them
# opened for writing.
import os
import sys

opened = []
for path in ["/proc/1/exe", "/proc/self/exe", "/usr/bin/python3", "/proc/1/root/usr/bin/python3",
             "/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6",
             "/usr/lib/aarch64-linux-gnu/libc.so.6", "/etc/ld.so.cache", "/proc/1/mem"]:
    try:
        fd = os.open(path, os.O_WRONLY)
        os.close(fd)
        opened.append(path)
    except OSError:
        pass
if opened:
    a, b = map(int, sys.stdin.read().split())
    print(a + b)
    print(opened, file=sys.stderr)
else:
    print("nothing opened for writing")
