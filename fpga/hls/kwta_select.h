// The Select unit and the max-pool, as templates over their compile-time parameters
// (docs/fpga-model.md §6); kwta_select.cpp instantiates one setting.
//   Select  Lanes: elements per cycle through the load, histogram and emit passes (banked histograms).
//   maxpool Width: pooled outputs per cycle (the load takes 4 x Width inputs per cycle).
//
// The Select unit: k-winners-take-all as a radix select, no sort. Keys are the boosted scores
// biased to unsigned 24 bits (|x * boost| < 2^23 for int8 x and a 16-bit boost). Three histogram
// passes (8 key bits each, Lanes elements per cycle into banked histograms) find the k-th
// largest key T and how many of the keys equal to T win; a last pass in index order emits the
// winners, so ties go to the lower index exactly as in the CPU reference.
#pragma once

#include "ss_kernels.h"

#ifndef __SYNTHESIS__
#include <cassert>
#endif

namespace sshls {
inline uint32_t keyOf(int8_t x, uint16_t boost)
{
#pragma HLS INLINE
    return uint32_t(int32_t(x) * int32_t(boost) + (1 << 23));
}

template <int Lanes>
void kwtaSelect(const int8_t* in, const uint16_t* boost, int n, int k, int8_t* out, int32_t* win_idx, int8_t* win_val, int32_t* count)
{
    static_assert(Lanes >= 1, "at least one element per cycle");
#ifndef __SYNTHESIS__
    assert(n >= 0 && n <= kMaxAct);
#endif
    constexpr int L = Lanes;
    static uint32_t keys[kMaxAct];
    static int8_t vals[kMaxAct];
#pragma HLS ARRAY_PARTITION variable=keys cyclic factor=Lanes dim=1
#pragma HLS ARRAY_PARTITION variable=vals cyclic factor=Lanes dim=1
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
    // L elements per cycle; the winners of a beat are compacted (an L-way prefix network in
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

template <int Width>
void maxpool(const int8_t* in, int C, int H, int W, int k, int stride, int out_h, int out_w, int8_t* out, int32_t* nz_idx, int8_t* nz_val,
             int32_t* nz_count)
{
    static_assert(Width >= 1, "at least one output per cycle");
    constexpr int kLoad = 4 * Width; // inputs loaded per cycle
    constexpr int kMaxWindow = 4;
#ifndef __SYNTHESIS__
    assert(C * H * W <= kMaxAct && k >= 1 && k <= kMaxWindow);
#endif
    static int8_t buf[kMaxAct];
#pragma HLS ARRAY_PARTITION variable=buf cyclic factor=kLoad dim=1
load:
    for (int i0 = 0; i0 < C * H * W; i0 += kLoad) {
#pragma HLS PIPELINE II=1
        for (int j = 0; j < kLoad; ++j) {
#pragma HLS UNROLL
            if (i0 + j < C * H * W)
                buf[i0 + j] = in[i0 + j];
        }
    }
    int32_t nz = 0;
pool:
    for (int o0 = 0; o0 < C * out_h * out_w; o0 += Width) {
#pragma HLS PIPELINE II=1
        // Width outputs per cycle; their non-zeros are compacted in index order (a Width-way prefix
        // network in hardware, a sequential inner loop here).
        for (int w = 0; w < Width; ++w) {
#pragma HLS UNROLL
            const int o = o0 + w;
            if (o < C * out_h * out_w) {
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
        }
    }
    *nz_count = nz;
}

} // namespace sshls
