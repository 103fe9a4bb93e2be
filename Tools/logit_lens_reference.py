"""The logit lens of every neuron, in float64 with torch, for the fixture generators.

A neuron's logit lens is its output direction (the weights that write its activation into the
residual stream) times the unembedding, with no final norm: GPT-2 row n of `c_proj.weight`
[n_inner, n_embd] times `wteᵀ`; Llama column n of `down_proj.weight` times `lm_headᵀ`; GPT-NeoX
column n of `dense_4h_to_h.weight` times `embed_outᵀ`. The reference keeps, per neuron, the
COUNT + 1 most raised and most lowered tokens (ids and values, best first; ties by lower id),
the extra one so that a test can tell an exact tie at the last place from a wrong token.

File: {"count": COUNT, "layers": [{"raised": {"ids": [[...]], "values": [[...]]},
                                   "lowered": {...}}]}, one list per neuron.
"""
import json

import torch

COUNT = 10


def top(scores, largest):
    """Per row, the COUNT + 1 best (ids, values): stable sort so that ties keep the lower id."""
    order = torch.sort(scores, dim=1, descending=largest, stable=True).indices[:, : COUNT + 1]
    return {"ids": order.tolist(),
            "values": [[float(f"{v:.9g}") for v in row] for row in torch.gather(scores, 1, order).tolist()]}


def write_logit_lens(path, directions, unembedding):
    """directions: one [neurons, width] tensor per layer; unembedding [vocab, width]."""
    unembedding = unembedding.detach().to(torch.float64)
    layers = []
    for layer in directions:
        scores = layer.detach().to(torch.float64) @ unembedding.T  # [neurons, vocab]
        layers.append({"raised": top(scores, True), "lowered": top(scores, False)})
    path.write_text(json.dumps({"count": COUNT, "layers": layers}, separators=(",", ":")) + "\n")
    print(f"wrote {path.name} ({path.stat().st_size:,} bytes)")
