# threat: CPU loop (while True)
# problem: stdio-sum
# destructive: no
# expect: zero
# Spins without reading its input. The CPU rlimit (the test's 2 s, as
# RLIMIT_CPU) or the wall-clock kill ends each run: a limit, the program's
# fault, so each test scores 0 (not timed_out: the aspect's own deadline is
# far away).
while True:
    pass
