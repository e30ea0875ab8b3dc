"""OpenRLHF's `--remote_rm_url reward_func.py` convention: OpenRLHF calls
`reward_func(queries, prompts, labels)` positionally, where each query is
the prompt followed by the response with its special tokens, and reads
`rewards`, `scores` and `extra_logs` of length N."""

from __future__ import annotations

from pathlib import Path

import pytest

import plaudit
import plaudit.openrlhf
from conftest import GATED, GOOD, UNTAGGED, WRONG

PROMPT = "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n"


@pytest.fixture()
def spec(tmp_path: Path) -> Path:
    p = tmp_path / "gated.toml"
    p.write_text(GATED)
    return p


def test_reward_func_strips_prompt_and_end_of_turn(spec: Path, monkeypatch) -> None:
    monkeypatch.setenv("PLAUDIT_SPEC", str(spec))
    queries = [PROMPT + GOOD + "<|im_end|>\n<|endoftext|>", PROMPT + WRONG + "<|im_end|>", PROMPT + UNTAGGED]
    out = plaudit.openrlhf.reward_func(queries, [PROMPT] * 3, ["4", "4", "4"])
    assert set(out) == {"rewards", "scores", "extra_logs"}
    assert out["rewards"] == pytest.approx([1.2, 0.2, 0.0])
    assert out["scores"] == out["rewards"]
    logs = out["extra_logs"]
    assert set(logs) == {"format", "correct", "overlong", "plaudit/reward_missing", "plaudit/aspects_not_scored"}
    assert all(len(v) == 3 for v in logs.values())
    assert logs["correct"] == [1.0, 0.0, 0.0]
    assert logs["plaudit/aspects_not_scored"] == [0.0, 0.0, 1.0]


def test_missing_rewards_get_the_fill_and_are_logged(tmp_path: Path) -> None:
    p = tmp_path / "m.toml"
    p.write_text('name = "m"\n[[aspect]]\nname = "c"\nkind = "math.equivalent"\n')
    f = plaudit.openrlhf.make_reward_func(str(p), missing_reward=-0.5)
    out = f(["q \\boxed{4}", "q \\boxed{4}"], ["q", "q"], ["4", None])
    assert out["rewards"] == [1.0, -0.5]
    assert out["extra_logs"]["plaudit/reward_missing"] == [0.0, 1.0]


def test_shape_errors(spec: Path) -> None:
    f = plaudit.openrlhf.make_reward_func(str(spec))
    with pytest.raises(plaudit.SampleError, match="does not start with `prompts\\[1\\]`"):
        f(["p a", "x b"], ["p", "p"], None)
    with pytest.raises(plaudit.SampleError, match="`labels` has 1"):
        f(["p a", "p b"], ["p", "p"], ["4"])


def test_a_reward_file_of_one_line(spec: Path, tmp_path: Path, monkeypatch) -> None:
    # What OpenRLHF does with --remote_rm_url: import the file, take reward_func.
    import importlib.util

    monkeypatch.setenv("PLAUDIT_SPEC", str(spec))
    f = tmp_path / "reward_func.py"
    f.write_text("from plaudit.openrlhf import reward_func\n")
    s = importlib.util.spec_from_file_location("reward_func", f)
    mod = importlib.util.module_from_spec(s)
    s.loader.exec_module(mod)
    assert mod.reward_func([PROMPT + GOOD], [PROMPT], ["4"])["rewards"] == [1.2]
