// Complementary Sparsity layer kernels for Vitis HLS (int8 activations and weights, int32
// accumulators, one requantisation multiplier and shift per output channel). docs/fpga-model.md
// gives the fixed-point scheme, the loop structure the performance model counts, and the v++ build.
//
// Kernel names follow docs/kernels.md: <op>.i8.<variant>.hls. Every top is extern "C" with m_axi
// ports for arrays and s_axilite for scalars. All activation tensors are PyTorch (C, H, W) order.
//
// Packed weights (DESIGN.md §1, Combine): wc[n][g] int8 and route[n][g] in [0, P) for fan-in
// position n (conv: n = (c*kh + dy)*kw + dx) and group g < G = ceil(M/P); output channel g*P + r.
// A dense layer is the same kernel with P = 1 (route all 0): the dense network needs no other code.
#pragma once

#include <cstdint>

namespace sshls {

// Synthesis-time capacities (one kernel build serves every layer up to these sizes). The C-sim
// asserts them; the fpga-sim engine refuses larger layers with a sentence before calling a kernel.
constexpr int kMaxP = 64;              // group size
constexpr int kConvMaxG = 128;         // MAC lanes of the conv kernels (unroll factor)
constexpr int kConvMaxBank = 16384;    // sparse conv: accumulators per lane (P * OH * OW)
constexpr int kConvMaxW = 1 << 18;     // N * G packed conv weights held on chip
constexpr int kLinMaxG = 1024;         // MAC lanes of the linear kernels
constexpr int kLinMaxW = 1 << 21;      // N * G packed linear weights held on chip
constexpr int kMaxAct = 1 << 16;       // activations of one layer input/output
constexpr int kSelLanes = 16;          // Select: elements per cycle (banked histograms)
constexpr int kMacDepth = 4;           // pipeline depth of a MAC loop iteration (read, mul, add, write)

// Compile-time settings of the extern "C" tops (docs/fpga-model.md §6). The kernels are templates
// over them (cs_dense.h, cs_sparse.h, kwta_select.h); a v++ build of a balanced design passes the
// values `sparsescope-cli fpga-plan --optimise` prints, e.g. -DSS_DENSE_CONV_POS=64. The defaults
// are the baseline: every lane of the synthesised capacity, one position / tap / element per cycle.
#ifndef SS_DENSE_CONV_LANES
#define SS_DENSE_CONV_LANES 128 // = kConvMaxG
#endif
#ifndef SS_DENSE_CONV_POS
#define SS_DENSE_CONV_POS 1     // output positions per cycle
#endif
#ifndef SS_DENSE_LINEAR_LANES
#define SS_DENSE_LINEAR_LANES 1024 // = kLinMaxG
#endif
#ifndef SS_DENSE_LINEAR_FANIN
#define SS_DENSE_LINEAR_FANIN 1 // fan-in positions per cycle
#endif
#ifndef SS_SPARSE_CONV_LANES
#define SS_SPARSE_CONV_LANES 128
#endif
#ifndef SS_SPARSE_CONV_TAPS
#define SS_SPARSE_CONV_TAPS 1   // taps per cycle (accumulator bank copies)
#endif
#ifndef SS_SPARSE_LINEAR_LANES
#define SS_SPARSE_LINEAR_LANES 1024
#endif
#ifndef SS_SELECT_LANES
#define SS_SELECT_LANES 16      // = kSelLanes: elements per cycle
#endif
#ifndef SS_POOL_WIDTH
#define SS_POOL_WIDTH 1         // pooled outputs per cycle (the load takes 4 x this many inputs)
#endif

// flags (s_axilite)
constexpr int kFlagRelu = 1;           // clamp the requantised output at 0
constexpr int kFlagRawOut = 2;         // write int32 accumulators (last layer) instead of int8
constexpr int kFlagLoadWeights = 4;    // (re)load wc/route and the per-output mult/shift into the on-chip buffers first
constexpr int kMaxOut = 1 << 12;       // outputs (channels) of one weighted layer: on-chip mult/shift tables

// Requantisation shared by every weighted kernel: round half up, saturate to int8. mult and shift
// are the output channel's (per-channel weight scales: docs/fpga-model.md §1).
inline int8_t requant(int32_t acc, int32_t mult, int shift, bool relu)
{
#ifdef __SYNTHESIS__
#pragma HLS INLINE
#endif
    int64_t v = (int64_t(acc) * int64_t(mult) + (int64_t(1) << (shift - 1))) >> shift;
    const int64_t lo = relu ? 0 : -128;
    if (v < lo)
        v = lo;
    if (v > 127)
        v = 127;
    return int8_t(v);
}

} // namespace sshls

extern "C" {

// conv.i8.cs-dense.hls: Complementary Sparsity on a dense input (sparse-dense; dense at P = 1).
// For each output position: N fan-in trips at II=1, G lanes (UNROLL), acc[G][P] in registers.
void ss_cs_dense_conv(const int8_t* in, const int8_t* wc, const uint8_t* route, const int32_t* bias,
                      int8_t* out, int32_t* out_acc,
                      int cin, int in_h, int in_w, int kh, int kw, int stride, int pad, int out_h, int out_w,
                      int M, int P, int G, const int32_t* mult, const uint8_t* shift, int flags);

// linear.i8.cs-dense.hls: N trips at II=1, G lanes.
void ss_cs_dense_linear(const int8_t* in, const int8_t* wc, const uint8_t* route, const int32_t* bias,
                        int8_t* out, int32_t* out_acc, int N, int M, int P, int G, const int32_t* mult, const uint8_t* shift, int flags);

// conv.i8.cs-sparse.hls: Complementary Sparsity on the winners (index in the (C,H,W) input, value)
// of a k-WTA (or the non-zeros of a pooled k-WTA output): DATAFLOW read -> expand taps -> MAC -> write.
void ss_cs_sparse_conv(const int32_t* win_idx, const int8_t* win_val, int count,
                       const int8_t* wc, const uint8_t* route, const int32_t* bias, int8_t* out, int32_t* out_acc,
                       int cin, int in_h, int in_w, int kh, int kw, int stride, int pad, int out_h, int out_w,
                       int M, int P, int G, const int32_t* mult, const uint8_t* shift, int flags);

// linear.i8.cs-sparse.hls: one packed row of G lanes per winner; DATAFLOW read -> MAC -> write.
void ss_cs_sparse_linear(const int32_t* win_idx, const int8_t* win_val, int count,
                         const int8_t* wc, const uint8_t* route, const int32_t* bias, int8_t* out, int32_t* out_acc,
                         int N, int M, int P, int G, const int32_t* mult, const uint8_t* shift, int flags);

// kwinners.i8.radix-select.hls: the Select unit. score = x * boost (unsigned Q8.8), the k largest
// scores win, ties to the lower index. Writes the dense output (winners' raw values, 0 elsewhere)
// and the winners list in index order; *count = number of winners.
void ss_kwta_select(const int8_t* in, const uint16_t* boost, int n, int k,
                    int8_t* out, int32_t* win_idx, int8_t* win_val, int32_t* count);

// maxpool.i8.chw.hls: k x k max-pool (no padding); also lists the non-zero outputs (index, value)
// so that a k-WTA -> max-pool -> conv chain can feed the sparse conv kernel.
void ss_maxpool(const int8_t* in, int C, int H, int W, int k, int stride, int out_h, int out_w,
                int8_t* out, int32_t* nz_idx, int8_t* nz_val, int32_t* nz_count);

} // extern "C"
