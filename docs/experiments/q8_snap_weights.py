#!/usr/bin/env python3
"""Experiment (issue 18, option b): write a copy of a SparseScope model whose conv/linear weights,
after folding the following batch norm, lie on the q8 engine's per-channel int8 grid
(s_w[o] = max_n |W'[o][n]| / 127, masked weights only). Standard library only.
  python3 docs/experiments/q8_snap_weights.py IN.safetensors OUT.safetensors
A measurement tool (docs/fpga-model.md §1), not part of the product."""
import json, struct, sys, math

src, dst = sys.argv[1], sys.argv[2]
f = open(src, 'rb'); n = struct.unpack('<Q', f.read(8))[0]; hdr_raw = f.read(n); data = bytearray(f.read())
h = json.loads(hdr_raw)
meta = h['__metadata__']['sparsescope']
m = json.loads(meta) if isinstance(meta, str) else meta
layers = m['layers'] if 'layers' in m else m['architecture']['layers']

def tensor(name):
    t = h[name]; b, e = t['data_offsets']
    fmt = {'F16': 'e', 'F32': 'f', 'U8': 'B'}[t['dtype']]
    cnt = (e - b) // struct.calcsize(fmt)
    return list(struct.unpack('<%d%s' % (cnt, fmt), data[b:e])), t

def put(name, vals):
    t = h[name]; b, e = t['data_offsets']
    fmt = {'F16': 'e', 'F32': 'f'}[t['dtype']]
    data[b:e] = struct.pack('<%d%s' % (len(vals), fmt), *vals)

names = [L['name'] for L in layers]
for i, L in enumerate(layers):
    if L['type'] not in ('Conv2d', 'Linear'):
        continue
    w, wt = tensor(L['name'] + '.weight')
    mask = tensor(L['name'] + '.weight_mask')[0] if (L['name'] + '.weight_mask') in h else [1] * len(w)
    M = wt['shape'][0]; N = len(w) // M
    g = [1.0] * M
    nxt = layers[i + 1] if i + 1 < len(layers) else None
    if nxt and nxt['type'].startswith('BatchNorm'):
        var = tensor(nxt['name'] + '.running_var')[0]
        eps = nxt.get('eps', 1e-5)
        gamma = tensor(nxt['name'] + '.weight')[0] if nxt.get('affine') and (nxt['name'] + '.weight') in h else [1.0] * M
        g = [gamma[o] / math.sqrt(var[o] + eps) for o in range(M)]
    out = list(w)
    moved = 0
    for o in range(M):
        row = [w[o * N + j] * g[o] if mask[o * N + j] else 0.0 for j in range(N)]
        mx = max(abs(x) for x in row)
        if mx == 0 or g[o] == 0:
            continue
        s = mx / 127.0
        for j in range(N):
            if not mask[o * N + j]:
                continue
            q = row[j] / s
            q = math.floor(abs(q) + 0.5) * (1 if q >= 0 else -1)
            out[o * N + j] = q * s / g[o]
            moved += out[o * N + j] != w[o * N + j]
    put(L['name'] + '.weight', out)
    print(L['name'], M, 'x', N, 'weights moved:', moved)

# record it in the description, so the model says what it is
info = m.setdefault('info', {})
info['description'] = info.get('description', '') + ' Weights snapped to the q8 per-channel int8 grid (docs/experiments, issue 18 option b).'
info.pop('test_accuracy', None); info.pop('accuracy', None)
h['__metadata__']['sparsescope'] = json.dumps(m) if isinstance(meta, str) else m
hb = json.dumps(h, separators=(',', ':')).encode()
hb += b' ' * ((8 - len(hb) % 8) % 8)
with open(dst, 'wb') as o:
    o.write(struct.pack('<Q', len(hb))); o.write(hb); o.write(data)
