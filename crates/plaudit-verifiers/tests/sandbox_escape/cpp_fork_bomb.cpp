// threat: fork bomb (C++)
// problem: cpp-sum
// destructive: yes
// expect: zero
// Forks forever, every child too. The slot's process limit (32) stops the
// growth; the test's CPU and wall-clock limits end each run with nothing
// printed, and the namespace's teardown leaves no process behind.
#include <unistd.h>

int main() {
    for (;;) fork();
}
