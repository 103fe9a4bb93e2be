#!/usr/bin/env bash
# The 16-shard merge of docs/benchmarks.md ("Scale"): N release `neurodex index --shard i/N
# --layers all --top-k 100` runs into WORK/shard-i, `neurodex merge --threads 2` of them into
# WORK/merged under /usr/bin/time -v, then (unless SINGLE=0) one single-process run over the
# same corpus into WORK/single, and both stores' `info --digest`. Each step's `time -v` output
# goes to WORK/<step>.time; store sizes are printed at the end.
#
# usage: [PARALLEL=P] [SINGLE=0] Tools/scale_merge.sh MODEL CORPUS WORK [N] [THREADS]
#   (PARALLEL: shard runs at once, default 1; SINGLE=0: no single-process run)
#   e.g. python3 Tools/make_gpt2_random.py /tmp/gpt2-small-tiny small tiny-vocab
#        python3 Tools/scale_corpus.py corpora/tinyshakespeare.txt 64000 4000 /tmp/small.jsonl
#        PARALLEL=2 Tools/scale_merge.sh /tmp/gpt2-small-tiny /tmp/small.jsonl /tmp/scale-merge 16 1
set -euo pipefail
model=$1 corpus=$2 work=$3 shards=${4:-16} threads=${5:-2}
neurodex=${NEURODEX:-.build/release/neurodex}
mkdir -p "$work"
index() {  # STORE-NAME [extra options…]
    local name=$1; shift
    rm -rf "${work:?}/$name"
    /usr/bin/time -v "$neurodex" index --model "$model" --corpus "$corpus" --store "$work/$name" \
        --layers all --top-k 100 --threads "$threads" --quiet "$@" 2> "$work/$name.time" | tail -2
}
peak() { grep -E 'Elapsed|Maximum resident' "$1" | sed 's/^\s*//' | tr '\n' ' '; echo; }
parallel=${PARALLEL:-1}  # shard runs at once
for ((first = 0; first < shards; first += parallel)); do
    for ((i = first; i < first + parallel && i < shards; i++)); do
        index "shard-$i" --shard "$i/$shards" &
    done
    wait
    for ((i = first; i < first + parallel && i < shards; i++)); do
        echo "shard $i/$shards: $(peak "$work/shard-$i.time")"
    done
done
rm -rf "$work/merged"
/usr/bin/time -v "$neurodex" merge --store "$work/merged" --model "$model" --threads 2 \
    $(for ((i = 0; i < shards; i++)); do echo "$work/shard-$i"; done) 2> "$work/merged.time"
echo "merge: $(peak "$work/merged.time")"
echo "merged digest: $("$neurodex" info --store "$work/merged" --digest)"
if [[ ${SINGLE:-1} != 0 ]]; then
    index single
    echo "single: $(peak "$work/single.time")"
    echo "single digest: $("$neurodex" info --store "$work/single" --digest)"
fi
du -sb "$work"/shard-0/* "$work"/merged/* "$work"/single/* 2>/dev/null || true
du -sbc "$work"/shard-*/ | tail -1
