"""A small, strict evaluator for the LaTeX that math answers are written in.

build_corpus.py uses it to *check* every rewrite and wrong answer it makes:
a rewrite is kept only if it evaluates to the same value as the gold at
several points, a wrong answer only if it differs. It is deliberately narrow
(numbers, + - * /, powers, \\frac, \\sqrt, \\pi, i, single-letter variables)
and raises `Unsupported` on anything else, so a transform it cannot check is
dropped rather than trusted.
"""

import cmath
import math
import re

SPACING = ("\\,", "\\!", "\\;", "\\:", "\\ ", "~", "\\quad", "\\qquad", "\\displaystyle")
TEXT_COMMANDS = ("text", "textbf", "mathrm", "mbox", "textnormal")
# Values at which variables are evaluated: irrational-looking and positive,
# so that two different polynomials almost surely differ and square roots
# of variables stay real.
POINTS = [
    {c: 0.61 + ((ord(c) * 37 + k * 101) % 89) / 47.0 for c in "abcdefghjklmnopqrstuvwxyz"}
    for k in range(4)
]


class Unsupported(ValueError):
    pass


class _Parser:
    def __init__(self, text, env):
        self.s = text
        self.i = 0
        self.env = env

    def fail(self, why):
        raise Unsupported(f"{why} at {self.i} in {self.s!r}")

    def ws(self):
        while self.i < len(self.s):
            if self.s[self.i].isspace():
                self.i += 1
                continue
            for sp in SPACING:
                if self.s.startswith(sp, self.i):
                    self.i += len(sp)
                    break
            else:
                m = re.match(r"\\(left|right|big|Big|bigl|bigr|Bigl|Bigr)(?![a-zA-Z])", self.s[self.i :])
                if not m:
                    return
                self.i += m.end()

    def peek(self):
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def eat(self, tok):
        self.ws()
        if self.s.startswith(tok, self.i):
            # `\pi` must not match the start of `\pin`.
            end = self.i + len(tok)
            if tok[-1].isalpha() and end < len(self.s) and self.s[end].isalpha():
                return False
            self.i = end
            return True
        return False

    def expect(self, tok):
        if not self.eat(tok):
            self.fail(f"expected {tok!r}")

    def parse(self):
        v = self.expr()
        self.ws()
        if self.i != len(self.s):
            self.fail("trailing input")
        return v

    def expr(self):
        v = self.term()
        while True:
            if self.eat("+"):
                v += self.term()
            elif self.eat("-"):
                v -= self.term()
            else:
                return v

    def term(self):
        v = self.unary()
        while True:
            if self.eat("\\cdot") or self.eat("\\times") or self.eat("*"):
                v *= self.unary()
            elif self.eat("/") or self.eat("\\div"):
                d = self.unary()
                if d == 0:
                    self.fail("division by zero")
                v /= d
            elif self.starts_factor():
                v *= self.power()
            else:
                return v

    def starts_factor(self):
        c = self.peek()
        if not c or c.isdigit() or c == ".":
            # `2 3` is not a product anyone writes.
            return False
        if c.isalpha() or c in "({":
            return True
        return bool(re.match(r"\\(d?t?frac|sqrt|pi|text|textbf|mathrm)(?![a-zA-Z])", self.s[self.i :]))

    def unary(self):
        if self.eat("-"):
            return -self.unary()
        if self.eat("+"):
            return self.unary()
        return self.power()

    def power(self):
        base = self.postfix()
        if self.eat("^"):
            if self.eat("\\circ"):
                return base
            if self.eat("{"):
                if self.eat("\\circ"):
                    self.expect("}")
                    return base
                e = self.expr()
                self.expect("}")
            else:
                e = self.single()
            if abs(e) > 1000 or (base == 0 and e.real <= 0):
                self.fail("exponent out of range")
            return base**e
        return base

    def postfix(self):
        v = self.primary()
        while True:
            if self.eat("!"):
                if v.imag != 0 or v.real != int(v.real) or not 0 <= v.real <= 20:
                    self.fail("factorial")
                v = complex(math.factorial(int(v.real)))
            elif self.eat("\\%"):
                # Graders accept "5%" for a gold of 5 in a percent problem.
                pass
            else:
                return v

    def single(self):
        """A one-character argument: `\\frac12`, `x^2`."""
        self.ws()
        if self.i >= len(self.s):
            self.fail("missing argument")
        c = self.s[self.i]
        if c.isdigit():
            self.i += 1
            return complex(int(c))
        if c == "{":
            self.i += 1
            v = self.expr()
            self.expect("}")
            return v
        if c == "\\":
            return self.primary()
        return self.primary_letter()

    def primary_letter(self):
        c = self.s[self.i]
        if not ("a" <= c <= "z" or "A" <= c <= "Z"):
            self.fail("unexpected character")
        self.i += 1
        if c == "i":
            return 1j
        if c not in self.env:
            self.fail(f"unknown variable {c}")
        return complex(self.env[c])

    def primary(self):
        self.ws()
        if self.i >= len(self.s):
            self.fail("unexpected end")
        c = self.s[self.i]
        m = re.match(r"\d+(\.\d*)?|\.\d+", self.s[self.i :])
        if m:
            self.i += m.end()
            return complex(float(m.group()))
        if c in "({":
            close = ")" if c == "(" else "}"
            self.i += 1
            v = self.expr()
            self.expect(close)
            return v
        if c == "\\":
            m = re.match(r"\\([a-zA-Z]+)", self.s[self.i :])
            if not m:
                self.fail("unknown escape")
            name = m.group(1)
            self.i += m.end()
            if name in ("frac", "dfrac", "tfrac"):
                num = self.single()
                den = self.single()
                if den == 0:
                    self.fail("division by zero")
                return num / den
            if name == "sqrt":
                n = 2
                if self.eat("["):
                    n = int(self.expr().real)
                    self.expect("]")
                x = self.single()
                if x.imag == 0 and x.real >= 0:
                    return complex(x.real ** (1 / n))
                if n == 2:
                    return cmath.sqrt(x)
                self.fail("odd root of a negative")
            if name == "pi":
                return complex(math.pi)
            if name in TEXT_COMMANDS:
                self.expect("{")
                v = self.expr()
                self.expect("}")
                return v
            self.fail(f"unsupported command \\{name}")
        return self.primary_letter()


def evaluate(text, env=None):
    """The value of `text` as a complex number, with variables from `env`."""
    try:
        return _Parser(text, env or {}).parse()
    except (ZeroDivisionError, OverflowError, RecursionError, TypeError) as e:
        raise Unsupported(str(e)) from e


def values(text):
    """`text` evaluated at every point of POINTS (a tuple), or None."""
    try:
        return tuple(evaluate(text, env) for env in POINTS)
    except Unsupported:
        return None


def close(a, b):
    """Equal up to float noise, relative to the values themselves: 2^-99 and
    2^-98 are not close (an absolute tolerance is how graders get that wrong)."""
    return all(abs(x - y) <= 1e-9 * max(abs(x), abs(y)) for x, y in zip(a, b, strict=True))


def loosely_close(a, b):
    """Equal up to an absolute tolerance too: values that are not even
    loosely close are certainly different."""
    return all(abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y)) for x, y in zip(a, b, strict=True))
