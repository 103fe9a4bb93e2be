#!/usr/bin/env bash
# Query latency on an indexed store, for docs/benchmarks.md ("Scale"): COUNT cold `neurodex
# neuron --format json` processes on random neurons (wall seconds each: process start, store
# open, lookup, JSON), then `neurodex serve` on the store and `neurodex-bench serve` against it
# with 1 and 8 clients (warm requests for the full neuron document).
#
# usage: Tools/scale_queries.sh STORE LAYERS NEURONS [COUNT] [PORT]
#   e.g. Tools/scale_queries.sh /tmp/scale-xl/store 48 6400 20 8091
set -euo pipefail
store=$1 layers=$2 neurons=$3 count=${4:-20} port=${5:-8091}
neurodex=${NEURODEX:-.build/release/neurodex}
bench=${NEURODEX_BENCH:-.build/release/neurodex-bench}
RANDOM=7
times=()
for ((i = 0; i < count; i++)); do
    layer=$((RANDOM % layers)) neuron=$(((RANDOM * 32768 + RANDOM) % neurons))
    start=$(date +%s.%N)
    "$neurodex" neuron --store "$store" "$layer" "$neuron" --format json > /dev/null
    times+=("$(echo "$(date +%s.%N) - $start" | bc)")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END {
    printf "cold neurodex neuron, %d random neurons: median %.3f s, max %.3f s\n", NR, t[int((NR + 1) / 2)], t[NR] }'
"$neurodex" serve --store "$store" --port "$port" > /dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/api/neurons/0/0" > /dev/null 2>&1 && break
    sleep 0.2
done
for clients in 1 8; do
    echo "serve, $clients client(s):"
    "$bench" serve --port "$port" --clients "$clients" --requests 2000 --warmup 200 \
        --layers "$layers" --neurons "$neurons" --pid "$server"
done
