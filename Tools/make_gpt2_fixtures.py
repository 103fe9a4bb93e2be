#!/usr/bin/env python3
"""Builds small random-weight GPT-2 models and reference activations for the Swift tests.

For each config below this script
  * creates a GPT-2 with transformers (torch CPU, seeded), re-initialises every parameter with
    values large enough to exercise layernorm, attention and the gelu curvature,
  * rounds the weights to the dtype it is saved in (F16/BF16), so the reference is computed from
    exactly the weights the file holds,
  * saves an HF folder under Tests/Fixtures/gpt2/<name>/ (single file or sharded, with or without
    the `transformer.` key prefix),
  * runs a few token windows through it, each window on its own (positions start at 0), one of
    them n_positions long, and writes under Tests/Fixtures/gpt2/references/:
      <name>.json         {"tokens": [...], "window_lengths": [...]}  (windows concatenated)
      <name>.safetensors  activations.{i} [tokens, n_inner]  = h[i].mlp.act output
                          mlp_input.{i}   [tokens, n_embd]   = h[i].ln_2 output
                          logits          [tokens, vocab]    (LM head tied to wte)
      tiny_logit_lens.json  every neuron's most raised and lowered tokens: row n of c_proj.weight
                          times wteᵀ (Tools/logit_lens_reference.py), for the tiny model

Deterministic and rerunnable: `python3 Tools/make_gpt2_fixtures.py` from the repository root.
"""
import copy
import json
import shutil
from pathlib import Path

import torch
import transformers
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel

from logit_lens_reference import write_logit_lens

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Fixtures" / "gpt2"

VOCAB = 512

# name, config, saved dtype, prefixed keys (save the LM-head model), shard size, window lengths
FIXTURES = [
    ("tiny", dict(n_layer=2, n_embd=32, n_head=4, n_positions=16, n_inner=96),
     torch.float32, False, None, [16, 1, 9, 5]),
    ("f16", dict(n_layer=3, n_embd=48, n_head=4, n_positions=24),
     torch.float16, True, None, [24, 3, 11]),
    ("sharded", dict(n_layer=3, n_embd=48, n_head=2, n_positions=32),
     torch.float32, True, "100KB", [32, 17, 2]),
    ("bf16", dict(n_layer=2, n_embd=64, n_head=1, n_positions=64),
     torch.bfloat16, False, None, [64, 6, 1]),
]


def reinitialise(model, generator):
    """Gives every parameter values of a size that makes each operation matter."""
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            shape = parameter.shape
            if name.endswith("bias"):
                value = 0.1 * torch.randn(shape, generator=generator)
            elif ".ln_" in name or name.startswith("ln_f") or ".ln_f" in name:
                value = 1 + 0.2 * torch.randn(shape, generator=generator)
            elif name.endswith("wte.weight") or name.endswith("wpe.weight"):
                value = 0.5 * torch.randn(shape, generator=generator)
            else:  # Conv1D weights [in, out]
                value = torch.randn(shape, generator=generator) / shape[0] ** 0.5
            parameter.copy_(value)


def build(name, sizes, dtype, prefixed, shard_size, window_lengths, seed):
    config = GPT2Config(vocab_size=VOCAB, bos_token_id=0, eos_token_id=0, **sizes)
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(config).eval()
    generator = torch.Generator().manual_seed(seed)
    reinitialise(model, generator)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(parameter.to(dtype).to(torch.float32))

    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    # Save a copy in the file dtype; the float32 model (holding the same rounded values) makes
    # the reference. GPT2Model has unprefixed keys, GPT2LMHeadModel `transformer.`-prefixed ones
    # (its tied lm_head.weight is not written).
    saved = copy.deepcopy(model if prefixed else model.transformer).to(dtype)
    kwargs = {} if shard_size is None else {"max_shard_size": shard_size}
    saved.save_pretrained(folder, **kwargs)

    tokens = torch.randint(0, VOCAB, (sum(window_lengths),), generator=generator)
    captured = {"activations": {}, "mlp_input": {}}
    hooks = []
    for index, block in enumerate(model.transformer.h):
        hooks.append(block.mlp.act.register_forward_hook(
            lambda _m, _i, out, index=index: captured["activations"].setdefault(index, []).append(out[0])))
        hooks.append(block.ln_2.register_forward_hook(
            lambda _m, _i, out, index=index: captured["mlp_input"].setdefault(index, []).append(out[0])))
    logits = []
    with torch.no_grad():
        start = 0
        for length in window_lengths:
            window = tokens[start:start + length].unsqueeze(0)
            logits.append(model(window).logits[0])
            start += length
    for hook in hooks:
        hook.remove()

    tensors = {"logits": torch.cat(logits).contiguous()}
    for index in range(config.n_layer):
        tensors[f"activations.{index}"] = torch.cat(captured["activations"][index]).contiguous()
        tensors[f"mlp_input.{index}"] = torch.cat(captured["mlp_input"][index]).contiguous()
    references = OUT / "references"
    references.mkdir(parents=True, exist_ok=True)
    save_file(tensors, references / f"{name}.safetensors", metadata={
        "format": "pt", "transformers": transformers.__version__, "torch": torch.__version__})
    (references / f"{name}.json").write_text(json.dumps(
        {"tokens": tokens.tolist(), "window_lengths": window_lengths}) + "\n")
    if name == "tiny":  # Conv1D c_proj.weight is [n_inner, n_embd]: row n is neuron n's direction
        write_logit_lens(references / f"{name}_logit_lens.json",
                         [block.mlp.c_proj.weight for block in model.transformer.h], model.transformer.wte.weight)


def main():
    for seed, fixture in enumerate(FIXTURES, start=1):
        build(*fixture, seed=seed)
    total = sum(path.stat().st_size for path in OUT.rglob("*") if path.is_file())
    print(f"wrote {len(FIXTURES)} fixtures under {OUT.relative_to(ROOT)}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
