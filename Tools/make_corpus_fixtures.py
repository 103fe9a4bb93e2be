#!/usr/bin/env python3
"""Writes the compressed-corpus fixtures in Tests/Fixtures/corpus from the Shakespeare excerpt.

lines.jsonl (over 64 KiB, so lines cross the reader's chunks) and its gzip (two concatenated
members) and zstd (two frames) copies; small.jsonl and play.txt, with .gz and .zst copies,
for indexing. Needs python3 and the `zstd` command (Debian package zstd).
"""
import gzip
import json
import pathlib
import subprocess

root = pathlib.Path(__file__).resolve().parent.parent
excerpt = (root / "Tests/Fixtures/tokenizer/shakespeare_excerpt.txt").read_text()
out = root / "Tests/Fixtures/corpus"
out.mkdir(parents=True, exist_ok=True)
lines = [line for line in excerpt.split("\n") if line.strip()]


def write(name, data):
    (out / name).write_bytes(data)


def gzip_members(parts):
    # mtime 0: the same bytes on every run.
    return b"".join(gzip.compress(part, mtime=0) for part in parts)


def zstd_frames(parts):
    return b"".join(subprocess.run(["zstd", "-q", "-c", "-19"], input=part, check=True,
                                   stdout=subprocess.PIPE).stdout for part in parts)


def jsonl(records):
    return "".join(json.dumps(r, sort_keys=True) + "\n" for r in records).encode()


# 120 records of 20 lines each, some with an extra field: about 95 KB.
records = []
for i in range(120):
    record = {"text": "\n".join(lines[(i + k) % len(lines)] for k in range(20))}
    if i % 3 == 0:
        record["id"] = f"doc-{i}"
    records.append(record)
big = jsonl(records)
half = big.index(b"\n", len(big) // 2) + 1 - 7  # a member ends inside a line
write("lines.jsonl", big)
write("lines.jsonl.gz", gzip_members([big[:half], big[half:]]))
write("lines.jsonl.zst", zstd_frames([big[:half], big[half:]]))

small = jsonl([{"text": " ".join(lines[0:6]), "id": "a"}, {"text": " ".join(lines[6:9])},
               {"text": " ".join(lines[9:15])}])
write("small.jsonl", small)
write("small.jsonl.gz", gzip_members([small]))
write("small.jsonl.zst", zstd_frames([small]))
play = "\n".join(lines[15:40]).encode()
write("play.txt", play)
write("play.txt.gz", gzip_members([play]))
write("play.txt.zst", zstd_frames([play]))
