#!/usr/bin/env python3
"""SentencePiece-style BPE tokenizer.json files (byte fallback) and their reference ids.

Llama 2 and Mistral 7B v0.1 ship a tokenizer.json whose BPE model has `byte_fallback: true`
and `fuse_unk: true`, the tokens `<0x00>`…`<0xFF>` at ids 3…258, no pre-tokenizer, the
normalizer Sequence[Prepend("▁"), Replace(" ", "▁")] and the decoder
Sequence[Replace("▁", " "), ByteFallback, Fuse, Strip(" ", 1, 0)]. Newer conversions (and
transformers 5's LlamaTokenizer) drop the normalizer for a Metaspace pre-tokenizer with a
prepend scheme ("first" or "always", split false). This script trains a small BPE of that
kind on the first half of the Shakespeare excerpt with the `tokenizers` library (no
sentencepiece, nothing downloaded), inserts the 256 byte tokens as the converters do, and
writes, under Tests/Fixtures/tokenizer/:
  sentencepiece-<variant>/tokenizer.json, tokenizer_config.json   for the variants
      legacy  (Llama 2 / Mistral v0.1 normalizer, no pre-tokenizer)
      first   (Metaspace, prepend_scheme "first")
      always  (Metaspace, prepend_scheme "always")
  sentencepiece_<variant>_cases.json   {"source", "cases": [{"text", "ids", "decoded"}]}: the
      text set of make_tokenizer_fixtures.py plus the held-out half and special-token strings,
      encoded by transformers' PreTrainedTokenizerFast (checked equal to `tokenizers`) without
      special tokens, and decoded by it.
Every tokenizer also has the non-special added token "<pad>" with normalized: true, which HF
matches in normalized text against its normalized content.

Deterministic. Rerun with
    python3 Tools/make_sentencepiece_fixtures.py
Tools/make_llama_hf_fixtures.py imports `build_tokenizer` for its Mistral and Llama 3.1 folders.
"""

import json
from pathlib import Path

from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

from make_tokenizer_fixtures import text_set

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "Tests" / "Fixtures" / "tokenizer"
EXCERPT_LINES = (OUT / "shakespeare_excerpt.txt").read_text(encoding="utf-8").split("\n")
SPECIALS = ["<unk>", "<s>", "</s>"]
VARIANTS = ("legacy", "first", "always")
EXTRA_TEXTS = [
    "<s>", "</s>", "<unk>", "<s>Hello</s>", "a<s>b", " <s> x", "<s> leading space", "Hello</s> world",
    "<pad>", "a<pad>b", " <pad>", "x <pad> y", "<pad><pad>", "\u2581", "\u2581\u2581x", "a\u2581b", " \u2581 ",
    "naïve café — «quoted» 日本語のテキスト 😀👍🏽", "Ω≈ç√∫ 12345 ٣٤٥", "tab\tand\nnewline\r\n end",
]


def train(vocab_size):
    """A BPE over the excerpt's characters, each word starting with "▁" as SentencePiece's do."""
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True, byte_fallback=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - 256, special_tokens=SPECIALS, show_progress=False)
    tokenizer.train_from_iterator(EXCERPT_LINES[: len(EXCERPT_LINES) // 2], trainer=trainer)
    return json.loads(tokenizer.to_str())


def build_tokenizer(variant, vocab_size=512):
    """The tokenizer of `variant` ("legacy", "first" or "always") with `vocab_size` tokens:
    <unk> <s> </s>, the 256 byte tokens, then the trained pieces."""
    document = train(vocab_size)
    pieces = sorted(document["model"]["vocab"].items(), key=lambda item: item[1])
    vocab = {token: id for id, token in enumerate(SPECIALS)}
    for byte in range(256):
        vocab[f"<0x{byte:02X}>"] = len(vocab)
    for token, _ in pieces:
        if token not in vocab:
            vocab[token] = len(vocab)
    assert len(vocab) == vocab_size, len(vocab)
    document["model"]["vocab"] = vocab
    document["model"]["byte_fallback"] = True
    document["model"]["fuse_unk"] = True
    for token in document["added_tokens"]:
        token["id"] = vocab[token["content"]]
        token["normalized"] = False
    document["pre_tokenizer"] = None
    document["normalizer"] = None
    document["post_processor"] = None
    tokenizer = Tokenizer.from_str(json.dumps(document))
    if variant == "legacy":
        tokenizer.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    else:
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme=variant, split=False)
    tokenizer.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(),
                                           decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    tokenizer.add_tokens([AddedToken("<pad>", special=False, normalized=True)])
    return tokenizer


def save(tokenizer, folder):
    """tokenizer.json and tokenizer_config.json (BOS <s>, EOS </s>) in `folder`; the fast tokenizer."""
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>")
    fast.save_pretrained(folder)
    for extra in ("special_tokens_map.json",):
        (Path(folder) / extra).unlink(missing_ok=True)
    return PreTrainedTokenizerFast(tokenizer_file=str(Path(folder) / "tokenizer.json"))


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path.relative_to(REPO)} ({path.stat().st_size:,} bytes)")


def main():
    held_out = EXCERPT_LINES[len(EXCERPT_LINES) // 2:]
    texts = text_set() + ["\n".join(held_out)] + [line for line in held_out if line.strip()] + EXTRA_TEXTS
    texts = list(dict.fromkeys(texts))
    for variant in VARIANTS:
        tokenizer = build_tokenizer(variant)
        folder = OUT / f"sentencepiece-{variant}"
        fast = save(tokenizer, folder)
        backend = Tokenizer.from_file(str(folder / "tokenizer.json"))
        cases, fallbacks = [], 0
        for text in texts:
            ids = fast.encode(text, add_special_tokens=False)
            assert ids == backend.encode(text, add_special_tokens=False).ids, text
            fallbacks += sum(1 for id in ids if 3 <= id < 259)
            cases.append({"text": text, "ids": ids, "decoded": fast.decode(ids, skip_special_tokens=False)})
        print(f"{variant}: {len(cases)} cases, {fallbacks} byte-fallback tokens")
        write_json(OUT / f"sentencepiece_{variant}_cases.json",
                   {"source": f"transformers PreTrainedTokenizerFast, SentencePiece-style BPE ({variant})",
                    "cases": cases})


if __name__ == "__main__":
    main()
