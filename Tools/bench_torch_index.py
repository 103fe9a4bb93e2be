#!/usr/bin/env python3
"""The PyTorch baseline of issue #18: indexing tokens/s of a plain transformers script.

A random-weight GPT-2 small (the real shapes; weights drawn as in Tools/make_gpt2_fixtures.py,
seeded) runs over the first --tokens tokens of the bundled corpus cut into 64-token windows,
each window starting with <|endoftext|> as `neurodex index` does, 8 windows per forward batch,
on --threads threads. A forward hook on every layer's MLP activation (`mlp.act`, gelu_new)
keeps each neuron's top-20 activations with `torch.topk` over the batch's tokens merged with
the running top-20. No statistics, no storage: the lower bound of what an indexer in PyTorch
costs. Prints tokens/s (document tokens, BOS not counted, as neurodex counts them).

    python3 Tools/bench_torch_index.py --save-model /tmp/gpt2-small-random   # once
    python3 Tools/bench_torch_index.py --model /tmp/gpt2-small-random

`--save-model DIR` writes the model as an HF folder (config.json, model.safetensors, and the
GPT-2 tokenizer's vocab.json + merges.txt) so that `neurodex index --model DIR` runs the very
same weights; docs/benchmarks.md shows how to run the two interleaved.
"""
import argparse
import shutil
import time
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

ROOT = Path(__file__).resolve().parent.parent
TOKENIZER = ROOT / "Tests" / "Fixtures" / "gpt2-tokenizer"
CORPUS = ROOT / "corpora" / "tinyshakespeare.txt"
END_OF_TEXT = 50256


def random_gpt2_small(seed):
    """GPT-2 small with every parameter redrawn as in make_gpt2_fixtures.reinitialise."""
    config = GPT2Config(n_layer=12, n_embd=768, n_head=12, n_positions=1024, vocab_size=50257)
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(config).eval()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            shape = parameter.shape
            if name.endswith("bias"):
                value = 0.1 * torch.randn(shape, generator=generator)
            elif ".ln_" in name or ".ln_f" in name:
                value = 1 + 0.2 * torch.randn(shape, generator=generator)
            elif name.endswith("wte.weight") or name.endswith("wpe.weight"):
                value = 0.5 * torch.randn(shape, generator=generator)
            else:  # Conv1D weights [in, out]
                value = torch.randn(shape, generator=generator) / shape[0] ** 0.5
            parameter.copy_(value)
    return model


def save_model(model, folder):
    folder.mkdir(parents=True, exist_ok=True)
    model.config.to_json_file(folder / "config.json")
    tensors = {name: tensor.contiguous() for name, tensor in model.transformer.state_dict().items()
               if not name.endswith(".attn.bias") and not name.endswith(".attn.masked_bias")}
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})
    for name in ("vocab.json", "merges.txt"):
        shutil.copy(TOKENIZER / name, folder / name)


def windows(tokens, context):
    """[BOS] + each consecutive run of `context` document tokens (the last may be shorter)."""
    return [[END_OF_TEXT] + tokens[start:start + context] for start in range(0, len(tokens), context)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="an HF GPT-2 folder (default: a fresh random GPT-2 small)")
    parser.add_argument("--save-model", type=Path, help="write the random GPT-2 small here and stop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tokens", type=int, default=25_000)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--top-k", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    arguments = parser.parse_args()

    torch.set_num_threads(arguments.threads)
    if arguments.save_model:
        save_model(random_gpt2_small(arguments.seed), arguments.save_model)
        print(f"saved {arguments.save_model}")
        return
    model = GPT2LMHeadModel.from_pretrained(arguments.model).eval() if arguments.model \
        else random_gpt2_small(arguments.seed)

    tokenizer = GPT2TokenizerFast.from_pretrained(TOKENIZER)
    text = CORPUS.read_text(encoding="utf-8")
    tokens = tokenizer(text[: arguments.tokens * 6])["input_ids"][: arguments.tokens]
    batches = [windows(tokens, arguments.context)[i:i + arguments.batch]
               for i in range(0, (len(tokens) + arguments.context - 1) // arguments.context, arguments.batch)]

    k = arguments.top_k
    top = {}  # layer -> (values [k, n_inner], token positions [k, n_inner])
    state = {"offset": 0}

    def keep_top(layer):
        def hook(_module, _inputs, output):
            values = output.reshape(-1, output.shape[-1])  # [tokens, n_inner]
            positions = torch.arange(values.shape[0]).add_(state["offset"]).unsqueeze(1).expand_as(values)
            if layer in top:
                values = torch.cat([top[layer][0], values])
                positions = torch.cat([top[layer][1], positions])
            best, rows = torch.topk(values, min(k, values.shape[0]), dim=0)
            top[layer] = (best, torch.gather(positions, 0, rows))
        return hook

    for layer, block in enumerate(model.transformer.h):
        block.mlp.act.register_forward_hook(keep_top(layer))

    start = time.perf_counter()
    with torch.inference_mode():
        for batch in batches:
            length = max(len(window) for window in batch)
            ids = torch.full((len(batch), length), END_OF_TEXT, dtype=torch.long)
            mask = torch.zeros((len(batch), length), dtype=torch.long)
            for row, window in enumerate(batch):
                ids[row, :len(window)] = torch.tensor(window)
                mask[row, :len(window)] = 1
            model.transformer(input_ids=ids, attention_mask=mask)
            state["offset"] += ids.numel()
    seconds = time.perf_counter() - start
    print(f"torch {torch.__version__}, {arguments.threads} threads: {len(tokens)} tokens in {seconds:.2f} s, "
          f"{len(tokens) / seconds:.1f} tokens/s (GPT-2 small, {len(model.transformer.h)} layers, top-{k})")


if __name__ == "__main__":
    main()
