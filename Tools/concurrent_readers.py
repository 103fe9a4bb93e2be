#!/usr/bin/env python3
"""Concurrent readers during a write: while `neurodex index` writes a store, other processes run
`info`, `info --digest`, `neuron`, `search` and `analyze` on it, and a second writer tries to index into it.

    python3 Tools/concurrent_readers.py --neurodex .build/release/neurodex [--readers 2] [--seed 1]

Builds nothing. Every reader must exit 0 with a consistent snapshot, or — while the run is not
complete — exit 1 with the one-line "not complete" message; it must never crash, hang or report
a locked or damaged store. Checked per snapshot:
- info --format json: the catalog's documents equal the run's documents_done (one transaction);
  layers and statistics appear together and only for every neuron;
- neuron / search (and analyze): once they succeed, their output equals the output after the run has ended;
- the second writer is refused with "another process is writing this store", exit ≠ 0.
Prints counts per command and outcome; exits 1 on any violation.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reliability_fixtures as fx  # noqa: E402

NOT_COMPLETE = "not complete"
LOCKED = "another process is writing this store"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neurodex")
    parser.add_argument("--readers", type=int, default=2, help="reader loops running at once")
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--bytes-per-file", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    neurodex = fx.find_neurodex(options.neurodex)

    work = tempfile.mkdtemp(prefix="neurodex-readers-")
    corpus = fx.write_corpus_folder(os.path.join(work, "corpus"), options.files, options.bytes_per_file)
    model = fx.write_gpt2_folder(os.path.join(work, "model"), seed=options.seed, n_embd=128, n_inner=512,
                                 n_layer=2, n_head=4, n_positions=64)
    store = os.path.join(work, "store")
    index = [neurodex, "index", "--model", model, "--corpus", corpus, "--store", store, "--layers", "0-1",
             "--top-k", "16", "--context", "32", "--batch", "4", "--threads", "1", "--checkpoint-seconds", "0",
             "--quiet"]
    queries = {
        "info": [neurodex, "info", "--store", store, "--format", "json"],
        "info --digest": [neurodex, "info", "--store", store, "--digest"],
        "neuron": [neurodex, "neuron", "--store", store, "1", "7", "--format", "json"],
        "search": [neurodex, "search", "--store", store, "--token", "the", "--format", "json"],
        "analyze": [neurodex, "analyze", "--store", store, "--layers", "1", "--neurons", "3", "--permutations", "50",
                    "--format", "json"],
    }

    writer = subprocess.Popen(index, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while not os.path.exists(os.path.join(store, "catalog.sqlite")) and writer.poll() is None:
        time.sleep(0.01)

    lock = threading.Lock()
    outcomes = {}  # (command, outcome) -> count
    seen = {name: [] for name in queries}  # successful outputs during the write
    violations = []

    def note(name, outcome, detail=None):
        with lock:
            outcomes[(name, outcome)] = outcomes.get((name, outcome), 0) + 1
            if detail:
                violations.append("%s: %s" % (name, detail))

    def check_info(text):
        summary = json.loads(text)
        runs = summary["runs"]
        documents = sum(c["documents"] for c in summary["corpora"])
        if runs and documents != runs[-1]["documentsDone"]:
            return "catalog has %d documents but the run says %d" % (documents, runs[-1]["documentsDone"])
        for layer in summary["layers"]:
            if layer["neuronsWithStatistics"] != layer["neurons"]:
                return "layer %d has statistics for %d of %d neurons" % (
                    layer["layer"], layer["neuronsWithStatistics"], layer["neurons"])
        return None

    def reader(index_in_pool):
        names = list(queries)
        turn = index_in_pool
        while writer.poll() is None:
            name = names[turn % len(names)]
            turn += 1
            try:
                result = subprocess.run(queries[name], capture_output=True, text=True, timeout=60)
            except subprocess.TimeoutExpired:
                note(name, "hung", "did not finish in 60 s")
                continue
            lines = result.stderr.strip().splitlines()
            if result.returncode < 0:
                note(name, "crashed", "killed by signal %d: %s" % (-result.returncode, result.stderr.strip()))
            elif result.returncode == 0:
                problem = check_info(result.stdout) if name == "info" else None
                note(name, "ok", problem)
                with lock:
                    seen[name].append(result.stdout)
            elif len(lines) == 1 and NOT_COMPLETE in lines[0]:
                note(name, "clear error: run not complete")
            else:
                note(name, "failed", "exit %d: %s" % (result.returncode, result.stderr.strip()))

    def second_writer():
        while writer.poll() is None:
            result = subprocess.run(index + ["--resume"], capture_output=True, text=True)
            if writer.poll() is not None and result.returncode == 0:
                break  # the first writer ended just before: nothing to refuse
            lines = result.stderr.strip().splitlines()
            if result.returncode not in (0, -9) and len(lines) == 1 and LOCKED in lines[0]:
                note("second writer", "refused: " + LOCKED)
            else:
                note("second writer", "not refused", "exit %d: %s" % (result.returncode, result.stderr.strip()))
            time.sleep(0.3)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(options.readers)]
    threads.append(threading.Thread(target=second_writer))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    _, writer_errors = writer.communicate()
    write_time = time.monotonic() - started
    for thread in threads:
        thread.join()
    if writer.returncode != 0:
        violations.append("the writer failed: " + writer_errors.strip())

    # Whatever a reader saw once it succeeded must be the final answer.
    for name in ("neuron", "search", "info --digest"):
        final = fx.run(queries[name])
        if final.returncode != 0:
            violations.append("%s after the run: %s" % (name, final.stderr.strip()))
            continue
        differing = sum(1 for output in seen[name] if output != final.stdout)
        if differing and name != "info --digest":
            violations.append("%s: %d answers during the write differ from the final one" % (name, differing))

    print("write: %.1f s; readers: %d loops; reader and writer processes started: %d"
          % (write_time, options.readers, sum(outcomes.values())))
    for (name, outcome), count in sorted(outcomes.items()):
        print("  %-16s %-45s %5d" % (name, outcome, count))
    print("violations: %d" % len(violations))
    for violation in violations[:20]:
        print("VIOLATION " + violation)
    subprocess.run(["rm", "-rf", work])
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()
