// threat: reading the supervisor's environment at assembly time
// problem: cpp-sum
// destructive: no
// expect: zero
// With .incbin "/proc/1/environ".
// The assembler runs as the compile sandbox's uid; /proc/1/environ is
// init's, a root process, and not readable by it: a compile error, 0. If
// it were readable, the program would compile and answer correctly.
#include <iostream>
asm(".section .rodata\n.incbin \"/proc/1/environ\"\n.previous\n");
int main() { long long a, b; std::cin >> a >> b; std::cout << a + b << "\n"; }
