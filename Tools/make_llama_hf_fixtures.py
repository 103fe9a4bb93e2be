#!/usr/bin/env python3
"""Writes random-weight Llama, Qwen2 and Mistral HF folders and transformers' activations.

For each architecture a tiny config (hidden 64, 2 layers, 4 query heads sharing 2 key/value
heads, 128 MLP neurons, vocabulary 320) with seeded random weights, saved by transformers'
save_pretrained as float32 safetensors (Llama sharded into several files) under
Tests/Fixtures/llama-hf/<name>/. Llama and Qwen2 get a byte-level BPE tokenizer.json with
their pre-tokenizer (Llama 3's split regex and ignore_merges; Qwen2's regex), trained here on
the first half of the Shakespeare excerpt. Mistral (vocabulary 513) gets a SentencePiece-style
tokenizer.json with byte fallback and Mistral 7B v0.1's normalizer, and "llama31" (a Llama
with Llama 3.1's rope scaling, original_max_position_embeddings 64 so that the scaled and
interpolated frequencies act within its 150-token window, vocabulary 513) one with the
Metaspace pre-tokenizer (prepend_scheme "first"), both from Tools/make_sentencepiece_fixtures.py.
Under Tests/Fixtures/llama-hf/references/:
  <name>_tokenizer_cases.json  [{"text", "ids"}] from transformers' fast tokenizer, on the
                       held-out second half and on hand-picked strings
  <name>.json          {"tokens": [...], "window_lengths": [...]}
  <name>.safetensors   activations.{i} [tokens, intermediate]  = act_fn(gate_proj(x)) * up_proj(x)
                       mlp_input.{i}   [tokens, hidden]        = post_attention_layernorm output
                       logits          [tokens, vocab]
  llama_logit_lens.json  every neuron's most raised and lowered tokens: column n of down_proj.weight
                       times lm_headᵀ (Tools/logit_lens_reference.py)
Each window runs alone from position 0, as Neurodex batches them. The llama31 model is also
written as Tests/Fixtures/llama/llama31.gguf (F32, W_q and W_k rows permuted as llama.cpp's
converter does, Llama 3.1's scaling as its `rope_freqs.weight` tensor of frequency divisors),
which the tests check against the same references. Offline: needs torch, transformers,
tokenizers, safetensors and gguf only.
"""
import json
import math
import pathlib

import gguf

import torch
from safetensors.torch import save_file
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM,
                          PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM)

import make_sentencepiece_fixtures
from logit_lens_reference import write_logit_lens

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
                     sliding_window=4096, vocab_size=513), None),
    # Llama 3.1 rope scaling. Head size 16: wavelengths 6.3, 20, 63, 199, … tokens, so with an
    # original context of 64 the first is kept, the next two interpolated, the rest divided by 8.
    "llama31": (LlamaConfig, LlamaForCausalLM,
                dict(rms_norm_eps=1e-5, tie_word_embeddings=False, vocab_size=513, max_position_embeddings=160,
                     rope_parameters=dict(rope_type="llama3", rope_theta=10000.0, factor=8.0, low_freq_factor=1.0,
                                          high_freq_factor=4.0, original_max_position_embeddings=64)), None),
}
WINDOW_LENGTHS = {"llama31": [150, 9, 37]}


LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = LLAMA3_PATTERN.replace(r"\p{N}{1,3}", r"\p{N}")
TOKENIZERS = {"llama": (LLAMA3_PATTERN, True), "qwen2": (QWEN2_PATTERN, False)}
SENTENCEPIECE_TOKENIZERS = {"mistral": "legacy", "llama31": "first"}
EXCERPT = (OUT.parent / "tokenizer/shakespeare_excerpt.txt").read_text()
TRICKY = ["He'S here, THEY'RE 'Ll go'd", "12345678 x1234 3.14159 ٣٤٥ ½",
          "line one\n\n\tline two\r\n  indented   \n", "naïve café — «quoted» 日本語のテキスト 😀👍🏽",
          "  leading and trailing  ", "a\u00a0b\u3000c", "!!!\n\n???...\n", "<|begin_of_text|>Hi<|end_of_text|>"]


def write_cases(name, fast):
    lines = EXCERPT.split("\n")
    held_out = "\n".join(lines[len(lines) // 2:])
    texts = [held_out] + [line for line in lines[len(lines) // 2:] if line.strip()][:20] + TRICKY
    cases = [{"text": text, "ids": fast.encode(text, add_special_tokens=False)} for text in texts]
    (OUT / "references" / f"{name}_tokenizer_cases.json").write_text(json.dumps(cases, ensure_ascii=False, indent=0) + "\n")


def write_tokenizer(name, folder):
    if name in SENTENCEPIECE_TOKENIZERS:
        tokenizer = make_sentencepiece_fixtures.build_tokenizer(SENTENCEPIECE_TOKENIZERS[name])
        write_cases(name, make_sentencepiece_fixtures.save(tokenizer, folder))
        return
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
    write_cases(name, fast)


def rope_frequency_factors(config):
    """llama.cpp convert_hf_to_gguf.py's `rope_freqs` for rope_type "llama3": the divisor of
    each inverse frequency."""
    rope = config.rope_parameters
    dim = config.head_dim
    freqs = 1.0 / (rope["rope_theta"] ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    context = rope["original_max_position_embeddings"]
    low_wavelength, high_wavelength = context / rope["low_freq_factor"], context / rope["high_freq_factor"]
    factors = []
    for freq in freqs.tolist():
        wavelength = 2 * math.pi / freq
        if wavelength < high_wavelength:
            factors.append(1.0)
        elif wavelength > low_wavelength:
            factors.append(rope["factor"])
        else:
            smooth = (context / wavelength - rope["low_freq_factor"]) / (rope["high_freq_factor"] - rope["low_freq_factor"])
            factors.append(1 / ((1 - smooth) / rope["factor"] + smooth))
    return torch.tensor(factors, dtype=torch.float32)


def write_gguf(model, path):
    """`model` as llama.cpp's converter writes a Llama 3.1 GGUF, all tensors F32."""
    config = model.config

    def permute(weights, heads):  # convert_hf_to_gguf.py's LlamaModel.permute
        return (weights.reshape(heads, 2, weights.shape[0] // heads // 2, *weights.shape[1:])
                .swapaxes(1, 2).reshape(weights.shape))

    writer = gguf.GGUFWriter(str(path), arch="llama", use_temp_file=False)
    writer.add_name("tiny random llama 3.1")
    writer.add_block_count(config.num_hidden_layers)
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_rope_dimension_count(config.head_dim)
    writer.add_rope_freq_base(config.rope_parameters["rope_theta"])
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_vocab_size(config.vocab_size)
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list([f"<t{i}>" for i in range(config.vocab_size)])
    writer.add_token_merges([])
    tensors = {"token_embd.weight": model.model.embed_tokens.weight, "rope_freqs.weight": rope_frequency_factors(config)}
    for i, layer in enumerate(model.model.layers):
        attention, mlp = layer.self_attn, layer.mlp
        tensors |= {
            f"blk.{i}.attn_norm.weight": layer.input_layernorm.weight,
            f"blk.{i}.attn_q.weight": permute(attention.q_proj.weight, config.num_attention_heads),
            f"blk.{i}.attn_k.weight": permute(attention.k_proj.weight, config.num_key_value_heads),
            f"blk.{i}.attn_v.weight": attention.v_proj.weight,
            f"blk.{i}.attn_output.weight": attention.o_proj.weight,
            f"blk.{i}.ffn_norm.weight": layer.post_attention_layernorm.weight,
            f"blk.{i}.ffn_gate.weight": mlp.gate_proj.weight,
            f"blk.{i}.ffn_up.weight": mlp.up_proj.weight,
            f"blk.{i}.ffn_down.weight": mlp.down_proj.weight,
        }
    tensors |= {"output_norm.weight": model.model.norm.weight, "output.weight": model.lm_head.weight}
    for name, tensor in tensors.items():
        writer.add_tensor(name, tensor.detach().to(torch.float32).numpy())
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main():
    for seed, (name, (config_class, model_class, extra, shard)) in enumerate(MODELS.items()):
        torch.manual_seed(100 + seed)
        config = config_class(**(COMMON | extra))
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
        if name in TOKENIZERS or name in SENTENCEPIECE_TOKENIZERS:
            write_tokenizer(name, folder)
        if name == "llama31":
            write_gguf(model, OUT.parent / "llama" / "llama31.gguf")

        generator = torch.Generator().manual_seed(7 + seed)
        window_lengths = WINDOW_LENGTHS.get(name, [12, 1, 7, 20])
        windows = [torch.randint(0, config.vocab_size, (n,), generator=generator) for n in window_lengths]
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
        if name == "llama":  # down_proj.weight is [hidden, intermediate]: column n is neuron n's direction
            write_logit_lens(references / f"{name}_logit_lens.json",
                             [layer.mlp.down_proj.weight.T for layer in model.model.layers], model.lm_head.weight)


if __name__ == "__main__":
    main()
