// The extern "C" tops of the Select unit and the max-pool: one compile-time setting of the templates
// in kwta_select.h (SS_* in ss_kernels.h; the defaults are the baseline design).
#include "kwta_select.h"

extern "C" {

void ss_kwta_select(const int8_t* in, const uint16_t* boost, int n, int k,
                    int8_t* out, int32_t* win_idx, int8_t* win_val, int32_t* count)
{
#pragma HLS INTERFACE m_axi port=in offset=slave bundle=gmem0
#pragma HLS INTERFACE m_axi port=boost offset=slave bundle=gmem1
#pragma HLS INTERFACE m_axi port=out offset=slave bundle=gmem2
#pragma HLS INTERFACE m_axi port=win_idx offset=slave bundle=gmem3
#pragma HLS INTERFACE m_axi port=win_val offset=slave bundle=gmem3
#pragma HLS INTERFACE m_axi port=count offset=slave bundle=gmem3
#pragma HLS INTERFACE s_axilite port=n
#pragma HLS INTERFACE s_axilite port=k
#pragma HLS INTERFACE s_axilite port=return
    sshls::kwtaSelect<SS_SELECT_LANES>(in, boost, n, k, out, win_idx, win_val, count);
}

void ss_maxpool(const int8_t* in, int C, int H, int W, int k, int stride, int out_h, int out_w,
                int8_t* out, int32_t* nz_idx, int8_t* nz_val, int32_t* nz_count)
{
#pragma HLS INTERFACE m_axi port=in offset=slave bundle=gmem0
#pragma HLS INTERFACE m_axi port=out offset=slave bundle=gmem1
#pragma HLS INTERFACE m_axi port=nz_idx offset=slave bundle=gmem2
#pragma HLS INTERFACE m_axi port=nz_val offset=slave bundle=gmem2
#pragma HLS INTERFACE m_axi port=nz_count offset=slave bundle=gmem2
#pragma HLS INTERFACE s_axilite port=C
#pragma HLS INTERFACE s_axilite port=H
#pragma HLS INTERFACE s_axilite port=W
#pragma HLS INTERFACE s_axilite port=k
#pragma HLS INTERFACE s_axilite port=stride
#pragma HLS INTERFACE s_axilite port=out_h
#pragma HLS INTERFACE s_axilite port=out_w
#pragma HLS INTERFACE s_axilite port=return
    sshls::maxpool<SS_POOL_WIDTH>(in, C, H, W, k, stride, out_h, out_w, out, nz_idx, nz_val, nz_count);
}

} // extern "C"
