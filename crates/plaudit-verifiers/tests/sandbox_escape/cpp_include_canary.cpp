// threat: reading a host file at compile time
// problem: cpp-sum
// destructive: no
// expect: zero
// An #include of the runner's canary, a file outside the sandbox.
// The canary is a C++ comment, so this compiles, and then answers
// correctly, exactly when the compiler could read it. The compiler runs in
// a sandbox of its own where the canary's directory does not exist: a
// compile error, 0.
#include "__PLAUDIT_CANARY__"
#include <iostream>
int main() { long long a, b; std::cin >> a >> b; std::cout << a + b << "\n"; }
