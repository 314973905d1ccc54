// One complementary group of one layer, explained step by step for the visualiser (issue 4, part 2):
// the P sparse kernels, Combine (one dense kernel + route), Select (the input's non-zeros), Multiply,
// Route and Sum, with the numbers of a real forward pass. The GUI only draws these numbers; the CLI
// or a test can print or check them. See docs/technique.md for the maths.
//
// Fan-in order is the MODEL's (PyTorch) order: conv n = (c*kh + dy)*kw + dx, linear n = input index.
// (The CPU engines use channels-last n = (dy*kw + dx)*cin + c internally; the sums are the same.)
#pragma once

#include "model/model.h"
#include "util/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ss {

struct GroupExplanation {
    std::string layer;          // model layer name, e.g. "cnn2"
    int layer_index = -1;       // index into Model::layers
    bool conv = false;
    int group = 0;              // g in [0, G)
    int G = 0;                  // groups in the layer: ceil(M / P)
    int P = 1;                  // slots per group
    int M = 0, N = 0;           // outputs of the layer, fan-in
    int C = 1, kh = 1, kw = 1;  // conv fan-in geometry (linear: C = 1, kh = 1, kw = N)
    int oy = 0, ox = 0;         // conv output position explained (linear: 0, 0)
    int out_h = 1, out_w = 1;   // the layer's output map (conv)

    std::vector<int> owners;    // [P] output channel g*P + r, or -1 for a padding slot
    std::vector<uint8_t> masks; // [P][N] 0/1
    std::vector<float> weights; // [P][N] (zero where the mask is zero)

    // Combine
    std::vector<float> wc;      // [N] combined dense kernel
    std::vector<int8_t> route;  // [N] owner slot r, or -1 where no slot owns the position
    int collisions = 0;         // positions owned by more than one slot (0 for a complementary layer)
    int uncovered = 0;          // positions owned by none (allowed: their weight is zero)

    // The input and Select
    std::vector<float> x;       // [N] the layer's input at this position (0 outside the padded map)
    std::vector<uint8_t> winners; // [N] x != 0 (the k-WTA winners when the input comes from a k-WTA)
    bool input_sparse = false;  // the layer's input comes from a k-WTA (through max-pool / flatten)
    int nonzeros = 0;           // nnz(x)

    // Multiply, Route, Sum
    std::vector<float> products;   // [N] wc * x
    std::vector<int> products_per_slot; // [P] positions routed to each slot
    std::vector<float> partial_sums;    // [P] sum of the slot's products (double accumulation)
    std::vector<float> bias;            // [P] (0 for padding slots or a layer without bias)
    std::vector<float> outputs;         // [P] bias + partial sum: the layer's raw output
    std::vector<float> reference;       // [P] the reference forward pass's value of that output

    // Multiply-accumulates of this group at this position.
    double macs_dense = 0;          // P * N
    double macs_sparse_dense = 0;   // N
    double macs_sparse_sparse = 0;  // nnz(x): only the winners' columns are fetched

    std::string outputs_note;       // e.g. "Raw conv output, before the batch norm cnn2_batchnorm."
};

// Weighted layers the visualiser can explain: complementary (group size > 1, no collisions).
std::vector<int> explainableLayers(const Model& model);

// Explains group `group` of layer `layer_index` for one input item (model.input, PyTorch C,H,W) at
// conv output position (oy, ox). Refuses with a sentence a layer that is not complementary or
// indices out of range.
Result<GroupExplanation> explainGroup(const Model& model, int layer_index, int group,
                                      const std::vector<float>& input_item, int oy = 0, int ox = 0);

// The input-independent part of a group: the layer's shape fields, the owners, masks and weights
// of group `group` of P outputs, and Combine (wc, route; where masks collide the last slot wins),
// with collisions and uncovered positions counted. Returns how many slots own each fan-in
// position. explainGroup uses it with the layer's own P; the app's what-if view of a
// non-complementary layer with a P of its choosing. No checks: the caller validated the indices.
std::vector<int> groupMasks(const Layer& L, int layer_index, int group, int P, GroupExplanation* e);

// A reproducible stand-in input: uniform log-mel-like values in [-80, 0] dB.
std::vector<float> randomFeatures(const Model& model, uint64_t seed);

// A WAV (any rate/channels libsndfile reads) as the model's log-mel input; refuses a model whose
// input shape does not match its audio settings.
Result<std::vector<float>> featuresFromWav(const Model& model, const std::string& path);

} // namespace ss
