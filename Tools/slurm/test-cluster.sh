#!/usr/bin/env bash
# Runs Tools/slurm/submit.sh on a real one-node Slurm cluster started here (munged, slurmctld,
# slurmd; no systemd, no cgroups; everything under one temp dir, ports 16817/16818), over a
# random-weight GPT-2 and 120 small documents, 4 shards:
#   1. the merged store holds what one single-process run holds: every part of the content
#      digest equal but the moments (merged by Pébay's formulas: equal only to rounding);
#   2. one array task killed with scancel mid-run, then requeued: it resumes its shard, and the
#      merged store has exactly the digest of the uninterrupted array of step 1;
#   3. a requeued task whose shard is complete exits 0 without work.
# Stops every daemon it started and removes the temp dir, whatever happens. Needs root,
# Debian's slurm-wlm and munge, and python3. Prints one PASS or FAIL line at the end.
#
# usage: Tools/slurm/test-cluster.sh [NEURODEX_BINARY]   (default: .build/debug/neurodex, built when missing)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
started=$(date +%s)
W=""

fail() {
    echo "$*" >&2
    if [ -n "$W" ]; then
        for log in "$W"/log/*.log "$W"/run*/store.shards/logs/*.out; do
            [ -f "$log" ] && { echo "--- $log" >&2; tail -n 15 "$log" >&2; }
        done
    fi
    echo "FAIL: Slurm cluster test: $* ($(($(date +%s) - started)) s)"
    exit 1
}

# Polls "$@" every 0.2 s until it succeeds or $1 seconds pass; returns whether it succeeded.
wait_until() {
    local deadline=$(($(date +%s) + $1))
    shift
    until "$@"; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

stop_pid_file() {  # stops the daemon whose pid is in $1, with SIGKILL after 10 s
    [ -f "$1" ] || return 0
    local pid
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null || return 0
    wait_until 10 bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - EXIT
    if [ -n "$W" ]; then
        if [ -f "$W/run/slurmctld.pid" ]; then
            scancel --user="$(id -un)" 2>/dev/null || true
            wait_until 20 bash -c '[ -z "$(squeue -h 2>/dev/null)" ]' || true
        fi
        stop_pid_file "$W/run/slurmd.pid"
        stop_pid_file "$W/run/slurmctld.pid"
        stop_pid_file "$W/run/munged.pid"
        rm -rf "$W"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'echo "FAIL: Slurm cluster test: terminated ($(($(date +%s) - started)) s)"; exit 143' TERM
trap 'echo "FAIL: Slurm cluster test: interrupted"; exit 130' INT

binary=${1:-$repo/.build/debug/neurodex}
if [ ! -x "$binary" ]; then (cd "$repo" && swift build --product neurodex); fi
[ -x "$binary" ] || fail "no neurodex executable at $binary"
export NEURODEX=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
for tool in munged slurmctld slurmd sbatch squeue scancel scontrol sinfo python3; do
    command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install slurm-wlm munge python3)"
done
[ "$(id -u)" = 0 ] || fail "the cluster runs its daemons as root; run as root"

# --- the cluster ---------------------------------------------------------------------------
W=$(mktemp -d /tmp/neurodex-slurm.XXXXXX)
mkdir -p "$W"/{state,spool,log,munge,run}
dd if=/dev/urandom bs=1 count=1024 of="$W/munge/munge.key" status=none
chmod 400 "$W/munge/munge.key"
munged --force --socket="$W/munge/munge.socket" --key-file="$W/munge/munge.key" \
    --pid-file="$W/run/munged.pid" --log-file="$W/log/munged.log" --seed-file="$W/munge/munged.seed" \
    || fail "munged did not start"

host=$(hostname -s)
cpus=$(nproc)
memory=$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
cat >"$W/slurm.conf" <<EOF
ClusterName=neurodex-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$W/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/run/slurmctld.pid
SlurmdPidFile=$W/run/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SlurmctldPort=16817
SlurmdPort=16818
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$W/slurm.conf
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
wait_until 60 bash -c '[ "$(sinfo -h -o %T 2>/dev/null)" = idle ]' || fail "the node never became idle"
echo "cluster up: $host, $cpus CPUs ($(($(date +%s) - started)) s)"

# --- model, corpus, one single-process run ---------------------------------------------------
mkdir -p "$W/model" "$W/corpus"
python3 "$repo/Tools/slurm/random_gpt2.py" "$W/model" "$repo/Tests/Fixtures/tokenizer/tiny-bpe/tokenizer.json"
excerpt=$repo/Tests/Fixtures/tokenizer/shakespeare_excerpt.txt
lines=$(wc -l <"$excerpt")
for i in $(seq 0 119); do
    awk -v from=$((i * 7 % (lines - 12))) 'NR > from && NR <= from + 12' "$excerpt" >"$W/corpus/doc-$(printf %03d "$i").txt"
done
shards=4 documents_per_shard=30
# One window per batch: activations do not depend on the batch's other windows. A checkpoint
# after every document: a killed task loses little and the test sees its progress.
options=(--layers 0-1 --top-k 8 --context 16 --batch 1 --sample-size 8 --threads 1 --checkpoint-seconds 0)
cd "$W"  # the jobs run in the submit directory; paths as given mean the same there

"$NEURODEX" index --model model --corpus corpus --store single "${options[@]}" --quiet >/dev/null \
    || fail "the single-process run failed"

digest() { "$NEURODEX" info --store "$1" --digest; }
# Compares the part digests of two stores: all equal but the moments.
same_parts_but_moments() {
    python3 - "$1" "$2" <<'EOF'
import json, os, subprocess, sys
def parts(store):
    out = subprocess.run([os.environ["NEURODEX"], "info", "--store", store, "--digest", "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["parts"]
a, b = parts(sys.argv[1]), parts(sys.argv[2])
different = sorted(p for p in a if a[p] != b.get(p) and p != "moments")
if different or len(a) != len(b):
    sys.exit(f"{sys.argv[1]} and {sys.argv[2]} differ in {different}")
EOF
}
job_ids() {  # the array and merge job ids printed by submit.sh
    array=$(awk '/^index array job/ { sub(":", "", $4); print $4 }' "$1")
    merge=$(awk '/^merge job/ { sub(":", "", $3); print $3 }' "$1")
    [ -n "$array" ] && [ -n "$merge" ] || fail "cannot read the job ids from: $(cat "$1")"
}
jobs_done() { [ -z "$(squeue -h -j "$1" 2>/dev/null)" ]; }
merged_digest() {  # the digest the merge job printed in its log
    awk '/^digest / { print $2 }' "$1.shards/logs/merge.out" 2>/dev/null | tail -n 1
}
shard_run() {  # "status documentsDone" of a shard store's run, or nothing before it has one
    "$NEURODEX" info --store "$1" --format json 2>/dev/null | python3 -c '
import json, sys
runs = json.load(sys.stdin)["runs"]
print(runs[0]["status"], runs[0]["documentsDone"]) if runs else None' 2>/dev/null || true
}
echo "single-process run done ($(($(date +%s) - started)) s)"

# --- 1. the array and the merge --------------------------------------------------------------
"$repo/Tools/slurm/submit.sh" model run1/store corpus --shards "$shards" -c 1 -- "${options[@]}" >submit1.txt \
    || fail "submit.sh failed: $(cat submit1.txt)"
cat submit1.txt
job_ids submit1.txt
wait_until 240 jobs_done "$array,$merge" || fail "the first array did not finish in 240 s"
[ -d run1/store ] || fail "the merge job wrote no store"
reference=$(digest run1/store)
[ "$(merged_digest run1/store)" = "$reference" ] || fail "the merge job printed no digest or another one"
same_parts_but_moments single run1/store || fail "the merged store differs from the single-process run"
echo "1. merged array = single-process run, digest $reference ($(($(date +%s) - started)) s)"

# --- 2. scancel one task mid-run, requeue it -------------------------------------------------
"$repo/Tools/slurm/submit.sh" model run2/store corpus --shards "$shards" -c 1 -- "${options[@]}" >submit2.txt \
    || fail "submit.sh failed: $(cat submit2.txt)"
job_ids submit2.txt
victim=${array}_0
mid_run() { set -- $(shard_run run2/store.shards/shard-0); [ "${1-}" = running ] && [ "${2:-0}" -ge 3 ]; }
wait_until 120 mid_run || fail "task $victim never checkpointed 3 documents"
scancel "$victim"
wait_until 30 jobs_done "$victim" || fail "task $victim did not end after scancel"
set -- $(shard_run run2/store.shards/shard-0)
[ "${1-}" = running ] && [ "${2:-0}" -lt "$documents_per_shard" ] \
    || fail "the scancel did not land mid-run (shard 0: ${1-none}, ${2-0} documents)"
echo "2. scancel $victim after $2 of $documents_per_shard documents"
scontrol requeue "$victim" || fail "scontrol requeue $victim failed"
scontrol update jobid="$victim" StartTime=now >/dev/null  # skip the hold Slurm puts on requeued jobs
# Slurm never satisfies afterok on an array with a cancelled task, even once the task is
# requeued and succeeds: submit the merge again after the array (docs/cluster.md).
scancel "$merge"
merge=$(sbatch --parsable --dependency=afterany:"$array" --output=run2/store.shards/logs/merge.out \
    "$repo/Tools/slurm/merge.sbatch" run2/store.shards "$shards" run2/store model) || fail "resubmitting the merge failed"
merge=${merge%%;*}
wait_until 240 jobs_done "$array,$merge" || fail "the requeued array did not finish in 240 s"
grep -q "attempt 2" run2/store.shards/logs/index-0.out || fail "task $victim did not run a second time"
[ -d run2/store ] || fail "the merge after the requeue wrote no store"
[ "$(digest run2/store)" = "$reference" ] || fail "after the scancel and requeue the digest is $(digest run2/store), not $reference"
[ "$(merged_digest run2/store)" = "$reference" ] || fail "the merge job printed another digest"
echo "   requeued, resumed, merged: same digest ($(($(date +%s) - started)) s)"

# --- 3. a requeued task whose shard is complete ----------------------------------------------
done_task=${array}_1
scontrol requeue "$done_task" || fail "scontrol requeue $done_task failed"
scontrol update jobid="$done_task" StartTime=now >/dev/null
wait_until 60 jobs_done "$done_task" || fail "the requeued complete task did not finish"
state=$(scontrol show job "$done_task" 2>/dev/null | awk -F'[= ]+' '/JobState=/ { for (i = 1; i < NF; i++) if ($i == "JobState") print $(i + 1) }')
[ "$state" = COMPLETED ] || fail "the requeued complete task ended $state"
grep -q "already complete" run2/store.shards/logs/index-1.out || fail "the requeued complete task did not say it was complete"
echo "3. a requeued complete task exits 0 without work"

echo "PASS: Slurm cluster test ($(($(date +%s) - started)) s)"
