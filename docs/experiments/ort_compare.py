#!/usr/bin/env python3
"""Interleaved rounds: ONNX Runtime (ort_time.js) against `sparsescope-cli bench`, medians of ratios.

Documentation of how the ONNX Runtime figures in README.md / docs/kernels.md were measured (issue
19). NOT a project dependency: nothing in the build or the tests runs it (standard library only; it
drives node and the CLI). Prepare the ONNX files with ort_export.py first.

  python3 ort_compare.py --cli build/app/cli/sparsescope-cli [--cli OTHER_BUILD ...] \\
      --ort-dir /work/data/ort --models resources/models --rounds 5 --seconds 2 [--threads 1]

Each round runs, back to back: ORT on gsc-dense.onnx (batch 1 and 64, one thread), then `bench
gsc-dense --engines dense` and `bench gsc-cs --engines sparse-sparse` at batch 1 and 64, for each
--cli given (several builds, e.g. before and after a change, then share every round). A round's
speed is items per second at the median call time (batch / p50 latency) for both sides; the ratio
of each round is taken, and the table gives the median ratio and the range over rounds, so a noisy
neighbour in one round moves one sample, not the answer.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def ort(node_path, onnx, batches, seconds):
    env = dict(os.environ, NODE_PATH=node_path)
    out = subprocess.run(["node", os.path.join(HERE, "ort_time.js"), onnx, "--batch", ",".join(map(str, batches)),
                          "--seconds", str(seconds)], check=True, capture_output=True, text=True, env=env)
    j = json.loads(out.stdout)
    return {r["batch"]: r["items_per_s_at_median"] for r in j["runs"]}, j["max_abs_diff_vs_torch"]


def items_per_s(json_path, batch):
    """{engine: items/s at the median call time} from a `bench --json` file."""
    with open(json_path) as f:
        return {r["engine"]: batch / (r["latency_ms"]["p50"] / 1e3) for r in json.load(f)["benchmarks"]}


def bench_all(cli, model, engines, batch, seconds, threads):
    """One `bench` call of the comma-separated engines (interleaved in one process): items_per_s."""
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "b.json")
        subprocess.run([cli, "bench", model, "--engines", engines, "--batch", str(batch), "--threads", str(threads),
                        "--seconds", str(seconds), "--json", p], check=True, capture_output=True, text=True)
        return items_per_s(p, batch)


def bench(cli, model, engine, batch, seconds, threads):
    return bench_all(cli, model, engine, batch, seconds, threads)[engine]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True, action="append")
    ap.add_argument("--ort-dir", required=True, help="holds node_modules/ and gsc-dense.onnx (ort_export.py)")
    ap.add_argument("--models", default="resources/models")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json")
    a = ap.parse_args()
    node_path = os.path.join(a.ort_dir, "node_modules")
    onnx = os.path.join(a.ort_dir, "gsc-dense.onnx")
    dense_m = os.path.join(a.models, "gsc-dense.safetensors")
    cs_m = os.path.join(a.models, "gsc-cs.safetensors")
    rows = []
    for r in range(a.rounds):
        o, diff = ort(node_path, onnx, [1, 64], a.seconds)
        row = {"round": r, "ort_diff": diff}
        for b in (1, 64):
            row[f"ort_{b}"] = o[b]
            for ci, cli in enumerate(a.cli):
                row[f"dense_{b}_{ci}"] = bench(cli, dense_m, "dense", b, a.seconds, a.threads)
                row[f"ss_{b}_{ci}"] = bench(cli, cs_m, "sparse-sparse", b, a.seconds, a.threads)
        rows.append(row)
        print(json.dumps(row), flush=True)

    def summary(key, den=None):
        v = [x[key] / x[den] if den else x[key] for x in rows]
        return statistics.median(v), min(v), max(v)

    print(f"\n{a.rounds} interleaved rounds, {a.seconds} s per run, {a.threads} thread(s) for SparseScope, 1 for ORT; "
          "items/s at the median call time")
    for b in (1, 64):
        m, lo, hi = summary(f"ort_{b}")
        print(f"batch {b:2d}  {'ORT gsc-dense items/s':44s} median {m:9.0f}  range {lo:9.0f} - {hi:9.0f}")
        for ci, cli in enumerate(a.cli):
            for name, key in (("dense gsc-dense items/s", f"dense_{b}_{ci}"), ("sparse-sparse gsc-cs items/s", f"ss_{b}_{ci}")):
                m, lo, hi = summary(key)
                print(f"batch {b:2d}  [{ci}] {name:40s} median {m:9.0f}  range {lo:9.0f} - {hi:9.0f}")
            for name, num in (("dense / ORT", f"dense_{b}_{ci}"), ("sparse-sparse / ORT", f"ss_{b}_{ci}")):
                m, lo, hi = summary(num, f"ort_{b}")
                print(f"batch {b:2d}  [{ci}] {name:40s} median {m:9.2f}x range {lo:.2f} - {hi:.2f}x")
    for ci, cli in enumerate(a.cli):
        print(f"[{ci}] {cli}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
