"""Writes a random-weight GPT-2 model folder (2 layers, d=32, 128 neurons, 768 token ids) with a
given tokenizer.json, for Tools/slurm/test-cluster.sh. Seeded: the same folder every time.

usage: python3 random_gpt2.py FOLDER TOKENIZER_JSON
"""
import json, random, struct, sys
folder, tokenizer = sys.argv[1], sys.argv[2]
layers, embd, inner, positions, vocab = 2, 32, 128, 64, 768
rng = random.Random(1)
def normal(n, scale=0.2): return [rng.gauss(0, scale) for _ in range(n)]
tensors = [("wte.weight", [vocab, embd], normal(vocab * embd)), ("wpe.weight", [positions, embd], normal(positions * embd, 0.05))]
for l in range(layers):
    p = f"h.{l}."
    tensors += [(p + "ln_1.weight", [embd], [1 + x for x in normal(embd, 0.05)]), (p + "ln_1.bias", [embd], normal(embd, 0.02)),
                (p + "attn.c_attn.weight", [embd, 3 * embd], normal(embd * 3 * embd)), (p + "attn.c_attn.bias", [3 * embd], normal(3 * embd, 0.02)),
                (p + "attn.c_proj.weight", [embd, embd], normal(embd * embd)), (p + "attn.c_proj.bias", [embd], normal(embd, 0.02)),
                (p + "ln_2.weight", [embd], [1 + x for x in normal(embd, 0.05)]), (p + "ln_2.bias", [embd], normal(embd, 0.02)),
                (p + "mlp.c_fc.weight", [embd, inner], normal(embd * inner)), (p + "mlp.c_fc.bias", [inner], normal(inner, 0.02)),
                (p + "mlp.c_proj.weight", [inner, embd], normal(inner * embd)), (p + "mlp.c_proj.bias", [embd], normal(embd, 0.02))]
tensors += [("ln_f.weight", [embd], [1 + x for x in normal(embd, 0.05)]), ("ln_f.bias", [embd], normal(embd, 0.02))]
header, offset = {}, 0
for name, shape, values in tensors:
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + 4 * len(values)]}
    offset += 4 * len(values)
head = json.dumps(header).encode()
head += b" " * (-len(head) % 8)
with open(f"{folder}/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(head)) + head)
    for _, _, values in tensors: f.write(struct.pack(f"<{len(values)}f", *values))
config = {"model_type": "gpt2", "activation_function": "gelu_new", "n_layer": layers, "n_embd": embd, "n_head": 4,
          "n_inner": inner, "n_positions": positions, "vocab_size": vocab, "layer_norm_epsilon": 1e-5}
json.dump(config, open(f"{folder}/config.json", "w"), sort_keys=True)
open(f"{folder}/tokenizer.json", "w").write(open(tokenizer).read())
