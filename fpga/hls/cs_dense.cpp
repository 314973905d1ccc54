// The extern "C" tops of the dense-input kernels: one compile-time setting of the templates in
// cs_dense.h (SS_* in ss_kernels.h; the defaults are the baseline design).
#include "cs_dense.h"

extern "C" {

void ss_cs_dense_conv(const int8_t* in, const int8_t* wc, const uint8_t* route, const int32_t* bias,
                      int8_t* out, int32_t* out_acc,
                      int cin, int in_h, int in_w, int kh, int kw, int stride, int pad, int out_h, int out_w,
                      int M, int P, int G, const int32_t* mult, const uint8_t* shift, int flags)
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
#pragma HLS INTERFACE m_axi port=mult offset=slave bundle=gmem2
#pragma HLS INTERFACE m_axi port=shift offset=slave bundle=gmem2
#pragma HLS INTERFACE s_axilite port=flags
#pragma HLS INTERFACE s_axilite port=return
    sshls::csDenseConv<SS_DENSE_CONV_LANES, SS_DENSE_CONV_POS>(in, wc, route, bias, out, out_acc, cin, in_h, in_w, kh, kw, stride, pad,
                                                                out_h, out_w, M, P, G, mult, shift, flags);
}

void ss_cs_dense_linear(const int8_t* in, const int8_t* wc, const uint8_t* route, const int32_t* bias,
                        int8_t* out, int32_t* out_acc, int N, int M, int P, int G, const int32_t* mult, const uint8_t* shift, int flags)
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
#pragma HLS INTERFACE m_axi port=mult offset=slave bundle=gmem2
#pragma HLS INTERFACE m_axi port=shift offset=slave bundle=gmem2
#pragma HLS INTERFACE s_axilite port=flags
#pragma HLS INTERFACE s_axilite port=return
    sshls::csDenseLinear<SS_DENSE_LINEAR_LANES, SS_DENSE_LINEAR_FANIN>(in, wc, route, bias, out, out_acc, N, M, P, G, mult, shift, flags);
}

} // extern "C"
