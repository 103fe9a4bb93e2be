#!/usr/bin/env python3
"""Writes the small GGUF fixtures of the GGUF reader tests, using the `gguf` package (gguf-py).

Tests/Fixtures/gguf/
  metadata.gguf           one metadata key of every GGUF value type, arrays of every element
                          type, nested arrays, and two tiny F32 tensors (default alignment 32)
  metadata.expected.json  the metadata exactly as written (canonical text form, see `canonical`)
  quants.gguf             tensors of every dequantizable type (general.alignment = 64)
  quants.expected.json    per tensor: name, ggml type, dimensions (GGUF order), value offset/count
  quants.expected.f32     gguf-py's own dequantization of each tensor, little-endian f32

Quantized tensors are either random block bytes with sane f16 scale fields (so every bit
pattern of the quant fields is exercised) or real values quantized with gguf.quants where it
supports the type. Deterministic (seeded); rerun with: python3 Tools/make_gguf_fixtures.py
"""
import json
import math
import struct
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q
from gguf import GGUFValueType as V

OUT = Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "gguf"
RNG = np.random.default_rng(20250601)


# ---------------------------------------------------------------------------------------------
# Metadata

def canonical(value, vtype, sub_type=None):
    """The form the Swift test rebuilds from what it reads: scalars as text (integers in
    decimal, floats as the hex of their bit pattern, bools as true/false), arrays as items."""
    if vtype == V.ARRAY:
        if sub_type is None:
            sub_type = V.get_type(value[0])
        return {"type": "array", "element_type": sub_type.name.lower(),
                "items": [canonical(item, sub_type) for item in value]}
    name = vtype.name.lower()
    if vtype == V.FLOAT32:
        text = "%08x" % struct.unpack("<I", struct.pack("<f", value))[0]
    elif vtype == V.FLOAT64:
        text = "%016x" % struct.unpack("<Q", struct.pack("<d", value))[0]
    elif vtype == V.BOOL:
        text = "true" if value else "false"
    elif vtype == V.STRING:
        text = value
    else:
        text = str(int(value))
    return {"type": name, "text": text}


METADATA = [
    ("general.architecture", "llama", V.STRING, None),
    ("test.uint8", 255, V.UINT8, None),
    ("test.int8", -128, V.INT8, None),
    ("test.uint16", 65535, V.UINT16, None),
    ("test.int16", -32768, V.INT16, None),
    ("test.uint32", 4294967295, V.UINT32, None),
    ("test.int32", -2147483648, V.INT32, None),
    ("test.float32", 3.14159265, V.FLOAT32, None),
    ("test.float32_negative_zero", -0.0, V.FLOAT32, None),
    ("test.float32_infinity", math.inf, V.FLOAT32, None),
    ("test.float32_subnormal", 1e-40, V.FLOAT32, None),
    ("test.bool_true", True, V.BOOL, None),
    ("test.bool_false", False, V.BOOL, None),
    ("test.string", "Grüße, 世界! \"quoted\" \\ tab\t newline\n", V.STRING, None),
    ("test.string_empty", "", V.STRING, None),
    ("test.uint64", 18446744073709551615, V.UINT64, None),
    ("test.int64", -9223372036854775808, V.INT64, None),
    ("test.float64", 2.718281828459045, V.FLOAT64, None),
    ("test.array_uint8", [0, 1, 127, 255], V.ARRAY, V.UINT8),
    ("test.array_int8", [-128, -1, 0, 127], V.ARRAY, V.INT8),
    ("test.array_uint16", [0, 65535], V.ARRAY, V.UINT16),
    ("test.array_int16", [-32768, 32767], V.ARRAY, V.INT16),
    ("test.array_uint32", [0, 4294967295, 7], V.ARRAY, V.UINT32),
    ("test.array_int32", [-2147483648, 2147483647, -5], V.ARRAY, V.INT32),
    ("test.array_float32", [0.5, -1.25, 1e30, -0.0], V.ARRAY, V.FLOAT32),
    ("test.array_bool", [True, False, True], V.ARRAY, V.BOOL),
    ("test.array_string", ["a", "", "Ġhello", "日本語", "<|endoftext|>"], V.ARRAY, V.STRING),
    ("test.array_uint64", [0, 18446744073709551615], V.ARRAY, V.UINT64),
    ("test.array_int64", [-9223372036854775808, 9223372036854775807], V.ARRAY, V.INT64),
    ("test.array_float64", [1.0 / 3.0, -1e300], V.ARRAY, V.FLOAT64),
    # Nested arrays: each inner array has its own element type (gguf-py infers int32, float32,
    # string or bool from the Python values).
    ("test.nested_int32", [[1, 2, 3], [4], [-5, 6]], V.ARRAY, V.ARRAY),
    ("test.nested_mixed", [[1, 2], ["x", "yz"], [0.25], [True]], V.ARRAY, V.ARRAY),
    ("test.nested_three_levels", [[[1], [2, 3]], [[4, 5, 6]]], V.ARRAY, V.ARRAY),
]


def write_metadata():
    path = OUT / "metadata.gguf"
    writer = gguf.GGUFWriter(str(path), arch="llama", use_temp_file=False)
    # GGUFWriter adds general.architecture itself; every other key is added here.
    for key, value, vtype, sub_type in METADATA:
        if key != "general.architecture":
            writer.add_key_value(key, value, vtype, sub_type)
    vector = np.arange(5, dtype=np.float32) - 2.5
    matrix = RNG.standard_normal((3, 4)).astype(np.float32)
    writer.add_tensor("small.vector", vector)
    writer.add_tensor("small.matrix", matrix)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    expected = {
        "version": 3,
        "alignment": 32,
        "metadata": [{"key": key, "value": canonical(value, vtype, sub_type)}
                     for key, value, vtype, sub_type in METADATA],
        "tensors": [
            # Values as Python floats: the exact f32 values, which JSON round-trips.
            {"name": "small.vector", "type": "F32", "dimensions": [5], "values": vector.tolist()},
            {"name": "small.matrix", "type": "F32", "dimensions": [4, 3], "values": matrix.ravel().tolist()},
        ],
    }
    (OUT / "metadata.expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------------------------
# Quantized tensors

# Byte offsets of the f16 scale fields in each block, from ggml-common.h.
SCALE_FIELDS = {
    Q.Q4_0: [0], Q.Q4_1: [0, 2], Q.Q5_0: [0], Q.Q5_1: [0, 2], Q.Q8_0: [0],
    Q.Q2_K: [80, 82], Q.Q3_K: [108], Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208],
}


def random_blocks(qtype, shape):
    """Random bytes for a tensor of `shape` (numpy order, last = row) whose f16 scale fields
    are finite: mostly normal numbers around 0.01-1, one subnormal and one negative."""
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    n_blocks = int(np.prod(shape)) // block_size
    blocks = RNG.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    for offset in SCALE_FIELDS[qtype]:
        scales = (RNG.standard_normal(n_blocks) * 0.05).astype(np.float16)
        scales[0] = np.frombuffer(np.uint16(0x0123).tobytes(), dtype=np.float16)[0]  # subnormal
        blocks[:, offset:offset + 2] = scales.view(np.uint8).reshape(n_blocks, 2)
    return blocks.reshape(*shape[:-1], shape[-1] // block_size * type_size)


def finite_halves(shape, exponent_mask):
    """Random 16-bit patterns, made finite in the format whose exponent bits are `exponent_mask`
    (f16: 0x7C00, bf16: 0x7F80) by clearing the top exponent bit of infinities and NaNs."""
    bits = RNG.integers(0, 1 << 16, size=shape, dtype=np.uint32).astype(np.uint16)
    bits[(bits & exponent_mask) == exponent_mask] ^= np.uint16(0x4000)
    return bits


def quant_tensors():
    """(name, ggml type, raw array as written, dequantized reference) for every case."""
    cases = []

    def add(name, qtype, raw):
        reference = gguf.quants.dequantize(raw, qtype).astype(np.float32)
        cases.append((name, qtype, raw, reference))

    values = RNG.standard_normal((4, 256)).astype(np.float32)
    add("f32", Q.F32, values[:3, :37].copy())
    add("f16", Q.F16, finite_halves((3, 40), 0x7C00).view(np.float16))
    add("bf16.random_bits", Q.BF16, finite_halves((2, 48), 0x7F80).view(np.uint8).reshape(2, 96))
    add("bf16.quantized", Q.BF16, gguf.quants.quantize(values[:2, :64], Q.BF16))
    for qtype in (Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0):
        name = qtype.name.lower()
        add(f"{name}.random_bits", qtype, random_blocks(qtype, (3, 96)))
        add(f"{name}.quantized", qtype, gguf.quants.quantize(values[:, :128], qtype))
    add("q4_0.three_dims", Q.Q4_0, random_blocks(Q.Q4_0, (2, 3, 64)))
    for qtype in (Q.Q2_K, Q.Q3_K, Q.Q4_K, Q.Q5_K, Q.Q6_K):
        add(f"{qtype.name.lower()}.random_bits", qtype, random_blocks(qtype, (3, 512)))
    return cases


def write_quants():
    path = OUT / "quants.gguf"
    writer = gguf.GGUFWriter(str(path), arch="llama", use_temp_file=False)
    writer.add_custom_alignment(64)
    cases = quant_tensors()
    manifest, references, offset = [], [], 0
    for name, qtype, raw, reference in cases:
        if qtype in (Q.F32, Q.F16):
            writer.add_tensor(name, raw)
        else:
            writer.add_tensor(name, raw, raw_dtype=qtype)
        manifest.append({"name": name, "type": qtype.name, "dimensions": list(reversed(reference.shape)),
                         "offset": offset, "count": int(reference.size)})
        references.append(reference.ravel())
        offset += reference.size
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    (OUT / "quants.expected.json").write_text(json.dumps({"alignment": 64, "tensors": manifest}, indent=1) + "\n")
    np.concatenate(references).astype("<f4").tofile(OUT / "quants.expected.f32")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    write_metadata()
    write_quants()
    for file in sorted(OUT.iterdir()):
        print(f"{file.stat().st_size:8d}  {file.relative_to(OUT.parent.parent.parent)}")
