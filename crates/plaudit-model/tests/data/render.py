"""Expected chat-template renderings, for tests/template.rs.

Renders each committed tokenizer_config.json's chat template on a few
conversations with Jinja2 set up as transformers sets it up
(ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, raise_exception,
the special tokens, tools and documents as None, no generation prompt), and
writes renderings.json. Run from this folder: python3 render.py
"""

import json
from pathlib import Path

from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

CONVERSATIONS = {
    "plain": [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "2+2 = 4.\n\nThe answer is **4**."},
    ],
    "system_and_turns": [
        {"role": "system", "content": "  Be brief.  "},
        {"role": "user", "content": "Name a prime."},
        {"role": "assistant", "content": "7"},
        {"role": "user", "content": "Another?"},
        {"role": "assistant", "content": "  11  "},
    ],
    "no_prompt": [
        {"role": "assistant", "content": "Déjà vu: 東京 {braces} {{ not jinja }}"},
    ],
}


def raise_exception(message):
    raise TemplateError(message)


def main():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    out = {}
    for model in sorted(p.name for p in Path(".").iterdir() if p.is_dir()):
        config = json.loads((Path(model) / "tokenizer_config.json").read_text())
        template = env.from_string(config["chat_template"])
        out[model] = {}
        for name, messages in CONVERSATIONS.items():
            out[model][name] = {
                "messages": messages,
                "text": template.render(
                    messages=messages,
                    add_generation_prompt=False,
                    tools=None,
                    documents=None,
                    bos_token=config.get("bos_token"),
                    eos_token=config.get("eos_token"),
                    pad_token=config.get("pad_token"),
                    unk_token=config.get("unk_token"),
                ),
            }
    Path("renderings.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
