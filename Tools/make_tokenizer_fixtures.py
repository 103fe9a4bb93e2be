#!/usr/bin/env python3
"""Reference token ids for the Tokenizers tests.

Writes, under Tests/Fixtures/tokenizer/:
  gpt2_cases.json       a varied text set encoded by transformers' GPT2TokenizerFast built from
                        Tests/Fixtures/gpt2-tokenizer/{vocab.json,merges.txt} (nothing downloaded)
  smollm2_vocab.json    the tokenizer tables of SmolLM2-135M-Instruct.Q4_1.gguf, as the GGUF
                        metadata gives them (tokens, merges, token types, special ids, pre)
  smollm2_cases.json    the same text set encoded by transformers' tokenizer for that GGUF
  tiny-bpe/tokenizer.json, tiny-bpe-legacy-merges/tokenizer.json, tiny_bpe_cases.json
                        a small byte-level BPE trained here with the `tokenizers` library
                        (Digits + ByteLevel pre-tokenizer, added tokens), saved as HF
                        tokenizer.json (merges as pairs, and as "a b" strings), with its ids

The SmolLM2 GGUF comes from Tools/fetch_smollm2.sh (default <repo>/models/), or --gguf PATH.

About the SmolLM2 reference: the GGUF says tokenizer.ggml.pre = "smollm". llama.cpp splits such
text on \\p{N} (each digit alone) before GPT-2's regex, and SmolLM2's own tokenizer.json has the
pre-tokenizer Sequence[Digits(individual_digits=True), ByteLevel]. transformers' GGUF loader
does not know "smollm" and falls back to plain ByteLevel, which differs on text such as "a  1".
So the reference here is transformers' GGUF tokenizer with SmolLM2's real pre-tokenizer put
back; the script prints how many cases the unmodified loader would get differently.

Deterministic: the text set is built from a fixed seed. Rerun with
    python3 Tools/make_tokenizer_fixtures.py [--gguf PATH]
"""

import argparse
import json
import random
import unicodedata
from pathlib import Path

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoTokenizer, GPT2TokenizerFast

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "Tests" / "Fixtures"
OUT = FIXTURES / "tokenizer"
GPT2_FILES = FIXTURES / "gpt2-tokenizer"
SHAKESPEARE = OUT / "shakespeare_excerpt.txt"
DEFAULT_GGUF = REPO / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


def nfd(text):
    return unicodedata.normalize("NFD", text)


def nfc(text):
    return unicodedata.normalize("NFC", text)


def hand_written_texts():
    accented = "Ångström café naïve résumé Việt Nam Ελληνικά façade Zürich"
    hangul = "한국어 텍스트"
    return [
        # empty and whitespace runs
        "", " ", "  ", "a", "Hello world", "Hello  world", "Hello   world",
        "   leading spaces", "trailing spaces   ", "a \t b", "\t\tindented", "tab\tseparated\tvalues",
        "line1\nline2", "line1\n\nline2", "line1\n\n\nline2", "x\r\ny\r\n", " \n \n ", "\n", "\r\n\r\n",
        "end with newline\n", "  \n  x", "a \n b", "a\u00a0b", "a\u00a0\u00a0b", "a\u3000\u3000b",
        "x\u2028y", "x\u2029y", "a\u0085b", "a\u0085\u0085 b", "\x1c\x1d\x1e\x1f sep", "a\u180eb",
        "a\u200bb", "a\u202f\u205fb", "a\u1680b", "a\x0b\x0cb",
        # contractions, lower and upper case
        "I'm sure they'll say it's fine, don't you think? We've seen it; he'd go.",
        "IT'S DON'T WE'LL THEY'VE I'M HE'D YOU'RE", "We'LL It'S", "'s", " 's", "''s", "'", "''",
        "rock'n'roll", "O'Neil's dog's bone", "the cats' toys", "'tis 'twas", "'re've'm'll'd",
        "\u2019s curly apostrophe", "don\u2019t",
        # digits and numbers
        "0", "42", " 42", "  42", "x  1", "a 12 b", "123", "1234567890123456789", "3.14159",
        "1,000,000", "a1b2c3", "2024-01-01T12:34:56Z", "v1.2.3-rc4", "$19.99", "-5e-10", "0x1F",
        "\u0663\u0664\u0665 arabic-indic", "\u216b roman twelve", "\u00bd half", "x\u00b2 + y\u00b3",
        "\uff11\uff12\uff13 fullwidth", "\u2460\u2461 circled",
        # emoji, including ZWJ sequences, skin tones, flags, variation selectors
        "\U0001F600", "smile \U0001F600!", "\U0001F44D\U0001F3FD", "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466",
        "\U0001F1EB\U0001F1F7 \U0001F1EF\U0001F1F5", "\u2764\ufe0f", "\U0001F3F3\ufe0f\u200d\U0001F308",
        "\U0001F9D1\U0001F3FF\u200d\U0001F4BB coding", "emoji\U0001F600\U0001F600\U0001F600run",
        # CJK and other scripts
        "你好，世界！", "日本語のテキストとカタカナ ー", hangul, nfd(hangul), "Россия и Україна", "مرحبا بالعالم",
        "हिन्दी", "ไทย", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math letters",
        # accented letters, combining marks, NFC vs NFD of the same text
        nfc(accented), nfd(accented), "e\u0301", "\u00e9", "a\u0300\u0301\u0302", " \u0301 lone combining",
        "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319 zalgo",
        # invalid-looking byte sequences written as escaped text, control characters, replacement char
        "\\xff\\xfe\\x00", "\\x80abc", "\\u00e9 \\U0001F600", "%C3%A9%ZZ", "\ufffd", "bad \ufffd\ufffd bytes",
        "\x00 nul", "\x04\x06 control", "a\x04b", "\x7f del", "\x1b[31mred\x1b[0m", "\ufeffBOM", "\ue000 private use",
        # special tokens inside text
        "<|endoftext|>", "a<|endoftext|>b", "<|endoftext|><|endoftext|>", " <|endoftext|> ", "x <|endoftext|>\n",
        "<|endoftext|", "<|endoftext|>>", "<<|endoftext|>", "<|ENDOFTEXT|>", "<|im_start|>user\nhi<|im_end|>",
        "<|end|><|endoftext|>", "x<think>y", "\u00abFIN\u00bb done",
        # code and punctuation
        "def foo(x):\n    return x ** 2  # square\n", "if (a && b) { c++; }", "Punctuation!!! ??? ... --- (parens)",
        "email@example.com https://example.org/path?q=1&r=2", "~~~***###", "\"quoted\" and 'single'",
    ]


def shakespeare_texts():
    lines = SHAKESPEARE.read_text(encoding="utf-8").split("\n")
    texts = [line for line in lines[:60] if line]
    texts += ["\n".join(lines[i:i + 12]) for i in range(0, len(lines), 12)]
    texts.append("\n".join(lines))
    return texts


# Pieces for random texts: every character class the pre-tokenizer distinguishes, and their seams.
PIECES = [
    " ", " ", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u0085", "\x1c",
    "a", "Z", "word", "The", "\u00e9", "e\u0301", "\u00df", "\u0130", "\u65e5\u672c", "\ud55c", "\u0410\u0431",
    "'", "'s", "'S", "'ll", "'re", "'d", "\u2019",
    "0", "7", "42", "123456", "\u0663", "\u00bd", "\u216b", "\u00b2",
    ".", ",", "!", "?", "-", "$", "\u20ac", "(", ")", "\"", "#", "\\", "_", "\u0640",
    "\U0001F600", "\U0001F468\u200d\U0001F469\u200d\U0001F467", "\U0001F44D\U0001F3FD", "\u2764\ufe0f",
    "\u200b", "\u0300", "\x04", "\x00", "\ufffd",
    "<|endoftext|>", "<|im_start|>", "<think>",
]


def random_texts(rng, count):
    texts = []
    for _ in range(count):
        texts.append("".join(rng.choice(PIECES) for _ in range(rng.randint(1, 24))))
    ascii_alphabet = " \t\n'sSltdmrveA0123456789.,!?-_"
    for _ in range(count // 2):
        texts.append("".join(rng.choice(ascii_alphabet) for _ in range(rng.randint(1, 30))))
    return texts


def text_set():
    rng = random.Random(20250611)
    texts = hand_written_texts() + shakespeare_texts() + random_texts(rng, 300)
    seen, unique = set(), []
    for text in texts:
        if text not in seen:
            seen.add(text)
            unique.append(text)
    return unique


def write_json(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path.relative_to(REPO)} ({path.stat().st_size:,} bytes)")


def cases(encode, decode, texts, source):
    entries = []
    for text in texts:
        ids = encode(text)
        entries.append({"text": text, "ids": ids, "decoded": decode(ids)})
    return {"source": source, "cases": entries}


def gpt2_fixture(texts):
    tokenizer = GPT2TokenizerFast.from_pretrained(str(GPT2_FILES))
    assert len(tokenizer) == 50257, len(tokenizer)
    backend = tokenizer.backend_tokenizer
    encode = lambda text: backend.encode(text, add_special_tokens=False).ids
    decode = lambda ids: backend.decode(ids, skip_special_tokens=False)
    fixture = cases(encode, decode, texts, "transformers GPT2TokenizerFast from vocab.json + merges.txt")
    for case in fixture["cases"]:
        assert case["decoded"] == case["text"], case["text"]
    write_json(OUT / "gpt2_cases.json", fixture)


def smollm2_fixtures(texts, gguf_path):
    import gguf

    reader = gguf.GGUFReader(str(gguf_path))

    def field(key):
        return reader.fields[key].contents() if key in reader.fields else None

    tables = {
        "source": f"tokenizer.ggml.* metadata of {gguf_path.name}",
        "model": field("tokenizer.ggml.model"),
        "pre": field("tokenizer.ggml.pre"),
        "bos_token_id": field("tokenizer.ggml.bos_token_id"),
        "eos_token_id": field("tokenizer.ggml.eos_token_id"),
        "unknown_token_id": field("tokenizer.ggml.unknown_token_id"),
        "padding_token_id": field("tokenizer.ggml.padding_token_id"),
        "add_bos_token": field("tokenizer.ggml.add_bos_token"),
        "tokens": field("tokenizer.ggml.tokens"),
        "token_type": field("tokenizer.ggml.token_type"),
        "merges": field("tokenizer.ggml.merges"),
    }
    assert tables["pre"] == "smollm" and len(tables["tokens"]) == 49152
    write_json(OUT / "smollm2_vocab.json", tables)

    tokenizer = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    backend = tokenizer.backend_tokenizer
    stock = [backend.encode(text, add_special_tokens=False).ids for text in texts]
    backend.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    encode = lambda text: backend.encode(text, add_special_tokens=False).ids
    decode = lambda ids: backend.decode(ids, skip_special_tokens=False)
    fixture = cases(encode, decode, texts,
                    "transformers tokenizer from the GGUF, pre-tokenizer Sequence[Digits(individual_digits), ByteLevel]")
    differing = sum(1 for case, ids in zip(fixture["cases"], stock) if case["ids"] != ids)
    print(f"smollm2: {differing} of {len(texts)} cases differ from transformers' unmodified GGUF pre-tokenizer")
    write_json(OUT / "smollm2_cases.json", fixture)


TINY_SPECIALS = ["<|endoftext|>", "<|end|>", "<|pad|>"]


def tiny_bpe_fixture(texts):
    tokenizer = Tokenizer(models.BPE(unk_token=None))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=700, special_tokens=TINY_SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    corpus = [SHAKESPEARE.read_text(encoding="utf-8")] + texts
    tokenizer.train_from_iterator(corpus, trainer=trainer)
    tokenizer.add_tokens([AddedToken("<think>", special=False, normalized=False),
                          AddedToken("\u00abFIN\u00bb", special=False, normalized=False)])

    document = json.loads(tokenizer.to_str())
    write_json(OUT / "tiny-bpe" / "tokenizer.json", document)
    legacy = json.loads(tokenizer.to_str())
    legacy["model"]["merges"] = [" ".join(pair) for pair in legacy["model"]["merges"]]
    write_json(OUT / "tiny-bpe-legacy-merges" / "tokenizer.json", legacy)
    reloaded = Tokenizer.from_file(str(OUT / "tiny-bpe-legacy-merges" / "tokenizer.json"))

    encode = lambda text: tokenizer.encode(text, add_special_tokens=False).ids
    decode = lambda ids: tokenizer.decode(ids, skip_special_tokens=False)
    for text in texts:
        assert reloaded.encode(text, add_special_tokens=False).ids == encode(text), text
    write_json(OUT / "tiny_bpe_cases.json",
               cases(encode, decode, texts, "tokenizers BPE trained on the excerpt, Digits + ByteLevel"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gguf", type=Path, default=DEFAULT_GGUF,
                        help="SmolLM2-135M-Instruct.Q4_1.gguf (get it with Tools/fetch_smollm2.sh)")
    args = parser.parse_args()
    if not args.gguf.is_file():
        raise SystemExit(f"error: {args.gguf} not found; run Tools/fetch_smollm2.sh or pass --gguf PATH")

    texts = text_set()
    print(f"{len(texts)} texts")
    gpt2_fixture(texts)
    smollm2_fixtures(texts, args.gguf.resolve())
    tiny_bpe_fixture(texts)


if __name__ == "__main__":
    main()
