// Complementary Sparsity kernels for dense inputs (sparse-dense; the dense network is P = 1), as
// templates over their compile-time parameters (docs/fpga-model.md §6): the extern "C" tops in
// cs_dense.cpp instantiate one setting; the C-sim tests instantiate a grid of them.
//   Lanes  MAC lanes (UNROLL); the G groups of a layer run in ceil(G/Lanes) passes.
//   Pos    conv: output positions per cycle (each weight row is broadcast to Pos positions).
//   FanIn  linear: fan-in positions per cycle (one accumulator copy each, summed before write-back).
// Loop structure (what fpga/model counts): per pass and group of Pos positions, a fan-in loop of N
// trips at II=1 whose body updates Lanes x Pos accumulators: acc[s][l][route[n][g]] += wc[n][g] * x.
#pragma once

#include "ss_kernels.h"
#include "ss_load.h"

#ifndef __SYNTHESIS__
#include <cassert>
#endif

namespace sshls {

template <int Lanes, int Pos>
void csDenseConv(const int8_t* in, const int8_t* wc, const uint8_t* route, const int32_t* bias, int8_t* out, int32_t* out_acc,
                 int cin, int in_h, int in_w, int kh, int kw, int stride, int pad, int out_h, int out_w,
                 int M, int P, int G, const int32_t* mult, const uint8_t* shift, int flags)
{
#pragma HLS INLINE
    static_assert(Lanes >= 1 && Pos >= 1, "at least one lane and one position per cycle");
    // On-chip copies of the packed weights, one row of G lanes per fan-in position, and of the
    // per-output requantisation (group-major, one slot per lane and cycle).
    static int8_t buf_wc[kConvMaxW];
    static uint8_t buf_route[kConvMaxW];
    static int32_t buf_mult[kMaxOut];
    static uint8_t buf_shift[kMaxOut];
#pragma HLS ARRAY_PARTITION variable=buf_wc cyclic factor=Lanes dim=1
#pragma HLS ARRAY_PARTITION variable=buf_route cyclic factor=Lanes dim=1
#pragma HLS ARRAY_PARTITION variable=buf_mult cyclic factor=Lanes dim=1
#pragma HLS ARRAY_PARTITION variable=buf_shift cyclic factor=Lanes dim=1
    const int N = cin * kh * kw;
    const int OHW = out_h * out_w;
#ifndef __SYNTHESIS__
    assert(P >= 1 && P <= kMaxP && G >= 1 && G * P >= M);
    assert(N * G <= kConvMaxW && cin * in_h * in_w <= kMaxAct && M * OHW <= kMaxAct && G * P <= kMaxOut);
#endif
    const bool relu = (flags & kFlagRelu) != 0;
    const bool raw = (flags & kFlagRawOut) != 0;

    if (flags & kFlagLoadWeights) {
        loadPackedWeights(wc, route, buf_wc, buf_route, N * G);
        loadRequant(mult, shift, buf_mult, buf_shift, M, P, G, true);
    }

    static int8_t inbuf[kMaxAct];
#pragma HLS ARRAY_PARTITION variable=inbuf cyclic factor=Pos dim=1
load_input:
    for (int i = 0; i < cin * in_h * in_w; ++i) {
#pragma HLS PIPELINE II=1
        inbuf[i] = in[i];
    }

    static int32_t acc[Pos][Lanes][kMaxP];
#pragma HLS ARRAY_PARTITION variable=acc complete dim=0
    const int passes = (G + Lanes - 1) / Lanes;
groups:
    for (int pass = 0; pass < passes; ++pass) {
        const int g0 = pass * Lanes;
    positions:
        for (int p0 = 0; p0 < OHW; p0 += Pos) {
            int oy[Pos], ox[Pos];
#pragma HLS ARRAY_PARTITION variable=oy complete
#pragma HLS ARRAY_PARTITION variable=ox complete
        init_acc:
            for (int s = 0; s < Pos; ++s) {
#pragma HLS UNROLL
                oy[s] = (p0 + s) / out_w;
                ox[s] = (p0 + s) % out_w;
                for (int l = 0; l < Lanes; ++l) {
#pragma HLS UNROLL
                    for (int r = 0; r < kMaxP; ++r) {
#pragma HLS UNROLL
                        const int g = g0 + l, o = g * P + r;
                        acc[s][l][r] = (g < G && r < P && o < M) ? bias[o] : 0;
                    }
                }
            }
            // Fan-in counters instead of divisions: n = (c*kh + dy)*kw + dx.
            int c = 0, dy = 0, dx = 0;
        fan_in:
            for (int n = 0; n < N; ++n) {
#pragma HLS PIPELINE II=1
            positions_par:
                for (int s = 0; s < Pos; ++s) {
#pragma HLS UNROLL
                    const int y = oy[s] * stride + dy - pad, x = ox[s] * stride + dx - pad;
                    const bool inside = p0 + s < OHW && y >= 0 && x >= 0 && y < in_h && x < in_w;
                    const int32_t v = inside ? int32_t(inbuf[(c * in_h + y) * in_w + x]) : 0;
                lanes:
                    for (int l = 0; l < Lanes; ++l) {
#pragma HLS UNROLL
                        const int g = g0 + l;
                        if (g < G)
                            acc[s][l][buf_route[n * G + g]] += int32_t(buf_wc[n * G + g]) * v;
                    }
                }
                if (++dx == kw) {
                    dx = 0;
                    if (++dy == kh) {
                        dy = 0;
                        ++c;
                    }
                }
            }
        write_positions:
            for (int s = 0; s < Pos; ++s) {
                if (p0 + s < OHW)
                    writeGroupOutputs<Lanes>(acc[s], P, G, M, OHW, p0 + s, raw, out, out_acc, buf_mult, buf_shift, relu, g0);
            }
        }
    }
}

template <int Lanes, int FanIn>
void csDenseLinear(const int8_t* in, const int8_t* wc, const uint8_t* route, const int32_t* bias, int8_t* out, int32_t* out_acc,
                   int N, int M, int P, int G, const int32_t* mult, const uint8_t* shift, int flags)
{
#pragma HLS INLINE
    static_assert(Lanes >= 1 && FanIn >= 1, "at least one lane and one fan-in position per cycle");
    static int8_t buf_wc[kLinMaxW];
    static uint8_t buf_route[kLinMaxW];
    static int32_t buf_mult[kMaxOut];
    static uint8_t buf_shift[kMaxOut];
#pragma HLS ARRAY_PARTITION variable=buf_wc cyclic factor=Lanes dim=1
#pragma HLS ARRAY_PARTITION variable=buf_route cyclic factor=Lanes dim=1
#pragma HLS ARRAY_PARTITION variable=buf_mult cyclic factor=Lanes dim=1
#pragma HLS ARRAY_PARTITION variable=buf_shift cyclic factor=Lanes dim=1
#ifndef __SYNTHESIS__
    assert(P >= 1 && P <= kMaxP && G >= 1 && G * P >= M);
    assert(N * G <= kLinMaxW && N <= kMaxAct && G * P <= kMaxOut);
#endif
    const bool relu = (flags & kFlagRelu) != 0;
    const bool raw = (flags & kFlagRawOut) != 0;
    if (flags & kFlagLoadWeights) {
        loadPackedWeights(wc, route, buf_wc, buf_route, N * G);
        loadRequant(mult, shift, buf_mult, buf_shift, M, P, G, true);
    }
    static int32_t acc[FanIn][Lanes][kMaxP];
#pragma HLS ARRAY_PARTITION variable=acc complete dim=0
    const int passes = (G + Lanes - 1) / Lanes;
groups:
    for (int pass = 0; pass < passes; ++pass) {
        const int g0 = pass * Lanes;
    init_acc:
        for (int r = 0; r < P; ++r) {
#pragma HLS PIPELINE II=1
            for (int f = 0; f < FanIn; ++f) {
#pragma HLS UNROLL
                for (int l = 0; l < Lanes; ++l) {
#pragma HLS UNROLL
                    const int g = g0 + l, o = g * P + r;
                    acc[f][l][r] = (f == 0 && g < G && o < M) ? bias[o] : 0;
                }
            }
        }
    fan_in:
        for (int n0 = 0; n0 < N; n0 += FanIn) {
#pragma HLS PIPELINE II=1
            for (int f = 0; f < FanIn; ++f) {
#pragma HLS UNROLL
                const int n = n0 + f;
                const int32_t v = n < N ? int32_t(in[n]) : 0;
            lanes:
                for (int l = 0; l < Lanes; ++l) {
#pragma HLS UNROLL
                    const int g = g0 + l;
                    if (g < G && n < N)
                        acc[f][l][buf_route[n * G + g]] += int32_t(buf_wc[n * G + g]) * v;
                }
            }
        }
        // The FanIn copies summed into copy 0 (an adder tree of log2(FanIn) levels).
    reduce:
        for (int r = 0; r < P; ++r) {
#pragma HLS PIPELINE II=1
            for (int l = 0; l < Lanes; ++l) {
#pragma HLS UNROLL
                for (int f = 1; f < FanIn; ++f) {
#pragma HLS UNROLL
                    acc[0][l][r] += acc[f][l][r];
                }
            }
        }
        writeGroupOutputs<Lanes>(acc[0], P, G, M, 1, 0, raw, out, out_acc, buf_mult, buf_shift, relu, g0);
    }
}

} // namespace sshls
