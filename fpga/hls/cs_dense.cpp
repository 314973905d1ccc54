// Complementary Sparsity kernels for dense inputs (sparse-dense; the dense network is P = 1).
// Loop structure (what fpga/model counts): per output position, a fan-in loop of N trips at II=1
// whose body updates G lanes in parallel: acc[g][route[n][g]] += wc[n][g] * x[n].
#include "ss_kernels.h"
#include "ss_load.h"

#ifndef __SYNTHESIS__
#include <cassert>
#endif

namespace {

// On-chip copies of the packed weights, one row of G lanes per fan-in position.
static int8_t conv_wc[sshls::kConvMaxW];
static uint8_t conv_route[sshls::kConvMaxW];
static int8_t lin_wc[sshls::kLinMaxW];
static uint8_t lin_route[sshls::kLinMaxW];

} // namespace

extern "C" {

void ss_cs_dense_conv(const int8_t* in, const int8_t* wc, const uint8_t* route, const int32_t* bias,
                      int8_t* out, int32_t* out_acc,
                      int cin, int in_h, int in_w, int kh, int kw, int stride, int pad, int out_h, int out_w,
                      int M, int P, int G, int mult, int shift, int flags)
{
#pragma HLS INTERFACE m_axi port=in offset=slave bundle=gmem0
#pragma HLS INTERFACE m_axi port=wc offset=slave bundle=gmem1
#pragma HLS INTERFACE m_axi port=route offset=slave bundle=gmem1
#pragma HLS INTERFACE m_axi port=bias offset=slave bundle=gmem2
#pragma HLS INTERFACE m_axi port=out offset=slave bundle=gmem0
#pragma HLS INTERFACE m_axi port=out_acc offset=slave bundle=gmem2
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
#pragma HLS ARRAY_PARTITION variable=conv_wc cyclic factor=128 dim=1
#pragma HLS ARRAY_PARTITION variable=conv_route cyclic factor=128 dim=1
    const int N = cin * kh * kw;
    const int OHW = out_h * out_w;
#ifndef __SYNTHESIS__
    assert(P >= 1 && P <= sshls::kMaxP && G >= 1 && G <= sshls::kConvMaxG && G * P >= M);
    assert(N * G <= sshls::kConvMaxW && cin * in_h * in_w <= sshls::kMaxAct && M * OHW <= sshls::kMaxAct);
    assert(shift >= 1 && shift <= 62);
#endif
    const bool relu = (flags & sshls::kFlagRelu) != 0;
    const bool raw = (flags & sshls::kFlagRawOut) != 0;

    if (flags & sshls::kFlagLoadWeights)
        sshls::loadPackedWeights(wc, route, conv_wc, conv_route, N * G);

    int8_t inbuf[sshls::kMaxAct];
load_input:
    for (int i = 0; i < cin * in_h * in_w; ++i) {
#pragma HLS PIPELINE II=1
        inbuf[i] = in[i];
    }

    int32_t acc[sshls::kConvMaxG][sshls::kMaxP];
#pragma HLS ARRAY_PARTITION variable=acc complete dim=0
positions:
    for (int p = 0; p < OHW; ++p) {
        const int oy = p / out_w, ox = p % out_w;
    init_acc:
        for (int g = 0; g < sshls::kConvMaxG; ++g) {
#pragma HLS UNROLL
            for (int r = 0; r < sshls::kMaxP; ++r) {
#pragma HLS UNROLL
                const int o = g * P + r;
                acc[g][r] = (g < G && r < P && o < M) ? bias[o] : 0;
            }
        }
        // Fan-in counters instead of divisions: n = (c*kh + dy)*kw + dx.
        int c = 0, dy = 0, dx = 0;
    fan_in:
        for (int n = 0; n < N; ++n) {
#pragma HLS PIPELINE II=1
            const int y = oy * stride + dy - pad, x = ox * stride + dx - pad;
            const bool inside = y >= 0 && x >= 0 && y < in_h && x < in_w;
            const int32_t v = inside ? int32_t(inbuf[(c * in_h + y) * in_w + x]) : 0;
        lanes:
            for (int g = 0; g < sshls::kConvMaxG; ++g) {
#pragma HLS UNROLL
                if (g < G)
                    acc[g][conv_route[n * G + g]] += int32_t(conv_wc[n * G + g]) * v;
            }
            if (++dx == kw) {
                dx = 0;
                if (++dy == kh) {
                    dy = 0;
                    ++c;
                }
            }
        }
        sshls::writeGroupOutputs<sshls::kConvMaxG>(acc, P, G, M, OHW, p, raw, out, out_acc, mult, shift, relu);
    }
}

void ss_cs_dense_linear(const int8_t* in, const int8_t* wc, const uint8_t* route, const int32_t* bias,
                        int8_t* out, int32_t* out_acc, int N, int M, int P, int G, int mult, int shift, int flags)
{
#pragma HLS INTERFACE m_axi port=in offset=slave bundle=gmem0
#pragma HLS INTERFACE m_axi port=wc offset=slave bundle=gmem1
#pragma HLS INTERFACE m_axi port=route offset=slave bundle=gmem1
#pragma HLS INTERFACE m_axi port=bias offset=slave bundle=gmem2
#pragma HLS INTERFACE m_axi port=out offset=slave bundle=gmem0
#pragma HLS INTERFACE m_axi port=out_acc offset=slave bundle=gmem2
#pragma HLS INTERFACE s_axilite port=N
#pragma HLS INTERFACE s_axilite port=M
#pragma HLS INTERFACE s_axilite port=P
#pragma HLS INTERFACE s_axilite port=G
#pragma HLS INTERFACE s_axilite port=mult
#pragma HLS INTERFACE s_axilite port=shift
#pragma HLS INTERFACE s_axilite port=flags
#pragma HLS INTERFACE s_axilite port=return
#pragma HLS ARRAY_PARTITION variable=lin_wc cyclic factor=1024 dim=1
#pragma HLS ARRAY_PARTITION variable=lin_route cyclic factor=1024 dim=1
#ifndef __SYNTHESIS__
    assert(P >= 1 && P <= sshls::kMaxP && G >= 1 && G <= sshls::kLinMaxG && G * P >= M);
    assert(N * G <= sshls::kLinMaxW && N <= sshls::kMaxAct);
    assert(shift >= 1 && shift <= 62);
#endif
    const bool relu = (flags & sshls::kFlagRelu) != 0;
    const bool raw = (flags & sshls::kFlagRawOut) != 0;
    if (flags & sshls::kFlagLoadWeights)
        sshls::loadPackedWeights(wc, route, lin_wc, lin_route, N * G);
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
fan_in:
    for (int n = 0; n < N; ++n) {
#pragma HLS PIPELINE II=1
        const int32_t v = in[n];
    lanes:
        for (int g = 0; g < sshls::kLinMaxG; ++g) {
#pragma HLS UNROLL
            if (g < G)
                acc[g][lin_route[n * G + g]] += int32_t(lin_wc[n * G + g]) * v;
        }
    }
    sshls::writeGroupOutputs<sshls::kLinMaxG>(acc, P, G, M, 1, 0, raw, out, out_acc, mult, shift, relu);
}

} // extern "C"
