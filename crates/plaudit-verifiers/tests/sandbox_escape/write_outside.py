# threat: write outside the work dir (/usr, /etc, /, host /tmp, /proc, /dev)
# problem: stdio-sum
# destructive: no
# expect: zero
# Tries to create a marker file in every host directory it can name and to
# write to kernel knobs. The root is a read-only tmpfs, the runtime binds
# are read-only, host /tmp is not mounted (/tmp inside is a link to /work),
# and the program is an unprivileged uid without capabilities. It prints
# the answer only if a write outside /work worked; the runner also checks
# that no marker appeared on the host.
import os
import sys

MARKER = "__PLAUDIT_MARKER__"
escaped = []
for d in ["/", "/usr", "/usr/local", "/usr/bin", "/etc", "/bin", "/lib", "/var/tmp",
          "/dev", "/dev/shm", "/proc", "/root", "/home", "/work/..", "/tmp/.."]:
    path = os.path.join(d, MARKER)
    try:
        with open(path, "w") as f:
            f.write("escaped\n")
        if not os.path.realpath(path).startswith("/work/"):
            escaped.append(path)
    except OSError:
        pass
    try:
        os.mkdir(path + ".d")
        escaped.append(path + ".d")
    except OSError:
        pass
# Inside: /tmp is the work dir, so this must succeed and stay inside.
with open(f"/tmp/{MARKER}", "w") as f:
    f.write("inside\n")
for knob, value in [("/proc/sys/kernel/hostname", "pwned"), ("/proc/sysrq-trigger", "s"),
                    ("/proc/sys/vm/drop_caches", "3"), ("/proc/1/oom_score_adj", "1000"),
                    ("/etc/ld.so.cache", "x"), ("/usr/bin/python3", "x")]:
    try:
        with open(knob, "w") as f:
            f.write(value)
        escaped.append(knob)
    except OSError:
        pass
for path in ["/dev/null", "/etc/ld.so.cache", "/usr"]:
    try:
        os.chmod(path, 0o777)
        escaped.append("chmod " + path)
    except OSError:
        pass
if escaped:
    a, b = map(int, sys.stdin.read().split())
    print(a + b)
    print("wrote", escaped, file=sys.stderr)
else:
    print("every write outside /work failed")
