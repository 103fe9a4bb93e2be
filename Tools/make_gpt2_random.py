"""Writes a random-weight GPT-2 model folder of a real size (f32 safetensors, config.json and the
GPT-2 tokenizer of Tests/Fixtures/gpt2-tokenizer), for benchmarks at scale: merging shard stores
of GPT-2 small, indexing every layer of GPT-2 XL. Seeded: the same folder every time. Tensors are
written one at a time, so memory stays at the largest tensor (GPT-2 XL: 6.2 GB on disk, never
commit it; put it outside the repository).

With `tiny-vocab`, the vocabulary is the 768 tokens of Tests/Fixtures/tokenizer/tiny-bpe instead
of GPT-2's 50,257: the layers keep their real shape, but the unembedding (and the logit lens,
which index computes for every neuron over the whole vocabulary) is 65 times smaller.

usage: python3 Tools/make_gpt2_random.py FOLDER [small|medium|large|xl] [tiny-vocab]
"""
import json, os, shutil, struct, sys
import numpy as np

SIZES = {  # layers, embedding size, heads
    "small": (12, 768, 12), "medium": (24, 1024, 16), "large": (36, 1280, 20), "xl": (48, 1600, 25),
}
folder, size = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "small"
layers, embd, heads = SIZES[size]
tiny_vocab = len(sys.argv) > 3 and sys.argv[3] == "tiny-vocab"
inner, positions, vocab = 4 * embd, 1024, 768 if tiny_vocab else 50257
rng = np.random.default_rng(1)


def tensors():
    """(name, shape, scale, offset): weights are offset + scale · N(0, 1)."""
    yield "wte.weight", [vocab, embd], 0.02, 0.0
    yield "wpe.weight", [positions, embd], 0.01, 0.0
    for l in range(layers):
        p = f"h.{l}."
        yield p + "ln_1.weight", [embd], 0.05, 1.0
        yield p + "ln_1.bias", [embd], 0.02, 0.0
        yield p + "attn.c_attn.weight", [embd, 3 * embd], 0.02, 0.0
        yield p + "attn.c_attn.bias", [3 * embd], 0.02, 0.0
        yield p + "attn.c_proj.weight", [embd, embd], 0.02, 0.0
        yield p + "attn.c_proj.bias", [embd], 0.02, 0.0
        yield p + "ln_2.weight", [embd], 0.05, 1.0
        yield p + "ln_2.bias", [embd], 0.02, 0.0
        yield p + "mlp.c_fc.weight", [embd, inner], 0.02, 0.0
        yield p + "mlp.c_fc.bias", [inner], 0.02, 0.0
        yield p + "mlp.c_proj.weight", [inner, embd], 0.02, 0.0
        yield p + "mlp.c_proj.bias", [embd], 0.02, 0.0
    yield "ln_f.weight", [embd], 0.05, 1.0
    yield "ln_f.bias", [embd], 0.02, 0.0


os.makedirs(folder, exist_ok=True)
header, offset = {}, 0
for name, shape, _, _ in tensors():
    count = int(np.prod(shape))
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + 4 * count]}
    offset += 4 * count
head = json.dumps(header).encode()
head += b" " * (-len(head) % 8)
with open(os.path.join(folder, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(head)) + head)
    for name, shape, scale, shift in tensors():
        values = rng.standard_normal(int(np.prod(shape)), dtype=np.float32) * np.float32(scale) + np.float32(shift)
        f.write(values.astype("<f4").tobytes())
config = {"model_type": "gpt2", "activation_function": "gelu_new", "n_layer": layers, "n_embd": embd, "n_head": heads,
          "n_inner": inner, "n_positions": positions, "n_ctx": positions, "vocab_size": vocab, "layer_norm_epsilon": 1e-5}
with open(os.path.join(folder, "config.json"), "w") as f:
    json.dump(config, f, sort_keys=True)
fixtures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures")
if tiny_vocab:
    shutil.copy(os.path.join(fixtures, "tokenizer", "tiny-bpe", "tokenizer.json"), os.path.join(folder, "tokenizer.json"))
else:
    for name in ["vocab.json", "merges.txt"]:
        shutil.copy(os.path.join(fixtures, "gpt2-tokenizer", name), os.path.join(folder, name))
print(f"wrote GPT-2 {size} ({layers} layers, {embd}, {inner}) to {folder}: {offset / 1e9:.2f} GB of weights")
