# threat: an always-equal object returned from the function
# problem: call-add
# destructive: no
# expect: zero
# The result is an int subclass whose __eq__ says True to everything (and
# whose __ne__, __hash__, __index__ and __repr__ lie too). The harness
# encodes only plain data, reading an int through int.__index__, so it
# reports the underlying 0, and the comparison happens outside the sandbox
# with Python's semantics: 0 is not the sum.
class AlwaysEqual(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __hash__(self):
        return 0

    def __index__(self):
        return 5

    def __repr__(self):
        return "5"

    __str__ = __repr__


def add(a, b):
    return AlwaysEqual(0)
