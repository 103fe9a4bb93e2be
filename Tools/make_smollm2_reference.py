#!/usr/bin/env python3
"""Reference activations of SmolLM2-135M-Instruct (Q4_1 GGUF) from transformers, for the Llama tests.

transformers loads the GGUF itself (`from_pretrained(dir, gguf_file=...)`): it dequantizes the
same Q4_1/Q8_0 blocks with gguf-py and undoes llama.cpp's Q/K row permutation, then runs its own
Llama code in float32 on the CPU. For a few short texts (no BOS, as SmolLM2 adds none) this
writes, at a few positions of a few layers:

  * the MLP activation: the input of down_proj = silu(gate_proj(x)) * up_proj(x), [1536]
  * the MLP input: the output of post_attention_layernorm, [576]

and, for "The capital of France is", the 20 highest next-token logits (greedy: " Paris").

Tests/Fixtures/smollm2/
  reference.json   texts, token ids, layers, positions, where each vector is in reference.f32,
                   the next-token check
  reference.f32    the vectors, little-endian f32

Token ids come from transformers' tokenizer built from the GGUF, with the pre-tokenizer SmolLM2's
tokenizer.json uses (digits split individually, then byte-level), as in make_tokenizer_fixtures.py.

Get the model with Tools/fetch_smollm2.sh; then: python3 Tools/make_smollm2_reference.py [--gguf PATH]
"""
import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
import torch
import transformers
from tokenizers import pre_tokenizers
from transformers import AutoModelForCausalLM, AutoTokenizer

REPO = Path(__file__).resolve().parent.parent
DEFAULT_GGUF = REPO / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
OUT = REPO / "Tests" / "Fixtures" / "smollm2"

TEXTS = [
    "The capital of France is",
    "First Citizen:\nBefore we proceed any further, hear me speak.",
    "In 1969, 3 astronauts flew 384,400 km to the Moon — and came back!",
]
GREEDY_TEXT = "The capital of France is"
LAYERS = [0, 1, 15, 29]
TOP_LOGITS = 20


def positions_for(length):
    """First, second, middle and last position (distinct, ascending)."""
    return sorted({0, min(1, length - 1), length // 2, length - 1})


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", type=Path, default=DEFAULT_GGUF,
                        help="SmolLM2-135M-Instruct.Q4_1.gguf (get it with Tools/fetch_smollm2.sh)")
    args = parser.parse_args()
    gguf_path = args.gguf.resolve()
    if not gguf_path.is_file():
        raise SystemExit(f"error: {gguf_path} not found; run Tools/fetch_smollm2.sh or pass --gguf PATH")

    torch.manual_seed(0)
    torch.set_num_threads(2)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    tokenizer.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    model = AutoModelForCausalLM.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name,
                                                 dtype=torch.float32)
    model.eval()

    # Hooks keep the last forward's values: down_proj's input and post_attention_layernorm's output.
    captured = {}
    for layer in LAYERS:
        block = model.model.layers[layer]
        block.mlp.down_proj.register_forward_hook(
            lambda module, inputs, output, layer=layer: captured.__setitem__(("activation", layer), inputs[0][0]))
        block.post_attention_layernorm.register_forward_hook(
            lambda module, inputs, output, layer=layer: captured.__setitem__(("mlp_input", layer), output[0]))

    vectors, texts, offset = [], [], 0

    def store(vector):
        nonlocal offset
        vectors.append(vector.detach().numpy().astype("<f4"))
        start = offset
        offset += vector.numel()
        return start

    greedy = None
    for text in TEXTS:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0]
        entries = []
        for layer in LAYERS:
            for position in positions_for(len(ids)):
                entries.append({
                    "layer": layer, "position": position,
                    "activation_offset": store(captured[("activation", layer)][position]),
                    "mlp_input_offset": store(captured[("mlp_input", layer)][position]),
                })
        texts.append({"text": text, "ids": ids, "vectors": entries})
        if text == GREEDY_TEXT:
            last = logits[-1]
            top = torch.topk(last, TOP_LOGITS)
            greedy = {
                "text": text, "ids": ids,
                "next_token_id": int(top.indices[0]),
                "next_token": tokenizer.decode([int(top.indices[0])]),
                "top_ids": [int(i) for i in top.indices],
                "top_logits": [float(v) for v in top.values],
            }

    config = model.config
    reference = {
        "source": f"transformers {transformers.__version__}, torch {torch.__version__}, float32, CPU",
        "model": {"file": gguf_path.name, "sha256": sha256(gguf_path)},
        "activation_definition": "silu(x·W_gate) ⊙ (x·W_up), the input of down_proj",
        "mlp_input_definition": "post_attention_layernorm output",
        "config": {"layers": config.num_hidden_layers, "embedding": config.hidden_size,
                   "neurons": config.intermediate_size, "vocabulary": config.vocab_size,
                   "heads": config.num_attention_heads, "kv_heads": config.num_key_value_heads,
                   "rope_theta": getattr(config, "rope_theta", None) or config.rope_parameters["rope_theta"],
                   "rms_norm_eps": config.rms_norm_eps, "tied_embeddings": config.tie_word_embeddings},
        "layers": LAYERS,
        "texts": texts,
        "greedy": greedy,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "reference.json").write_text(json.dumps(reference, indent=1, ensure_ascii=False) + "\n")
    np.concatenate(vectors).tofile(OUT / "reference.f32")
    print(f"next token after {GREEDY_TEXT!r}: {greedy['next_token']!r} ({greedy['next_token_id']})")
    for name in ("reference.json", "reference.f32"):
        print(f"{(OUT / name).stat().st_size:8d}  {(OUT / name).relative_to(REPO)}")


if __name__ == "__main__":
    main()
