// threat: memory bomb (C++)
// problem: cpp-sum
// destructive: yes
// expect: zero
// Allocates and touches 16 MiB blocks until malloc fails. The address-space
// limit (512 MiB) stops it; it prints the answer only if it held more.
#include <cstdlib>
#include <cstring>
#include <iostream>

int main() {
    long long a, b;
    std::cin >> a >> b;
    const size_t block = 16 << 20;
    size_t total = 0;
    for (;;) {
        char *p = static_cast<char *>(std::malloc(block));
        if (!p) break;
        std::memset(p, 1, block);
        total += block;
    }
    if (total > (size_t(512) << 20)) std::cout << a + b << "\n";
    else std::cout << "contained at " << (total >> 20) << " MiB\n";
}
