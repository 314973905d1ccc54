// The fixed cost of the shipped sparse-sparse conv scatter, and what 16 bytes of misalignment
// cost it: the figures in docs/kernels.md ("Its fixed cost, second look"). A throwaway
// measurement, not part of the build; it compiles the kernels' template for AVX2 directly:
//
//   g++ -O3 -DNDEBUG -std=c++20 -mavx2 -mfma -Icore -DKINC='"kernels/kernels.inc"' \
//       -o /tmp/scatter_fixed_cost docs/experiments/scatter_fixed_cost.cpp
//   /tmp/scatter_fixed_cost [ACC_OFFSET_BYTES [WEIGHTS_OFFSET_BYTES]]   # e.g. 0 0, 16 0, 0 16
//   EMPTY=1 /tmp/scatter_fixed_cost                                     # no winners: fixed cost only
//
// The workload is the GSC conv2: a 14 x 14 x 64 input with 1,200 random winners, 5 x 5 taps, a
// 10 x 10 output, P = 10 route slots of 8-float rows with random routes. Prints the best of
// 4000 calls in microseconds.
#define SS_KERNEL_ISA 1
#define SS_KERNEL_NS mbavx2
#include KINC
#include <chrono>
#include <random>
#include <cstdio>
#include <cstdlib>
#include <numeric>
using namespace ss::kernels;
using namespace ss::kernels::mbavx2;
template <class F> double minTime(F f, int reps = 4000) {
    double best = 1e9;
    for (int r = 0; r < reps; ++r) {
        auto t0 = std::chrono::steady_clock::now(); f();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best * 1e6;
}
float* alignedFloats(size_t n, int misalign) { char* p = (char*)std::aligned_alloc(64, n * 4 + 128); return (float*)(p + misalign); }
int main(int argc, char** argv) {
    int mis_acc = argc > 1 ? atoi(argv[1]) : 0, mis_w = argc > 2 ? atoi(argv[2]) : 0;
    std::mt19937 rng(3);
    const int ih = 14, iw = 14, C = 64, oh = 10, ow = 10, kh = 5, kw = 5, P = 10, rowpad = 8, M = 64, T = 25;
    const int hw = ih * iw, n = hw * C;
    // winners: 1200 random of n
    std::vector<float> x(n, 0.0f);
    std::vector<int> idx(n); std::iota(idx.begin(), idx.end(), 0); std::shuffle(idx.begin(), idx.end(), rng);
    for (int i = 0; i < 1200; ++i) x[idx[i]] = 0.5f + (rng() % 100) / 100.0f;
    std::vector<int32_t> pos_begin(hw + 1), chan(n + 16); std::vector<float> val(n + 16);
    nonzerosByPosition(x.data(), hw, C, pos_begin.data(), chan.data(), val.data(), nullptr);
    // packed rows: N = T*C rows of rowpad, route r(n) random
    const int N = T * C;
    std::vector<int32_t> route(N); for (auto& r : route) r = rng() % P;
    std::vector<int32_t> slot_start(P), slot_count(P);
    { int at = 0; for (int r = 0; r < P; ++r) { slot_count[r] = r < 4 ? 7 : 6; slot_start[r] = at; at += slot_count[r]; } }
    float* wc = alignedFloats(size_t(N) * rowpad, 0);
    std::vector<int32_t> row_off(N); std::vector<uint16_t> row_len(N);
    for (int i = 0; i < N; ++i) { row_off[i] = route[i] * rowpad; row_len[i] = slot_count[route[i]]; for (int g = 0; g < rowpad; ++g) wc[i * rowpad + g] = g < row_len[i] ? (rng() % 100) / 50.0f - 1 : 0; }
    std::vector<float> bias_rows(P * rowpad, 0.1f);
    float* wc_ct = alignedFloats(size_t(C) * T * rowpad, mis_w);
    std::vector<int32_t> off_ct(C * T);
    const int64_t rows = P * rowpad;
    for (int c = 0; c < C; ++c) for (int dy = 0; dy < kh; ++dy) for (int dx = 0; dx < kw; ++dx) {
        int t = dy * kw + dx, nn = t * C + c; size_t ct = size_t(c) * T + t;
        std::copy_n(wc + nn * rowpad, rowpad, wc_ct + ct * rowpad);
        off_ct[ct] = int32_t(row_off[nn] - (int64_t(dy) * ow + dx) * rows);
    }
    float* acc = alignedFloats(size_t(oh) * ow * rows, mis_acc);
    std::vector<float> y(oh * ow * M);
    ScatterConvArgs a{pos_begin.data(), chan.data(), val.data(), ih, iw, C, oh, ow, kh, kw, 1, 0, wc, rowpad, row_off.data(), P, bias_rows.data(), slot_start.data(), slot_count.data(), M, acc, y.data()};
    a.wc_ct = wc_ct; a.off_ct = off_ct.data();
    if (getenv("EMPTY")) { std::fill(pos_begin.begin(), pos_begin.end(), 0); }
    double t = minTime([&] { scatterConv(a); });
    printf("acc+%d w+%d: scatterConv %.2f us\n", mis_acc, mis_w, t);
}
