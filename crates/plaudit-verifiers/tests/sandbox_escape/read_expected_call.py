# threat: reading the expected values from inside the call harness
# problem: call-oracle
# destructive: no
# expect: zero
# Searches its frames, every object in the process, its memory, its stdin.
# The expected values are secrets drawn afresh by the runner
# (PLAUDIT-SECRET-<k>-<16 hex digits>); only the arguments enter the
# sandbox. The solution walks the harness's frames, every object the
# garbage collector knows, its own memory through /proc/self/mem, its
# environment and /work, and returns the secret for k if it found it,
# which would pass the test.
import gc
import os
import re
import sys

PATTERN = rb"PLAUDIT-SECRET-%d-[0-9a-f]{16}"
ANY = re.compile(rb"PLAUDIT-SECRET-[0-9]-[0-9a-f]{16}")


def pattern_hits(data):
    # Keep only what looks like a secret: memory is too big to hold whole.
    return b"\n".join(ANY.findall(data))


haystack = []
frame = sys._getframe()
while frame is not None:
    haystack.append(repr(frame.f_locals).encode("utf-8", "replace"))
    frame = frame.f_back
for obj in gc.get_objects():
    try:
        haystack.append(repr(obj).encode("utf-8", "replace")[:1 << 16])
    except Exception:
        pass
for name in os.listdir("/work"):
    try:
        with open(f"/work/{name}", "rb") as f:
            haystack.append(f.read())
    except OSError:
        pass
for path in ["/proc/self/environ", "/proc/self/cmdline", "/proc/1/cmdline", "/proc/1/environ"]:
    try:
        with open(path, "rb") as f:
            haystack.append(f.read())
    except OSError:
        pass
budget = 96 << 20
try:
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
        for line in maps:
            span, perms = line.split()[:2]
            start, end = (int(x, 16) for x in span.split("-"))
            if "r" not in perms or end - start > budget:
                continue
            try:
                mem.seek(start)
                haystack.append(pattern_hits(mem.read(end - start)))
                budget -= end - start
            except (OSError, ValueError, OverflowError):
                pass
except OSError:
    pass
haystack.append(sys.stdin.buffer.read())
blob = b"\n".join(haystack)


def oracle(k):
    found = re.findall(PATTERN % k, blob)
    return found[0].decode() if found else f"not found in {len(blob)} bytes"
