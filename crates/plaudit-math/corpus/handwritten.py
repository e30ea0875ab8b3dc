"""Hand-written rows: known grader errors (category "regression") and inputs
built to hang or crash a grader (category "adversarial").

The regression rows pin mistakes Math-Verify is known to make: near-miss
answers it accepts because it compares tiny or huge numbers with an absolute
tolerance, or equations it compares loosely (false positives, label false),
and equivalent answers it rejects because it cannot parse them (false
negatives, label true). Labels here are by hand, with the reason beside each.
"""


def row(id_, gold, completion, label, variant, category):
    return {
        "id": f"handwritten-{id_}",
        "source": "handwritten",
        "gold": gold,
        "completion": completion,
        "label": label,
        "variant": variant,
        "category": category,
    }


def boxed(ans, lead="Putting the pieces together,"):
    return f"{lead} the answer is $\\boxed{{{ans}}}$."


def handwritten_rows():
    rows = [
        # 2004! and 2006! differ by a factor of 2005 * 2006; both reciprocals
        # are below any float, so an absolute tolerance calls them equal.
        row("factorial-near-miss", "\\frac{1}{2006!}", boxed("\\frac{1}{2004!}"), False, "wrong:factorial_near_miss", "regression"),
        row("factorial-near-miss-slash", "\\frac{1}{2006!}", boxed("1/2004!"), False, "wrong:factorial_near_miss", "regression"),
        # 2^-99 is half of 2^-98.
        row("power-near-miss", "\\frac{1}{2^{98}}", boxed("\\frac{1}{2^{99}}"), False, "wrong:power_near_miss", "regression"),
        row("power-near-miss-slash", "1/2^{98}", boxed("1/2^{99}"), False, "wrong:power_near_miss", "regression"),
        # Two different lines: (0, 13) is on the first and not on the second.
        row("different-lines", "3x-y+13=0", boxed("x+y=1"), False, "wrong:different_equation", "regression"),
        row("different-lines-swapped", "x+y=1", boxed("3x-y+13=0"), False, "wrong:different_equation", "regression"),
        # Plain-text forms of the gold that models write.
        row("plain-pi-over-2", "\\dfrac{\\pi}{2}", boxed("pi/2"), True, "rewrite:plain_text_pi", "regression"),
        row("plain-minus-2-pi", "-2\\pi", boxed("-2*pi"), True, "rewrite:plain_text_pi", "regression"),
        row("python-complex", "14 - i", boxed("14.0 + -1.0i"), True, "rewrite:python_style", "regression"),
        row("text-wrapped-integer", "13", boxed("\\text{13}"), True, "rewrite:text_wrap", "regression"),
        # For n > 0 (the problem's n is a positive integer) these are equal.
        row("sqrt-of-reciprocal", "\\frac{1}{\\sqrt{n}}", boxed("\\sqrt{1/n}"), True, "rewrite:sqrt_of_fraction", "regression"),
        row("reciprocal-of-sqrt", "\\sqrt{\\frac{1}{n}}", boxed("1/\\sqrt{n}"), True, "rewrite:unrationalized", "regression"),
    ]
    tower = "\\dfrac{5^{(5^{(5^{(5^5)})} - 4)} - 5}{16}"
    rows += [
        # The tower has millions of digits; evaluating it hangs a grader.
        row("power-tower", "2", "Iterating the recursion four times gives\n\\[\\boxed{" + tower + "}\\]", False, "wrong:power_tower", "adversarial"),
        row("power-tower-gold", tower, boxed("2"), False, "wrong:power_tower", "adversarial"),
        # 2^(10^10) has three billion digits, and is not 1024.
        row("huge-power", "1024", boxed("2^{10^{10}}"), False, "wrong:huge_power", "adversarial"),
        # 10^10 = 10000000000 exactly: equal, and equally expensive to expand.
        row("huge-power-equal", "2^{10^{10}}", boxed("2^{10000000000}"), True, "rewrite:expanded_exponent", "adversarial"),
        # No answer is ever committed to: the delimiters never close.
        row("unclosed-parens", "2", "The answer is " + "\\(" * 20480, False, "wrong:no_answer", "adversarial"),
        row("many-dollars", "2", "The answer is " + "$" * 40960, False, "wrong:no_answer", "adversarial"),
        row("unclosed-boxes", "2", "\\boxed{" * 5850, False, "wrong:no_answer", "adversarial"),
        row("open-braces", "2", "So the answer is " + "{" * 100000, False, "wrong:no_answer", "adversarial"),
        # 10,000 levels of parentheses around 7 is still 7.
        row("deep-nesting", "7", boxed("(" * 10000 + "7" + ")" * 10000), True, "rewrite:deep_nesting", "adversarial"),
    ]
    return rows
