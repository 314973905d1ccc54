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

} // namespace sshls
