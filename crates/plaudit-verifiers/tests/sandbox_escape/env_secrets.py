# threat: read the host's environment secrets
# problem: stdio-sum
# destructive: no
# expect: zero
# The runner fills in every value of its own environment (HOME, PATH,
# CARGO_* …, the ones that differ from the sandbox's). The sandbox's
# environment is exactly plaudit_sandbox::default_env(), and init's
# environ (a copy of the runner's) belongs to root. The program prints the
# answer if it finds any host value, or any variable beyond the documented
# six, in its own environment or in any /proc/*/environ it can read.
import os
import sys

HOST = __PLAUDIT_HOST_ENV__
DOCUMENTED = {"PATH", "HOME", "TMPDIR", "LANG", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED"}
leaks = [k for k in os.environ if k not in DOCUMENTED]
blobs = ["\n".join(f"{k}={v}" for k, v in os.environ.items())]
for pid in os.listdir("/proc"):
    if pid.isdigit() or pid == "self":
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                blobs.append(f.read().decode("utf-8", "replace"))
        except OSError:
            pass
leaks += [v for v in HOST if any(v in blob for blob in blobs)]
if leaks:
    a, b = map(int, sys.stdin.read().split())
    print(a + b)
    print("leaked", leaks, file=sys.stderr)
else:
    print("environment:", sorted(os.environ))
