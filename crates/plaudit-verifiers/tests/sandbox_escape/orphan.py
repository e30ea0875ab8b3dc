# threat: double-fork orphan that sleeps (and answers late)
# problem: stdio-sum
# destructive: no
# expect: zero
# The program exits 0 at once with no output; a double-forked grandchild in
# its own session writes the right answer to the inherited stdout a little
# later, then sleeps. When the program exits, the namespace's init exits and
# the kernel kills everything left in the namespace, so the late answer is
# never written and no process outlives the run.
import os
import sys
import time

data = sys.stdin.read()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(0.3)
        a, b = map(int, data.split())
        os.write(1, b"%d\n" % (a + b))
        time.sleep(1000)
    os._exit(0)
os._exit(0)
