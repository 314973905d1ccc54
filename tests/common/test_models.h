// Small builders shared by the test suites: random models of the GSC shape and of odd shapes.
#pragma once

#include "model/model.h"
#include "model/synth.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace sstest {

// Random feature tensors, values spread like a dB spectrogram's.
inline std::vector<float> randomInputs(const ss::Model& m, int items, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> x(size_t(items) * size_t(m.input.size()));
    for (auto& v : x)
        v = d(rng);
    return x;
}

// How far one item's logits are from the reference's: the largest absolute difference and the
// largest reference magnitude (at least 1e-6), so a check reads err <= tol * scale.
struct LogitsError {
    double err = 0, scale = 1e-6;
};
inline LogitsError logitsError(const float* ref, const float* got, int K)
{
    LogitsError e;
    for (int i = 0; i < K; ++i) {
        e.scale = std::max(e.scale, double(std::abs(ref[i])));
        e.err = std::max(e.err, double(std::abs(ref[i] - got[i])));
    }
    return e;
}
inline int argmax(const float* v, int K) { return int(std::max_element(v, v + K) - v); }

// A model exercising what the GSC net does not: padding, stride 2, ReLU, a standalone affine
// batch norm, local k-WTA, KWinners without boosting, independent-route or random masks.
ss::Model oddModel(uint64_t seed, ss::RouteLayout routes, bool complementary);

// A dense-input conv with padding 1 and stride 2 on an odd map (13x11 -> 7x6), batch norm, then a
// 2x2 max-pool that drops the last conv row (floor): the conv + max-pool fusion's edge cases.
ss::Model pooledModel(uint64_t seed);
// The same network with a wider conv (in_channels x 3x3 fan-in, out_channels outputs, groups of P):
// 40 outputs in 2 groups fill one full register-pooled tile and a partial one; 4 input channels
// (fan-in 36 > 32) take the banded pool instead.
ss::Model pooledModel(uint64_t seed, int in_channels, int out_channels, int P);
// A k-WTA-fed conv (3x2 taps, the given stride) followed at once by a 2x2 max-pool: sparse-sparse
// pools in its accumulator rows. 13x11 input: odd conv maps (13x12 at stride 1, 7x6 at 2) floor.
ss::Model sparsePooledModel(uint64_t seed, int stride, int out_channels, int P);

// Weights, masks, batch-norm statistics and duty cycles for a model whose shapes are inferred.
void fillParameters(ss::Model& m, std::mt19937_64& rng, ss::RouteLayout routes, bool complementary);

} // namespace sstest
