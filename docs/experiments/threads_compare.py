#!/usr/bin/env python3
"""Two threads against one, per engine, in interleaved rounds: medians of the per-round ratios.

Documentation of how the thread figures in README.md (issue 19: "2 threads >= 1.8x 1 thread for every
engine at batch >= 8") were measured. NOT a project dependency: nothing in the build or the tests
runs it (standard library and ort_compare.py beside it; it drives the CLI).

  python3 threads_compare.py --cli build/app/cli/sparsescope-cli [--model resources/models/gsc-cs.safetensors] \\
      [--engines dense,csr,sparse-dense,sparse-sparse] [--batches 8,64] [--rounds 5] [--seconds 2]

Each round runs, for each batch: `bench MODEL --engines E --batch B --threads 1` then the same with
--threads 2 (all engines of one call share the call, interleaved). Speed is items per second at the
median call time (batch / p50 latency). The 2T/1T ratio is taken per round, so a noisy neighbour in
one round moves one sample. A ceiling for the machine is printed first: two copies of a 1-thread
`bench` of the dense engine at batch 1 run at once against one alone (two cores that share power,
caches or a host can not give 2.0 even on work with nothing to share).
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

from ort_compare import bench_all, items_per_s  # the sibling script: one way to run and read `bench`


def ceiling(cli, model, seconds):
    """Items/s of two concurrent 1-thread processes (summed) over one alone, dense at batch 1."""
    def run(n):
        with tempfile.TemporaryDirectory() as d:
            paths = [os.path.join(d, f"{i}.json") for i in range(n)]
            procs = [subprocess.Popen([cli, "bench", model, "--engines", "dense", "--batch", "1", "--threads", "1",
                                       "--seconds", str(seconds), "--json", p], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL) for p in paths]
            for pr in procs:
                if pr.wait() != 0:
                    raise SystemExit("bench failed")
            return sum(items_per_s(p, 1)["dense"] for p in paths)
    return run(2) / run(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model", default="resources/models/gsc-cs.safetensors")
    ap.add_argument("--engines", default="dense,csr,sparse-dense,sparse-sparse")
    ap.add_argument("--batches", default="8,64")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2)
    ap.add_argument("--json")
    a = ap.parse_args()
    batches = [int(b) for b in a.batches.split(",")]
    engines = a.engines.split(",")
    rows = []
    for r in range(a.rounds):
        row = {"round": r, "ceiling": ceiling(a.cli, a.model, a.seconds)}
        for b in batches:
            one = bench_all(a.cli, a.model, a.engines, b, a.seconds, 1)
            two = bench_all(a.cli, a.model, a.engines, b, a.seconds, 2)
            for e in engines:
                row[f"{e}_{b}_1"], row[f"{e}_{b}_2"] = one[e], two[e]
        rows.append(row)
        print(json.dumps(row), flush=True)

    def summary(v):
        return statistics.median(v), min(v), max(v)

    print(f"\n{a.rounds} rounds, {a.seconds} s per run, {a.model}; items/s at the median call time")
    m, lo, hi = summary([x["ceiling"] for x in rows])
    print(f"machine ceiling (two 1-thread processes / one){'':14s} median {m:5.2f}  range {lo:.2f} - {hi:.2f}")
    for b in batches:
        for e in engines:
            m1 = statistics.median(x[f"{e}_{b}_1"] for x in rows)
            m, lo, hi = summary([x[f"{e}_{b}_2"] / x[f"{e}_{b}_1"] for x in rows])
            print(f"batch {b:3d}  {e:14s} 1T {m1:9.0f} items/s   2T/1T median {m:5.2f}  range {lo:.2f} - {hi:.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
