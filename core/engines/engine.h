// One interface for every way of running a network (DESIGN.md §3): an Engine is prepared once
// for a model (packing, routes, buffers) and then runs batches cheaply. Engines are created by
// name from the registry (registry.cpp); callers never name a concrete class.
#pragma once

#include "model/model.h"
#include "util/status.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ss {

constexpr int kMaxThreads = 256;

struct EngineOptions {
    int threads = 1;
    std::string isa; // "" = the best the CPU has; "scalar", "avx2", "avx512" pin a kernel table
};

// What one executed step (a layer, or a conv/linear with its folded batch norm) did.
// Counters are sums over all items run since the last resetStats().
struct LayerStats {
    std::string layer;        // model layer name(s), e.g. "cnn1+cnn1_batchnorm"
    std::string op;           // "conv2d", "linear", "maxpool2d", "kwinners2d", ...
    std::string kernel;       // kernel that ran, e.g. "conv.f32.sparse-sparse.avx512"
    std::string note;         // why that kernel, e.g. "dense input: weight sparsity only"
    double macs_dense = 0;    // dense multiply-accumulates for one item
    double weight_density = 1;// w of this layer (1 for dense layers)
    double input_size = 0;    // activations entering the step, per item
    bool weighted = false;    // conv or linear

    int64_t items = 0;
    double macs_executed = 0; // multiply-accumulates the kernels performed (zeros included for dense)
    double input_nonzeros = 0;// non-zero activations entering the step
    double seconds = 0;       // wall time spent in this step

    double inputDensity() const { return items && input_size > 0 ? input_nonzeros / (items * input_size) : 1.0; }
    double macsExecutedPerItem() const { return items ? macs_executed / items : 0.0; }
    // The least work this layer can do: a * w of dense, with a measured.
    double macsBoundPerItem() const { return macs_dense * weight_density * inputDensity(); }
};

class Engine {
public:
    virtual ~Engine() = default;
    virtual std::string name() const = 0;
    // Builds everything the runs need. Refuses models it cannot run with a sentence.
    virtual Status prepare(const Model& model, const EngineOptions& options) = 0;
    // input: batch items of model.input (PyTorch C,H,W order, contiguous);
    // logits: batch x numClasses. Never throws.
    virtual Status infer(const float* input, int batch, float* logits) = 0;
    virtual std::vector<LayerStats> layerStats() const = 0;
    virtual void resetStats() = 0;
    // Which kernel ISA the engine's hot loops use ("avx512", "avx2", "scalar", "libtorch").
    virtual std::string isa() const = 0;
};

struct EngineInfo {
    std::string name;
    std::string summary;
    bool in_default_set = true; // part of "all" in bench/eval
    std::function<std::unique_ptr<Engine>()> make;
    // fp32 engines must give the reference's logits within 1e-4 relative (tests/engines); a
    // quantised engine is checked against its own golden model instead, and its accuracy reported.
    bool fp32 = true;
};

// Every engine built into this binary (dense, csr, sparse-dense, sparse-sparse, torch if built,
// reference, quantised engines...).
const std::vector<EngineInfo>& engineRegistry();
const EngineInfo* findEngine(const std::string& name);
std::unique_ptr<Engine> createEngine(const std::string& name); // nullptr when unknown
std::vector<std::string> engineNames(bool default_set_only = false);

// Parses "dense,csr" or "all"; the error names the unknown engine and lists the known ones.
Result<std::vector<std::string>> parseEngineList(const std::string& list);

} // namespace ss
