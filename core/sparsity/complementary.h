// Complementary Sparsity: masks, Combine (packing) and the validator. See docs/technique.md.
#pragma once

#include "model/model.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ss {

// How the complementary partitions of a layer's groups relate.
//  Independent: every group draws its own random balanced partition of the fan-in.
//  Shared:      one random balanced partition is drawn per layer and used by every group, so one
//               fan-in position routes to the same slot r in every group. Engines exploit it: the
//               G products of one input land in G consecutive accumulators (one SIMD row).
enum class RouteLayout { Independent, Shared };

// Mask [M, N] (row-major, 0/1) for M outputs and fan-in N with group size P: each group of P
// consecutive outputs (the last one padded with empty outputs) partitions [0, N).
std::vector<uint8_t> complementaryMask(int M, int N, int P, RouteLayout layout, std::mt19937_64& rng);

// Per-output random mask with density ~1/P, independent across outputs (what nupic.torch does).
std::vector<uint8_t> randomMask(int M, int N, double density, std::mt19937_64& rng);

struct GroupReport {
    int group = 0;
    int collisions = 0; // positions owned by more than one output of the group
    int uncovered = 0;  // positions owned by none
};
struct ComplementarityReport {
    int P = 1;
    int groups = 0;
    int collisions = 0;
    int uncovered = 0;
    std::vector<GroupReport> bad_groups; // groups with collisions or holes
    bool complementary() const { return collisions == 0; }
    bool shared_routes = false;          // every group uses the same partition
};
// mask is [M, N]; P the declared group size.
ComplementarityReport checkComplementary(const float* mask, int M, int N, int P);

// The Combine step: a group's P sparse kernels overlaid into one dense kernel + route.
// Stored transposed ([n][g]) so that one active input streams one contiguous row.
struct PackedLayer {
    int M = 0, N = 0, P = 1, G = 0;   // G = ceil(M / P) groups
    bool shared_routes = false;
    std::vector<float> wc;             // [N][G]   combined weights
    std::vector<uint8_t> route;        // [N][G]   owner slot r in [0, P)
    std::vector<uint8_t> shared_route; // [N]      when shared_routes
    // output channel of (n, g) = g * P + route[n * G + g]
};
// Fails (returns false) when the mask is not complementary.
bool combine(const float* weight, const float* mask, int M, int N, int P, PackedLayer* out);

} // namespace ss
