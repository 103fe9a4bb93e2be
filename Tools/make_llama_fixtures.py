#!/usr/bin/env python3
"""A tiny random Llama GGUF and transformers' activations for it, for the Llama tests that run
without the real SmolLM2 file.

The model (2 layers, d 64, 4 query heads sharing 2 key/value heads, rope base 10,000, MLP 96,
vocabulary 100, separate output head) gets seeded random weights in HF's layout; like
llama.cpp's convert_hf_to_gguf.py, W_q and W_k rows are permuted for llama.cpp's rope before
writing. Matrices use a different GGUF type each (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, F16, BF16, F32),
norms F32. transformers then loads the GGUF back (dequantizing with gguf-py and undoing the
permutation) and computes, for a batch of random token windows, every layer's MLP activation
(down_proj input), MLP input (post_attention_layernorm output) and the logits.

Tests/Fixtures/llama/
  tiny.gguf              the model
  tiny.reference.json    windows (token ids), tensor names, shapes, offsets into the .f32 file
  tiny.reference.f32     the reference values, little-endian f32

Deterministic (seeded); rerun with: python3 Tools/make_llama_fixtures.py
"""
import json
from pathlib import Path

import numpy as np
import torch
import gguf
from gguf import GGMLQuantizationType as Q
from transformers import AutoModelForCausalLM

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "Tests" / "Fixtures" / "llama"

LAYERS, EMBEDDING, HEADS, KV_HEADS, FFN, VOCABULARY, CONTEXT = 2, 64, 4, 2, 96, 100, 32
ROPE_BASE, RMS_EPSILON = 10_000.0, 1e-5
WINDOWS = [7, 1, 12]
RNG = np.random.default_rng(20250602)

# The GGUF type of each matrix (every one converts to f32 exactly as gguf-py does).
TYPES = {"attn_q": Q.Q8_0, "attn_k": Q.Q4_0, "attn_v": Q.Q4_1, "attn_output": Q.Q5_0,
         "ffn_gate": Q.Q5_1, "ffn_up": Q.F16, "ffn_down": Q.BF16,
         "token_embd": Q.Q8_0, "output": Q.F32}


def llama_cpp_permute(weights, n_head):
    """convert_hf_to_gguf.py's LlamaModel.permute: per head, rows (c·d/2 + i) → (2i + c)."""
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def add(writer, name, kind, values):
    qtype = TYPES[kind]
    values = values.astype(np.float32)
    if qtype == Q.F32:
        writer.add_tensor(name, values)
    elif qtype == Q.F16:
        writer.add_tensor(name, values.astype(np.float16))
    else:
        writer.add_tensor(name, gguf.quants.quantize(values, qtype), raw_dtype=qtype)


def write_model(path):
    head_dim = EMBEDDING // HEADS
    writer = gguf.GGUFWriter(str(path), arch="llama", use_temp_file=False)
    writer.add_name("tiny random llama")
    writer.add_block_count(LAYERS)
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(EMBEDDING)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(ROPE_BASE)
    writer.add_layer_norm_rms_eps(RMS_EPSILON)
    writer.add_vocab_size(VOCABULARY)
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list([f"<t{i}>" for i in range(VOCABULARY)])
    writer.add_token_merges([])

    def matrix(rows, columns, scale):
        return RNG.standard_normal((rows, columns)).astype(np.float32) * scale

    def norm():
        return (1 + 0.2 * RNG.standard_normal(EMBEDDING)).astype(np.float32)

    add(writer, "token_embd.weight", "token_embd", matrix(VOCABULARY, EMBEDDING, 1.0))
    for layer in range(LAYERS):
        prefix = f"blk.{layer}."
        writer.add_tensor(prefix + "attn_norm.weight", norm())
        add(writer, prefix + "attn_q.weight", "attn_q",
            llama_cpp_permute(matrix(HEADS * head_dim, EMBEDDING, 0.2), HEADS))
        add(writer, prefix + "attn_k.weight", "attn_k",
            llama_cpp_permute(matrix(KV_HEADS * head_dim, EMBEDDING, 0.2), KV_HEADS))
        add(writer, prefix + "attn_v.weight", "attn_v", matrix(KV_HEADS * head_dim, EMBEDDING, 0.2))
        add(writer, prefix + "attn_output.weight", "attn_output", matrix(EMBEDDING, HEADS * head_dim, 0.1))
        writer.add_tensor(prefix + "ffn_norm.weight", norm())
        add(writer, prefix + "ffn_gate.weight", "ffn_gate", matrix(FFN, EMBEDDING, 0.2))
        add(writer, prefix + "ffn_up.weight", "ffn_up", matrix(FFN, EMBEDDING, 0.2))
        add(writer, prefix + "ffn_down.weight", "ffn_down", matrix(EMBEDDING, FFN, 0.1))
    writer.add_tensor("output_norm.weight", norm())
    add(writer, "output.weight", "output", matrix(VOCABULARY, EMBEDDING, 0.2))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    model_path = OUT / "tiny.gguf"
    write_model(model_path)

    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = AutoModelForCausalLM.from_pretrained(str(OUT), gguf_file=model_path.name, dtype=torch.float32)
    model.eval()
    assert not model.config.tie_word_embeddings
    captured = {}
    for layer, block in enumerate(model.model.layers):
        block.mlp.down_proj.register_forward_hook(
            lambda m, inputs, output, layer=layer: captured.__setitem__(f"activations.{layer}", inputs[0][0]))
        block.post_attention_layernorm.register_forward_hook(
            lambda m, inputs, output, layer=layer: captured.__setitem__(f"mlp_input.{layer}", output[0]))

    windows = [RNG.integers(0, VOCABULARY, size=length).tolist() for length in WINDOWS]
    results = {}
    for window in windows:  # each window alone: positions start at 0, no attention across
        captured.clear()
        with torch.no_grad():
            logits = model(torch.tensor([window])).logits[0]
        captured["logits"] = logits
        for name, value in captured.items():
            results.setdefault(name, []).append(value.detach().numpy())

    tensors, chunks, offset = [], [], 0
    for name in sorted(results):
        value = np.concatenate(results[name]).astype("<f4")  # [tokens, width], windows concatenated
        tensors.append({"name": name, "shape": list(value.shape), "offset": offset})
        chunks.append(value.ravel())
        offset += value.size
    reference = {"windows": windows, "tensors": tensors, "types": {k: v.name for k, v in TYPES.items()}}
    (OUT / "tiny.reference.json").write_text(json.dumps(reference, indent=1) + "\n")
    np.concatenate(chunks).tofile(OUT / "tiny.reference.f32")
    for file in sorted(OUT.iterdir()):
        print(f"{file.stat().st_size:8d}  {file.relative_to(REPO)}")


if __name__ == "__main__":
    main()
