// What a sparse-sparse conv2 can cost on this CPU, whatever the surrounding code: the floors
// quoted in docs/kernels.md. A throwaway measurement, not part of the build:
//
//   g++ -O2 -march=native -o /tmp/scatter_floor docs/experiments/scatter_floor.cpp
//   /tmp/scatter_floor
//
// The workload is the GSC conv2 at the densities: a 14 x 14 x 64 input with 9.5% random
// winners, 5 x 5 taps, a 10 x 10 output, P = 10 route slots of 8-float rows (G = 6.4 used lanes).
// Every variant does the same ~15k winner-taps (one 8-float row of products each) and prints the
// best of 3000 runs, in microseconds per item:
//   rmw-random   one read-modify-write of a route row per winner-tap, routes random per (c, tap):
//                the layout SparseScope ships (cs-sparse-row-scatter)
//   rmw-row      routes shared by the 5 taps of a kernel row (a structured mask): a winner's row of
//                taps is one contiguous 40-float read-modify-write (3 zmm)
//   reg-tap      routes fixed per tap (a structured mask): per input position the winners'
//                products stay in 25 registers, then one read-modify-write per tap
//   loads-only   the same weight loads and FMAs into 8 registers, with no accumulator traffic at
//                all: no layout can go below this
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

namespace {
constexpr int IH = 14, IW = 14, C = 64, K = 5, OH = 10, OW = 10, P = 10;

struct Winners {
    std::vector<int> pos_begin, chan;
    std::vector<float> val;
};

Winners makeWinners()
{
    std::mt19937 rng(7);
    Winners w;
    w.pos_begin.resize(IH * IW + 1);
    for (int p = 0; p < IH * IW; ++p) {
        w.pos_begin[p] = int(w.chan.size());
        for (int c = 0; c < C; ++c)
            if (rng() % 1000 < 95) {
                w.chan.push_back(c);
                w.val.push_back(0.5f + float(rng() % 100) * 0.01f);
            }
    }
    w.pos_begin[IH * IW] = int(w.chan.size());
    return w;
}

template <class F>
double best(F&& f)
{
    double b = 1e9;
    for (int rep = 0; rep < 3000; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        b = std::min(b, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return b * 1e6;
}
} // namespace

int main()
{
    const Winners W = makeWinners();
    std::mt19937 rng(11);
    std::vector<float> wct(size_t(C) * K * K * 8), wrow(size_t(C) * K * 40);
    for (auto& x : wct)
        x = 0.01f * float(rng() % 100);
    for (auto& x : wrow)
        x = 0.01f * float(rng() % 100);
    std::vector<int32_t> route(size_t(C) * K * K), rho(size_t(C) * K), tau(K * K);
    for (auto& r : route)
        r = int(rng() % P);
    for (auto& r : rho)
        r = int(rng() % P);
    for (int t = 0; t < K * K; ++t)
        tau[t] = t % P;
    const size_t acc_floats = size_t(OH) * OW * P * 8;
    float* acc = static_cast<float*>(std::aligned_alloc(64, acc_floats * 4 + 4096));
    volatile float sink = 0;
    long taps = 0;

    // rmw-random: acc[oy][ox][r][8], as shipped
    const double t_random = best([&] {
        std::memset(acc, 0, acc_floats * 4);
        taps = 0;
        for (int iy = 0; iy < IH; ++iy)
            for (int ix = 0; ix < IW; ++ix)
                for (int k = W.pos_begin[iy * IW + ix]; k < W.pos_begin[iy * IW + ix + 1]; ++k) {
                    const int c = W.chan[size_t(k)];
                    const __m256 v = _mm256_set1_ps(W.val[size_t(k)]);
                    for (int dy = 0; dy < K; ++dy) {
                        const int oy = iy - dy;
                        if (oy < 0 || oy >= OH)
                            continue;
                        for (int dx = 0; dx < K; ++dx) {
                            const int ox = ix - dx;
                            if (ox < 0 || ox >= OW)
                                continue;
                            const int t = dy * K + dx;
                            float* d = acc + ((size_t(oy) * OW + ox) * P + route[size_t(c) * K * K + t]) * 8;
                            _mm256_storeu_ps(d, _mm256_fmadd_ps(v, _mm256_loadu_ps(&wct[(size_t(c) * K * K + t) * 8]), _mm256_loadu_ps(d)));
                            ++taps;
                        }
                    }
                }
    });
    const long random_taps = taps;

    // rmw-row: acc[oy][r][ox][8]; a winner's kernel row is 40 contiguous floats (ox = ix-4 .. ix)
    const double t_row = best([&] {
        std::memset(acc, 0, acc_floats * 4);
        for (int iy = 0; iy < IH; ++iy)
            for (int ix = 0; ix < IW; ++ix) {
                const int j0 = std::max(0, 4 - ix), j1 = std::min(4, OW - 1 - ix + 4);
                const int n = (j1 - j0 + 1) * 8;
                const __mmask16 m0 = n >= 16 ? 0xFFFF : __mmask16((1u << n) - 1);
                const __mmask16 m1 = n >= 32 ? 0xFFFF : n > 16 ? __mmask16((1u << (n - 16)) - 1) : 0;
                const __mmask16 m2 = n > 32 ? __mmask16((1u << (n - 32)) - 1) : 0;
                for (int k = W.pos_begin[iy * IW + ix]; k < W.pos_begin[iy * IW + ix + 1]; ++k) {
                    const int c = W.chan[size_t(k)];
                    const __m512 v = _mm512_set1_ps(W.val[size_t(k)]);
                    for (int dy = std::max(0, iy - (OH - 1)); dy <= std::min(K - 1, iy); ++dy) {
                        float* d = acc + ((size_t(iy - dy) * P + rho[size_t(c) * K + dy]) * OW + (ix - 4 + j0)) * 8;
                        const float* w = &wrow[(size_t(c) * K + dy) * 40 + j0 * 8];
                        _mm512_mask_storeu_ps(d, m0, _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(m0, w), _mm512_maskz_loadu_ps(m0, d)));
                        _mm512_mask_storeu_ps(d + 16, m1, _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(m1, w + 16), _mm512_maskz_loadu_ps(m1, d + 16)));
                        _mm512_mask_storeu_ps(d + 32, m2, _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(m2, w + 32), _mm512_maskz_loadu_ps(m2, d + 32)));
                    }
                }
            }
    });

    // reg-tap: acc[oy][ox][r][8], r = tau(tap); 25 register sums per input position
    const double t_tap = best([&] {
        std::memset(acc, 0, acc_floats * 4);
        for (int iy = 0; iy < IH; ++iy)
            for (int ix = 0; ix < IW; ++ix) {
                const int b = W.pos_begin[iy * IW + ix], e = W.pos_begin[iy * IW + ix + 1];
                if (b == e)
                    continue;
                __m256 s[K * K];
#pragma GCC unroll 25
                for (int t = 0; t < K * K; ++t)
                    s[t] = _mm256_setzero_ps();
                for (int k = b; k < e; ++k) {
                    const __m256 v = _mm256_set1_ps(W.val[size_t(k)]);
                    const float* w = &wct[size_t(W.chan[size_t(k)]) * K * K * 8];
#pragma GCC unroll 25
                    for (int t = 0; t < K * K; ++t)
                        s[t] = _mm256_fmadd_ps(v, _mm256_loadu_ps(w + t * 8), s[t]);
                }
#pragma GCC unroll 5
                for (int dy = 0; dy < K; ++dy)
#pragma GCC unroll 5
                    for (int dx = 0; dx < K; ++dx) {
                        const int oy = iy - dy, ox = ix - dx;
                        if (oy < 0 || oy >= OH || ox < 0 || ox >= OW)
                            continue;
                        float* d = acc + ((size_t(oy) * OW + ox) * P + tau[dy * K + dx]) * 8;
                        _mm256_storeu_ps(d, _mm256_add_ps(_mm256_loadu_ps(d), s[dy * K + dx]));
                    }
            }
    });

    // loads-only: the winner-taps' weight rows into 8 register sums
    std::vector<int32_t> woff;
    for (int iy = 0; iy < IH; ++iy)
        for (int ix = 0; ix < IW; ++ix)
            for (int k = W.pos_begin[iy * IW + ix]; k < W.pos_begin[iy * IW + ix + 1]; ++k)
                for (int dy = 0; dy < K; ++dy)
                    for (int dx = 0; dx < K; ++dx)
                        if (iy - dy >= 0 && iy - dy < OH && ix - dx >= 0 && ix - dx < OW)
                            woff.push_back((W.chan[size_t(k)] * K * K + dy * K + dx) * 8);
    while (woff.size() % 8)
        woff.push_back(0);
    const double t_loads = best([&] {
        __m256 s[8];
        for (auto& x : s)
            x = _mm256_setzero_ps();
        const __m256 v = _mm256_set1_ps(0.5f);
        for (size_t i = 0; i < woff.size(); i += 8)
#pragma GCC unroll 8
            for (int j = 0; j < 8; ++j)
                s[j] = _mm256_fmadd_ps(v, _mm256_loadu_ps(&wct[size_t(woff[i + size_t(j)])]), s[j]);
        for (int j = 1; j < 8; ++j)
            s[0] = _mm256_add_ps(s[0], s[j]);
        alignas(32) float out[8];
        _mm256_store_ps(out, s[0]);
        sink = out[0];
    });

    std::printf("winners %zu, winner-taps %ld\n", W.chan.size(), random_taps);
    std::printf("rmw-random  %6.2f us  (%.2f ns per winner-tap)\n", t_random, t_random * 1e3 / double(random_taps));
    std::printf("rmw-row     %6.2f us\n", t_row);
    std::printf("reg-tap     %6.2f us\n", t_tap);
    std::printf("loads-only  %6.2f us\n", t_loads);
    (void)sink;
    std::free(acc);
}
