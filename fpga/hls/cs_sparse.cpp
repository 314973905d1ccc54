// Complementary Sparsity kernels for k-WTA-sparse inputs (sparse-sparse). Only the winners' packed
// rows are read: count * taps trips at II=1 (conv) or count trips (linear), G lanes each.
// DATAFLOW: read winners -> (conv: expand each winner into its taps) -> MAC -> write back.
#include "ss_kernels.h"
#include "ss_load.h"
#include "ss_stream.h"

#ifndef __SYNTHESIS__
#include <cassert>
#endif

namespace {

static int8_t sconv_wc[sshls::kConvMaxW];
static uint8_t sconv_route[sshls::kConvMaxW];
static int8_t slin_wc[sshls::kLinMaxW];
static uint8_t slin_route[sshls::kLinMaxW];

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
    int32_t o;
    int32_t acc;
};

void readWinners(const int32_t* win_idx, const int8_t* win_val, int count, sshls::stream<Winner>& s)
{
read_winners:
    for (int i = 0; i < count; ++i) {
#pragma HLS PIPELINE II=1
        s.write({win_idx[i], win_val[i]});
    }
}

// One winner (c, y, x) touches output (oy, ox) through tap (dy, dx) when y + pad - dy = oy*stride
// (same for x). Every tap slot is one trip (II=1); slots that fall outside emit nothing.
void expandTaps(sshls::stream<Winner>& in, int count, int in_h, int in_w, int kh, int kw, int stride, int pad,
                int out_h, int out_w, sshls::stream<Tap>& out, sshls::stream<int>& n_taps)
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

// acc[g][r * OHW + pos]: lane g owns output channels g*P .. g*P+P-1, one bank per lane.
void macConv(sshls::stream<Tap>& taps, sshls::stream<int>& n_taps, const int32_t* bias, int M, int P, int G, int OHW,
             sshls::stream<Result>& res)
{
    static int32_t acc[sshls::kConvMaxG][sshls::kConvMaxBank];
#pragma HLS ARRAY_PARTITION variable=acc complete dim=1
#pragma HLS BIND_STORAGE variable=acc type=ram_2p impl=bram
init_acc:
    for (int j = 0; j < P * OHW; ++j) {
#pragma HLS PIPELINE II=1
        const int r = j / OHW;
        for (int g = 0; g < sshls::kConvMaxG; ++g) {
#pragma HLS UNROLL
            const int o = g * P + r;
            if (g < G)
                acc[g][j] = o < M ? bias[o] : 0;
        }
    }
    const int total = n_taps.read();
mac:
    for (int i = 0; i < total; ++i) {
#pragma HLS PIPELINE II=1
#pragma HLS DEPENDENCE variable=acc inter false
        // Consecutive taps of one winner hit distinct positions; the same position recurs only after
        // a whole winner (kh*kw trips), beyond the read-add-write latency (docs/fpga-model.md).
        const Tap t = taps.read();
    lanes:
        for (int g = 0; g < sshls::kConvMaxG; ++g) {
#pragma HLS UNROLL
            if (g < G)
                acc[g][sconv_route[t.n * G + g] * OHW + t.pos] += int32_t(sconv_wc[t.n * G + g]) * int32_t(t.val);
        }
    }
drain:
    for (int j = 0; j < P * OHW; ++j) {
#pragma HLS PIPELINE II=1
        const int r = j / OHW, pos = j % OHW;
        for (int g = 0; g < sshls::kConvMaxG; ++g) {
#pragma HLS UNROLL
            const int o = g * P + r;
            if (g < G && o < M)
                res.write({o * OHW + pos, acc[g][j]});
        }
    }
}

void writeResults(sshls::stream<Result>& res, int total, int8_t* out, int32_t* out_acc, int32_t mult, int shift, int flags)
{
    const bool relu = (flags & sshls::kFlagRelu) != 0;
    const bool raw = (flags & sshls::kFlagRawOut) != 0;
write_back:
    for (int i = 0; i < total; ++i) {
#pragma HLS PIPELINE II=1
        const Result r = res.read();
        if (raw)
            out_acc[r.o] = r.acc;
        else
            out[r.o] = sshls::requant(r.acc, mult, shift, relu);
    }
}

void macLinear(sshls::stream<Winner>& win, int count, const int32_t* bias, int M, int P, int G, sshls::stream<Result>& res)
{
    static int32_t acc[sshls::kLinMaxG][sshls::kMaxP];
#pragma HLS ARRAY_PARTITION variable=acc complete dim=1
#pragma HLS ARRAY_PARTITION variable=acc complete dim=2
init_acc:
    for (int r = 0; r < P; ++r) {
#pragma HLS PIPELINE II=1
        for (int g = 0; g < sshls::kLinMaxG; ++g) {
#pragma HLS UNROLL
            const int o = g * P + r;
            if (g < G)
                acc[g][r] = o < M ? bias[o] : 0;
        }
    }
mac:
    for (int i = 0; i < count; ++i) {
#pragma HLS PIPELINE II=1
        const Winner w = win.read();
    lanes:
        for (int g = 0; g < sshls::kLinMaxG; ++g) {
#pragma HLS UNROLL
            if (g < G)
                acc[g][slin_route[w.idx * G + g]] += int32_t(slin_wc[w.idx * G + g]) * int32_t(w.val);
        }
    }
drain:
    for (int r = 0; r < P; ++r) {
#pragma HLS PIPELINE II=1
        for (int g = 0; g < sshls::kLinMaxG; ++g) {
#pragma HLS UNROLL
            const int o = g * P + r;
            if (g < G && o < M)
                res.write({o, acc[g][r]});
        }
    }
}

} // namespace

extern "C" {

void ss_cs_sparse_conv(const int32_t* win_idx, const int8_t* win_val, int count,
                       const int8_t* wc, const uint8_t* route, const int32_t* bias, int8_t* out, int32_t* out_acc,
                       int cin, int in_h, int in_w, int kh, int kw, int stride, int pad, int out_h, int out_w,
                       int M, int P, int G, int mult, int shift, int flags)
{
#pragma HLS INTERFACE m_axi port=win_idx offset=slave bundle=gmem0
#pragma HLS INTERFACE m_axi port=win_val offset=slave bundle=gmem0
#pragma HLS INTERFACE m_axi port=wc offset=slave bundle=gmem1
#pragma HLS INTERFACE m_axi port=route offset=slave bundle=gmem1
#pragma HLS INTERFACE m_axi port=bias offset=slave bundle=gmem2
#pragma HLS INTERFACE m_axi port=out offset=slave bundle=gmem3
#pragma HLS INTERFACE m_axi port=out_acc offset=slave bundle=gmem3
#pragma HLS INTERFACE s_axilite port=count
#pragma HLS INTERFACE s_axilite port=cin
#pragma HLS INTERFACE s_axilite port=in_h
#pragma HLS INTERFACE s_axilite port=in_w
#pragma HLS INTERFACE s_axilite port=kh
#pragma HLS INTERFACE s_axilite port=kw
#pragma HLS INTERFACE s_axilite port=stride
#pragma HLS INTERFACE s_axilite port=pad
#pragma HLS INTERFACE s_axilite port=out_h
#pragma HLS INTERFACE s_axilite port=out_w
#pragma HLS INTERFACE s_axilite port=M
#pragma HLS INTERFACE s_axilite port=P
#pragma HLS INTERFACE s_axilite port=G
#pragma HLS INTERFACE s_axilite port=mult
#pragma HLS INTERFACE s_axilite port=shift
#pragma HLS INTERFACE s_axilite port=flags
#pragma HLS INTERFACE s_axilite port=return
#pragma HLS ARRAY_PARTITION variable=sconv_wc cyclic factor=128 dim=1
#pragma HLS ARRAY_PARTITION variable=sconv_route cyclic factor=128 dim=1
    const int N = cin * kh * kw;
    const int OHW = out_h * out_w;
#ifndef __SYNTHESIS__
    assert(P >= 1 && P <= sshls::kMaxP && G >= 1 && G <= sshls::kConvMaxG && G * P >= M);
    assert(N * G <= sshls::kConvMaxW && P * OHW <= sshls::kConvMaxBank && count >= 0 && count <= cin * in_h * in_w);
    assert(shift >= 1 && shift <= 62);
#endif
    if (flags & sshls::kFlagLoadWeights)
        sshls::loadPackedWeights(wc, route, sconv_wc, sconv_route, N * G);
    sshls::stream<Winner> s_win("s_win");
    sshls::stream<Tap> s_tap("s_tap");
    sshls::stream<int> s_ntaps("s_ntaps");
    sshls::stream<Result> s_res("s_res");
#pragma HLS STREAM variable=s_win depth=64
#pragma HLS STREAM variable=s_tap depth=64
#pragma HLS STREAM variable=s_res depth=64
#pragma HLS DATAFLOW
    readWinners(win_idx, win_val, count, s_win);
    expandTaps(s_win, count, in_h, in_w, kh, kw, stride, pad, out_h, out_w, s_tap, s_ntaps);
    macConv(s_tap, s_ntaps, bias, M, P, G, OHW, s_res);
    writeResults(s_res, M * OHW, out, out_acc, mult, shift, flags);
}

void ss_cs_sparse_linear(const int32_t* win_idx, const int8_t* win_val, int count,
                         const int8_t* wc, const uint8_t* route, const int32_t* bias, int8_t* out, int32_t* out_acc,
                         int N, int M, int P, int G, int mult, int shift, int flags)
{
#pragma HLS INTERFACE m_axi port=win_idx offset=slave bundle=gmem0
#pragma HLS INTERFACE m_axi port=win_val offset=slave bundle=gmem0
#pragma HLS INTERFACE m_axi port=wc offset=slave bundle=gmem1
#pragma HLS INTERFACE m_axi port=route offset=slave bundle=gmem1
#pragma HLS INTERFACE m_axi port=bias offset=slave bundle=gmem2
#pragma HLS INTERFACE m_axi port=out offset=slave bundle=gmem3
#pragma HLS INTERFACE m_axi port=out_acc offset=slave bundle=gmem3
#pragma HLS INTERFACE s_axilite port=count
#pragma HLS INTERFACE s_axilite port=N
#pragma HLS INTERFACE s_axilite port=M
#pragma HLS INTERFACE s_axilite port=P
#pragma HLS INTERFACE s_axilite port=G
#pragma HLS INTERFACE s_axilite port=mult
#pragma HLS INTERFACE s_axilite port=shift
#pragma HLS INTERFACE s_axilite port=flags
#pragma HLS INTERFACE s_axilite port=return
#pragma HLS ARRAY_PARTITION variable=slin_wc cyclic factor=1024 dim=1
#pragma HLS ARRAY_PARTITION variable=slin_route cyclic factor=1024 dim=1
#ifndef __SYNTHESIS__
    assert(P >= 1 && P <= sshls::kMaxP && G >= 1 && G <= sshls::kLinMaxG && G * P >= M);
    assert(N * G <= sshls::kLinMaxW && count >= 0 && count <= N);
    assert(shift >= 1 && shift <= 62);
#endif
    if (flags & sshls::kFlagLoadWeights)
        sshls::loadPackedWeights(wc, route, slin_wc, slin_route, N * G);
    sshls::stream<Winner> s_win("s_win");
    sshls::stream<Result> s_res("s_res");
#pragma HLS STREAM variable=s_win depth=64
#pragma HLS STREAM variable=s_res depth=64
#pragma HLS DATAFLOW
    readWinners(win_idx, win_val, count, s_win);
    macLinear(s_win, count, bias, M, P, G, s_res);
    writeResults(s_res, M, out, out_acc, mult, shift, flags);
}

} // extern "C"
