"""Shared fixtures: the repository's example spec and small specs written
for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SHARED_MATH = ROOT.parent / "shared" / "data" / "math"

MATH = """name = "math"

[[aspect]]
name = "correct"
kind = "math.equivalent"
"""

# Three aspects with different policies: a gate, a skipped aspect, a fail one.
GATED = """name = "gated"

[[aspect]]
name = "format"
kind = "format.tags"
weight = 0.2

[[aspect]]
name = "correct"
kind = "math.equivalent"
extract = ["answer_tag"]
requires = "format"

[[aspect]]
name = "overlong"
kind = "length.overlong"
unit = "words"
max_length = 40
buffer = 10
"""


@pytest.fixture(scope="session")
def example_spec() -> Path:
    return ROOT / "examples" / "math-grpo.toml"


@pytest.fixture()
def math_spec(tmp_path: Path) -> Path:
    p = tmp_path / "math.toml"
    p.write_text(MATH)
    return p


GOOD = "<think>2+2 is 4</think>\n<answer>4</answer>"
WRONG = "<think>2+2 is 5</think>\n<answer>5</answer>"
UNTAGGED = "The answer is 4."
