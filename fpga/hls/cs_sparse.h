// Complementary Sparsity kernels for k-WTA-sparse inputs (sparse-sparse), as templates over their
// compile-time parameters (docs/fpga-model.md §6); cs_sparse.cpp instantiates one setting.
//   Lanes  MAC lanes (UNROLL); the G groups run in ceil(G/Lanes) passes over the winners.
//   Taps   conv: taps per cycle, each into its own copy of the accumulator banks (summed on drain).
// Only the winners' packed rows are read: count * taps trips (conv, / Taps) or count trips (linear).
// DATAFLOW per pass: read winners -> (conv: expand each winner into its taps) -> MAC -> write back.
#pragma once

#include "ss_kernels.h"
#include "ss_load.h"
#include "ss_stream.h"

#ifndef __SYNTHESIS__
#include <cassert>
#endif

namespace sshls {

struct Winner {
    int32_t idx;
    int8_t val;
};
struct Tap {
    int32_t n;   // packed row (fan-in position)
    int32_t pos; // output position oy*OW + ox
    int8_t val;
};
struct Result {
    int32_t o;  // output index (channel * OH*OW + position)
    int32_t ch; // output channel: selects the requantisation (per-channel scales)
    int32_t acc;
};

inline void readWinners(const int32_t* win_idx, const int8_t* win_val, int count, stream<Winner>& s)
{
read_winners:
    for (int i = 0; i < count; ++i) {
#pragma HLS PIPELINE II=1
        s.write({win_idx[i], win_val[i]});
    }
}

// One winner (c, y, x) touches output (oy, ox) through tap (dy, dx) when y + pad - dy = oy*stride
// (same for x). Every tap slot is one trip (II=1); slots that fall outside emit nothing.
inline void expandTaps(stream<Winner>& in, int count, int in_h, int in_w, int kh, int kw, int stride, int pad, int out_h, int out_w,
                       stream<Tap>& out, stream<int>& n_taps)
{
    int emitted = 0;
expand_winners:
    for (int i = 0; i < count; ++i) {
        const Winner w = in.read();
        const int HW = in_h * in_w;
        const int c = w.idx / HW, rem = w.idx % HW;
        const int y = rem / in_w, x = rem % in_w;
    taps:
        for (int t = 0; t < kh * kw; ++t) {
#pragma HLS PIPELINE II=1
            const int dy = t / kw, dx = t % kw;
            const int ty = y + pad - dy, tx = x + pad - dx;
            if (ty >= 0 && tx >= 0 && ty % stride == 0 && tx % stride == 0 && ty / stride < out_h && tx / stride < out_w) {
                out.write({(c * kh + dy) * kw + dx, (ty / stride) * out_w + tx / stride, w.val});
                ++emitted;
            }
        }
    }
    n_taps.write(emitted);
}

// acc[u][l][r * OHW + pos]: lane l owns output channels g*P .. g*P+P-1 (g = g0 + l), one bank per
// lane and tap copy u; Taps taps enter per cycle, tap i into copy i % Taps.
template <int Lanes, int Taps>
void macConv(stream<Tap>& taps, stream<int>& n_taps, const int8_t* buf_wc, const uint8_t* buf_route, const int32_t* bias, int M, int P,
             int G, int g0, int OHW, stream<Result>& res)
{
    static int32_t acc[Taps][Lanes][kConvMaxBank];
#pragma HLS ARRAY_PARTITION variable=acc complete dim=1
#pragma HLS ARRAY_PARTITION variable=acc complete dim=2
#pragma HLS BIND_STORAGE variable=acc type=ram_2p impl=bram
init_acc:
    for (int j = 0; j < P * OHW; ++j) {
#pragma HLS PIPELINE II=1
        const int r = j / OHW;
        for (int u = 0; u < Taps; ++u) {
#pragma HLS UNROLL
            for (int l = 0; l < Lanes; ++l) {
#pragma HLS UNROLL
                const int g = g0 + l, o = g * P + r;
                if (g < G)
                    acc[u][l][j] = (u == 0 && o < M) ? bias[o] : 0;
            }
        }
    }
    const int total = n_taps.read();
mac:
    for (int i0 = 0; i0 < total; i0 += Taps) {
#pragma HLS PIPELINE II=1
#pragma HLS DEPENDENCE variable=acc inter false
        // Consecutive taps of one winner hit distinct positions; the same position recurs only after
        // a whole winner (kh*kw taps), beyond the read-add-write latency (docs/fpga-model.md).
        for (int u = 0; u < Taps; ++u) {
#pragma HLS UNROLL
            if (i0 + u < total) {
                const Tap t = taps.read();
            lanes:
                for (int l = 0; l < Lanes; ++l) {
#pragma HLS UNROLL
                    const int g = g0 + l;
                    if (g < G)
                        acc[u][l][buf_route[t.n * G + g] * OHW + t.pos] += int32_t(buf_wc[t.n * G + g]) * int32_t(t.val);
                }
            }
        }
    }
drain:
    for (int j = 0; j < P * OHW; ++j) {
#pragma HLS PIPELINE II=1
        const int r = j / OHW, pos = j % OHW;
        for (int l = 0; l < Lanes; ++l) {
#pragma HLS UNROLL
            const int g = g0 + l, o = g * P + r;
            int32_t sum = 0;
            for (int u = 0; u < Taps; ++u) {
#pragma HLS UNROLL
                sum += acc[u][l][j];
            }
            if (g < G && o < M)
                res.write({o * OHW + pos, o, sum});
        }
    }
}

inline void writeResults(stream<Result>& res, int total, int8_t* out, int32_t* out_acc, const int32_t* mult, const uint8_t* shift, int flags)
{
    const bool relu = (flags & kFlagRelu) != 0;
    const bool raw = (flags & kFlagRawOut) != 0;
write_back:
    for (int i = 0; i < total; ++i) {
#pragma HLS PIPELINE II=1
        const Result r = res.read();
        if (raw)
            out_acc[r.o] = r.acc;
        else
            out[r.o] = requant(r.acc, mult[r.ch], shift[r.ch], relu);
    }
}

template <int Lanes>
void macLinear(stream<Winner>& win, int count, const int8_t* buf_wc, const uint8_t* buf_route, const int32_t* bias, int M, int P, int G,
               int g0, stream<Result>& res)
{
    static int32_t acc[Lanes][kMaxP];
#pragma HLS ARRAY_PARTITION variable=acc complete dim=1
#pragma HLS ARRAY_PARTITION variable=acc complete dim=2
init_acc:
    for (int r = 0; r < P; ++r) {
#pragma HLS PIPELINE II=1
        for (int l = 0; l < Lanes; ++l) {
#pragma HLS UNROLL
            const int g = g0 + l, o = g * P + r;
            if (g < G)
                acc[l][r] = o < M ? bias[o] : 0;
        }
    }
mac:
    for (int i = 0; i < count; ++i) {
#pragma HLS PIPELINE II=1
        const Winner w = win.read();
    lanes:
        for (int l = 0; l < Lanes; ++l) {
#pragma HLS UNROLL
            const int g = g0 + l;
            if (g < G)
                acc[l][buf_route[w.idx * G + g]] += int32_t(buf_wc[w.idx * G + g]) * int32_t(w.val);
        }
    }
drain:
    for (int r = 0; r < P; ++r) {
#pragma HLS PIPELINE II=1
        for (int l = 0; l < Lanes; ++l) {
#pragma HLS UNROLL
            const int g = g0 + l, o = g * P + r;
            if (g < G && o < M)
                res.write({o, o, acc[l][r]});
        }
    }
}

// Outputs of the groups g0 .. g0+Lanes-1 (times `per_output` positions).
inline int passOutputs(int g0, int Lanes, int G, int P, int M, int per_output)
{
    int n = 0;
    for (int g = g0; g < g0 + Lanes && g < G; ++g)
        n += (M - g * P < P ? M - g * P : P) * per_output;
    return n;
}

template <int Lanes, int Taps>
void sparseConvPass(const int32_t* win_idx, const int8_t* win_val, int count, const int8_t* buf_wc, const uint8_t* buf_route,
                    const int32_t* bias, int8_t* out, int32_t* out_acc, int in_h, int in_w, int kh, int kw, int stride, int pad,
                    int out_h, int out_w, int M, int P, int G, int g0, const int32_t* mult, const uint8_t* shift, int flags)
{
    stream<Winner> s_win("s_win");
    stream<Tap> s_tap("s_tap");
    stream<int> s_ntaps("s_ntaps");
    stream<Result> s_res("s_res");
#pragma HLS STREAM variable=s_win depth=64
#pragma HLS STREAM variable=s_tap depth=64
#pragma HLS STREAM variable=s_res depth=64
#pragma HLS DATAFLOW
    const int OHW = out_h * out_w;
    readWinners(win_idx, win_val, count, s_win);
    expandTaps(s_win, count, in_h, in_w, kh, kw, stride, pad, out_h, out_w, s_tap, s_ntaps);
    macConv<Lanes, Taps>(s_tap, s_ntaps, buf_wc, buf_route, bias, M, P, G, g0, OHW, s_res);
    writeResults(s_res, passOutputs(g0, Lanes, G, P, M, OHW), out, out_acc, mult, shift, flags);
}

template <int Lanes, int Taps>
void csSparseConv(const int32_t* win_idx, const int8_t* win_val, int count, const int8_t* wc, const uint8_t* route, const int32_t* bias,
                  int8_t* out, int32_t* out_acc, int cin, int in_h, int in_w, int kh, int kw, int stride, int pad, int out_h, int out_w,
                  int M, int P, int G, const int32_t* mult, const uint8_t* shift, int flags)
{
    static_assert(Lanes >= 1 && Taps >= 1, "at least one lane and one tap per cycle");
    static int8_t buf_wc[kConvMaxW];
    static uint8_t buf_route[kConvMaxW];
    static int32_t buf_mult[kMaxOut]; // per-output requantisation, read once per result
    static uint8_t buf_shift[kMaxOut];
#pragma HLS ARRAY_PARTITION variable=buf_wc cyclic factor=Lanes dim=1
#pragma HLS ARRAY_PARTITION variable=buf_route cyclic factor=Lanes dim=1
    const int N = cin * kh * kw;
    [[maybe_unused]] const int OHW = out_h * out_w; // for the capacity assert
#ifndef __SYNTHESIS__
    assert(P >= 1 && P <= kMaxP && G >= 1 && G * P >= M);
    assert(N * G <= kConvMaxW && P * OHW <= kConvMaxBank && count >= 0 && count <= cin * in_h * in_w && M <= kMaxOut);
#endif
    if (flags & kFlagLoadWeights) {
        loadPackedWeights(wc, route, buf_wc, buf_route, N * G);
        loadRequant(mult, shift, buf_mult, buf_shift, M, P, G, false);
    }
    const int passes = (G + Lanes - 1) / Lanes;
groups:
    for (int pass = 0; pass < passes; ++pass)
        sparseConvPass<Lanes, Taps>(win_idx, win_val, count, buf_wc, buf_route, bias, out, out_acc, in_h, in_w, kh, kw, stride, pad, out_h,
                                    out_w, M, P, G, pass * Lanes, buf_mult, buf_shift, flags);
}

template <int Lanes>
void sparseLinearPass(const int32_t* win_idx, const int8_t* win_val, int count, const int8_t* buf_wc, const uint8_t* buf_route,
                      const int32_t* bias, int8_t* out, int32_t* out_acc, int M, int P, int G, int g0, const int32_t* mult,
                      const uint8_t* shift, int flags)
{
    stream<Winner> s_win("s_win");
    stream<Result> s_res("s_res");
#pragma HLS STREAM variable=s_win depth=64
#pragma HLS STREAM variable=s_res depth=64
#pragma HLS DATAFLOW
    readWinners(win_idx, win_val, count, s_win);
    macLinear<Lanes>(s_win, count, buf_wc, buf_route, bias, M, P, G, g0, s_res);
    writeResults(s_res, passOutputs(g0, Lanes, G, P, M, 1), out, out_acc, mult, shift, flags);
}

template <int Lanes>
void csSparseLinear(const int32_t* win_idx, const int8_t* win_val, int count, const int8_t* wc, const uint8_t* route, const int32_t* bias,
                    int8_t* out, int32_t* out_acc, int N, int M, int P, int G, const int32_t* mult, const uint8_t* shift, int flags)
{
    static_assert(Lanes >= 1, "at least one lane");
    static int8_t buf_wc[kLinMaxW];
    static uint8_t buf_route[kLinMaxW];
    static int32_t buf_mult[kMaxOut]; // per-output requantisation, read once per result
    static uint8_t buf_shift[kMaxOut];
#pragma HLS ARRAY_PARTITION variable=buf_wc cyclic factor=Lanes dim=1
#pragma HLS ARRAY_PARTITION variable=buf_route cyclic factor=Lanes dim=1
#ifndef __SYNTHESIS__
    assert(P >= 1 && P <= kMaxP && G >= 1 && G * P >= M);
    assert(N * G <= kLinMaxW && count >= 0 && count <= N && M <= kMaxOut);
#endif
    if (flags & kFlagLoadWeights) {
        loadPackedWeights(wc, route, buf_wc, buf_route, N * G);
        loadRequant(mult, shift, buf_mult, buf_shift, M, P, G, false);
    }
    const int passes = (G + Lanes - 1) / Lanes;
groups:
    for (int pass = 0; pass < passes; ++pass)
        sparseLinearPass<Lanes>(win_idx, win_val, count, buf_wc, buf_route, bias, out, out_acc, M, P, G, pass * Lanes, buf_mult, buf_shift,
                                flags);
}

} // namespace sshls
