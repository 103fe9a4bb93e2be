#!/usr/bin/env bash
# Sends `neurodex serve` the bad requests of docs/reliability.md ("The HTTP API") and prints the
# table of what each got: status and the one-line error. The server must be running on
# loopback over a store with layers 0-1 (e.g. the quickstart's), without --model.
#   bash Tools/serve_bad_inputs.sh [http://127.0.0.1:8080]
set -euo pipefail
base="${1:-http://127.0.0.1:8080}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
head -c 70000 /dev/zero | tr '\0' ' ' > "$tmp/large"
printf '[\xff\xfe]' > "$tmp/latin1"
printf '[%s]' "$(for i in $(seq 101); do printf '{"layer":0,"neuron":1},'; done | sed 's/,$//')" > "$tmp/batch"

echo "| case | request | status | error (one line) |"
echo "|---|---|---|---|"
row() {  # case, method, path, [body file]
    local args=(-s -o "$tmp/out" -w '%{http_code}' -X "$2" --path-as-is)
    [ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "@$4")
    local status
    status="$(curl "${args[@]}" "$base$3")"
    local message
    message="$(sed -n 's/^{"error":"\(.*\)"}$/\1/p' "$tmp/out" | sed 's/\\"/"/g; s/|/\\|/g')"
    echo "| $1 | \`$2 $3\` | $status | ${message:-(no error body)} |"
}
printf '%s' '[{"layer":0,"neuron":1}' > "$tmp/truncated"
printf '%s' '{"layer":0}' > "$tmp/shape"
printf '%s' '{"text":"hello","layer":1,"neuron":3}' > "$tmp/text"
row "unknown route" GET /api/nothing
row "path traversal" GET /assets/../../../etc/passwd
row "encoded path traversal" GET /assets/%2e%2e/%2e%2e/etc/passwd
row "wrong method" DELETE /api/layers/1
row "wrong method" PUT /api/neurons/1/3
row "layer not a number" GET /api/neurons/x/3
row "layer negative" GET /api/neurons/-1/3
row "layer beyond Int" GET /api/neurons/99999999999999999999/3
row "layer outside the model" GET /api/neurons/99/3
row "neuron outside the layer" GET /api/neurons/1/999999
row "unknown sort" GET "/api/layers/1?sort=color"
row "limit out of range" GET "/api/layers/1?limit=100000"
row "search without a token" GET /api/search
row "token outside the vocabulary" GET "/api/search?token=%E2%98%83%E2%98%83%E2%98%83"
row "unknown embeddings" GET "/api/neurons/1/3/analysis?embeddings=random"
row "malformed JSON" POST /api/neurons "$tmp/truncated"
row "JSON of another shape" POST /api/neurons "$tmp/shape"
row "non-UTF-8 body" POST /api/neurons "$tmp/latin1"
row "batch of 101 neurons" POST /api/neurons "$tmp/batch"
row "body over 64 KiB" POST /api/neurons "$tmp/large"
row "inference without --model" POST /api/activations "$tmp/text"
