// Select: k-winners-take-all with nupic.torch's inference semantics.
// Winners are the k largest *boosted* values, boost = exp((k/n - duty_cycle) * boost_strength);
// the raw values pass on, the rest become zero. Ties are broken toward the lower PyTorch
// (C, H, W) flat index so that every engine and layout picks the same winners.
#pragma once

#include <cstdint>
#include <vector>

namespace ss {

struct KwtaSpec {
    int k = 0;                 // winners to keep (k_inference at inference)
    double boost_strength = 0; // 0 = no boosting
};

// Keeps the top k of x[0..n) by x[i] * boost[i] (boost may be null = no boosting); zeroes the rest
// in place. order[i] (may be null) gives element i's PyTorch flat index for tie-breaking.
// scratch is reused between calls to avoid allocation. Returns the number of winners (== k, or n if k >= n).
int kwinnersInPlace(float* x, int n, int k, const float* boost, const int32_t* order,
                    std::vector<float>& scratch);

// How many of x[0..n) are non-zero (a NaN counts): the non-zeros a layer's input holds. In blocks
// of 32-bit counts, which the compiler vectorises; a 64-bit count per value had cost the GSC
// conv1's 1,024 inputs ~1% of a sparse-sparse item (perf, Zen 5).
int64_t countNonzeros(const float* x, int64_t n);

// Boost factors for n units from duty cycles, given target density k/n_total.
void boostFactors(const float* duty, int n, double target_density, double strength, float* out);

} // namespace ss
