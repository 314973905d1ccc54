// Import of a PyTorch state_dict (a file written by torch.save) of a GSCSparseCNN-shaped network
// (nupic.torch's GSC sparse CNN, or SparseScope's own architecture) into a Model.
//
// The architecture comes from synthModel() (presets gsc | gsc-supersparse); the state dict supplies
// every tensor. Masks are derived from the weights' zeros, and complementarity is *measured*, never
// assumed: for each weighted layer the importer looks for the group size P under which consecutive
// outputs partition the fan-in, and reports colliding and uncovered positions per group.
//
// Built only with libtorch (core/model/torch_import.cmake): libtorch reads the zip container.
// The pickle inside is read by a small restricted unpickler of our own, because libtorch 1.13's
// torch::pickle_load turns Python's collections.OrderedDict (what Module.state_dict() returns) into
// None and so cannot read state dicts saved from Python. No code is executed from the file: only
// the globals a state dict needs are understood, anything else is refused.
#pragma once

#include "model/model.h"
#include "model/synth.h"
#include "sparsity/complementary.h"
#include "util/status.h"

#include <optional>
#include <string>
#include <vector>

namespace ss {

struct ImportOptions {
    std::string arch = "gsc"; // gsc | gsc-supersparse (synthModel presets)
    KwtaOrder order = KwtaOrder::PoolThenKwta; // the state dict cannot tell; nupic.torch's
                                               // current GSCSparseCNN is KwtaThenPool
    std::vector<double> act_density; // the three k-WTA densities; empty = default for arch+order
    double k_inference_factor = 1.0;
    std::optional<double> boost_strength; // empty = the state dict's *.boost_strength, else the preset's
    std::vector<std::string> classes; // empty = the preset's 12 GSC command classes
    std::optional<AudioSettings> audio; // empty = the preset's (16 kHz, 32 mels, 32 frames)
    std::string name; // empty = the file's stem
    // Layers whose weights are at least this dense are kept dense (no mask): a few exact zeros in a
    // trained dense layer are accidents, not a sparsity pattern worth packing.
    double dense_threshold = 0.98;
};

// What the importer found in one weighted layer.
struct ImportLayerReport {
    std::string layer; // SparseScope layer name ("cnn1", "linear1", ...)
    std::string source; // the state-dict key its weight came from ("linear.module.weight")
    Shape shape;
    double density = 1.0; // non-zero weights / all weights
    bool dense = true; // kept dense: no mask, P = 1
    int P = 1; // complementary group size found (1 = none)
    int checked_P = 1; // the P the counts below refer to: P found, or round(1/density) when none
    int groups = 0; // groups at checked_P
    int collisions = 0; // positions owned by more than one output of a group, summed over groups
    int uncovered = 0; // positions owned by no output of a group, summed over groups
    std::vector<GroupReport> bad_groups; // per group, those with collisions or uncovered positions
    bool shared_routes = false;
    bool complementary() const { return P > 1; }
};

struct ImportReport {
    std::string file;
    std::string container; // "zip (torch.save)" or "legacy torch.save"
    std::string naming; // "plain" or "SparseWeights-wrapped (3 of 4 weighted layers)"
    int tensors = 0; // tensors in the state dict
    std::vector<ImportLayerReport> layers; // weighted layers, in network order
    std::vector<std::string> ignored; // state-dict keys read but not needed (num_batches_tracked, zero_mask, ...)
    std::vector<std::string> notes; // one sentence each: defaults used, sources of values
};

struct ImportResult {
    Model model;
    ImportReport report;
};

// Reads `path` (a torch.save file holding a state dict) and builds the model. Refusals are one
// sentence naming the file and the tensor: unreadable file, not a state dict, missing tensor,
// wrong shape for the architecture, a tensor that belongs to no layer.
Result<ImportResult> importStateDict(const std::string& path, const ImportOptions& options);

// The state dict itself, as float tensors by key (in file order), for tools and tests.
struct StateDict {
    std::vector<std::pair<std::string, Tensor>> tensors;
    std::string container;
};
Result<StateDict> readStateDict(const std::string& path);

} // namespace ss
