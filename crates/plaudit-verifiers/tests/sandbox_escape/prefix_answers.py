# threat: printing the correct answer for only a prefix of the tests
# problem: stdio-sums
# destructive: no
# expect: zero
# Each input holds several cases; the program answers the first correctly
# and stops. Every line must match and the line counts must agree, so a
# correct prefix fails the test.
t = int(input())
a, b = map(int, input().split())
print(a + b)
