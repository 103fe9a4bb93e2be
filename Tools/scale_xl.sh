#!/usr/bin/env bash
# The GPT-2 XL run of docs/benchmarks.md ("Scale"): `neurodex index --layers all` of a random
# GPT-2 XL folder under /usr/bin/time -v, with the process's resident memory sampled every 2 s
# (WORK/rss.tsv: seconds, then kB of VmRSS, RssAnon, RssFile and of the activations.lmdb map's
# resident pages) to see which phase holds it and what, then the store's size per neuron.
# Extra arguments go to `neurodex index`.
#
# usage: Tools/scale_xl.sh MODEL CORPUS WORK [index options…]
#   e.g. python3 Tools/make_gpt2_random.py /tmp/gpt2-xl xl        # 6.2 GB, outside the repository
#        python3 Tools/scale_corpus.py corpora/tinyshakespeare.txt 70000 4000 /tmp/xl.jsonl
#        Tools/scale_xl.sh /tmp/gpt2-xl /tmp/xl.jsonl /tmp/scale-xl --checkpoint-seconds 3600
set -euo pipefail
model=$1 corpus=$2 work=$3; shift 3
neurodex=${NEURODEX:-.build/release/neurodex}
mkdir -p "$work"
rm -rf "${work:?}/store"
/usr/bin/time -v "$neurodex" index --model "$model" --corpus "$corpus" --store "$work/store" \
    --layers all --top-k 100 --threads 2 --quiet "$@" > "$work/index.out" 2> "$work/index.time" &
timer=$!
sleep 1
pid=$(pgrep -P "$timer" || true)  # the one child of time, whatever NEURODEX names it
start=$(date +%s)
: > "$work/rss.tsv"
while [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/^(VmRSS|RssAnon|RssFile):/ {printf "%s\t", $2}' "/proc/$pid/status" 2>/dev/null || true)
    lmdb=$(awk '/activations.lmdb/ {on = 1; next} /^[0-9a-f]+-/ {on = 0} on && /^Rss:/ {kb += $2}
                END {print kb + 0}' "/proc/$pid/smaps" 2>/dev/null || true)
    [[ -n $rss ]] && printf '%s\t%s%s\n' $(($(date +%s) - start)) "$rss" "$lmdb" >> "$work/rss.tsv"
    sleep 2
done
wait "$timer"
cat "$work/index.out"
grep -E 'Elapsed|Maximum resident|Major|File system outputs' "$work/index.time"
neurons=$("$neurodex" info --store "$work/store" --format json | python3 -c \
    'import json, sys; s = json.load(sys.stdin); print(sum(l["neurons"] for l in s["layers"]))' 2>/dev/null || echo 0)
bytes=$(du -sbc "$work/store"/activations.lmdb "$work/store"/catalog.sqlite | tail -1 | cut -f1)
echo "store: $bytes bytes for $neurons neurons"
[[ $neurons -gt 0 ]] && echo "bytes per neuron: $((bytes / neurons))"
