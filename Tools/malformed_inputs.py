#!/usr/bin/env python3
"""Malformed inputs: makes every hostile input of the reliability promise and runs the CLI on it.

    python3 Tools/malformed_inputs.py --neurodex .build/release/neurodex [--write docs/reliability.md]

Builds nothing; Python standard library only. For each case it checks that the command
- exits with a code ≠ 0 that is not a signal (or exits 0 where the input is legitimate and is
  accepted on purpose, e.g. invalid UTF-8, which is replaced and counted),
- prints exactly one line on standard error, naming the file at fault (or the option),
- leaves no store whose run claims to be complete.
Prints a Markdown table (case, command, exit code, the error line); with --write, replaces the
table between the `<!-- malformed:begin -->` and `<!-- malformed:end -->` markers of that file.
The disk-full case mounts a 2 MB tmpfs and needs root; it is reported as skipped otherwise.
Exits 1 when a case fails its checks.
"""

import argparse
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reliability_fixtures as fx  # noqa: E402

LONG_CASE_SECONDS = 90
TINY_GGUF = os.path.join(fx.REPO, "Tests", "Fixtures", "llama", "tiny.gguf")


# MARK: - Building blocks

def safetensors_file(path, header, data, declared_length=None):
    """Writes a safetensors file with this header dict (or raw header bytes) and data."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    length = len(text) if declared_length is None else declared_length
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", length) + text + data)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack_from("<Q", raw)
    return json.loads(raw[8:8 + n]), raw[8 + n:]


class GGUF:
    """The header of a GGUF file as (offset, length) spans, to corrupt fields in place."""

    SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

    def __init__(self, path):
        with open(path, "rb") as f:
            self.raw = bytearray(f.read())
        b, o = self.raw, 8
        self.tensor_count_at, self.metadata_count_at = o, o + 8
        tensors, count = struct.unpack_from("<QQ", b, o)
        o += 16
        self.metadata = {}  # key -> (key length offset, value type offset, value offset)
        for _ in range(count):
            key_at = o
            key, o = self._string(o)
            (kind,) = struct.unpack_from("<I", b, o)
            self.metadata[key] = (key_at, o, o + 4)
            o = self._value(kind, o + 4)
        self.tensors = {}  # name -> (dimension count offset, type offset, offset offset)
        for _ in range(tensors):
            name, o = self._string(o)
            (dims,) = struct.unpack_from("<I", b, o)
            self.tensors[name] = (o, o + 4 + 8 * dims, o + 8 + 8 * dims)
            o += 4 + 8 * dims + 12
        self.header_end = o

    def _string(self, o):
        (n,) = struct.unpack_from("<Q", self.raw, o)
        return self.raw[o + 8:o + 8 + n].decode(), o + 8 + n

    def _value(self, kind, o):
        if kind in self.SIZES:
            return o + self.SIZES[kind]
        if kind == 8:
            return self._string(o)[1]
        element, count = struct.unpack_from("<IQ", self.raw, o)
        o += 12
        for _ in range(count):
            o = self._value(element, o)
        return o

    def put(self, fmt, offset, *values):
        struct.pack_into(fmt, self.raw, offset, *values)
        return self

    def write(self, path, cut=None):
        with open(path, "wb") as out:
            out.write(bytes(self.raw[:cut]))
        return path


# MARK: - The cases

class Cases:
    def __init__(self, work, neurodex):
        self.work = work
        self.neurodex = neurodex
        self.gpt2 = fx.write_gpt2_folder(os.path.join(work, "base-gpt2"), n_positions=64)
        self.text = os.path.join(work, "base-corpus.txt")
        with open(fx.SHAKESPEARE, "rb") as f, open(self.text, "wb") as out:
            out.write(f.read(3000))
        self.count = 0

    def case_dir(self):
        self.count += 1
        path = os.path.join(self.work, "case-%02d" % self.count)
        os.makedirs(path)
        return path

    def model_copy(self, folder):
        model = os.path.join(folder, "model")
        shutil.copytree(self.gpt2, model)
        return model

    def index(self, model, corpus=None, store=None, extra=()):
        store = store or os.path.join(os.path.dirname(model), "store")
        return [self.neurodex, "index", "--model", model, "--corpus", corpus or self.text, "--store", store,
                "--layers", "0-1", "--top-k", "8", "--context", "32", "--quiet", "--threads", "1", *extra]

    def complete_store(self, folder, name="store"):
        store = os.path.join(folder, name)
        result = fx.run(self.index(self.gpt2, store=store))
        if result.returncode != 0:
            raise RuntimeError("could not make a store: " + result.stderr)
        return store

    # Each case: (group, name, build) where build(folder) returns (command, file that must be
    # named, store to check or None, expected: "error" | "accepted").
    def all(self):
        c = []

        def st(name, mutate, named="model.safetensors"):
            def build(folder):
                model = self.model_copy(folder)
                path = os.path.join(model, "model.safetensors")
                header, data = read_safetensors(path)
                mutate(path, header, data)
                return self.index(model), named, None, "error"
            c.append(("safetensors", name, build))

        st("file shorter than the 8-byte length", lambda p, h, d: open(p, "wb").write(b"\x10\x00\x00"))
        st("header length 2^63 (lying)", lambda p, h, d: safetensors_file(p, h, d, declared_length=1 << 63))
        st("header length past the end", lambda p, h, d: safetensors_file(p, h, d, declared_length=10_000_000))
        st("header is not JSON", lambda p, h, d: safetensors_file(p, b"{\"wte.weight\": [1, 2", d))
        st("data section truncated", lambda p, h, d: safetensors_file(p, h, d[:len(d) // 2]))

        def offsets_past_end(p, h, d):
            h["ln_f.bias"]["data_offsets"] = [len(d) + 64, len(d) + 64 + 128]
            safetensors_file(p, h, d)
        st("offsets past the end of the file", offsets_past_end)

        def overlapping(p, h, d):
            h["ln_f.bias"]["data_offsets"] = list(h["ln_f.weight"]["data_offsets"])
            safetensors_file(p, h, d)
        st("two tensors overlap", overlapping)

        def wrong_size(p, h, d):
            h["ln_f.bias"]["dtype"] = "F16"
            safetensors_file(p, h, d)
        st("dtype size disagrees with the offsets", wrong_size)

        def unknown_dtype(p, h, d):
            h["ln_f.bias"]["dtype"] = "F128"
            safetensors_file(p, h, d)
        st("unknown dtype", unknown_dtype)

        def absurd_dims(p, h, d):
            h["wte.weight"]["shape"] = [1 << 40, 1 << 40]
            safetensors_file(p, h, d)
        st("absurd dimensions (2^40 × 2^40)", absurd_dims)

        def negative_dims(p, h, d):
            h["wte.weight"]["shape"] = [-768, -32]
            safetensors_file(p, h, d)
        st("negative dimensions", negative_dims)

        def wrong_shape(p, h, d):
            begin, end = h["ln_f.bias"]["data_offsets"]
            h["ln_f.bias"]["shape"] = [(end - begin) // 8, 2]
            safetensors_file(p, h, d)
        st("tensor shape differs from config.json", wrong_shape, named="model")

        def integer_weights(p, h, d):
            h["ln_f.bias"]["dtype"] = "I32"
            safetensors_file(p, h, d)
        st("weights stored as I32", integer_weights)

        def missing_tensor(p, h, d):
            del h["h.1.mlp.c_fc.weight"]
            safetensors_file(p, h, d)
        st("a tensor is missing", missing_tensor, named="h.1.mlp.c_fc.weight")
        st("empty file", lambda p, h, d: open(p, "wb").close())

        def gg(name, mutate, cut=None):
            def build(folder):
                g = GGUF(TINY_GGUF)
                mutate(g)
                path = g.write(os.path.join(folder, "model.gguf"), cut=cut(g) if cut else None)
                return self.index(path), "model.gguf", None, "error"
            c.append(("GGUF", name, build))

        gg("bad magic", lambda g: g.put("4s", 0, b"GGUG"))
        gg("unsupported version 4", lambda g: g.put("<I", 4, 4))
        gg("truncated inside the header", lambda g: None, cut=lambda g: g.header_end - 30)
        gg("truncated data section", lambda g: None, cut=lambda g: len(g.raw) - 1000)
        gg("tensor count 2^62", lambda g: g.put("<Q", g.tensor_count_at, 1 << 62))
        gg("metadata count 2^62", lambda g: g.put("<Q", g.metadata_count_at, 1 << 62))
        gg("string length 2^62", lambda g: g.put("<Q", g.metadata["general.name"][0], 1 << 62))
        gg("array length 2^62", lambda g: g.put("<Q", g.metadata["tokenizer.ggml.tokens"][2] + 4, 1 << 62))
        gg("unknown metadata value type", lambda g: g.put("<I", g.metadata["general.name"][1], 99))
        gg("tensor offset past the end", lambda g: g.put("<Q", g.tensors["output.weight"][2], 1 << 40))
        gg("two tensors overlap", lambda g: g.put("<Q", g.tensors["output.weight"][2], 0))
        gg("misaligned tensor offset", lambda g: g.put("<Q", g.tensors["output.weight"][2], 85664 + 4))
        gg("unknown ggml type", lambda g: g.put("<I", g.tensors["output.weight"][1], 77))
        gg("absurd dimensions (2^62 × 2^62)",
           lambda g: g.put("<QQ", g.tensors["token_embd.weight"][0] + 4, 1 << 62, 1 << 62))
        gg("dimension count 9", lambda g: g.put("<I", g.tensors["output_norm.weight"][0], 9))
        gg("llama.block_count 0", lambda g: g.put("<I", g.metadata["llama.block_count"][2], 0))
        gg("llama.embedding_length 2^31", lambda g: g.put("<I", g.metadata["llama.embedding_length"][2], 1 << 31))
        gg("empty file", lambda g: None, cut=lambda g: 0)

        def cfg(name, mutate, named="config.json"):
            def build(folder):
                model = self.model_copy(folder)
                path = os.path.join(model, "config.json")
                with open(path) as f:
                    config = json.load(f)
                text = mutate(config)
                if text is None:
                    os.remove(path)
                else:
                    with open(path, "w") as out:
                        out.write(text if isinstance(text, str) else json.dumps(text))
                return self.index(model), named, None, "error"
            c.append(("config.json", name, build))

        cfg("not JSON", lambda k: "{\"n_layer\": 2,")
        cfg("empty", lambda k: "")
        cfg("a JSON array", lambda k: "[1, 2]")
        cfg("missing", lambda k: None, named="model")
        cfg("no n_embd", lambda k: {x: v for x, v in k.items() if x != "n_embd"})
        cfg("n_embd is a string", lambda k: {**k, "n_embd": "32"})
        cfg("n_head does not divide n_embd", lambda k: {**k, "n_head": 5})
        cfg("n_layer -1", lambda k: {**k, "n_layer": -1})
        cfg("vocab_size 2^40", lambda k: {**k, "vocab_size": 1 << 40})
        cfg("n_embd 1e300", lambda k: {**k, "n_embd": 1e300})
        cfg("unknown model_type", lambda k: {**k, "model_type": "mamba"})
        cfg("config disagrees with the weights", lambda k: {**k, "n_embd": 64}, named="model")

        def tok(name, mutate, named):
            def build(folder):
                model = self.model_copy(folder)
                mutate(model)
                return self.index(model), named, None, "error"
            c.append(("tokenizer", name, build))

        def write(path, text):
            with open(path, "w") as out:
                out.write(text)

        tok("tokenizer.json is not JSON", lambda m: write(os.path.join(m, "tokenizer.json"), "{\"model\": {"),
            "tokenizer.json")
        tok("no tokenizer files", lambda m: os.remove(os.path.join(m, "tokenizer.json")), "model")

        def no_vocab(m):
            t = json.load(open(os.path.join(m, "tokenizer.json")))
            del t["model"]["vocab"]
            write(os.path.join(m, "tokenizer.json"), json.dumps(t))
        tok("tokenizer.json without a vocabulary", no_vocab, "tokenizer.json")

        def unknown_merge(m):
            t = json.load(open(os.path.join(m, "tokenizer.json")))
            t["model"]["merges"] = ["zq xj"] + t["model"]["merges"]
            write(os.path.join(m, "tokenizer.json"), json.dumps(t))
        tok("a merge of unknown tokens", unknown_merge, "tokenizer.json")

        def gpt2_files(m, vocab, merges):
            os.remove(os.path.join(m, "tokenizer.json"))
            write(os.path.join(m, "vocab.json"), vocab)
            write(os.path.join(m, "merges.txt"), merges)
        tok("vocab.json is not JSON", lambda m: gpt2_files(m, "{\"a\": 0,", "#version: 0.2\n"), "vocab.json")
        tok("vocab.json with a negative id", lambda m: gpt2_files(m, "{\"a\": -1}", "#version: 0.2\n"), "vocab.json")
        tok("merges.txt line with one token", lambda m: gpt2_files(m, json.dumps({"a": 0, "b": 1}), "#version: 0.2\nab\n"),
            "merges.txt")

        def big_ids(m):
            t = json.load(open(os.path.join(m, "tokenizer.json")))
            t["model"]["vocab"]["Ġzzz"] = 5000
            write(os.path.join(m, "tokenizer.json"), json.dumps(t))
        tok("token ids beyond the model's vocabulary", big_ids, "model")

        def corpus(name, make, named, expected="error"):
            def build(folder):
                path = make(folder)
                store = os.path.join(folder, "store")
                return self.index(self.gpt2, corpus=path, store=store), named, store, expected
            c.append(("corpus", name, build))

        def file_with(name, data):
            def make(folder):
                path = os.path.join(folder, name)
                with open(path, "wb") as out:
                    out.write(data)
                return path
            return make

        corpus("invalid UTF-8 (replaced and counted)", file_with("bad.txt", b"caf\xe9 \xff\xfe ok\n" * 50), "bad.txt",
               expected="accepted")
        corpus("NUL bytes (kept as text)", file_with("nul.txt", b"to be\x00or not\x00\x00 to be\n" * 50), "nul.txt",
               expected="accepted")
        corpus("empty file", file_with("empty.txt", b""), "empty.txt")
        corpus("empty folder", lambda f: os.makedirs(os.path.join(f, "docs")) or os.path.join(f, "docs"), "docs")
        corpus("missing path", lambda f: os.path.join(f, "nowhere.txt"), "nowhere.txt")
        corpus("JSONL: a broken line", file_with("c.jsonl", b"{\"text\": \"fine\"}\n{\"text\": \"broken\n"), "c.jsonl:2")
        corpus("JSONL: a line without \"text\"", file_with("c.jsonl", b"{\"text\": \"a\"}\n{\"body\": \"b\"}\n"),
               "c.jsonl:2")
        corpus("JSONL: \"text\" is a number", file_with("c.jsonl", b"{\"text\": 12}\n"), "c.jsonl:1")
        corpus("JSONL: a line that is an array", file_with("c.jsonl", b"[\"text\"]\n"), "c.jsonl:1")
        corpus("JSONL: invalid UTF-8 inside a line (replaced and counted)",
               file_with("c.jsonl", b"{\"text\": \"caf\xe9\"}\n"), "c.jsonl", expected="accepted")
        corpus("JSONL: empty file", file_with("c.jsonl", b""), "c.jsonl")
        corpus("a 100 MB line without spaces", file_with("long.txt", b"a" * 100_000_000), "long.txt",
               expected="long")
        corpus("a 100 MB JSONL line", file_with("long.jsonl", b"{\"text\": \"" + b"to be " * 17_000_000 + b"\"}\n"),
               "long.jsonl", expected="long")

        def store_case(name, make, named, expected="error"):
            def build(folder):
                command, store = make(folder)
                return command, named, store, expected
            c.append(("store", name, build))

        def info(store):
            return [self.neurodex, "info", "--store", store]

        def neuron(store):
            return [self.neurodex, "neuron", "--store", store, "0", "1", "--format", "json"]

        def plain_folder(f):
            path = os.path.join(f, "notastore")
            os.makedirs(path)
            open(os.path.join(path, "notes.txt"), "w").write("hello")
            return path

        store_case("info on a folder that is not a store", lambda f: (info(plain_folder(f)), None), "notastore")
        store_case("index into a non-empty folder that is not a store",
                   lambda f: (self.index(self.gpt2, store=plain_folder(f)), None), "notastore")

        def a_file(f):
            path = os.path.join(f, "file")
            open(path, "w").write("x")
            return path
        store_case("store path is a file", lambda f: (info(a_file(f)), None), "file")
        store_case("missing store", lambda f: (info(os.path.join(f, "nothing")), None), "nothing")

        def garbage(f, name):
            store = self.complete_store(f)
            with open(os.path.join(store, name), "wb") as out:
                out.write(b"this is not a database " * 300)
            return store
        store_case("catalog.sqlite is garbage", lambda f: (neuron(garbage(f, "catalog.sqlite")), None),
                   "catalog.sqlite")
        store_case("activations.lmdb is garbage", lambda f: (neuron(garbage(f, "activations.lmdb")), None),
                   "activations.lmdb")

        def lmdb_version(f, version):
            """A complete store whose `format_version` (u32 little-endian, the value right after
            its key in the meta database's page) is rewritten to `version`."""
            store = self.complete_store(f)
            path = os.path.join(store, "activations.lmdb")
            raw = bytearray(open(path, "rb").read())
            key, found, at = b"format_version", 0, raw.find(b"format_version")
            while at >= 0:  # every copy: LMDB keeps older versions of the meta page in the file
                value_at = at + len(key)
                if 1 <= struct.unpack_from("<I", raw, value_at)[0] <= 64:
                    struct.pack_into("<I", raw, value_at, version)
                    found += 1
                at = raw.find(key, at + 1)
            if not found:
                raise RuntimeError("format_version not found in the LMDB file")
            open(path, "wb").write(raw)
            return store
        store_case("newer LMDB format version", lambda f: (neuron(lmdb_version(f, 99)), None), "activations.lmdb")
        store_case("LMDB format version 4 (read, not written), for a write",
                   lambda f: (self.index(self.gpt2, store=lmdb_version(f, 4), extra=["--append"]), None),
                   "activations.lmdb")

        def newer_catalog(f):
            store = self.complete_store(f)
            db = sqlite3.connect(os.path.join(store, "catalog.sqlite"))
            db.execute("INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
            db.commit()
            db.close()
            return store
        store_case("newer catalog schema", lambda f: (neuron(newer_catalog(f)), None), "catalog.sqlite")
        store_case("newer catalog schema, for a write",
                   lambda f: (self.index(self.gpt2, store=newer_catalog(f), extra=["--resume"]), None),
                   "catalog.sqlite")

        def read_only(f):
            store = self.complete_store(f)
            os.chmod(store, 0o555)
            return store
        store_case("read-only store, for a write",
                   lambda f: (self.index(self.gpt2, store=read_only(f), extra=["--resume"]), None), "store")

        def other_model(f):
            store = os.path.join(f, "store")
            fx.run(self.index(self.gpt2, store=store, extra=["--batch", "1"]) + ["--checkpoint-seconds", "0"])
            model = fx.write_gpt2_folder(os.path.join(f, "other"), seed=7)
            return self.index(model, store=store, extra=["--resume"]), None
        store_case("resume with another model", other_model, "other")

        def complete_again(f):
            store = self.complete_store(f)
            return self.index(self.gpt2, store=store), None  # complete before, rightly
        store_case("index again into a complete store", complete_again, "store")

        def disk_full(f):
            mount = os.path.join(f, "small")
            os.makedirs(mount)
            if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount]).returncode:
                return None, None
            self.mounted = mount
            big = fx.write_corpus_folder(os.path.join(f, "corpus"), 20, 20_000)
            return self.index(self.gpt2, corpus=big, store=os.path.join(mount, "store")), os.path.join(mount, "store")
        store_case("disk full (2 MB tmpfs)", disk_full, "store")
        return c


# MARK: - Running and judging

def run_capped(command, seconds):
    """Runs `command`; after `seconds` it is killed. Returns (CompletedProcess or None when it was
    killed, peak resident memory in MB)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    deadline = time.monotonic() + seconds
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with open("/proc/%d/status" % process.pid) as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) // 1024)
        except OSError:
            pass
        time.sleep(0.5)
    if process.poll() is None:
        process.kill()
        process.communicate()
        return None, peak
    out, err = process.communicate()
    return subprocess.CompletedProcess(command, process.returncode, out, err), peak


def judge(neurodex, command, named, store, expected, work):
    if expected == "long":
        # A legitimate but huge input: it must be worked through without a crash or a memory
        # blow-up; indexing 100 MB with a single checkpoint at its end takes long, so the run
        # is stopped after a while.
        result, peak = run_capped(command, LONG_CASE_SECONDS)
        if result is None:
            return "-", "(accepted) still indexing after %d s, peak memory %d MB; stopped" % (LONG_CASE_SECONDS, peak), []
        expected = "accepted"
    else:
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    line = lines[0] if lines else ""
    problems = []
    if result.returncode < 0:
        problems.append("killed by signal %d" % -result.returncode)
    elif expected == "error" and result.returncode == 0:
        problems.append("exit 0")
    elif expected == "accepted" and result.returncode != 0:
        problems.append("rejected")
    if result.returncode != 0:
        if len(lines) != 1:
            problems.append("%d lines on stderr" % len(lines))
        if named not in line:
            problems.append("does not name %s" % named)
    if store and os.path.isdir(store) and result.returncode != 0:
        summary = subprocess.run([neurodex, "info", "--store", store, "--format", "json"], capture_output=True, text=True)
        if summary.returncode == 0 and any(r["status"] == "complete" for r in json.loads(summary.stdout)["runs"]):
            problems.append("the store claims a complete run")
    shown = line.replace(work + "/", "").replace("Error: ", "")
    if result.returncode == 0:
        summary = [line for line in result.stdout.splitlines() if line.startswith("indexed")] or [""]
        shown = "(accepted) " + (shown or summary[0].replace(work + "/", ""))
    return result.returncode, shown, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neurodex")
    parser.add_argument("--write", help="a Markdown file whose table to replace")
    parser.add_argument("--only", help="run only the cases whose name contains this text")
    options = parser.parse_args()
    neurodex = fx.find_neurodex(options.neurodex)
    work = tempfile.mkdtemp(prefix="neurodex-malformed-")
    cases = Cases(work, neurodex)
    cases.mounted = None
    rows, failures = [], 0
    try:
        for group, name, build in cases.all():
            if options.only and options.only not in name:
                continue
            folder = cases.case_dir()
            command, named, store, expected = build(folder)
            if command is None:
                rows.append((group, name, "", "skipped", "needs root to mount a tmpfs", ""))
                continue
            code, line, problems = judge(neurodex, command, named, store, expected, work)
            verb = " ".join(command[1:2])
            rows.append((group, name, verb, str(code), line, "ok" if not problems else "; ".join(problems)))
            failures += bool(problems)
            print("%-12s %-48s exit %-4s %s%s" % (group, name, code, line[:150],
                                                "" if not problems else "   <-- " + "; ".join(problems)), flush=True)
            if cases.mounted:
                subprocess.run(["umount", cases.mounted])
                cases.mounted = None
    finally:
        if cases.mounted:
            subprocess.run(["umount", cases.mounted])
        subprocess.run(["chmod", "-R", "u+w", work])
        shutil.rmtree(work, ignore_errors=True)

    table = ["| input | case | command | exit | message (stderr, one line) | check |", "|---|---|---|---|---|---|"]
    for group, name, verb, code, line, verdict in rows:
        cell = line.replace("|", "\\|")
        table.append("| %s | %s | `%s` | %s | %s | %s |" % (group, name, verb, code, cell, verdict))
    text = "\n".join(table)
    print()
    print("%d cases, %d failing their checks" % (len(rows), failures))
    if options.write:
        with open(options.write) as f:
            doc = f.read()
        begin, end = "<!-- malformed:begin -->", "<!-- malformed:end -->"
        head, rest = doc.split(begin)
        _, tail = rest.split(end)
        with open(options.write, "w") as out:
            out.write(head + begin + "\n" + text + "\n" + end + tail)
    else:
        print(text)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
