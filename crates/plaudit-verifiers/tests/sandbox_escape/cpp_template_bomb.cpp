// threat: template-instantiation bomb
// problem: cpp-sum
// destructive: no
// expect: zero
// Each Bomb<N, M> instantiates two distinct Bomb<N - 1, …>: 2^40
// instantiations, far within the depth limit, so only the compile
// sandbox's memory limit or its wall clock stops g++. A compile failure
// scores 0.
#include <iostream>

template <int N, long long M>
struct Bomb {
    static constexpr long long value = Bomb<N - 1, 2 * M>::value + Bomb<N - 1, 2 * M + 1>::value;
};
template <long long M>
struct Bomb<0, M> {
    static constexpr long long value = 1;
};

int main() {
    long long a, b;
    std::cin >> a >> b;
    std::cout << a + b + Bomb<40, 1>::value * 0 << "\n";
}
