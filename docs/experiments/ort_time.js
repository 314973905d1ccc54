#!/usr/bin/env node
// Times an ONNX model in ONNX Runtime's CPU library (the npm package onnxruntime-node), one thread.
//
// Documentation of how the ONNX Runtime figures in README.md / docs/kernels.md were measured
// (issue 19). NOT a project dependency: nothing in the build or the tests runs it. Install ORT
// outside the tree, e.g.  cd /work/data/ort && npm install onnxruntime-node --ignore-scripts
// (1.31.1 was used; --ignore-scripts skips the CUDA download, the CPU library ships in the package),
// and point NODE_PATH at that node_modules.
//
//   NODE_PATH=/work/data/ort/node_modules node ort_time.js MODEL.onnx --batch 1,64 --seconds 3
//
// Session: intraOpNumThreads 1, interOpNumThreads 1, sequential execution, all graph
// optimisations. Inputs: the 64 random normal items ort_export.py wrote (MODEL.onnx.x.bin); ORT's
// logits for them are first compared with torch's (MODEL.onnx.logits.bin). Per batch size: a warm-up
// of 0.3 s, then calls for --seconds; prints one JSON line with items/s and the median call time.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function arg(name, def) {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : def;
}

function readF32(path) {
    const b = fs.readFileSync(path);
    return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

async function main() {
    const model = process.argv[2];
    const batches = arg('--batch', '1,64').split(',').map(Number);
    const seconds = Number(arg('--seconds', '3'));
    const session = await ort.InferenceSession.create(model, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
    });
    const xs = readF32(model + '.x.bin');
    const ref = readF32(model + '.logits.bin');
    const per = xs.length / 64, classes = ref.length / 64;
    // correctness first: all 64 items in one call
    const all = await session.run({ x: new ort.Tensor('float32', xs, [64, 1, Math.sqrt(per), Math.sqrt(per)]) });
    let worst = 0;
    for (let i = 0; i < ref.length; ++i) worst = Math.max(worst, Math.abs(all.logits.data[i] - ref[i]));
    const side = Math.sqrt(per);
    const out = { model, ort: require('onnxruntime-node/package.json').version, max_abs_diff_vs_torch: worst, runs: [] };
    for (const B of batches) {
        const data = new Float32Array(B * per);
        for (let b = 0; b < B; ++b) data.set(xs.subarray((b % 64) * per, (b % 64 + 1) * per), b * per);
        const feeds = { x: new ort.Tensor('float32', data, [B, 1, side, side]) };
        const t0 = process.hrtime.bigint();
        while (Number(process.hrtime.bigint() - t0) / 1e9 < 0.3) await session.run(feeds);
        const times = [];
        const s0 = process.hrtime.bigint();
        while (Number(process.hrtime.bigint() - s0) / 1e9 < seconds) {
            const a = process.hrtime.bigint();
            await session.run(feeds);
            times.push(Number(process.hrtime.bigint() - a) / 1e9);
        }
        const total = times.reduce((p, q) => p + q, 0);
        times.sort((p, q) => p - q);
        const med = times[Math.floor(times.length / 2)];
        out.runs.push({ batch: B, calls: times.length, items_per_s: (B * times.length) / total, median_call_ms: med * 1e3,
                        items_per_s_at_median: B / med });
    }
    console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(String(e)); process.exit(1); });
