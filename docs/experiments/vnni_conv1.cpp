// Issue 19's optional item, measured: the GSC conv1 in int8 with AVX-512 VNNI (vpdpbusd), exact
// against the q8 engine. A throwaway measurement, not part of the build (it needs a CPU with
// AVX512_VNNI and a built core library):
//
//   g++ -O3 -std=c++20 -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vbmi -mavx512vnni -I core
//       docs/experiments/vnni_conv1.cpp build/core/libsparsescope_core.a -lsndfile -lpthread
//       -o /tmp/vnni_conv1          (one command)
//   /tmp/vnni_conv1 resources/models/gsc-cs.safetensors
//
// It quantises the model with the q8 engine's own code (q8::quantise), runs q8's conv1 and max-pool
// (q8::weightedForward, q8::maxpoolForward: plain loops, the FPGA kernels' reference) on random
// inputs from the model's input domain, and checks that the VNNI kernel gives the same int8 pooled
// map, every value. Then it times each VNNI kernel (conv + 2 x 2 max-pool + requantisation, one
// item, channels-last int8 out) in alternating blocks of calls: best and median, microseconds per
// item. The float conv1 they stand beside is the `sparse-sparse` engine's (`bench ... --engines
// sparse-sparse --batch 1 --threads 1`, per-layer time of cnn1 + bn + max-pool).
//
// Both kernels put output channels in the lanes (16 per zmm, 4 zmm for 64 outputs) and 4 taps in
// each lane's vpdpbusd. vpdpbusd multiplies unsigned by signed bytes, so the input is stored + 128
// and each output's bias starts at bias - 128 * (sum of its weights): exact in int32. The pool takes
// the maximum of a window's 4 accumulators and requantises once: requantisation is non-decreasing
// in the accumulator (mult >= 0), so this equals q8's requantise-then-pool.
//   dense-rows  dense weights (the mask's zeros included); the input is one channel, so a lane's 4
//               bytes are 4 neighbours along a kernel row, one 32-bit broadcast: a row of 5 taps
//               takes two groups (the last 3 weights zero), 40 vpdpbusd per position
//   cs          Complementary Sparsity with shared routes: each of the 2 route slots (32 outputs,
//               <= 16 taps) takes only its taps, permuted per 2 x 2 window out of a 6 x 8-byte patch
//               with one vpermb per slot; 16 vpdpbusd per position
#include "engines/quantised.h"
#include "model/model_io.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace ss;

// Each lane's output constants, lanes in the order lane_out gives: the bias (less 128 x the sum of
// the output's weights, for the + 128 input) and the requantisation's multiplier, shift and rounding
// term, the last three as 64-bit lanes for the even and the odd 32-bit lanes apart.
struct LaneConstants {
    __m512i bias[4], mult[4], mult_odd[4], shift_even[4], shift_odd[4], round_even[4], round_odd[4];

    void set(const q8::QWeighted& c, const int* lane_out)
    {
        alignas(64) int32_t b[64], m[64];
        alignas(64) int64_t m_odd[32], sh_even[32], sh_odd[32], rd_even[32], rd_odd[32];
        for (int l = 0; l < 64; ++l) {
            const int o = lane_out[l];
            int32_t wsum = 0;
            for (int t = 0; t < c.N; ++t)
                wsum += c.weight[size_t(o) * c.N + t];
            b[l] = c.bias[size_t(o)] - 128 * wsum;
            m[l] = c.mult[size_t(o)];
            const int64_t sh = c.shift[size_t(o)], rd = int64_t(1) << (sh - 1);
            (l % 2 ? sh_odd : sh_even)[l / 2] = sh;
            (l % 2 ? rd_odd : rd_even)[l / 2] = rd;
            if (l % 2)
                m_odd[l / 2] = m[l];
        }
        for (int v = 0; v < 4; ++v) {
            bias[v] = _mm512_load_si512(b + 16 * v);
            mult[v] = _mm512_load_si512(m + 16 * v);
            mult_odd[v] = _mm512_load_si512(m_odd + 8 * v);
            shift_even[v] = _mm512_load_si512(sh_even + 8 * v);
            shift_odd[v] = _mm512_load_si512(sh_odd + 8 * v);
            round_even[v] = _mm512_load_si512(rd_even + 8 * v);
            round_odd[v] = _mm512_load_si512(rd_odd + 8 * v);
        }
    }

    // Output vector v of a 2 x 2 window: the maximum of its four positions' accumulators,
    // requantised as q8 does ((acc * mult + 2^(shift-1)) >> shift in 64 bits, clamped), stored as
    // 16 int8 at y + 16 v.
    void store(int v, __m512i a0, __m512i a1, __m512i a2, __m512i a3, bool relu, int8_t* y) const
    {
        const __m512i a = _mm512_max_epi32(_mm512_max_epi32(a0, a1), _mm512_max_epi32(a2, a3));
        const __m512i even = _mm512_mul_epi32(a, mult[v]); // lanes 2i, sign-extended 32 x 32 -> 64
        const __m512i odd = _mm512_mul_epi32(_mm512_srli_epi64(a, 32), mult_odd[v]);
        const __m512i re = _mm512_srav_epi64(_mm512_add_epi64(even, round_even[v]), shift_even[v]);
        const __m512i ro = _mm512_srav_epi64(_mm512_add_epi64(odd, round_odd[v]), shift_odd[v]);
        const __m512i hi64 = _mm512_set1_epi64(127), lo64 = _mm512_set1_epi64(relu ? 0 : -128);
        const __m512i ce = _mm512_min_epi64(_mm512_max_epi64(re, lo64), hi64);
        const __m512i co = _mm512_min_epi64(_mm512_max_epi64(ro, lo64), hi64);
        const __m512i r = _mm512_or_si512(_mm512_and_si512(ce, _mm512_set1_epi64(0xFFFFFFFF)), _mm512_slli_epi64(co, 32));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y + 16 * v), _mm512_cvtepi32_epi8(r));
    }
};

// Dense weights, taps grouped 4 at a time along each kernel row.
struct VnniConv1 {
    int in_h = 0, in_w = 0, pad = 0, out_h = 0, out_w = 0, pool_h = 0, pool_w = 0;
    int row = 0;                       // padded input row length in bytes (+ 8 of slack)
    __m512i w[40];                     // [10 groups][4 vectors]: 4 int8 weights per output lane
    LaneConstants lanes;
    bool relu = false;

    bool prepare(const q8::QWeighted& c)
    {
        if (!c.conv || c.cin != 1 || c.kh != 5 || c.kw != 5 || c.stride != 1 || c.M != 64 || c.raw_out)
            return false;
        in_h = c.in_h;
        in_w = c.in_w;
        pad = c.pad;
        out_h = c.out_h;
        out_w = c.out_w;
        pool_h = out_h / 2;
        pool_w = out_w / 2;
        row = in_w + 2 * pad + 8;
        relu = c.relu;
        int identity[64];
        for (int o = 0; o < 64; ++o)
            identity[o] = o;
        lanes.set(c, identity);
        for (int g = 0; g < 10; ++g) {
            const int dy = g / 2, dx0 = (g % 2) * 4;
            for (int v = 0; v < 4; ++v) {
                alignas(64) int8_t bytes[64];
                for (int lane = 0; lane < 16; ++lane)
                    for (int j = 0; j < 4; ++j) {
                        const int o = v * 16 + lane, dx = dx0 + j;
                        bytes[lane * 4 + j] = dx < 5 ? c.weight[size_t(o) * 25 + dy * 5 + dx] : 0;
                    }
                w[g * 4 + v] = _mm512_load_si512(bytes);
            }
        }
        return true;
    }

    // xu: the padded input + 128, (in_h + 2 pad) rows of `row` bytes; y: pool_h x pool_w x 64 int8.
    void run(const uint8_t* xu, int8_t* y) const
    {
        for (int py = 0; py < pool_h; ++py)
            for (int px = 0; px < pool_w; ++px) {
                __m512i acc[4][4]; // [position in the window][output vector]
                for (int q = 0; q < 4; ++q)
                    for (int v = 0; v < 4; ++v)
                        acc[q][v] = lanes.bias[v];
                const uint8_t* x0 = xu + size_t(2 * py) * row + 2 * px;
                for (int g = 0; g < 10; ++g) {
                    const int dy = g / 2, dx0 = (g % 2) * 4;
                    const __m512i* wg = w + g * 4;
                    for (int q = 0; q < 4; ++q) {
                        int32_t four;
                        std::memcpy(&four, x0 + size_t(dy + q / 2) * row + dx0 + q % 2, 4);
                        const __m512i xb = _mm512_set1_epi32(four);
                        for (int v = 0; v < 4; ++v)
                            acc[q][v] = _mm512_dpbusd_epi32(acc[q][v], xb, wg[v]);
                    }
                }
                for (int v = 0; v < 4; ++v)
                    lanes.store(v, acc[0][v], acc[1][v], acc[2][v], acc[3][v], relu, y + (size_t(py) * pool_w + px) * 64);
            }
    }
};

// Complementary Sparsity: outputs that share one tap set (a route slot) take only those taps, 4 at
// a time. Per 2 x 2 window, a 6 x 8-byte patch of the input is permuted (vpermb) into each slot's
// taps for the 4 positions, 16 bytes each; with 2 slots of <= 16 taps that is 4 vpdpbusd groups per
// slot, 16 per position instead of 40.
struct VnniConv1Cs {
    int pool_h = 0, pool_w = 0, row = 0, slots = 0;
    bool relu = false;
    int lane_out[64] = {};             // the output channel of each lane (slot order)
    __m512i w[4][4];                   // [output vector][tap group]: slot s has vectors 2s, 2s + 1
    __m512i idx[2];                    // vpermb index of each slot: 4 positions x 16 tap bytes
    LaneConstants lanes;

    bool prepare(const q8::QWeighted& c, int row_bytes)
    {
        if (!c.conv || c.cin != 1 || c.kh != 5 || c.kw != 5 || c.stride != 1 || c.M != 64 || c.raw_out)
            return false;
        pool_h = c.out_h / 2;
        pool_w = c.out_w / 2;
        row = row_bytes;
        relu = c.relu;
        // group the outputs by their tap set
        std::vector<std::vector<int>> sets, outs;
        for (int o = 0; o < 64; ++o) {
            std::vector<int> taps;
            for (int t = 0; t < 25; ++t)
                if (c.mask[size_t(o) * 25 + t])
                    taps.push_back(t);
            auto it = std::find(sets.begin(), sets.end(), taps);
            if (it == sets.end()) {
                sets.push_back(taps);
                outs.push_back({o});
            } else {
                outs[size_t(it - sets.begin())].push_back(o);
            }
        }
        slots = int(sets.size());
        if (slots != 2) // the loops below are unrolled for 2 slots of 32 outputs (the accumulators stay in registers)
            return false;
        for (int sl = 0; sl < slots; ++sl) {
            if (outs[size_t(sl)].size() != 32 || sets[size_t(sl)].size() > 16)
                return false;
            alignas(64) int8_t ib[64] = {};
            for (int q = 0; q < 4; ++q)
                for (size_t j = 0; j < sets[size_t(sl)].size(); ++j) {
                    const int t = sets[size_t(sl)][j], dy = t / 5 + q / 2, dx = t % 5 + q % 2;
                    ib[q * 16 + int(j)] = int8_t(dy * 8 + dx);
                }
            idx[sl] = _mm512_load_si512(ib);
        }
        // lanes in slot order
        int lane = 0;
        for (int sl = 0; sl < slots; ++sl)
            for (int o : outs[size_t(sl)])
                lane_out[lane++] = o;
        for (int sl = 0, v = 0; sl < slots; ++sl) {
            for (int k = 0; k < 2; ++k, ++v)
                for (int g = 0; g < 4; ++g) {
                    alignas(64) int8_t bytes[64];
                    for (int l = 0; l < 16; ++l)
                        for (int j = 0; j < 4; ++j) {
                            const int o = lane_out[v * 16 + l], tj = g * 4 + j;
                            bytes[l * 4 + j] = tj < int(sets[size_t(sl)].size()) ? c.weight[size_t(o) * 25 + sets[size_t(sl)][size_t(tj)]] : 0;
                        }
                    w[v][g] = _mm512_load_si512(bytes);
                }
        }
        lanes.set(c, lane_out);
        return true;
    }

    // as VnniConv1::run, lanes in slot order (lane_out)
    void run(const uint8_t* xu, int8_t* y) const
    {
        alignas(64) uint8_t taps[2][64]; // [slot][position * 16 + tap]
        for (int py = 0; py < pool_h; ++py)
            for (int px = 0; px < pool_w; ++px) {
                const uint8_t* x0 = xu + size_t(2 * py) * row + 2 * px;
                uint64_t r[6];
                for (int i = 0; i < 6; ++i)
                    std::memcpy(&r[i], x0 + size_t(i) * row, 8);
                const __m512i patch = _mm512_set_epi64(0, 0, int64_t(r[5]), int64_t(r[4]), int64_t(r[3]), int64_t(r[2]), int64_t(r[1]), int64_t(r[0]));
                _mm512_store_si512(taps[0], _mm512_permutexvar_epi8(idx[0], patch));
                _mm512_store_si512(taps[1], _mm512_permutexvar_epi8(idx[1], patch));
                __m512i acc[4][4];
                for (int q = 0; q < 4; ++q)
                    for (int v = 0; v < 4; ++v)
                        acc[q][v] = lanes.bias[v];
                for (int sl = 0; sl < 2; ++sl)
                    for (int q = 0; q < 4; ++q)
                        for (int g = 0; g < 4; ++g) {
                            int32_t four;
                            std::memcpy(&four, taps[sl] + q * 16 + g * 4, 4);
                            const __m512i xb = _mm512_set1_epi32(four);
                            acc[q][2 * sl] = _mm512_dpbusd_epi32(acc[q][2 * sl], xb, w[2 * sl][g]);
                            acc[q][2 * sl + 1] = _mm512_dpbusd_epi32(acc[q][2 * sl + 1], xb, w[2 * sl + 1][g]);
                        }
                for (int v = 0; v < 4; ++v)
                    lanes.store(v, acc[0][v], acc[1][v], acc[2][v], acc[3][v], relu, y + (size_t(py) * pool_w + px) * 64);
            }
    }
};

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: vnni_conv1 MODEL.safetensors\n");
        return 2;
    }
    auto model = loadModel(argv[1]);
    if (!model.isOk()) {
        std::fprintf(stderr, "%s\n", model.message().c_str());
        return 1;
    }
    auto net = q8::quantise(model.value());
    if (!net.isOk()) {
        std::fprintf(stderr, "%s\n", net.message().c_str());
        return 1;
    }
    const q8::QNet& qn = net.value();
    if (qn.steps.size() < 2 || qn.steps[0].op != q8::QOp::Weighted || qn.steps[1].op != q8::QOp::MaxPool ||
        qn.steps[1].pool.k != 2 || qn.steps[1].pool.stride != 2) {
        std::fprintf(stderr, "the model does not start with a conv and a 2 x 2 max-pool\n");
        return 1;
    }
    const q8::QWeighted& c = qn.steps[0].w;
    VnniConv1 k;
    if (!k.prepare(c)) {
        std::fprintf(stderr, "conv1 is not a 1-channel 5 x 5 stride-1 conv to 64 outputs\n");
        return 1;
    }
    VnniConv1Cs kcs;
    const bool have_cs = kcs.prepare(c, k.row);
    const int n_in = int(qn.input.size());
    const int ph = k.in_h + 2 * k.pad;
    std::mt19937 rng(7);
    std::vector<float> x(static_cast<size_t>(n_in));
    std::vector<int8_t> xq(static_cast<size_t>(n_in)), conv(size_t(64) * k.out_h * k.out_w), ref(size_t(64) * k.pool_h * k.pool_w),
        got(ref.size());
    std::vector<uint8_t> xu(size_t(ph) * k.row + 64, 128);
    auto fill = [&] {
        for (int yy = 0; yy < k.in_h; ++yy)
            for (int xx = 0; xx < k.in_w; ++xx)
                xu[size_t(yy + k.pad) * k.row + xx + k.pad] = uint8_t(int(xq[size_t(yy) * k.in_w + xx]) + 128);
    };
    std::vector<int8_t> got_cs(ref.size());
    int items = 0, mismatches = 0, mismatches_cs = 0;
    for (; items < 200; ++items) {
        // items of three kinds: the whole domain, a quiet one (near the floor), a loud one
        const float lo = items % 3 == 1 ? -80.0f : (items % 3 == 2 ? -20.0f : -80.0f);
        const float hi = items % 3 == 1 ? -60.0f : 0.0f;
        std::uniform_real_distribution<float> d(lo, hi);
        for (auto& v : x)
            v = d(rng);
        q8::quantiseInput(qn, x.data(), xq.data());
        q8::weightedForward(c, xq.data(), conv.data(), nullptr);
        q8::maxpoolForward(qn.steps[1].pool, conv.data(), ref.data());
        fill();
        k.run(xu.data(), got.data());
        for (int o = 0; o < 64; ++o)
            for (int p = 0; p < k.pool_h * k.pool_w; ++p)
                mismatches += got[size_t(p) * 64 + o] != ref[size_t(o) * k.pool_h * k.pool_w + p];
        if (have_cs) {
            kcs.run(xu.data(), got_cs.data());
            for (int l = 0; l < 64; ++l)
                for (int p = 0; p < k.pool_h * k.pool_w; ++p)
                    mismatches_cs += got_cs[size_t(p) * 64 + l] != ref[size_t(kcs.lane_out[l]) * k.pool_h * k.pool_w + p];
        }
    }
    std::printf("exactness: %d items, %zu pooled int8 values each; differing from q8: dense-rows %d, cs %s\n", items, ref.size(),
                mismatches, have_cs ? std::to_string(mismatches_cs).c_str() : "(not a shared-route model)");
    // timing: one item, repeated, the two kernels in alternating blocks
    std::vector<double> t[2];
    for (int block = 0; block < 40; ++block)
        for (int kind = 0; kind < (have_cs ? 2 : 1); ++kind)
            for (int rep = 0; rep < 500; ++rep) {
                const auto t0 = std::chrono::steady_clock::now();
                if (kind == 0)
                    k.run(xu.data(), got.data());
                else
                    kcs.run(xu.data(), got_cs.data());
                const auto t1 = std::chrono::steady_clock::now();
                t[kind].push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
            }
    const char* names[2] = {"dense-rows (10 groups of 4 taps)", "cs (4 groups per slot)"};
    for (int kind = 0; kind < (have_cs ? 2 : 1); ++kind) {
        std::sort(t[kind].begin(), t[kind].end());
        std::printf("vnni conv1 + pool + requantise, %s: best %.2f us, median %.2f us per item\n", names[kind], t[kind].front(),
                    t[kind][t[kind].size() / 2]);
    }
    return mismatches || mismatches_cs ? 1 : 0;
}
