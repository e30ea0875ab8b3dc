# threat: reading the supervisor's memory through init
# problem: stdio-oracle
# destructive: no
# expect: zero
# The namespace's init is a fork of the evaluating process.
# PID 1 in the sandbox is a copy of the runner made by clone without exec:
# a root process whose pages hold the references being evaluated. Reading
# them needs ptrace access: /proc/1/mem, process_vm_readv, ptrace itself.
# The uid switch (init is root, the program is not) and the seccomp filter
# each refuse it. The program prints its key's secret if it finds it,
# which would pass the test.
import ctypes
import re
import sys

key = int(sys.stdin.readline())
pattern = re.compile(rb"PLAUDIT-SECRET-%d-[0-9a-f]{16}" % key)
libc = ctypes.CDLL(None, use_errno=True)
libc.process_vm_readv.restype = ctypes.c_ssize_t
libc.process_vm_readv.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_ulong,
                                  ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
found = []
tried = []
regions = []
try:
    with open("/proc/1/maps") as maps:
        for line in maps:
            span, perms = line.split()[:2]
            if "r" in perms:
                start, end = (int(x, 16) for x in span.split("-"))
                regions.append((start, end))
except OSError as e:
    tried.append(f"maps: {e.strerror}")
    regions = [(0x400000, 0x400000 + (1 << 20))]
try:
    with open("/proc/1/mem", "rb", 0) as mem:
        for start, end in regions:
            try:
                mem.seek(start)
                found += pattern.findall(mem.read(min(end - start, 256 << 20)))
            except (OSError, ValueError, OverflowError):
                pass
except OSError as e:
    tried.append(f"mem: {e.strerror}")


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


buf = ctypes.create_string_buffer(1 << 20)
for start, end in regions[:64]:
    local = IoVec(ctypes.cast(buf, ctypes.c_void_p), min(end - start, 1 << 20))
    remote = IoVec(start, local.len)
    n = libc.process_vm_readv(1, ctypes.addressof(local), 1, ctypes.addressof(remote), 1, 0)
    if n > 0:
        found += pattern.findall(buf.raw[:n])
tried.append(f"process_vm_readv: errno {ctypes.get_errno()}")
if libc.ptrace(16, 1, None, None) == 0:  # PTRACE_ATTACH
    tried.append("ptrace attached")
else:
    tried.append(f"ptrace: errno {ctypes.get_errno()}")
if found:
    print(found[0].decode())
else:
    print("; ".join(tried))
