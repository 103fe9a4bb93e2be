#!/usr/bin/env bash
# The long fuzz run: INPUTS mutated inputs per parser (default 150000; seven parsers, so over a
# million in all) through the FuzzTests of `swift test`, one parser per test process.
#
#   swift build --build-tests              # once (builds nothing here)
#   Tools/fuzz_long.sh [INPUTS] [SEED]     # SCRATCH=DIR when the build used --scratch-path DIR,
#                                          # PACKAGE=DIR to run another package's FuzzTests
#
# A parser that crashes its process leaves its last input in $WORK/<parser>.input: the script copies
# it to Tests/Fixtures/fuzz/<parser>/ (replayed by FuzzTests.regressionInputs from then on),
# reports it, and goes on after the crash. Exits 1 when anything crashed.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
inputs="${1:-150000}"
seed="${2:-1}"
work="$(mktemp -d /tmp/neurodex-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT
scratch=()
[ -n "${SCRATCH:-}" ] && scratch=(--scratch-path "$SCRATCH")
targets=(safetensors gguf config tokenizer.json vocab.json+merges.txt jsonl neuron-record)
crashes=0
total=0
started=$(date +%s)

for target in "${targets[@]}"; do
    start=0
    while [ "$start" -lt "$inputs" ]; do
        rm -f "$work/$target.progress"
        NEURODEX_FUZZ_TARGETS="$target" NEURODEX_FUZZ_ITERATIONS=$((inputs - start)) NEURODEX_FUZZ_SEED="$seed" \
        NEURODEX_FUZZ_START="$start" NEURODEX_FUZZ_DIR="$work" \
            swift test --package-path "${PACKAGE:-$repo}" "${scratch[@]}" --skip-build --filter FuzzTests.mutatedInputsNeverCrash \
            >"$work/$target.log" 2>&1
        status=$?
        progress="$(cat "$work/$target.progress" 2>/dev/null || echo "$start")"
        if [[ "$progress" == *done* ]]; then
            echo "$target: inputs $start..<$inputs, ${progress#* done } (exit $status)"
            total=$((total + inputs - start))
            [ "$status" -ne 0 ] && { echo "  test failure:"; grep -E "✘|error" "$work/$target.log" | head -5; crashes=$((crashes + 1)); }
            break
        fi
        # The process died: keep its last input as a regression fixture and go on after it.
        reached="${progress%%$'\n'*}"
        mkdir -p "$repo/Tests/Fixtures/fuzz/$target"
        saved="$repo/Tests/Fixtures/fuzz/$target/crash-seed$seed-after$reached.bin"
        cp "$work/$target.input" "$saved"
        echo "$target: CRASH (exit $status) after input $reached; last input kept as ${saved#$repo/}"
        grep -E "Fatal error|fatal|Illegal|Segmentation" "$work/$target.log" | head -3
        crashes=$((crashes + 1))
        total=$((total + reached + 4096 - start))
        start=$((reached + 4096))
    done
done
echo "inputs run: $total in $(( $(date +%s) - started )) s; processes that crashed: $crashes"
[ "$crashes" -eq 0 ]
