# threat: kill -9 -1
# problem: stdio-sum
# destructive: yes
# expect: zero
# Signals every process it may: inside its PID namespace that is only its
# own processes (init is exempt), and the shell's kill -9 -1 kills this
# program too. Outside the namespace, or as root, it would reach the host,
# hence destructive. The run must end as a scored 0, not a sandbox failure.
import os
import signal
import subprocess

try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
subprocess.run(["/bin/sh", "-c", "kill -9 -1"])
