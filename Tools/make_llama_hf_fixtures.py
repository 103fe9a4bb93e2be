#!/usr/bin/env python3
"""Writes random-weight Llama, Qwen2 and Mistral HF folders and transformers' activations.

For each architecture a tiny config (hidden 64, 2 layers, 4 query heads sharing 2 key/value
heads, 128 MLP neurons, vocabulary 320) with seeded random weights, saved by transformers'
save_pretrained as float32 safetensors (Llama sharded into several files) under
Tests/Fixtures/llama-hf/<name>/. Llama and Qwen2 get a byte-level BPE tokenizer.json with
their pre-tokenizer (Llama 3's split regex and ignore_merges; Qwen2's regex), trained here on
the first half of the Shakespeare excerpt. Under Tests/Fixtures/llama-hf/references/:
  <name>_tokenizer_cases.json  [{"text", "ids"}] from transformers' fast tokenizer, on the
                       held-out second half and on hand-picked strings
  <name>.json          {"tokens": [...], "window_lengths": [...]}
  <name>.safetensors   activations.{i} [tokens, intermediate]  = act_fn(gate_proj(x)) * up_proj(x)
                       mlp_input.{i}   [tokens, hidden]        = post_attention_layernorm output
                       logits          [tokens, vocab]
Each window runs alone from position 0, as Neurodex batches them. Offline: needs torch,
transformers, tokenizers and safetensors only.
"""
import json
import pathlib

import torch
from safetensors.torch import save_file
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM,
                          PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM)

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/Fixtures/llama-hf"
COMMON = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, vocab_size=320, max_position_embeddings=64,
              bos_token_id=1, eos_token_id=2)

MODELS = {
    # Untied head, rope base 10,000, sharded checkpoint.
    "llama": (LlamaConfig, LlamaForCausalLM,
              dict(rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False), "150KB"),
    # q/k/v biases, tied head, rope base 1e6.
    "qwen2": (Qwen2Config, Qwen2ForCausalLM,
              dict(rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True), None),
    # A sliding window longer than the context: plain causal attention.
    "mistral": (MistralConfig, MistralForCausalLM,
                dict(rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False,
                     sliding_window=4096), None),
}


LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = LLAMA3_PATTERN.replace(r"\p{N}{1,3}", r"\p{N}")
TOKENIZERS = {"llama": (LLAMA3_PATTERN, True), "qwen2": (QWEN2_PATTERN, False)}
EXCERPT = (OUT.parent / "tokenizer/shakespeare_excerpt.txt").read_text()
TRICKY = ["He'S here, THEY'RE 'Ll go'd", "12345678 x1234 3.14159 ٣٤٥ ½",
          "line one\n\n\tline two\r\n  indented   \n", "naïve café — «quoted» 日本語のテキスト 😀👍🏽",
          "  leading and trailing  ", "a\u00a0b\u3000c", "!!!\n\n???...\n", "<|begin_of_text|>Hi<|end_of_text|>"]


def write_tokenizer(name, folder):
    pattern, ignore_merges = TOKENIZERS[name]
    tokenizer = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tokenizer.decoder = decoders.ByteLevel()
    lines = EXCERPT.split("\n")
    trainer = trainers.BpeTrainer(vocab_size=COMMON["vocab_size"], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=["<|begin_of_text|>", "<|end_of_text|>"])
    tokenizer.train_from_iterator(lines[: len(lines) // 2], trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<|begin_of_text|>",
                                   eos_token="<|end_of_text|>")
    fast.save_pretrained(folder)
    held_out = "\n".join(lines[len(lines) // 2:])
    texts = [held_out] + [line for line in lines[len(lines) // 2:] if line.strip()][:20] + TRICKY
    cases = [{"text": text, "ids": fast.encode(text, add_special_tokens=False)} for text in texts]
    (OUT / "references" / f"{name}_tokenizer_cases.json").write_text(json.dumps(cases, ensure_ascii=False, indent=0) + "\n")


def main():
    for seed, (name, (config_class, model_class, extra, shard)) in enumerate(MODELS.items()):
        torch.manual_seed(100 + seed)
        config = config_class(**COMMON, **extra)
        config._attn_implementation = "eager"
        model = model_class(config).eval()
        with torch.no_grad():
            for parameter_name, parameter in model.named_parameters():
                if "norm" in parameter_name:
                    parameter.copy_(1 + 0.1 * torch.randn_like(parameter))
                else:
                    parameter.copy_(0.08 * torch.randn_like(parameter))
        folder = OUT / name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("model*.safetensors*"):
            old.unlink()
        model.save_pretrained(folder, safe_serialization=True, **({"max_shard_size": shard} if shard else {}))
        (OUT / "references").mkdir(parents=True, exist_ok=True)
        if name in TOKENIZERS:
            write_tokenizer(name, folder)

        generator = torch.Generator().manual_seed(7 + seed)
        window_lengths = [12, 1, 7, 20]
        windows = [torch.randint(0, COMMON["vocab_size"], (n,), generator=generator) for n in window_lengths]
        layers = COMMON["num_hidden_layers"]
        captured = {f"activations.{i}": [] for i in range(layers)} | {f"mlp_input.{i}": [] for i in range(layers)}
        logits = []
        for window in windows:
            hooks = []
            for i, layer in enumerate(model.model.layers):
                def keep(module, inputs, i=i):
                    captured[f"activations.{i}"].append(inputs[0][0].detach().clone())
                def keep_input(module, inputs, i=i):
                    captured[f"mlp_input.{i}"].append(inputs[0][0].detach().clone())
                hooks.append(layer.mlp.down_proj.register_forward_pre_hook(keep))
                hooks.append(layer.mlp.register_forward_pre_hook(keep_input))
            with torch.no_grad():
                logits.append(model(window[None, :]).logits[0])
            for hook in hooks:
                hook.remove()
        tensors = {key: torch.cat(values).contiguous() for key, values in captured.items()}
        tensors["logits"] = torch.cat(logits).contiguous()
        references = OUT / "references"
        references.mkdir(parents=True, exist_ok=True)
        save_file(tensors, references / f"{name}.safetensors")
        (references / f"{name}.json").write_text(json.dumps(
            {"tokens": torch.cat(windows).tolist(), "window_lengths": window_lengths}) + "\n")


if __name__ == "__main__":
    main()
