# threat: kill the parent (os.kill(os.getppid(), 9)) and init
# problem: stdio-sum
# destructive: yes
# expect: zero
# The parent is the namespace's init, a root process: an unprivileged uid
# may not signal it, and PID 1 ignores signals it has no handler for anyway.
# Outside the PID namespace the parent would be the runner itself, hence
# destructive. The program prints nothing: the run must end as a scored 0,
# not as a sandbox failure.
import ctypes
import os
import signal

libc = ctypes.CDLL(None, use_errno=True)
for pid in {os.getppid(), 1}:
    for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP, signal.SIGSEGV):
        try:
            os.kill(pid, sig)
        except OSError:
            pass
    try:
        fd = os.pidfd_open(pid)
        libc.syscall(424, fd, signal.SIGKILL, None, 0)  # pidfd_send_signal
    except OSError:
        pass
try:
    os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)
except OSError:
    pass
