#!/usr/bin/env bash
# Submits a sharded `neurodex index` to Slurm: an array of N tasks, task i indexing shard i/N
# into its own store STORE.shards/shard-i (Tools/slurm/index-array.sbatch), and a merge job that
# runs when every task has succeeded, writes STORE and prints its digest (merge.sbatch).
#
#   Tools/slurm/submit.sh MODEL STORE CORPUS... [--shards N] [SBATCH_OPTIONS...] [-- INDEX_OPTIONS...]
#
# e.g.  Tools/slurm/submit.sh models/gpt2 /scratch/gpt2.store corpus/ --shards 8 -p batch -c 4 \
#           -- --layers all --threads 4
#
# SBATCH_OPTIONS go to both jobs; INDEX_OPTIONS to every `neurodex index`. Logs go to
# STORE.shards/logs/. $NEURODEX names the executable (default: neurodex on PATH); the jobs run in
# the current directory, so relative paths mean the same there. Prints the two job ids.
# See docs/cluster.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

usage() {
    echo "usage: $0 MODEL STORE CORPUS... [--shards N] [SBATCH_OPTIONS...] [-- INDEX_OPTIONS...]" >&2
    exit 2
}
[ $# -ge 3 ] || usage
model=$1 store=$2
shift 2
corpus=()
while [ $# -gt 0 ] && [[ $1 != -* ]]; do corpus+=("$1"); shift; done
[ ${#corpus[@]} -gt 0 ] || usage
shards=4 sbatch_options=() index_options=()
while [ $# -gt 0 ]; do
    case $1 in
        --shards) [ $# -ge 2 ] || usage; shards=$2; shift 2 ;;
        --shards=*) shards=${1#--shards=}; shift ;;
        --) shift; index_options=("$@"); break ;;
        *) sbatch_options+=("$1"); shift ;;
    esac
done
[[ $shards =~ ^[1-9][0-9]*$ ]] || { echo "$0: --shards wants a positive number, got '$shards'" >&2; exit 2; }
if [ -e "$store" ]; then echo "$0: $store exists already; give a new store" >&2; exit 2; fi

binary=${NEURODEX:-neurodex}
resolved=$(command -v "$binary") || { echo "$0: no neurodex executable '$binary' (set NEURODEX)" >&2; exit 2; }
export NEURODEX=$(cd "$(dirname "$resolved")" && pwd)/$(basename "$resolved")

shards_dir=$store.shards
mkdir -p "$shards_dir/logs"
array=$(sbatch --parsable --array=0-$((shards - 1)) --output="$shards_dir/logs/index-%a.out" \
    "${sbatch_options[@]}" "$here/index-array.sbatch" "$shards_dir" "$shards" "$model" "${corpus[@]}" \
    -- "${index_options[@]}")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --output="$shards_dir/logs/merge.out" \
    "${sbatch_options[@]}" "$here/merge.sbatch" "$shards_dir" "$shards" "$store" "$model")
merge=${merge%%;*}
echo "index array job $array: $shards tasks into $shards_dir/shard-*"
echo "merge job $merge: after the array succeeds, writes $store; digest in $shards_dir/logs/merge.out"
