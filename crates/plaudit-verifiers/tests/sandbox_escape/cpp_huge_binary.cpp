// threat: a binary too big for the run's work directory
// problem: cpp-sum
// destructive: no
// expect: zero
// An initialized 40 MiB array lands in the executable's data section.
// The binary compiles (the compile sandbox allows it) but does not fit the
// run sandbox's 32 MiB work tmpfs. That is the program's doing, like a
// compile error, so it must score 0, not make the sandbox fail. The
// program answers wrongly anyway, so it cannot pass if it does run.
#include <iostream>

char big[40 << 20] __attribute__((used)) = {1};

int main() {
    long long a, b;
    std::cin >> a >> b;
    std::cout << a + b + big[(a & 1) << 20] + 1 << "\n";
}
