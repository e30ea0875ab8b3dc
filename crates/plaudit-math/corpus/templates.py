"""Model-style completions around an answer.

The wrappers imitate what graders meet in RL rollouts: chain of thought then
\\boxed{}, R1-style <think> blocks (with an earlier, abandoned \\boxed{}
inside), the Minerva "Final Answer: The final answer is $X$. I hope it is
correct.", DAPO's last line "Answer: X", GSM8K's "#### X", and a box followed
by a check that mentions other numbers. The reasoning is taken from the data
set's own solution, so the text around the answer is real math prose.
"""

import re

# What would make an extractor find a second answer in the reasoning.
ANSWER_MARKERS = re.compile(r"####|final answer|^\s*\**answer\**\s*:|\\boxed|\\fbox|<think>|</think>", re.I | re.M)


def strip_boxes(text):
    """Replaces every \\boxed{X} with X (the reasoning must not hold a box)."""
    while True:
        at = text.find("\\boxed{")
        if at < 0:
            return text
        depth, j = 0, at + len("\\boxed")
        for j in range(at + len("\\boxed"), len(text)):
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
        else:
            return text[:at]
        text = text[:at] + text[at + len("\\boxed{") : j] + text[j + 1 :]


def balanced(text):
    return (
        text.count("$") % 2 == 0
        and text.count("\\[") == text.count("\\]")
        and text.count("\\(") == text.count("\\)")
        and text.count("{") == text.count("}")
        and text.count("\\begin") == text.count("\\end")
    )


def reasoning_from_solution(solution, limit=320):
    """The first sentences of a MATH solution (at most `limit` characters),
    without diagrams or boxes; empty if no clean cut exists."""
    text = re.sub(r"\[asy\].*?\[/asy\]", "", solution, flags=re.S)
    text = strip_boxes(text)
    out = ""
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        if len(out) + len(sentence) > limit:
            break
        candidate = f"{out} {sentence}".strip()
        if balanced(candidate) and not ANSWER_MARKERS.search(candidate):
            out = candidate
        elif not out:
            continue
        else:
            break
    return out


def reasoning_from_gsm8k(answer, lines=3):
    """The first lines of a GSM8K solution, without calculator annotations."""
    body = re.sub(r"<<[^>]*>>", "", answer.split("####")[0])
    kept = [line for line in body.strip().splitlines() if not ANSWER_MARKERS.search(line)]
    return "\n".join(kept[:lines])


def plain_number(ans):
    return re.fullmatch(r"-?[\d,]*\.?\d+", ans) is not None


def completion(ans, reasoning, source, distractor, rng):
    reasoning = reasoning or "Let's work through the problem step by step."
    in_math = "$" not in ans
    math = f"${ans}$" if in_math else ans
    if distractor.strip() == ans.strip() or "$" in distractor:
        distractor = "0" if ans.strip() != "0" else "1"
    a, b = rng.randint(2, 40), rng.randint(2, 40)
    templates = {
        "cot_boxed": (3, f"{reasoning}\n\nTherefore, the final answer is $\\boxed{{{ans}}}$."),
        "cot_boxed_display": (1, f"{reasoning}\n\nSo the answer is\n\\[\n\\boxed{{{ans}}}\n\\]"),
        "cot_boxed_bare": (1, f"{reasoning}\n\nThe answer is \\boxed{{{ans}}}."),
        "think_boxed": (
            2,
            f"<think>\n{reasoning}\nWait, earlier I wrote $\\boxed{{{distractor}}}$, but that dropped a case. "
            f"Let me redo it.\n</think>\n\nWorking it through carefully, the answer is $\\boxed{{{ans}}}$.",
        ),
        "think_answer_line": (
            1,
            f"<think>\n{reasoning}\nIs it ${distractor}$? No, that contradicts the second condition.\n</think>\n\n"
            f"Answer: {math}",
        ),
        "minerva": (2, f"{reasoning}\nFinal Answer: The final answer is {math}. I hope it is correct."),
        "dapo": (1, f"{reasoning}\n\nAnswer: {math if rng.random() < 0.5 else ans}"),
        "bold_answer": (1, f"{reasoning}\n\n**Answer:** {math}"),
        "boxed_then_check": (
            2,
            f"{reasoning}\n\n$$\\boxed{{{ans}}}$$\n\nCheck: with ${a} + {b} = {a + b}$ steps in the setup, "
            f"the count above is consistent.",
        ),
    }
    if plain_number(ans):
        templates["gsm8k_hashes"] = (4 if source == "gsm8k" else 1, f"{reasoning}\n#### {ans}")
    if not in_math:
        # An answer with `\$` in it would close the `$…$` early.
        templates = {k: v for k, v in templates.items() if k in ("cot_boxed_bare", "cot_boxed_display")}
    names = sorted(templates)
    weights = [templates[n][0] for n in names]
    return templates[rng.choices(names, weights)[0]][1]
