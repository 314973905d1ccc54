// What `info` and the GUI's layer table show: per layer shapes, densities, P, k, dense MACs and
// the a*w bound, computed once here so every front end shows the same figures.
#pragma once

#include "model/model.h"
#include "sparsity/complementary.h"

#include <string>
#include <vector>

namespace ss {

struct LayerSummary {
    std::string name, type;
    ActShape in, out;
    double weight_density = 1;  // declared w (1 for dense layers and layers without weights)
    double mask_density = 1;    // measured from the mask
    int fan_in = 0;             // inputs per output (conv: C*kh*kw)
    int P = 1;
    int k = 0, k_inference = 0; // k-WTA layers
    bool local = false;
    double macs_dense = 0;
    double input_density = 1;   // nominal a: k/n of the k-WTA feeding this layer
    bool input_density_exact = true; // false when a max-pool after the k-WTA changes it (an estimate)
    double macs_bound = 0;      // macs_dense * a * w
    std::string routes;         // "shared", "independent", "" (not complementary)
    ComplementarityReport complementarity; // P > 1 only
};

struct ModelSummary {
    std::vector<LayerSummary> layers;
    double macs_dense = 0, macs_bound = 0;
    int64_t parameters = 0, nonzero_parameters = 0;
};

ModelSummary summarize(const Model& model);

// What a reader of the model should know that does not stop it loading: untrained weights, a mask
// that disagrees with the declared density, groups that do not tile the fan-in, weight-sparse layers
// the Complementary Sparsity engines must run as CSR, estimated input densities. One sentence each;
// `info` prints them and the GUI shows them above the layer table.
std::vector<std::string> modelWarnings(const Model& model, const ModelSummary& summary);

} // namespace ss
