#!/usr/bin/env python3
"""Crash/resume soak: kill -9 `neurodex index` at random moments, resume until it completes, and
check that every resumed store has the content of one uninterrupted run (`info --digest`).

    python3 Tools/crash_resume_soak.py --neurodex .build/release/neurodex [--trials 20] [--seed 1]
        [--model PATH --layers 0-1] [--files 40] [--bytes-per-file 4000]

Builds nothing. The corpus is the bundled Shakespeare text cut into --files documents; the model
is a random-weight GPT-2 folder made here (tiny-bpe tokenizer) unless --model is given (e.g. the
SmolLM2 GGUF with --layers 0-1). Each trial starts a run and SIGKILLs it at a uniformly random
moment of an uninterrupted run's time (a run that ends before its kill is redone with a shorter
horizon, so that every trial has at least one real kill), then runs `--resume` — itself killed
again at random, up to --max-kills kills per trial — until it exits 0. Trials vary --threads and
--checkpoint-seconds, which must not change the result. After each kill the script records how
far the run had got (no store, no run yet, documents checkpointed, or records written and the
run not yet marked complete).
Exits 1 when any digest differs or a resume fails.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reliability_fixtures as fx  # noqa: E402


def index_args(neurodex, model, corpus, store, layers, threads, checkpoint_seconds, resume):
    args = [neurodex, "index", "--model", model, "--corpus", corpus, "--store", store, "--layers", layers,
            "--top-k", "16", "--context", "32", "--batch", "4", "--sample-size", "16",
            "--threads", str(threads), "--checkpoint-seconds", str(checkpoint_seconds), "--quiet"]
    return args + ["--resume"] if resume else args


def digest(neurodex, store):
    result = fx.run([neurodex, "info", "--store", store, "--digest"])
    if result.returncode != 0:
        raise RuntimeError("info --digest failed on %s: %s" % (store, result.stderr.strip()))
    return result.stdout.strip()


def stage(neurodex, store):
    """Where a killed run stopped, read back from the store."""
    if not os.path.isdir(store):
        return "no store"
    result = fx.run([neurodex, "info", "--store", store, "--format", "json"])
    if result.returncode != 0:
        return "store not openable: " + result.stderr.strip()
    summary = json.loads(result.stdout)
    runs = summary.get("runs", [])
    if not runs:
        return "no run"
    run = runs[-1]
    if run["status"] == "complete":
        return "complete"
    if summary.get("counts", {}).get("neurons", 0) > 0:
        return "finishing (records written)"
    return "%s, %d documents checkpointed" % (run["status"], run["documentsDone"])


def run_killed_at(args, delay):
    """Starts `args`, SIGKILLs it after `delay` seconds unless it ended; returns (returncode, stderr)."""
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
    _, stderr = process.communicate()
    return process.returncode, stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neurodex", help="the neurodex binary (default: $NEURODEX or .build/release/neurodex)")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", help="a model path (default: a random GPT-2 folder made here)")
    parser.add_argument("--layers", default="0-1")
    parser.add_argument("--files", type=int, default=40, help="documents in the corpus")
    parser.add_argument("--bytes-per-file", type=int, default=4000)
    parser.add_argument("--max-kills", type=int, default=3, help="kills per trial at most")
    parser.add_argument("--work", help="working directory (default: a new temporary one, removed at the end)")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    options = parser.parse_args()
    neurodex = fx.find_neurodex(options.neurodex)
    rng = random.Random(options.seed)

    work = options.work or tempfile.mkdtemp(prefix="neurodex-soak-")
    os.makedirs(work, exist_ok=True)
    corpus = fx.write_corpus_folder(os.path.join(work, "corpus"), options.files, options.bytes_per_file)
    model = options.model or fx.write_gpt2_folder(os.path.join(work, "model"), seed=options.seed, n_embd=128,
                                                  n_inner=512, n_layer=2, n_head=4, n_positions=64)

    reference = os.path.join(work, "reference")
    started = time.monotonic()
    result = fx.run(index_args(neurodex, model, corpus, reference, options.layers, 1, 60, resume=False))
    full_time = time.monotonic() - started
    if result.returncode != 0:
        sys.exit("the uninterrupted run failed: " + result.stderr.strip())
    expected = digest(neurodex, reference)
    print("uninterrupted run: %.2f s, digest %s" % (full_time, expected))

    kills = missed = 0
    stages = {}
    failures = []
    for trial in range(options.trials):
        store = os.path.join(work, "trial-%02d" % trial)
        threads = rng.choice([1, 2])
        checkpoint_seconds = rng.choice([0, 0.05, 0.5])
        resume = False
        trial_kills = 0
        horizon = full_time  # kills land uniformly in [0, horizon)
        while True:
            args = index_args(neurodex, model, corpus, store, options.layers, threads, checkpoint_seconds, resume)
            if trial_kills < options.max_kills and (trial_kills == 0 or rng.random() < 0.5):
                delay = rng.uniform(0.0, 1.0) * horizon
                started = time.monotonic()
                code, stderr = run_killed_at(args, delay)
                if code == -signal.SIGKILL:
                    trial_kills += 1
                    kills += 1
                    where = stage(neurodex, store)
                    stages[where] = stages.get(where, 0) + 1
                    resume = True
                    continue
                if code == 0 and trial_kills == 0:
                    # The machine ran faster than the reference run: start the trial over with
                    # a horizon this run's length, so that the trial has a real kill.
                    missed += 1
                    horizon = min(horizon, 0.95 * (time.monotonic() - started))
                    subprocess.run(["rm", "-rf", store])
                    continue
            else:
                code, stderr = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                              text=True).returncode, None
            if code == 0:
                break
            failures.append("trial %d: %s exited %d: %s" % (trial, "resume" if resume else "run", code,
                                                             (stderr or "").strip()))
            break
        final = digest(neurodex, store) if os.path.isdir(store) else "(no store)"
        same = final == expected
        if not same:
            failures.append("trial %d: digest %s differs" % (trial, final))
        print("trial %2d: threads %d, checkpoint every %.2f s, %d kill(s), digest %s"
              % (trial, threads, checkpoint_seconds, trial_kills, "equal" if same else "DIFFERENT"), flush=True)

    print()
    print("trials: %d, SIGKILLs that landed mid-run: %d (runs that ended before their kill, redone: %d)"
          % (options.trials, kills, missed))
    print("where the kills landed:")
    for where, count in sorted(stages.items(), key=lambda item: -item[1]):
        print("  %3d  %s" % (count, where))
    print("all digests equal: %s" % ("yes" if not failures else "NO"))
    for failure in failures:
        print("FAILURE " + failure)
    if not options.work and not options.keep:
        subprocess.run(["rm", "-rf", work])
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
