"""Writes the tiny sequence-classification checkpoints that `model.local`'s
parity tests load, and what transformers computes with them.

Each folder (bert, llama, qwen2, qwen3, deberta) holds a randomly initialized model
in Hugging Face format (config.json, model.safetensors, tokenizer.json) a
few kilobytes large, and fixtures.json holds, per model, texts, their token
ids and the logits transformers' `*ForSequenceClassification` gives them
in one right-padded batch. The models cover the cases the pooling has:

- bert: BERT with a pooler and a 2-label classifier ([CLS] ... [SEP]);
- llama: a 1-label Bradley-Terry head, grouped-query attention, and the
  pad token equal to the end-of-sequence token that ends every input, so
  the score is read at the token before it;
- qwen2: 5 labels (a multi-head reward model), q/k/v biases, a pad token
  of its own, so the score is read at the end-of-sequence token;
- qwen3: per-head q/k norms, a head_dim that is not hidden/heads, and no
  pad token at all, so each text runs alone and the last token counts;
- deberta: DeBERTa-v3 style (disentangled attention with c2p and p2c
  terms over log-bucketed relative positions, shared attention keys, no
  absolute positions), a gelu context pooler and a 1-label head.

Run from the repository root with a venv that has torch, transformers and
tokenizers (target/embed-venv, see docs/models.md):

    target/embed-venv/bin/python crates/plaudit-model/tests/data/local/make_fixtures.py
"""

import json
import os

import tokenizers
import torch
import transformers
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import PreTrainedTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "<eos>"]
WORDS = (
    "the a an is are was of to and in on for with that this it as be by at from or not "
    "answer final question response correct wrong good bad helpful harmful yes no maybe "
    "paris france capital city river cat dog sat mat sun rain weather lovely today "
    "one two three four five six seven eight nine ten plus minus equals times "
    "step first then next finally so therefore because we compute sum total "
    "user assistant system think , . ! ? : ; ( ) = + - * /"
).split()
VOCAB = {t: i for i, t in enumerate(SPECIALS + WORDS)}
EOS = VOCAB["<eos>"]

TEXTS = [
    "the answer is paris",
    "paris is the capital of france .",
    "wrong",
    "",
    "the cat sat on the mat and the dog sat on the sun , so the weather is lovely today !",
    "step one : we compute two plus two . step two : the sum equals four . "
    "therefore the final answer is four .",
    "yes yes yes yes",
    "qwerty unknown words become unk",
]

# Decoders have no position table: a longer text checks the rotary
# embedding far from position 0 (BERT's table here has 64 positions).
LONG = " ".join(WORDS * 5)


def tokenizer(kind):
    tok = Tokenizer(models.WordLevel(VOCAB, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    # Special tokens written in text (by a chat template) are one token.
    tok.add_special_tokens(SPECIALS)
    if kind in ("bert", "deberta"):
        tok.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
        )
    else:
        tok.post_processor = processors.TemplateProcessing(
            single="$A <eos>", special_tokens=[("<eos>", EOS)]
        )
    return tok


def randomize(model, seed):
    """Weights large enough that every layer moves the logits."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1 and ("norm" in name.lower() or "LayerNorm" in name):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))


def build(kind):
    common = dict(vocab_size=len(VOCAB), hidden_size=32, intermediate_size=48, num_hidden_layers=2)
    if kind == "bert":
        config = transformers.BertConfig(
            **common, num_attention_heads=4, max_position_embeddings=64, num_labels=2,
            pad_token_id=0,
        )
        return transformers.BertForSequenceClassification(config)
    if kind == "llama":
        config = transformers.LlamaConfig(
            **common, num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
            num_labels=1, pad_token_id=EOS, eos_token_id=EOS, rms_norm_eps=1e-5,
        )
        return transformers.LlamaForSequenceClassification(config)
    if kind == "qwen2":
        config = transformers.Qwen2Config(
            **common, num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=4096,
            num_labels=5, pad_token_id=0, eos_token_id=EOS, rms_norm_eps=1e-6,
        )
        return transformers.Qwen2ForSequenceClassification(config)
    if kind == "qwen3":
        config = transformers.Qwen3Config(
            **common, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
            max_position_embeddings=4096, num_labels=1, pad_token_id=None, eos_token_id=EOS,
            rms_norm_eps=1e-6,
        )
        return transformers.Qwen3ForSequenceClassification(config)
    if kind == "deberta":
        config = transformers.DebertaV2Config(
            **common, num_attention_heads=4, max_position_embeddings=512, num_labels=1,
            pad_token_id=0, relative_attention=True, pos_att_type=["p2c", "c2p"],
            position_buckets=16, max_relative_positions=-1, norm_rel_ebd="layer_norm",
            share_att_key=True, position_biased_input=False, type_vocab_size=0,
            pooler_hidden_size=32, pooler_hidden_act="gelu", hidden_act="gelu",
        )
        return transformers.DebertaV2ForSequenceClassification(config)
    raise ValueError(kind)


# The llama folder also has a chat template, and fixtures.json the logits of
# conversations rendered and tokenized as transformers' apply_chat_template
# does (no special tokens added by the tokenizer: the template writes them).
CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }} : {{ m['content'] }} <eos> {% endfor %}"
    "{% if add_generation_prompt %}assistant :{% endif %}"
)
CHATS = [
    [{"role": "user", "content": "what is the capital of france ?"},
     {"role": "assistant", "content": "paris is the capital ."}],
    [{"role": "system", "content": "be helpful"},
     {"role": "user", "content": "two plus two ?"},
     {"role": "assistant", "content": "four"}],
]


def main():
    torch.manual_seed(0)
    torch.set_grad_enabled(False)
    out = {
        "generated_by": "make_fixtures.py",
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "tokenizers": tokenizers.__version__,
        "models": {},
    }
    for seed, kind in enumerate(["bert", "llama", "qwen2", "qwen3", "deberta"]):
        d = os.path.join(HERE, kind)
        os.makedirs(d, exist_ok=True)
        model = build(kind).eval()
        randomize(model, seed + 1)
        model.save_pretrained(d, safe_serialization=True)
        tok = tokenizer(kind)
        tok.save(os.path.join(d, "tokenizer.json"))
        fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]")
        texts = TEXTS if kind == "bert" else TEXTS + [LONG]
        ids = [fast(t)["input_ids"] for t in texts]
        if model.config.pad_token_id is None:
            logits = [model(torch.tensor([i])).logits[0].tolist() for i in ids]
        else:
            pad = model.config.pad_token_id
            n = max(len(i) for i in ids)
            batch = torch.tensor([i + [pad] * (n - len(i)) for i in ids])
            mask = torch.tensor([[1] * len(i) + [0] * (n - len(i)) for i in ids])
            logits = model(input_ids=batch, attention_mask=mask).logits.tolist()
        out["models"][kind] = [
            {"text": t, "ids": i, "logits": l} for t, i, l in zip(texts, ids, logits)
        ]
        if kind == "llama":
            with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
                json.dump({"chat_template": CHAT_TEMPLATE, "eos_token": "<eos>",
                           "pad_token": "<eos>"}, f, indent=1)
                f.write("\n")
            fast.chat_template = CHAT_TEMPLATE
            chats = []
            for messages in CHATS:
                ids = fast.apply_chat_template(messages, tokenize=True, return_dict=False)
                logits = model(torch.tensor([ids])).logits[0].tolist()
                chats.append({"messages": messages, "ids": ids, "logits": logits})
            out["chats"] = chats
    with open(os.path.join(HERE, "fixtures.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", ", ".join(out["models"]))


if __name__ == "__main__":
    main()
