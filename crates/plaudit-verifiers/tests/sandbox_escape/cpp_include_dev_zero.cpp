// threat: #include </dev/zero> (an endless input to the compiler)
// problem: cpp-sum
// destructive: no
// expect: zero
// The preprocessor reads zeros until the compile sandbox's memory limit or
// its wall clock stops it: a compile failure, the program's fault, so 0.
#include </dev/zero>
#include <iostream>
int main() { long long a, b; std::cin >> a >> b; std::cout << a + b << "\n"; }
