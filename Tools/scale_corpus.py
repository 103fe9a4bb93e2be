"""Cuts the first BYTES bytes of a text file into documents of about DOC_BYTES bytes each (at
line ends), written as JSONL (one {"text": …} per line): a corpus that `neurodex index --shard
i/n` can split, for the scale benchmarks of docs/benchmarks.md.

usage: python3 Tools/scale_corpus.py TEXT BYTES DOC_BYTES OUT.jsonl
"""
import json, sys

source, limit, document_bytes, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with open(source, encoding="utf-8") as f:
    text = f.read()
documents, current, size, total = [], [], 0, 0
for line in text.splitlines(keepends=True):
    length = len(line.encode())
    if total + length > limit:
        break
    current.append(line)
    size += length
    total += length
    if size >= document_bytes:
        documents.append("".join(current))
        current, size = [], 0
if current:
    documents.append("".join(current))
with open(out, "w", encoding="utf-8") as f:
    for document in documents:
        f.write(json.dumps({"text": document}) + "\n")
print(f"{len(documents)} documents, {total} bytes, to {out}")
