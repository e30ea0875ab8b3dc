"""Builds the small BPE tokenizer fixture `tokenizer.json` used by the tests.

A byte-level BPE (vocabulary 2000) trained on the questions of GSM8K's test
split, so that token counts in the tests are those of a real Hugging Face
tokenizer, computed by the same `tokenizers` library the Python trainers use.

    python -m venv venv && venv/bin/pip install tokenizers
    venv/bin/python make_tokenizer.py ../../../../../shared/data/math/gsm8k_test.jsonl

The script prints the token counts of the strings the Rust tests pin
(`length::tests::token_counts_match_python`); if the fixture is regenerated,
update the numbers there from this output.
"""

import json
import pathlib
import sys

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

HERE = pathlib.Path(__file__).resolve().parent

# The strings whose counts the Rust tests pin, with special tokens off.
PROBES = [
    "",
    "Janet has 16 eggs.",
    "How many dollars does she make every day at the farmers' market?",
    "<think>2 + 2 = 4</think><answer>4</answer>",
    "Ünïcödé ✓ 数学 🙂",
    "   spaces   and\nnewlines\t",
]


def main() -> None:
    data = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else (
        HERE.parents[4] / "shared" / "data" / "math" / "gsm8k_test.jsonl"
    )
    with data.open(encoding="utf-8") as f:
        questions = [json.loads(line)["question"] for line in f if line.strip()]

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=2000,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(questions, trainer=trainer)
    tokenizer.save(str(HERE / "tokenizer.json"))

    reloaded = Tokenizer.from_file(str(HERE / "tokenizer.json"))
    for probe in PROBES:
        count = len(reloaded.encode(probe, add_special_tokens=False).ids)
        print(f"{count:4d}  {probe!r}")


if __name__ == "__main__":
    main()
