#!/usr/bin/env python3
"""Builds small random-weight GPT-NeoX (Pythia-style) models, reference activations and a small
Pythia-style tokenizer for the Swift tests.

For each config below this script
  * creates a GPTNeoXForCausalLM with transformers (torch CPU, seeded, eager attention),
    re-initialises every parameter with values large enough to exercise layernorm, attention,
    partial rotary embeddings and the gelu curvature,
  * rounds the weights to the dtype it is saved in (F16/BF16), so the reference is computed from
    exactly the weights the file holds,
  * saves an HF folder under Tests/Fixtures/gptneox/<name>/, either as the published Pythia
    checkpoints are laid out (config.json with rotary_pct / rotary_emb_base, tensors
    `gpt_neox.…` and `embed_out.weight`) or as transformers' save_pretrained writes it,
  * runs a few token windows through it, each window on its own (positions start at 0), one of
    them max_position_embeddings long, and writes under Tests/Fixtures/gptneox/references/:
      <name>.json         {"tokens": [...], "window_lengths": [...]}  (windows concatenated)
      <name>.safetensors  activations.{i} [tokens, intermediate] = layers[i].mlp.act output
                          mlp_input.{i}   [tokens, hidden]       = layers[i].post_attention_layernorm output
                          logits          [tokens, vocab]        (LM head embed_out, untied)
      parallel_logit_lens.json  every neuron's most raised and lowered tokens: column n of
                          dense_4h_to_h.weight times embed_outᵀ (Tools/logit_lens_reference.py)

The "parallel" folder also gets a tokenizer.json shaped like Pythia's (GPT-NeoX-20B's): BPE with
an NFC normalizer, a ByteLevel pre-tokenizer without prefix space, <|endoftext|> = 0,
<|padding|> = 1 and non-special added tokens for runs of spaces; trained here with `tokenizers`
on the first half of the Shakespeare excerpt. references/tokenizer_cases.json holds the ids
transformers' fast tokenizer gives for the text set of Tools/make_tokenizer_fixtures.py.

Deterministic and rerunnable: `python3 Tools/make_gptneox_fixtures.py` from the repository root
(pip install torch transformers safetensors).
"""
import json
import shutil
import sys
from pathlib import Path

import torch
import transformers
from safetensors.torch import save_file
from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import GPTNeoXConfig, GPTNeoXForCausalLM, PreTrainedTokenizerFast

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_tokenizer_fixtures import SHAKESPEARE, cases, text_set, write_json  # noqa: E402
from logit_lens_reference import write_logit_lens  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Fixtures" / "gptneox"

VOCAB = 512

# name, config, saved dtype, layout ("pythia": hand-written as the published checkpoints,
# "transformers": save_pretrained), window lengths
FIXTURES = [
    ("parallel", dict(num_hidden_layers=2, hidden_size=64, num_attention_heads=4, intermediate_size=128,
                      max_position_embeddings=32, rotary_pct=0.25, use_parallel_residual=True),
     torch.float32, "pythia", [32, 5, 1, 12]),
    ("sequential", dict(num_hidden_layers=3, hidden_size=64, num_attention_heads=4, intermediate_size=256,
                        max_position_embeddings=24, rotary_pct=0.5, use_parallel_residual=False),
     torch.float16, "pythia", [24, 7, 2]),
    ("bf16", dict(num_hidden_layers=2, hidden_size=64, num_attention_heads=2, intermediate_size=256,
                  max_position_embeddings=16, rotary_pct=0.25, use_parallel_residual=True),
     torch.bfloat16, "transformers", [16, 3]),
]


def reinitialise(model, generator):
    """Gives every parameter values of a size that makes each operation matter."""
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            shape = parameter.shape
            if "layernorm" in name or "layer_norm" in name:
                value = (1 if name.endswith("weight") else 0) + 0.2 * torch.randn(shape, generator=generator)
            elif name.endswith("bias"):
                value = 0.1 * torch.randn(shape, generator=generator)
            elif name.endswith("embed_in.weight"):
                value = 0.5 * torch.randn(shape, generator=generator)
            else:  # nn.Linear weights [out, in]
                value = torch.randn(shape, generator=generator) / shape[1] ** 0.5
            parameter.copy_(value)


def save_pythia_layout(model, config, sizes, dtype, folder):
    """config.json and model.safetensors as the published Pythia checkpoints have them, with the
    buffers those files also carry (causal mask, masked_bias, rotary inv_freq) that readers skip."""
    folder.mkdir(parents=True)
    tensors = {}
    for name, parameter in model.state_dict().items():
        key = "embed_out.weight" if name == "lm_head.weight" else name
        tensors[key] = parameter.to(dtype).contiguous()
    positions = config.max_position_embeddings
    rotary = model.gpt_neox.layers[0].attention.rotary_ndims
    for index in range(config.num_hidden_layers):
        prefix = f"gpt_neox.layers.{index}.attention."
        tensors[prefix + "bias"] = torch.tril(torch.ones(positions, positions, dtype=torch.bool)).view(1, 1, positions, positions)
        tensors[prefix + "masked_bias"] = torch.tensor(-1e9)
        tensors[prefix + "rotary_emb.inv_freq"] = 1.0 / (10000 ** (torch.arange(0, rotary, 2).float() / rotary))
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})
    document = {
        "architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox",
        "bos_token_id": 0, "eos_token_id": 0, "hidden_act": "gelu", "initializer_range": 0.02,
        "layer_norm_eps": config.layer_norm_eps, "rotary_emb_base": 10000,
        "tie_word_embeddings": False, "torch_dtype": str(dtype).removeprefix("torch."),
        "use_cache": True, "vocab_size": VOCAB, **sizes,
    }
    (folder / "config.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")


def build(name, sizes, dtype, layout, window_lengths, seed):
    rotary_pct = sizes["rotary_pct"]
    model_sizes = {key: value for key, value in sizes.items() if key != "rotary_pct"}
    config = GPTNeoXConfig(vocab_size=VOCAB, bos_token_id=0, eos_token_id=0, hidden_act="gelu",
                           rope_parameters={"rope_type": "default", "rope_theta": 10000.0,
                                            "partial_rotary_factor": rotary_pct},
                           tie_word_embeddings=False, **model_sizes)
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = GPTNeoXForCausalLM(config).eval()
    generator = torch.Generator().manual_seed(seed)
    reinitialise(model, generator)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(parameter.to(dtype).to(torch.float32))
    assert model.gpt_neox.layers[0].attention.rotary_ndims == int(config.hidden_size // config.num_attention_heads * rotary_pct)

    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    if layout == "pythia":
        save_pythia_layout(model, config, sizes, dtype, folder)
    else:
        saved = GPTNeoXForCausalLM(config).eval()
        saved.load_state_dict(model.state_dict())
        saved.to(dtype).save_pretrained(folder)
        (folder / "generation_config.json").unlink(missing_ok=True)

    tokens = torch.randint(0, VOCAB, (sum(window_lengths),), generator=generator)
    captured = {"activations": {}, "mlp_input": {}}
    hooks = []
    for index, layer in enumerate(model.gpt_neox.layers):
        hooks.append(layer.mlp.act.register_forward_hook(
            lambda _m, _i, out, index=index: captured["activations"].setdefault(index, []).append(out[0])))
        hooks.append(layer.post_attention_layernorm.register_forward_hook(
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

    # transformers reads the saved folder back to the same model.
    reloaded = GPTNeoXForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").eval()
    with torch.no_grad():
        first = tokens[:window_lengths[0]].unsqueeze(0)
        assert torch.equal(reloaded(first).logits[0], logits[0]), f"{name}: reloaded folder differs"

    tensors = {"logits": torch.cat(logits).contiguous()}
    for index in range(config.num_hidden_layers):
        tensors[f"activations.{index}"] = torch.cat(captured["activations"][index]).contiguous()
        tensors[f"mlp_input.{index}"] = torch.cat(captured["mlp_input"][index]).contiguous()
    references = OUT / "references"
    references.mkdir(parents=True, exist_ok=True)
    save_file(tensors, references / f"{name}.safetensors", metadata={
        "format": "pt", "transformers": transformers.__version__, "torch": torch.__version__})
    (references / f"{name}.json").write_text(json.dumps(
        {"tokens": tokens.tolist(), "window_lengths": window_lengths}) + "\n")
    if name == "parallel":  # dense_4h_to_h.weight is [hidden, 4h]: column n is neuron n's direction
        write_logit_lens(references / f"{name}_logit_lens.json",
                         [layer.mlp.dense_4h_to_h.weight.T for layer in model.gpt_neox.layers],
                         model.get_output_embeddings().weight)


# GPT-NeoX-20B's tokenizer has non-special added tokens for runs of 2…24 spaces.
SPACE_RUNS = [" " * count for count in (2, 3, 4, 8)]


def tokenizer_fixture():
    tokenizer = Tokenizer(models.BPE(unk_token=None))
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB - len(SPACE_RUNS), special_tokens=["<|endoftext|>", "<|padding|>"],
                                  show_progress=False, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    lines = SHAKESPEARE.read_text(encoding="utf-8").split("\n")
    tokenizer.train_from_iterator(["\n".join(lines[:len(lines) // 2])], trainer=trainer)
    tokenizer.add_tokens([AddedToken(run, special=False, normalized=True) for run in SPACE_RUNS])
    assert tokenizer.get_vocab_size() <= VOCAB, tokenizer.get_vocab_size()
    write_json(OUT / "parallel" / "tokenizer.json", json.loads(tokenizer.to_str()))

    fast = PreTrainedTokenizerFast(tokenizer_file=str(OUT / "parallel" / "tokenizer.json"))
    encode = lambda text: fast(text, add_special_tokens=False)["input_ids"]
    decode = lambda ids: fast.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)
    write_json(OUT / "references" / "tokenizer_cases.json",
               cases(encode, decode, text_set(),
                     "transformers PreTrainedTokenizerFast, Pythia-style tokenizer.json (NFC + ByteLevel)"))


def main():
    torch.set_num_threads(1)  # the same float32 summation order on every run
    for seed, fixture in enumerate(FIXTURES, start=1):
        build(*fixture, seed=seed)
    tokenizer_fixture()
    total = sum(path.stat().st_size for path in OUT.rglob("*") if path.is_file())
    print(f"wrote {len(FIXTURES)} fixtures under {OUT.relative_to(ROOT)}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
