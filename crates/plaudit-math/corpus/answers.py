"""What an answer means, by category: the checker behind every corpus label.

`same(category, gold, answer)` says whether `answer` is mathematically the
same answer as `gold` (True), a different one (False), or that it cannot
tell (None). build_corpus.py keeps a rewrite only on True and a wrong answer
only on False, so a label never rests on a transform's good intentions alone.
"""

import re
from fractions import Fraction

import latex_eval
from latex_eval import POINTS, Unsupported, evaluate, values

THOUSANDS = re.compile(r"-?\d{1,3}(?:(?:,|\{,\}|,\\!\s*|\\,)\d{3})+")


def plain_number(s):
    """An integer, decimal or thousands-separated number, as a Fraction."""
    s = s.strip()
    if re.fullmatch(r"-?\d+", s) or re.fullmatch(r"-?\d*\.\d+", s) or re.fullmatch(r"-?\d+\.", s):
        return Fraction(s.rstrip(".") if s.endswith(".") else s)
    if THOUSANDS.fullmatch(s):
        return Fraction(re.sub(r"[^\d-]", "", s))
    return None


UNIT_RE = re.compile(r"(.*?)(\s*\\(?:text|mbox|mathrm)\{\s*[a-zA-Z][a-zA-Z. ]*\}(?:\^\{?[23]\}?)?)")


def split_units(s):
    """(value, unit template) of an answer with units: `5.4 \\text{ cents}`
    gives ("5.4", "@ \\text{ cents}"), `\\$1.25` gives ("1.25", "\\$@"). The
    template is "" when there are none; "@" marks where the value goes."""
    s = s.strip()
    if s.startswith("\\$") and scalar(s[2:]) is not None:
        return s[2:].strip(), "\\$@"
    m = UNIT_RE.fullmatch(s)
    if m and m.group(1).strip() and scalar(m.group(1)) is not None:
        return m.group(1).strip(), "@" + m.group(2)
    return s, ""


def has_variable(s):
    """Whether a letter outside a command name occurs (`i` counts)."""
    return re.search(r"[a-zA-Z]", re.sub(r"\\[a-zA-Z]+", "", s)) is not None


def strip_decorations(s):
    """Removes what graders ignore around a scalar: `x =`, a degree sign,
    `\\%`, `\\text{…}` around a number, outer spaces."""
    s = s.strip()
    m = re.fullmatch(r"[a-zA-Z]\s*=\s*(.+)", s)
    if m and "=" not in m.group(1) and not has_variable(m.group(1)):
        s = m.group(1).strip()
    s = re.sub(r"\s*(\^\s*\\circ|\^\s*\{\\circ\}|°)$", "", s)
    s = re.sub(r"\s*\\%$", "", s)
    m = re.fullmatch(r"\\(?:text|textbf|mathrm)\{([^{}]*)\}", s)
    if m:
        s = m.group(1).strip()
    return s


def scalar(s):
    """A scalar answer's values at the evaluation points, or None."""
    s = strip_decorations(s)
    n = plain_number(s)
    if n is not None:
        return tuple(complex(float(n)) for _ in POINTS)
    return values(s)


def split_top(s, sep=","):
    """Splits at `sep` outside any (), [], {}."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] in "{}":
            depth += 1 if s[i + 1] == "{" else -1
            i += 2
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and s.startswith(sep, i):
            parts.append(s[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    parts.append(s[start:])
    return [p.strip() for p in parts]


def unwrap(s, opens, closes):
    s = s.strip()
    for o in opens:
        if s.startswith(o):
            for c in closes:
                if s.endswith(c) and len(s) >= len(o) + len(c):
                    return s[len(o) : len(s) - len(c)].strip()
    return None


def set_elements(s):
    inner = unwrap(s, ["\\left\\{", "\\{"], ["\\right\\}", "\\}"])
    if inner is None:
        inner = s
    out = []
    for part in split_top(inner):
        if part.count("\\pm") == 1:
            out += [part.replace("\\pm", "+"), part.replace("\\pm", "-")]
        elif "\\pm" in part or "\\mp" in part:
            return None
        else:
            out.append(part)
    return out


def tuple_elements(s):
    inner = unwrap(s, ["\\left(", "("], ["\\right)", ")"])
    return None if inner is None else split_top(inner)


def same_multiset(a, b, close):
    b = list(b)
    for x in a:
        for j, y in enumerate(b):
            if close(x, y):
                del b[j]
                break
        else:
            return False
    return not b


def scalars(parts):
    vals = [scalar(p) for p in parts]
    return None if any(v is None for v in vals) else vals


INF = float("inf")


LESS = r"(<|\\leq?(?![a-zA-Z]))"


def inequality_interval(s):
    """`x > 3` as `(3, \\infty)`, `-2 \\le x < 7` as `[-2, 7)`; None for
    anything else."""
    m = re.fullmatch(rf"\s*(.+?)\s*{LESS}\s*[a-z]\s*{LESS}\s*(.+?)\s*", s)
    if m and not has_variable(m.group(1)) and not has_variable(m.group(4)):
        lo, lop, hop, hi = m.groups()
        return ("(" if lop == "<" else "[") + f"{lo}, {hi}" + (")" if hop == "<" else "]")
    m = re.fullmatch(r"\s*[a-z]\s*(<|>|\\[lg]eq?(?![a-zA-Z]))\s*(.+?)\s*", s)
    if m and not has_variable(m.group(2)):
        op, c = m.groups()
        if op == "<" or op.startswith("\\l"):
            return f"(-\\infty, {c}" + (")" if op == "<" else "]")
        return ("(" if op == ">" else "[") + f"{c}, \\infty)"
    return None


def intervals(s):
    """A union of intervals as a canonical, merged list of
    (lo, lo_closed, hi, hi_closed), or None."""
    s = s.strip()
    m = re.fullmatch(r"[a-z]\s*\\in\s*(.+)", s)
    if m:
        s = m.group(1)
    as_interval = inequality_interval(s)
    if as_interval:
        s = as_interval
    pieces = []
    for part in s.split("\\cup"):
        p = re.sub(r"\\(left|right)(?![a-zA-Z])", "", part).strip()
        if len(p) < 5 or p[0] not in "([" or p[-1] not in ")]":
            return None
        ends = split_top(p[1:-1])
        if len(ends) != 2:
            return None
        bounds = []
        for e in ends:
            e = e.replace(" ", "")
            if e in ("\\infty", "+\\infty", "\\infty"):
                bounds.append(INF)
            elif e == "-\\infty":
                bounds.append(-INF)
            else:
                v = scalar(e)
                if v is None or any(abs(x.imag) > 1e-12 for x in v):
                    return None
                bounds.append(round(v[0].real, 9))
        lo, hi = bounds
        if lo >= hi:
            return None
        pieces.append([lo, p[0] == "[" and lo != -INF, hi, p[-1] == "]" and hi != INF])
    pieces.sort(key=lambda q: (q[0], not q[1]))
    merged = []
    for lo, lc, hi, hc in pieces:
        if merged:
            plo, plc, phi, phc = merged[-1]
            if lo < phi or (lo == phi and (phc or lc)):
                if hi > phi:
                    merged[-1] = [plo, plc, hi, hc]
                elif hi == phi:
                    merged[-1] = [plo, plc, phi, phc or hc]
                continue
        merged.append([lo, lc, hi, hc])
    return merged


def matrix_entries(s):
    m = re.fullmatch(r"\s*\\begin\{([pb]matrix)\}(.*)\\end\{\1\}\s*", s, re.S)
    if not m:
        return None
    rows = [r for r in m.group(2).split("\\\\")]
    grid = [[scalar(e) for e in r.split("&")] for r in rows if r.strip()]
    if any(v is None for row in grid for v in row):
        return None
    return grid


def affine(left, right):
    """left - right at the evaluation points, if it is affine in its
    variables (checked at a midpoint), else None."""
    try:
        f = [evaluate(left, env) - evaluate(right, env) for env in POINTS]
        mid = {c: (POINTS[0][c] + POINTS[1][c]) / 2 for c in POINTS[0]}
        fm = evaluate(left, mid) - evaluate(right, mid)
    except Unsupported:
        return None
    if abs(fm - (f[0] + f[1]) / 2) > 1e-9 * max(1, abs(fm)):
        return None
    return f


def affine_form(s):
    """L - R of an equation `L = R`, if affine: then proportional forms are
    exactly the same equation, and non-proportional ones different."""
    sides = s.split("=")
    return affine(*sides) if len(sides) == 2 else None


def equation_values(s):
    sides = s.split("=")
    if len(sides) != 2:
        return None
    lv, rv = values(sides[0]), values(sides[1])
    return None if lv is None or rv is None else [a - b for a, b in zip(lv, rv)]


def proportional(f, g):
    if any(abs(x) < 1e-12 for x in f):
        return None
    r = g[0] / f[0]
    return abs(r) > 1e-12 and all(abs(y - r * x) <= 1e-9 * max(1, abs(y)) for x, y in zip(f, g))


RELATIONS = [("\\leq", "<="), ("\\geq", ">="), ("\\le", "<="), ("\\ge", ">="), ("<", "<"), (">", ">")]


def relations(s):
    """An inequality chain as a sorted list of (values of the positive side,
    strict), or None."""
    parts, ops, i, start = [], [], 0, 0
    while i < len(s):
        for tok, op in RELATIONS:
            if s.startswith(tok, i) and not (tok[-1].isalpha() and s[i + len(tok) : i + len(tok) + 1].isalpha()):
                parts.append(s[start:i])
                ops.append(op)
                i += len(tok)
                start = i
                break
        else:
            i += 1
    parts.append(s[start:])
    if not ops:
        return None
    out = []
    for (left, right), op in zip(zip(parts, parts[1:]), ops):
        lv, rv = values(left), values(right)
        if lv is None or rv is None:
            return None
        pos = [r - l for l, r in zip(lv, rv)] if op in ("<", "<=") else [l - r for l, r in zip(lv, rv)]
        out.append((pos, op in ("<", ">")))
    return out


def relation_is_affine(s):
    """Whether a single relation `L op R` is affine in its variables."""
    sides = re.split(r"<|>|\\[lg]eq?(?![a-zA-Z])", s)
    return len(sides) == 2 and affine(*sides) is not None


def base_number(s):
    m = re.fullmatch(r"\s*([0-9A-Z]+)_\{?(\d+)\}?\s*", s)
    if not m:
        return None
    digits, base = m.group(1), int(m.group(2))
    try:
        return int(digits, base), base
    except ValueError:
        return None


def words(s):
    s = re.sub(r"\\(text|textbf|mathrm|mbox)\{([^{}]*)\}", r"\2", s)
    return re.sub(r"[^a-z0-9]", "", s.lower()) or None


def choice_letters(s):
    """The set of option letters in `(E)`, `\\text{(E)}`, `E` or `\\text{A, C}`."""
    s = s.strip()
    m = re.fullmatch(r"\\text(?:bf)?\{(.*)\}", s)
    if m:
        s = m.group(1)
    letters = [re.sub(r"^\((.)\)$", r"\1", x.strip()) for x in s.split(",")]
    if not all(re.fullmatch(r"[A-H]", x) for x in letters):
        return None
    return frozenset(letters)


def same(category, gold, ans):
    """True if `ans` is the same answer as `gold`, False if it is provably a
    different one, None if this checker cannot tell."""
    strict = _same(category, gold, ans, latex_eval.close)
    if strict:
        return True
    loose = _same(category, gold, ans, latex_eval.loosely_close)
    if strict is False and loose is False:
        return False
    return None


def _same(category, gold, ans, close):
    if category == "set":
        g, a = set_elements(gold), set_elements(ans)
        if g is None or a is None:
            return None
        gv, av = scalars(g), scalars(a)
        if gv is None or av is None:
            return None
        # Equal elements in the gold would make "dropped element" unsound.
        if any(close(x, y) for k, x in enumerate(gv) for y in gv[k + 1 :]):
            return None
        return same_multiset(gv, av, close) if len(gv) == len(av) else False
    if category == "tuple":
        g, a = tuple_elements(gold), tuple_elements(ans)
        if g is None or a is None:
            return None
        gv, av = scalars(g), scalars(a)
        if gv is None or av is None:
            return None
        return len(gv) == len(av) and all(close(x, y) for x, y in zip(gv, av))
    if category == "interval":
        g, a = intervals(gold), intervals(ans)
        return None if g is None or a is None else g == a
    if category == "matrix":
        g, a = matrix_entries(gold), matrix_entries(ans)
        if g is None or a is None:
            return None
        if [len(r) for r in g] != [len(r) for r in a]:
            return False
        return all(close(x, y) for rg, ra in zip(g, a) for x, y in zip(rg, ra))
    if category == "equation":
        # L - R of one a nonzero multiple of the other's: the same equation.
        # Otherwise different only if both are affine (for curves, x^2 = 1
        # and x^4 = 1 have the same real solutions).
        f, g = equation_values(gold), equation_values(ans)
        if f is None or g is None:
            return None
        if proportional(f, g):
            return True
        return False if affine_form(gold) and affine_form(ans) else None
    if category == "inequality":
        g, a = relations(gold), relations(ans)
        if g is None or a is None or len(g) != len(a):
            return None
        for (gp, gs), (ap, as_) in zip(g, a):
            if not close(gp, ap):
                return None
            if gs != as_:
                # A strict and a non-strict version of the same affine,
                # non-constant relation differ on its boundary.
                constant = all(abs(x - gp[0]) < 1e-9 for x in gp)
                return False if len(g) == 1 and not constant and relation_is_affine(gold) else None
        return True
    if category == "base":
        g, a = base_number(gold), base_number(ans)
        return None if g is None or a is None else g == a
    if category == "text":
        g, a = words(gold), words(ans)
        return None if g is None or a is None else g == a
    if category == "choice":
        g, a = choice_letters(gold), choice_letters(ans)
        return None if g is None or a is None else g == a
    (gv, gu), (av, au) = split_units(gold), split_units(ans)
    if gu and au and gu != au:
        return None
    pg, pa = plain_number(strip_decorations(gv)), plain_number(strip_decorations(av))
    if pg is not None and pa is not None:
        # Exact: 11111111100 and 11111111099 are within a float's 1e-9.
        return pg == pa
    g, a = scalar(gv), scalar(av)
    if g is None or a is None:
        return None
    return close(g, a)
