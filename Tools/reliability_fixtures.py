"""Small inputs for the reliability scripts (crash/resume soak, concurrent readers, malformed
inputs). Python standard library only, seeded, so that every script runs on a bare machine.

- write_gpt2_folder: a random-weight GPT-2 HF folder (config.json + model.safetensors) with the
  tiny-bpe tokenizer.json of Tests/Fixtures, optionally with NaN weights.
- write_corpus_folder: the Shakespeare corpus cut into N text files.
- find_neurodex: the neurodex binary to test.
"""

import json
import os
import random
import shutil
import struct
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKENIZER_JSON = os.path.join(REPO, "Tests", "Fixtures", "tokenizer", "tiny-bpe", "tokenizer.json")
SHAKESPEARE = os.path.join(REPO, "corpora", "tinyshakespeare.txt")
# tiny-bpe has ids 0-701; the model's vocabulary must cover them.
TINY_BPE_VOCAB = 768


def safetensors_bytes(tensors):
    """Encodes [(name, shape, floats)] as an F32 safetensors file (header padded to 8 bytes)."""
    header, offset, blobs = {}, 0, []
    for name, shape, values in tensors:
        blob = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text.encode() + b"".join(blobs)


def gpt2_tensors(n_layer, n_embd, n_inner, n_positions, vocab, seed, nan_in=None):
    """Random GPT-2 weights (HF names, Conv1D [in, out] layout); `nan_in` names a tensor whose
    first value becomes NaN."""
    rng = random.Random(seed)

    def normal(count, scale=0.2):
        return [rng.gauss(0.0, scale) for _ in range(count)]

    def ones(count):
        return [1.0 + rng.gauss(0.0, 0.05) for _ in range(count)]

    c, f = n_embd, n_inner
    tensors = [("wte.weight", [vocab, c], normal(vocab * c)), ("wpe.weight", [n_positions, c], normal(n_positions * c, 0.05))]
    for layer in range(n_layer):
        p = "h.%d." % layer
        tensors += [
            (p + "ln_1.weight", [c], ones(c)), (p + "ln_1.bias", [c], normal(c, 0.02)),
            (p + "attn.c_attn.weight", [c, 3 * c], normal(c * 3 * c)), (p + "attn.c_attn.bias", [3 * c], normal(3 * c, 0.02)),
            (p + "attn.c_proj.weight", [c, c], normal(c * c)), (p + "attn.c_proj.bias", [c], normal(c, 0.02)),
            (p + "ln_2.weight", [c], ones(c)), (p + "ln_2.bias", [c], normal(c, 0.02)),
            (p + "mlp.c_fc.weight", [c, f], normal(c * f)), (p + "mlp.c_fc.bias", [f], normal(f, 0.02)),
            (p + "mlp.c_proj.weight", [f, c], normal(f * c)), (p + "mlp.c_proj.bias", [c], normal(c, 0.02)),
        ]
    tensors += [("ln_f.weight", [c], ones(c)), ("ln_f.bias", [c], normal(c, 0.02))]
    if nan_in is not None:
        tensors = [(n, s, [float("nan")] + v[1:] if n == nan_in else v) for n, s, v in tensors]
    return tensors


def gpt2_config(n_layer, n_embd, n_head, n_inner, n_positions, vocab):
    return {
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "activation_function": "gelu_new",
        "n_layer": n_layer, "n_embd": n_embd, "n_head": n_head, "n_inner": n_inner,
        "n_positions": n_positions, "vocab_size": vocab, "layer_norm_epsilon": 1e-5,
        "bos_token_id": 0, "eos_token_id": 0,
    }


def write_gpt2_folder(folder, seed=1, n_layer=2, n_embd=32, n_head=4, n_inner=128, n_positions=128,
                      vocab=TINY_BPE_VOCAB, nan_in=None):
    """Writes a loadable GPT-2 folder: config.json, model.safetensors, tokenizer.json."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as out:
        json.dump(gpt2_config(n_layer, n_embd, n_head, n_inner, n_positions, vocab), out, indent=1)
    with open(os.path.join(folder, "model.safetensors"), "wb") as out:
        out.write(safetensors_bytes(gpt2_tensors(n_layer, n_embd, n_inner, n_positions, vocab, seed, nan_in)))
    shutil.copy(TOKENIZER_JSON, os.path.join(folder, "tokenizer.json"))
    return folder


def write_corpus_folder(folder, files, bytes_per_file):
    """The first files × bytes_per_file bytes of the Shakespeare corpus as `files` text files,
    cut at line ends."""
    os.makedirs(folder, exist_ok=True)
    with open(SHAKESPEARE, "rb") as f:
        text = f.read()
    start = 0
    for i in range(files):
        end = text.find(b"\n", start + bytes_per_file)
        end = len(text) if end < 0 else end + 1
        with open(os.path.join(folder, "part-%03d.txt" % i), "wb") as out:
            out.write(text[start:end])
        start = end
    return folder


def find_neurodex(explicit=None):
    """The neurodex binary: `explicit`, $NEURODEX, or the release build of this checkout."""
    candidates = [explicit, os.environ.get("NEURODEX"),
                  os.path.join(REPO, ".build", "release", "neurodex"), os.path.join(REPO, ".build", "debug", "neurodex")]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return os.path.abspath(path)
    raise SystemExit("no neurodex binary: pass --neurodex PATH or build one "
                     "(swift build -c release --product neurodex)")


def run(args, **kwargs):
    """Runs a command and returns the CompletedProcess (text output)."""
    return subprocess.run(args, capture_output=True, text=True, **kwargs)
