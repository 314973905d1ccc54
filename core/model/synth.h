// Models with random weights and complementary masks for any densities, so benchmarks need no
// training. The architecture is the published sparse GSC CNN (DESIGN.md §2).
#pragma once

#include "model/model.h"
#include "sparsity/complementary.h"
#include "util/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ss {

enum class KwtaOrder {
    PoolThenKwta, // conv -> bn -> max-pool -> k-WTA (k counted after pooling: 1200/12544, 200/1600)
    KwtaThenPool  // conv -> bn -> k-WTA -> max-pool (9.5% of 28x28x64, 12.5% of 10x10x64)
};

struct SynthOptions {
    std::string preset = "gsc";           // gsc | gsc-supersparse
    std::vector<double> weight_density;   // conv1, conv2, linear1[, output]; empty = preset's
    std::vector<double> act_density;      // the three k-WTA layers; empty = preset's
    KwtaOrder order = KwtaOrder::PoolThenKwta;
    RouteLayout routes = RouteLayout::Shared;
    bool complementary = true;            // false: independent random masks per output (nupic.torch style)
    double boost_strength = 1.5 * 0.0424; // 1.5 decayed x0.9 per epoch over 30 epochs
    int conv_channels = 64;
    int hidden = 1000;
    uint64_t seed = 1;
    std::string name;
    std::vector<std::string> classes;     // empty = the 12 GSC command classes
};

std::vector<std::string> gscCommandClasses();
Result<Model> synthModel(const SynthOptions& options);

} // namespace ss
