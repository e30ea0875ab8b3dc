"""The rewrites and wrong answers made for each category of answer.

`candidates(category, gold, problem)` proposes (variant, answer) pairs:
`rewrite:<kind>` pairs meant to be equivalent to the gold, `wrong:<kind>`
pairs meant to differ. Nothing here is trusted on its own: build_corpus.py
keeps a pair only when answers.same() agrees.
"""

import re
from fractions import Fraction
from math import gcd

from answers import affine_form, plain_number, set_elements, split_top, split_units, tuple_elements
from categories import (
    BASE_RE,
    CHOICE_RE,
    COMPLEX_RE,
    DEGREE_RE,
    FRACTION_RE,
    INT_RE,
    LETTERS_RE,
    PERCENT_RE,
    PI_FRAC_RE,
    PI_RE,
    RADICAL_FRAC_RE,
    RADICAL_RE,
    RELATION,
    SLASH_RE,
    TEXT_RE,
    THOUSANDS,
    asked_variable,
    digits,
)
from latex_eval import Unsupported, evaluate

PI = "\\pi"
WORD_FAMILIES = [
    ["odd", "even", "neither"],
    ["north", "south", "east", "west"],
    ["yes", "no"],
    ["true", "false"],
    ["ellipse", "parabola", "hyperbola", "circle"],
]


def sqrt(r):
    return f"\\sqrt{{{r}}}"


def frac(num, den, style="\\frac"):
    return f"{style}{{{num}}}{{{den}}}"


def flip(sign):
    return "" if sign else "-"


def terminating_decimal(q):
    """The exact decimal of a Fraction, if it terminates within 8 places."""
    for places in range(0, 9):
        scaled = q * 10**places
        if scaled.denominator == 1:
            digits_ = str(abs(scaled.numerator)).rjust(places + 1, "0")
            text = digits_ if places == 0 else f"{digits_[:-places]}.{digits_[-places:]}"
            return ("-" if q < 0 else "") + text
    return None


def common_rewrites(g):
    if "\\dfrac" in g:
        return [("rewrite:frac", g.replace("\\dfrac", "\\frac"))]
    if "\\frac" in g:
        return [("rewrite:dfrac", g.replace("\\frac", "\\dfrac"))]
    return []


def integer(g, problem):
    n = int(re.sub(r"[^\d-]", "", g))
    out = []
    if THOUSANDS.fullmatch(g):
        out.append(("rewrite:no_thousands", str(n)))
    elif abs(n) >= 1000:
        out.append(("rewrite:thousands", f"{n:,}"))
        out.append(("rewrite:thousands_brace", f"{n:,}".replace(",", "{,}")))
    name = asked_variable(problem)
    if name:
        out.append(("rewrite:var_eq", f"{name} = {g}"))
    if not THOUSANDS.fullmatch(g):
        out.append(("rewrite:text_wrap", f"\\text{{{g}}}"))
        out.append(("rewrite:decimal_point", f"{n}.0"))
    out.append(("wrong:off_by_one", str(n + (1 if n % 2 else -1))))
    if n != 0:
        out.append(("wrong:sign_flip", str(-n)))
        out.append(("wrong:doubled", str(2 * n)))
    s = str(abs(n))
    if len(s) >= 2 and s[-1] != s[-2]:
        out.append(("wrong:digit_swap", ("-" if n < 0 else "") + s[:-2] + s[-1] + s[-2]))
    return out


def decimal(g, problem):
    q = plain_number(g)
    out = []
    if q.denominator != 1:
        out.append(("rewrite:as_fraction", ("-" if q < 0 else "") + frac(abs(q.numerator), q.denominator)))
    if re.match(r"-?\.", g):
        out.append(("rewrite:leading_zero", g.replace(".", "0.", 1)))
    elif "." in g:
        out.append(("rewrite:trailing_zero", g + "0"))
    places = len(g.split(".")[1]) if "." in g else 0
    out.append(("wrong:last_digit", terminating_decimal(q + Fraction(1, 10**places))))
    if q != 0:
        out.append(("wrong:sign_flip", terminating_decimal(-q)))
        out.append(("wrong:shifted_point", terminating_decimal(q * 10)))
    return out


def parse_fraction(g):
    m = FRACTION_RE.fullmatch(g)
    if m:
        return m.group(1), digits(m, 2), digits(m, 4)
    m = SLASH_RE.fullmatch(g)
    if m:
        return m.group(1), int(m.group(2)), int(m.group(3))
    return None


def fraction(g, problem):
    sign, a, b = parse_fraction(g)
    q = Fraction(a, b) * (-1 if sign else 1)
    out = [("rewrite:slash", f"{sign}{a}/{b}")]
    if "dfrac" in g:
        out.append(("rewrite:frac", sign + frac(a, b)))
    else:
        out.append(("rewrite:dfrac", sign + frac(a, b, "\\dfrac")))
    if a < 10 and b < 10:
        out.append(("rewrite:frac_short", f"{sign}\\frac{a}{b}"))
    if q.denominator != 1 and terminating_decimal(q):
        out.append(("rewrite:decimal", terminating_decimal(q)))
    if sign:
        out.append(("rewrite:neg_numerator", frac(f"-{a}", b)))
    if a != 0 and a != b:
        out.append(("wrong:reciprocal", sign + frac(b, a)))
    out.append(("wrong:numerator_off_by_one", sign + frac(a + 1, b)))
    out.append(("wrong:denominator_off_by_one", sign + frac(a, b + 1)))
    if a != 0:
        out.append(("wrong:sign_flip", flip(sign) + frac(a, b)))
        out.append(("wrong:unreduced_different", sign + frac(2 * a, 2 * b + 2)))
    return out


def radical(g, problem):
    m = RADICAL_RE.fullmatch(g)
    if m:
        sign, c, r = m.group(1), int(m.group(2) or 1), digits(m, 3)
        coef = "" if c == 1 else str(c)
        out = []
        if c > 1:
            out.append(("rewrite:absorbed_coefficient", sign + sqrt(c * c * r)))
            out.append(("rewrite:cdot", f"{sign}{c} \\cdot {sqrt(r)}"))
        else:
            out.append(("rewrite:power_half", f"{sign}{r}^{{1/2}}"))
        if sqrt(r) not in g:
            out.append(("rewrite:braced_radicand", sign + coef + sqrt(r)))
        out.append(("wrong:radicand_off_by_one", sign + coef + sqrt(r + 1)))
        out.append(("wrong:coefficient_off_by_one", f"{sign}{c + 1}{sqrt(r)}"))
        out.append(("wrong:missing_sqrt", f"{sign}{c * r}"))
        out.append(("wrong:sign_flip", flip(sign) + coef + sqrt(r)))
        return out
    m = RADICAL_FRAC_RE.fullmatch(g)
    if not m:
        return expression(g, problem)
    sign, c, r, d = m.group(1), int(m.group(2) or 1), digits(m, 3), digits(m, 5)
    coef = "" if c == 1 else str(c)
    out = common_rewrites(g)
    out.append(("rewrite:split_fraction", f"{sign}{frac(c, d)}{sqrt(r)}"))
    out.append(("rewrite:sqrt_of_fraction", sign + sqrt(frac(c * c * r, d * d))))
    if c == 1 and d % r == 0:
        k = d // r
        out.append(("rewrite:unrationalized", sign + frac(1, (str(k) if k > 1 else "") + sqrt(r))))
    out.append(("rewrite:slash", f"{sign}{coef}{sqrt(r)}/{d}"))
    out.append(("wrong:radicand_off_by_one", sign + frac(coef + sqrt(r + 1), d)))
    out.append(("wrong:missing_sqrt", sign + frac(c * r, d)))
    out.append(("wrong:denominator_off_by_one", sign + frac(coef + sqrt(r), d + 1)))
    out.append(("wrong:sign_flip", flip(sign) + frac(coef + sqrt(r), d)))
    return out


def pi(g, problem):
    m = PI_RE.fullmatch(g)
    if m:
        sign, c = m.group(1), m.group(2)
        n = int(c or 1)
        out = []
        if c:
            out.append(("rewrite:cdot", f"{sign}{c} \\cdot \\pi"))
            out.append(("rewrite:pi_first", f"{sign}\\pi \\cdot {c}"))
        out.append(("rewrite:spacing", g.replace(" ", "") if " " in g else f"{sign}{c} \\pi"))
        out.append(("wrong:coefficient_off_by_one", f"{sign}{n + 1}\\pi"))
        out.append(("wrong:missing_pi", f"{sign}{n}"))
        out.append(("wrong:half", sign + frac(c + PI, 2)))
        out.append(("wrong:sign_flip", f"{flip(sign)}{c}\\pi"))
        return out
    m = PI_FRAC_RE.fullmatch(g)
    if not m:
        return expression(g, problem)
    sign, c, d = m.group(1), m.group(2), digits(m, 3)
    n = int(c or 1)
    out = common_rewrites(g)
    out.append(("rewrite:split_fraction", f"{sign}{frac(n, d)}\\pi"))
    out.append(("rewrite:slash", f"{sign}{c}\\pi/{d}"))
    out.append(("wrong:denominator_off_by_one", sign + frac(c + PI, d + 1)))
    out.append(("wrong:numerator_off_by_one", sign + frac(f"{n + 1}" + PI, d)))
    out.append(("wrong:missing_pi", sign + frac(n, d)))
    out.append(("wrong:sign_flip", flip(sign) + frac(c + PI, d)))
    return out


def complex_(g, problem):
    m = COMPLEX_RE.fullmatch(g)
    if not m:
        return []
    re_, op, im = int(m.group(1)), m.group(2), int(m.group(3) or 1)
    im_signed = im if op == "+" else -im
    im_text = "" if im == 1 else str(im)
    lead = "-" if op == "-" else ""
    tail = f"+ {re_}" if re_ >= 0 else f"- {-re_}"
    other = "-" if op == "+" else "+"
    out = [
        ("rewrite:imaginary_first", f"{lead}{im_text}i {tail}"),
        ("rewrite:python_style", f"{re_}.0 + {im_signed}.0i"),
        ("rewrite:spacing", g.replace(" ", "") if " " in g else f"{re_} {op} {im_text}i"),
        ("wrong:conjugate", f"{re_} {other} {im_text}i"),
        ("wrong:real_off_by_one", f"{re_ + 1} {op} {im_text}i"),
    ]
    if re_ != im_signed:
        re_text = "" if abs(re_) == 1 else str(abs(re_))
        out.append(("wrong:swapped_parts", f"{im_signed} {'+' if re_ >= 0 else '-'} {re_text}i"))
    return out


def degree(g, problem):
    m = DEGREE_RE.fullmatch(g)
    n = m.group(1) if m else g
    out = [("rewrite:no_degree_sign", n)] if m else [("rewrite:with_degree_sign", f"{n}^\\circ")]
    out.append(("rewrite:degree_brace", f"{n}^{{\\circ}}"))
    out.append(("rewrite:degree_symbol", f"{n}°"))
    v = Fraction(n)
    out.append(("wrong:off_by_one", f"{v + 1}^\\circ"))
    if v != 90 and 0 < v < 180 and v.denominator == 1:
        out.append(("wrong:supplementary", f"{180 - v}^\\circ"))
    if v != 45 and 0 < v < 90 and v.denominator == 1:
        out.append(("wrong:complementary", f"{90 - v}^\\circ"))
    return out


def percent(g, problem):
    m = PERCENT_RE.fullmatch(g)
    n = m.group(1) if m else g
    out = [("rewrite:no_percent_sign", n)] if m else [("rewrite:with_percent_sign", f"{n}\\%")]
    out.append(("rewrite:percent_spacing", f"{n} \\%"))
    v = Fraction(n)
    out.append(("wrong:off_by_one", f"{terminating_decimal(v + 1)}\\%"))
    if v != 0:
        out.append(("wrong:times_ten", f"{terminating_decimal(v * 10)}\\%"))
    return out


def strip_left_right(g):
    return re.sub(r"\\(left|right)(?![a-zA-Z])\s*", "", g)


def interval(g, problem):
    out = []
    prefix = ""
    m = re.fullmatch(r"([a-z]\s*\\in\s*)(.+)", g)
    if m:
        prefix, g = m.group(1), m.group(2)
        out.append(("rewrite:no_membership", g))
    pieces = [p.strip() for p in g.split("\\cup")]
    plain = strip_left_right(g)
    if plain != g:
        out.append(("rewrite:no_left_right", prefix + plain))
    elif len(pieces) == 1:
        out.append(("rewrite:left_right", prefix + "\\left" + g[0] + " " + g[1:-1] + " \\right" + g[-1]))
    if len(pieces) > 1:
        out.append(("rewrite:union_order", prefix + " \\cup ".join(reversed(pieces))))
    spaced = re.sub(r",\s*", ", ", g)
    out.append(("rewrite:spacing", prefix + (spaced if spaced != g else g.replace(", ", ","))))
    if len(pieces) == 1:
        out += as_inequality(strip_left_right(g))
    for k, piece in enumerate(pieces):
        body = strip_left_right(piece)
        ends = split_top(body[1:-1])
        if len(ends) != 2 or body[0] not in "([" or body[-1] not in ")]":
            continue
        lo, hi = ends

        def replace(new):
            return prefix + " \\cup ".join(pieces[:k] + [new] + pieces[k + 1 :])

        if "infty" not in lo:
            out.append(("wrong:openness", replace(("[" if body[0] == "(" else "(") + body[1:])))
        if "infty" not in hi:
            out.append(("wrong:openness", replace(body[:-1] + ("]" if body[-1] == ")" else ")"))))
        if INT_RE.fullmatch(hi):
            out.append(("wrong:endpoint_off_by_one", replace(f"{body[0]}{lo}, {int(hi) + 1}{body[-1]}")))
    return out


def as_inequality(body):
    """An interval written as an inequality in x, and the same with one
    bound's strictness flipped."""
    ends = split_top(body[1:-1])
    if len(ends) != 2 or body[0] not in "([" or body[-1] not in ")]":
        return []
    lo, hi = ends
    lo_op = "<" if body[0] == "(" else "\\le"
    hi_op = "<" if body[-1] == ")" else "\\le"
    flip_op = {"<": "\\le", "\\le": "<"}
    if "infty" in lo and "infty" in hi:
        return []
    if "infty" in lo:
        return [("rewrite:as_inequality", f"x {hi_op} {hi}"), ("wrong:inequality_strictness", f"x {flip_op[hi_op]} {hi}")]
    if "infty" in hi:
        lo_rev = ">" if lo_op == "<" else "\\ge"
        flipped = "\\ge" if lo_rev == ">" else ">"
        return [("rewrite:as_inequality", f"x {lo_rev} {lo}"), ("wrong:inequality_strictness", f"x {flipped} {lo}")]
    return [
        ("rewrite:as_inequality", f"{lo} {lo_op} x {hi_op} {hi}"),
        ("wrong:inequality_strictness", f"{lo} {flip_op[lo_op]} x {hi_op} {hi}"),
    ]


def set_(g, problem):
    out = []
    braced = g.startswith("\\{")
    if "\\pm" in g and not braced and "," not in g:
        elems = set_elements(g)
        out.append(("rewrite:pm_expanded", ", ".join(elems)))
        out.append(("rewrite:pm_expanded_reordered", ", ".join(reversed(elems))))
        out.append(("wrong:dropped_element", elems[0]))
        return out
    raw = split_top(g[2:-2] if braced else g)
    if len(raw) >= 2:
        out.append(("rewrite:reordered", ", ".join(raw[1:] + raw[:1])))
        out.append(("wrong:dropped_element", ", ".join(raw[:-1])))
    out.append(("rewrite:set_braces", ", ".join(raw) if braced else "\\{" + ", ".join(raw) + "\\}"))
    for k, e in enumerate(raw):
        if INT_RE.fullmatch(e):
            out.append(("wrong:element_off_by_one", ", ".join(raw[:k] + [str(int(e) + 1)] + raw[k + 1 :])))
            break
    ints = [int(e) for e in raw if INT_RE.fullmatch(e)]
    out.append(("wrong:extra_element", ", ".join(raw + [str(max(ints) + 1 if ints else 0)])))
    return out


def tuple_(g, problem):
    elems = tuple_elements(g)
    plain = strip_left_right(g)
    out = common_rewrites(g)
    if plain != g:
        out.append(("rewrite:no_left_right", plain))
    else:
        out.append(("rewrite:left_right", "\\left( " + ", ".join(elems) + " \\right)"))
    spaced = "(" + ", ".join(elems) + ")"
    out.append(("rewrite:spacing", spaced if spaced != plain else "(" + ",".join(elems) + ")"))
    swapped = [elems[1], elems[0]] + elems[2:]
    out.append(("wrong:swapped_order", "(" + ", ".join(swapped) + ")"))
    for k, e in enumerate(elems):
        if INT_RE.fullmatch(e):
            out.append(("wrong:element_off_by_one", "(" + ", ".join(elems[:k] + [str(int(e) + 1)] + elems[k + 1 :]) + ")"))
            if int(e) != 0:
                out.append(("wrong:element_sign_flip", "(" + ", ".join(elems[:k] + [str(-int(e))] + elems[k + 1 :]) + ")"))
            break
    return out


def matrix(g, problem):
    out = common_rewrites(g)
    if "pmatrix" in g:
        out.append(("rewrite:bmatrix", g.replace("pmatrix", "bmatrix")))
    spaced = re.sub(r"\s*(\\\\|&)\s*", r" \1 ", g)
    out.append(("rewrite:spacing", spaced if spaced != g else re.sub(r"\s*(\\\\|&)\s*", r"\1", g)))
    body = g.index("}") + 1
    m = re.search(r"(?<![\d/.{^_\\])(-?\d+)(?![\d/.}])", g[body:])
    if m:
        s, e = body + m.start(1), body + m.end(1)
        n = int(m.group(1))
        out.append(("wrong:entry_off_by_one", g[:s] + str(n + 1) + g[e:]))
        if n != 0:
            out.append(("wrong:entry_sign_flip", g[:s] + str(-n) + g[e:]))
    return out


def linear_coefficients(g):
    """The variables and integer coefficients (constant last) of L - R for
    a linear equation, found by evaluating at unit points."""
    if affine_form(g) is None:
        return None
    left, right = g.split("=")
    names = sorted(set(re.findall(r"[a-z]", re.sub(r"\\[a-zA-Z]+", "", g))))
    vals = []
    for env in [{}] + [{n: 1.0} for n in names]:
        full = {n: 0.0 for n in names} | env
        vs = values_at(left, full), values_at(right, full)
        if None in vs:
            return None
        vals.append(vs[0] - vs[1])
    c0 = vals[0]
    fr = [Fraction(v - c0).limit_denominator(1000) for v in vals[1:]] + [Fraction(c0).limit_denominator(1000)]
    den = 1
    for x in fr:
        den = den * x.denominator // gcd(den, x.denominator)
    return names, [int(x * den) for x in fr]


def values_at(text, env):
    try:
        v = evaluate(text, env)
    except Unsupported:
        return None
    return v.real if abs(v.imag) < 1e-12 else None


def linear_text(names, ints, zero_rhs=True):
    terms = [(c < 0, ("" if abs(c) == 1 else str(abs(c))) + n) for n, c in zip(names, ints[:-1]) if c]
    if not terms:
        return None
    text = join_terms(terms)
    const = ints[-1]
    if not zero_rhs:
        return f"{text} = {-const}"
    if const:
        text += (" - " if const < 0 else " + ") + str(abs(const))
    return text + " = 0"


def equation(g, problem):
    left, right = g.split("=")
    out = [("rewrite:swapped_sides", f"{right.strip()} = {left.strip()}")]
    lc = linear_coefficients(g)
    if lc:
        names, ints = lc
        out += [
            ("rewrite:rearranged", linear_text(names, ints)),
            ("rewrite:rearranged_negated", linear_text(names, [-c for c in ints])),
            ("rewrite:constant_on_right", linear_text(names, ints, zero_rhs=False)),
            ("wrong:different_constant", linear_text(names, ints[:-1] + [ints[-1] + 1])),
        ]
        nz = [k for k, c in enumerate(ints[:-1]) if c]
        if nz:
            k = nz[-1]
            out.append(("wrong:coefficient_sign_flip", linear_text(names, ints[:k] + [-ints[k]] + ints[k + 1 :])))
    return [(k, v) for k, v in out if v and v.replace(" ", "") != g.replace(" ", "")]


def inequality(g, problem):
    m = re.fullmatch(r"\s*([a-z])\s*(<|>|\\leq?|\\geq?)\s*(.+?)\s*", g)
    if not m:
        return []
    var, op, rhs = m.groups()
    mirror = {"<": ">", ">": "<", "\\le": "\\ge", "\\ge": "\\le", "\\leq": "\\geq", "\\geq": "\\leq"}
    strictness = {"<": "\\le", ">": "\\ge", "\\le": "<", "\\ge": ">", "\\leq": "<", "\\geq": ">"}
    return [
        ("rewrite:flipped", f"{rhs} {mirror[op]} {var}"),
        ("wrong:strictness", f"{var} {strictness[op]} {rhs}"),
        ("wrong:direction", f"{var} {mirror[op]} {rhs}"),
    ]


def base(g, problem):
    m = BASE_RE.fullmatch(g)
    digits_, braced, b = m.group(1), m.group(2), int(m.group(3))
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    last = alphabet.index(digits_[-1])
    out = [
        ("rewrite:subscript_braces", f"{digits_}_{b}" if braced else f"{digits_}_{{{b}}}"),
        ("wrong:last_digit", f"{digits_[:-1]}{alphabet[last + 1 if last + 1 < b else last - 1]}_{{{b}}}"),
    ]
    if len(digits_) >= 2 and digits_[0] != "0":
        out.append(("wrong:wrong_base", f"{digits_}_{{{b + 1}}}"))
    return out


def text(g, problem, other_texts):
    word = TEXT_RE.fullmatch(g).group(1)
    out = [("rewrite:no_text", word), ("rewrite:textbf", f"\\textbf{{{word}}}"), ("rewrite:mathrm", f"\\mathrm{{{word}}}")]
    for fam in WORD_FAMILIES:
        if word.lower() in fam:
            out.append(("wrong:other_option", f"\\text{{{fam[(fam.index(word.lower()) + 1) % len(fam)]}}}"))
            return out
    for alt in other_texts:
        if alt.lower() != word.lower():
            out.append(("wrong:other_word", f"\\text{{{alt}}}"))
            break
    return out


def choice(g, problem):
    m = LETTERS_RE.fullmatch(g)
    if m:
        letters = [x.strip() for x in m.group(1).split(",")]
        return [
            ("rewrite:no_text", ", ".join(letters)),
            ("rewrite:reordered", "\\text{" + ", ".join(letters[1:] + letters[:1]) + "}"),
            ("wrong:dropped_letter", "\\text{" + ", ".join(letters[:-1]) + "}"),
        ]
    letter = next(x for x in CHOICE_RE.fullmatch(g).groups() if x)
    options = "ABCDE"
    return [
        ("rewrite:letter_only", letter),
        ("rewrite:parenthesized", f"({letter})"),
        ("rewrite:textbf", f"\\textbf{{({letter})}}"),
        ("wrong:other_letter", f"\\text{{({options[(options.index(letter) + 2) % 5] if letter in options else 'A'})}}"),
    ]


def expression(g, problem):
    out = common_rewrites(g)
    terms = top_terms(g)
    if terms and len(terms) >= 2:
        out.append(("rewrite:term_order", join_terms(list(reversed(terms)))))
        out.append(("wrong:sign_flip", join_terms([(not neg, body) for neg, body in terms])))
        consts = [k for k, (_, body) in enumerate(terms) if INT_RE.fullmatch(body)]
        if consts:
            k = consts[-1]
            neg, body = terms[k]
            out.append(("wrong:constant_changed", join_terms(terms[:k] + [(neg, str(int(body) + 1))] + terms[k + 1 :])))
        else:
            out.append(("wrong:constant_changed", join_terms(terms + [(False, "1")])))
    elif terms:
        out.append(("wrong:constant_changed", join_terms(terms + [(False, "1")])))
    m = re.fullmatch(r"(\d+)([a-z])", g)
    if m:
        out.append(("rewrite:cdot", f"{m.group(1)} \\cdot {m.group(2)}"))
        out.append(("rewrite:variable_first", f"{m.group(2)} \\cdot {m.group(1)}"))
    return out


def other(g, problem):
    value, unit = split_units(g)
    if not unit:
        return common_rewrites(g)
    out = [("rewrite:no_units", value)]
    q = plain_number(value)
    if q is not None:
        out.append(("wrong:off_by_one", unit.replace("@", terminating_decimal(q + 1) or "")))
    return out


# A + or - right after one of these is a sign, not a binary operator.
UNARY_AFTER = ("\\cdot", "\\times", "\\div", "\\pm", "\\mp", "^", "_", "(", "{", "[", "*", "/", "=", ",")


def top_terms(g):
    """The top-level terms of a sum, as (negative, body), or None when the
    split is not certainly a sum."""
    if RELATION.search(g) or re.search(r"[=,]|\\pm|\\mp|\\text|\\mbox|\\cup|\\infty", g):
        return None
    s = g.strip()
    terms, depth, neg, start = [], 0, False, 0
    if s[:1] in "+-":
        neg, start = s[0] == "-", 1
    for i in range(start, len(s)):
        c = s[i]
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        elif depth == 0 and c in "+-":
            before = s[:i].rstrip()
            if not before or before.endswith(UNARY_AFTER):
                return None
            terms.append((neg, s[start:i].strip()))
            neg, start = c == "-", i + 1
    terms.append((neg, s[start:].strip()))
    if depth != 0 or any(not body for _, body in terms):
        return None
    return terms


def join_terms(terms):
    out = ""
    for k, (neg, body) in enumerate(terms):
        out += (("-" if neg else "") + body) if k == 0 else ((" - " if neg else " + ") + body)
    return out


MAKERS = {
    "integer": integer,
    "decimal": decimal,
    "fraction": fraction,
    "radical": radical,
    "pi": pi,
    "complex": complex_,
    "degree": degree,
    "percent": percent,
    "interval": interval,
    "set": set_,
    "tuple": tuple_,
    "matrix": matrix,
    "equation": equation,
    "inequality": inequality,
    "base": base,
    "choice": choice,
    "expression": expression,
    "other": other,
}


def candidates(category, gold, problem, other_texts=()):
    """(variant, answer) pairs for a gold answer of this category."""
    g = gold.strip()
    m = re.fullmatch(r"([a-z])\s*=\s*(.+)", g)
    if m and category != "equation":
        # `x=5`: transform the value; rewrites keep the name, and the bare
        # value is one more rewrite.
        name, value = m.group(1), m.group(2).strip()
        out = [("rewrite:bare_value", value)]
        for kind, ans in candidates(category, value, problem, other_texts):
            if kind != "rewrite:var_eq":
                out.append((kind, ans if kind.startswith("wrong:") else f"{name} = {ans}"))
        return out
    if category == "text":
        out = text(g, problem, other_texts)
    else:
        out = MAKERS[category](g, problem)
    return [(k, v) for k, v in out if v and v.strip() and v.strip() != g]
