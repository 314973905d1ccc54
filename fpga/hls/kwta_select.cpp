// The Select unit: k-winners-take-all as a radix select, no sort. Keys are the boosted scores
// biased to unsigned 24 bits (|x * boost| < 2^23 for int8 x and a 16-bit boost). Three histogram
// passes (8 key bits each, kSelLanes elements per cycle into banked histograms) find the k-th
// largest key T and how many of the keys equal to T win; a last pass in index order emits the
// winners, so ties go to the lower index exactly as in the CPU reference.
#include "ss_kernels.h"

#ifndef __SYNTHESIS__
#include <cassert>
#endif

namespace {
inline uint32_t keyOf(int8_t x, uint16_t boost)
{
#pragma HLS INLINE
    return uint32_t(int32_t(x) * int32_t(boost) + (1 << 23));
}
} // namespace

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
#ifndef __SYNTHESIS__
    assert(n >= 0 && n <= sshls::kMaxAct);
#endif
    constexpr int L = sshls::kSelLanes;
    static uint32_t keys[sshls::kMaxAct];
    static int8_t vals[sshls::kMaxAct];
#pragma HLS ARRAY_PARTITION variable=keys cyclic factor=16 dim=1
#pragma HLS ARRAY_PARTITION variable=vals cyclic factor=16 dim=1
load:
    for (int i0 = 0; i0 < n; i0 += L) {
#pragma HLS PIPELINE II=1
        for (int j = 0; j < L; ++j) {
#pragma HLS UNROLL
            const int i = i0 + j;
            if (i < n) {
                vals[i] = in[i];
                keys[i] = keyOf(in[i], boost[i]);
            }
        }
    }

    uint32_t threshold = 0; // the k-th largest key (built 8 bits per pass)
    int need = k;           // winners still to place among keys matching the prefix
    const bool all = k >= n, none = k <= 0;
    if (!all && !none) {
    passes:
        for (int pass = 0; pass < 3; ++pass) {
            const int sh = 16 - 8 * pass;
            uint32_t hist[L][256];
#pragma HLS ARRAY_PARTITION variable=hist complete dim=1
        clear:
            for (int b = 0; b < 256; ++b) {
#pragma HLS PIPELINE II=1
                for (int j = 0; j < L; ++j) {
#pragma HLS UNROLL
                    hist[j][b] = 0;
                }
            }
            int last_bin[L];
            uint32_t last_cnt[L];
#pragma HLS ARRAY_PARTITION variable=last_bin complete
#pragma HLS ARRAY_PARTITION variable=last_cnt complete
            for (int j = 0; j < L; ++j) {
#pragma HLS UNROLL
                last_bin[j] = -1;
                last_cnt[j] = 0;
            }
        histogram:
            for (int i0 = 0; i0 < n; i0 += L) {
#pragma HLS PIPELINE II=1
#pragma HLS DEPENDENCE variable=hist inter false
                for (int j = 0; j < L; ++j) {
#pragma HLS UNROLL
                    const int i = i0 + j;
                    if (i < n) {
                        const uint32_t key = keys[i];
                        const bool match = pass == 0 || (key >> (sh + 8)) == (threshold >> (sh + 8));
                        if (match) {
                            // Forward the previous update of this bank (same bin twice in a row).
                            const int b = int((key >> sh) & 255u);
                            const uint32_t c = (b == last_bin[j] ? last_cnt[j] : hist[j][b]) + 1;
                            hist[j][b] = c;
                            last_bin[j] = b;
                            last_cnt[j] = c;
                        }
                    }
                }
            }
            // Scan from the top digit: the digit where the running count reaches `need`.
            uint32_t above = 0;
            int digit = 0;
            bool found = false;
        scan:
            for (int b = 255; b >= 0; --b) {
#pragma HLS PIPELINE II=1
                uint32_t h = 0;
                for (int j = 0; j < L; ++j) {
#pragma HLS UNROLL
                    h += hist[j][b];
                }
                if (!found) {
                    if (above + h >= uint32_t(need)) {
                        digit = b;
                        found = true;
                    } else {
                        above += h;
                    }
                }
            }
            threshold |= uint32_t(digit) << sh;
            need -= int(above);
        }
    }
    // Keys above the threshold all win; of those equal to it, the first `need` in index order.
    int32_t emitted = 0;
    int ties = 0;
    // L elements per cycle; the winners of a beat are compacted (a 16-way prefix network in
    // hardware, a sequential inner loop here) and leave one per cycle: max(n/L, k) cycles.
emit:
    for (int i0 = 0; i0 < n; i0 += L) {
#pragma HLS PIPELINE II=1
        for (int j = 0; j < L; ++j) {
#pragma HLS UNROLL
            const int i = i0 + j;
            if (i < n) {
                const uint32_t key = keys[i];
                bool win = all;
                if (!all && !none) {
                    if (key > threshold)
                        win = true;
                    else if (key == threshold && ties < need) {
                        win = true;
                        ++ties;
                    }
                }
                out[i] = win ? vals[i] : int8_t(0);
                if (win) {
                    win_idx[emitted] = i;
                    win_val[emitted] = vals[i];
                    ++emitted;
                }
            }
        }
    }
    *count = emitted;
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
    constexpr int kMaxWindow = 4;
#ifndef __SYNTHESIS__
    assert(C * H * W <= sshls::kMaxAct && k >= 1 && k <= kMaxWindow);
#endif
    static int8_t buf[sshls::kMaxAct];
#pragma HLS ARRAY_PARTITION variable=buf cyclic factor=4 dim=1
load:
    for (int i0 = 0; i0 < C * H * W; i0 += 4) {
#pragma HLS PIPELINE II=1
        for (int j = 0; j < 4; ++j) {
#pragma HLS UNROLL
            if (i0 + j < C * H * W)
                buf[i0 + j] = in[i0 + j];
        }
    }
    int32_t nz = 0;
pool:
    for (int o = 0; o < C * out_h * out_w; ++o) {
#pragma HLS PIPELINE II=1
        const int c = o / (out_h * out_w), rem = o % (out_h * out_w);
        const int oy = rem / out_w, ox = rem % out_w;
        int8_t m = -128;
    window:
        for (int dy = 0; dy < kMaxWindow; ++dy) {
#pragma HLS UNROLL
            for (int dx = 0; dx < kMaxWindow; ++dx) {
#pragma HLS UNROLL
                if (dy < k && dx < k) {
                    const int8_t v = buf[(c * H + oy * stride + dy) * W + ox * stride + dx];
                    m = v > m ? v : m;
                }
            }
        }
        out[o] = m;
        if (m != 0) {
            nz_idx[nz] = o;
            nz_val[nz] = m;
            ++nz;
        }
    }
    *nz_count = nz;
}

} // extern "C"
