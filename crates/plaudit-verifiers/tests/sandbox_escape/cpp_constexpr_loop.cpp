// threat: an infinite constexpr loop (compile-time busy loop)
// problem: cpp-sum
// destructive: no
// expect: zero
// g++ refuses a constant-evaluated loop past its iteration limit; were it
// to spin instead, the compile sandbox's CPU and wall-clock limits would
// end it. Either way a compile failure, which scores 0.
#include <iostream>

constexpr long long forever() {
    long long i = 0;
    while (true) ++i;
    return i;
}

constexpr long long never = forever();

int main() {
    long long a, b;
    std::cin >> a >> b;
    std::cout << a + b + never << "\n";
}
