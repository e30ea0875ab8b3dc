"""What kind of answer a gold answer is.

`categorize(gold, problem)` names the category a corpus row reports, and
picks which transforms in transforms.py apply. It looks at the answer's
shape and, where the shape alone is ambiguous, at the problem text: `28` is
a degree measure when the problem asks "in degrees", `1, 3` is a set when it
says "separated by commas". The shape patterns here are shared with
transforms.py, which parses answers with them.
"""

import re

from answers import THOUSANDS, has_variable, plain_number, split_top, split_units, tuple_elements
from latex_eval import values


INT_RE = re.compile(r"-?\d+")
DIGITS = r"(?:\{(\d+)\}|(\d))"
FRACTION_RE = re.compile(rf"(-?)\\[dtc]?frac\s*{DIGITS}\s*{DIGITS}")
SLASH_RE = re.compile(r"(-?)(\d+)/(\d+)")
RADICAL_RE = re.compile(rf"(-?)(\d*)\s*\\sqrt\s*{DIGITS}")
RADICAL_FRAC_RE = re.compile(rf"(-?)\\[dt]?frac\{{(\d*)\s*\\sqrt\s*{DIGITS}\}}\s*{DIGITS}")
PI_RE = re.compile(r"(-?)(\d*)\s*\\pi")
PI_FRAC_RE = re.compile(rf"(-?)\\[dt]?frac\{{(\d*)\s*\\pi\}}\s*{DIGITS}")
COMPLEX_RE = re.compile(r"(-?\d+)\s*([+-])\s*(\d*)\s*i")
DEGREE_RE = re.compile(r"(-?\d+(?:\.\d+)?)\s*\^\s*(?:\\circ|\{\\circ\})")
PERCENT_RE = re.compile(r"(-?\d+(?:\.\d+)?)\s*\\%")
BASE_RE = re.compile(r"([0-9A-Z]+)_(\{?)(\d+)\}?")
CHOICE_RE = re.compile(r"\\text\{\(([A-H])\)\}|\(([A-H])\)|\\text\{([A-H])\}|\\textbf\{\(([A-H])\)\}|([A-H])")
LETTERS_RE = re.compile(r"\\text\{([A-H](?:,\s*[A-H])+)\}")
TEXT_RE = re.compile(r"\\text\{([A-Za-z][A-Za-z ]*)\}")
CHOICE_PROBLEM = re.compile(r"\(A\)|\bA\)|\$A\$, \$B\$|\(A, B, C|A, B, C, D")
PERCENT_PROBLEM = re.compile(r"\b(what|which) percent(age)?\b|\bas a percent(age)?\b|\bby what percent\b", re.I)
NO_PERCENT_SIGN = re.compile(r"(not|without) (include |including |using )?the percent sign", re.I)
DEGREE_PROBLEM = re.compile(r"in degrees|degree measure|how many degrees|number of degrees", re.I)
SET_PROBLEM = re.compile(
    r"separated by commas|enter all|all (the )?(possible )?(real |integer |complex )?(values|solutions|roots)", re.I
)
ORDERED_PROBLEM = re.compile(r"\border\b", re.I)
# The question, as the last sentence of the problem, asks for one variable.
VARIABLE_QUESTION = re.compile(
    r"(?:(?:What|what) is (?:the )?(?:(?:smallest|largest|least|greatest|positive|integer|possible) )*(?:value of )?"
    r"\$([a-z])\$(?: equal to)?\?"
    r"|(?:Find|Compute|Determine) (?:the )?(?:(?:smallest|largest|least|greatest|positive|integer|possible) )*"
    r"(?:value of )?\$([a-z])\$(?:[.,]| if | such that | when )"
    r"|Solve for \$([a-z])\$"
    r"|For what value of \$([a-z])\$)"
)
RELATION = re.compile(r"<|>|\\[lg]eq?(?![a-zA-Z])")


def digits(m, k):
    """The integer of a DIGITS group pair starting at group k."""
    return int(m.group(k) or m.group(k + 1))


def asked_variable(problem):
    """The variable the problem's last sentence asks for, if it asks for
    exactly one (not "the sum of the possible values of $c$")."""
    question = re.split(r"(?<=[.?!])\s+", re.sub(r"\[asy\].*?\[/asy\]", "", problem, flags=re.S).strip())[-1]
    m = VARIABLE_QUESTION.match(question)
    if not m or re.search(r"\b(sum|product|difference|total|average|mean|values)\b", question):
        return None
    return next(x for x in m.groups() if x)


def categorize(gold, problem):
    g = gold.strip()
    value, unit = split_units(g)
    if unit:
        return "other"
    if "matrix}" in g:
        return "matrix"
    if LETTERS_RE.fullmatch(g) and "letter" in problem:
        return "choice"
    if CHOICE_RE.fullmatch(g) and CHOICE_PROBLEM.search(problem):
        return "choice"
    if BASE_RE.fullmatch(g):
        return "base"
    if PERCENT_RE.fullmatch(g):
        return "percent"
    if DEGREE_RE.fullmatch(g) or (re.fullmatch(r"\d+", g) and DEGREE_PROBLEM.search(problem)):
        return "degree"
    if re.fullmatch(r"\d+(\.\d+)?", g) and PERCENT_PROBLEM.search(problem) and not NO_PERCENT_SIGN.search(problem):
        return "percent"
    if "\\infty" in g or "\\cup" in g or re.fullmatch(r"(\\left)?\(.*\](\\right)?|(\\left)?\[.*\)(\\right)?", g):
        return "interval"
    if "interval notation" in problem and re.fullmatch(r"[(\[].*,.*[)\]]", g):
        return "interval"
    m = re.fullmatch(r"([a-z])\s*=\s*([^=]+)", g)
    if m and not has_variable(m.group(2)) and values(m.group(2)) is not None:
        # `x=5` is a number with a name: categorize what is named.
        return categorize(m.group(2), problem)
    if g.count("=") == 1 and not RELATION.search(g):
        return "equation"
    if RELATION.search(g):
        return "inequality"
    if g.startswith("\\{") or "\\pm" in g:
        return "set"
    elems = tuple_elements(g)
    if elems is not None and len(elems) >= 2:
        return "tuple"
    if len(split_top(g)) > 1 and not THOUSANDS.fullmatch(g):
        if SET_PROBLEM.search(problem) and not ORDERED_PROBLEM.search(problem):
            return "set"
        return "other"
    if TEXT_RE.fullmatch(g):
        return "text"
    if INT_RE.fullmatch(g) or THOUSANDS.fullmatch(g):
        return "integer"
    if plain_number(g) is not None:
        return "decimal"
    if FRACTION_RE.fullmatch(g) or SLASH_RE.fullmatch(g):
        return "fraction"
    if COMPLEX_RE.fullmatch(g) or re.fullmatch(r"-?\d*i", g):
        return "complex"
    vals = values(g)
    if vals is None:
        return "other"
    if re.search(r"[a-zA-Z]", re.sub(r"\\[a-zA-Z]+", "", g)):
        return "expression"
    if "\\pi" in g:
        return "pi"
    if "\\sqrt" in g:
        return "radical"
    return "other"
