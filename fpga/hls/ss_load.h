// Helpers for the kernel sources only (they carry HLS pragmas, so only files compiled as HLS
// kernels, with -Wno-unknown-pragmas for C-simulation, include this header).
#pragma once

#include "ss_kernels.h"

#include <cstdint>

namespace sshls {

// Copies a layer's packed weights and routes into a kernel's on-chip buffers; the host asks for it
// (kFlagLoadWeights) only when the layer changes. Inlined, so the callers' ARRAY_PARTITION of the
// buffers applies and the loop is the same hardware it was in each kernel.
inline void loadPackedWeights(const int8_t* wc, const uint8_t* route, int8_t* buf_wc, uint8_t* buf_route, int n)
{
#pragma HLS INLINE
load_weights:
    for (int i = 0; i < n; ++i) {
#pragma HLS PIPELINE II=1
        buf_wc[i] = wc[i];
        buf_route[i] = route[i];
    }
}

// Copies a layer's per-output requantisation (mult, shift) into a kernel's on-chip tables. With
// group_major set, output o = g*P + r goes to slot r*G + g, so that the lanes of one write-back
// cycle (consecutive g, one r) read consecutive slots of a table partitioned cyclically by the lane
// count; otherwise slot o (the sparse kernels read one output per cycle).
inline void loadRequant(const int32_t* mult, const uint8_t* shift, int32_t* buf_mult, uint8_t* buf_shift, int M, int P, int G,
                        bool group_major)
{
#pragma HLS INLINE
    int g = 0, r = 0;
load_requant:
    for (int o = 0; o < M; ++o) {
#pragma HLS PIPELINE II=1
        const int slot = group_major ? r * G + g : o;
        buf_mult[slot] = mult[o];
        buf_shift[slot] = shift[o];
        if (++r == P) {
            r = 0;
            ++g;
        }
    }
}

// Writes a group-major accumulator block: output o = g*P + r (group g = g0 + lane, route slot r)
// goes to index o*stride + offset, requantised to int8 or, with raw set, as the int32 sum. Shared by
// the dense-input kernels (conv: stride = OH*OW, offset = position; linear: stride 1, offset 0);
// g0 is the first group of the current pass when the lanes are folded over the groups; mult and
// shift are the group-major on-chip tables of loadRequant.
template <int Lanes>
inline void writeGroupOutputs(const int32_t acc[Lanes][kMaxP], int P, int G, int M, int stride, int offset, bool raw,
                              int8_t* out, int32_t* out_acc, const int32_t* mult, const uint8_t* shift, bool relu, int g0 = 0)
{
#pragma HLS INLINE
write_back:
    for (int r = 0; r < P; ++r) {
#pragma HLS PIPELINE II=1
        for (int l = 0; l < Lanes; ++l) {
#pragma HLS UNROLL
            const int g = g0 + l;
            const int o = g * P + r;
            if (g < G && o < M) {
                if (raw)
                    out_acc[o * stride + offset] = acc[l][r];
                else
                    out[o * stride + offset] = requant(acc[l][r], mult[r * G + g], shift[r * G + g], relu);
            }
        }
    }
}

} // namespace sshls
