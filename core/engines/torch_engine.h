// The "torch" engine: the network run op by op by libtorch (ATen), dense fp32, NCHW — what users
// would otherwise run, measured in the same process as SparseScope's engines (DESIGN.md §3).
// Built only when libtorch is found (SPARSESCOPE_HAVE_TORCH=1). This header is libtorch-free (the
// tensors live behind a pimpl), so the registry can include it without pulling in ATen.
#pragma once

#include "engines/engine.h"

#include <memory>
#include <string>
#include <vector>

namespace ss {

class TorchEngine : public Engine {
public:
    TorchEngine();
    ~TorchEngine() override;
    TorchEngine(const TorchEngine&) = delete;
    TorchEngine& operator=(const TorchEngine&) = delete;

    std::string name() const override { return "torch"; }
    std::string isa() const override { return "libtorch"; }
    // Materialises masked weights, batch-norm statistics and k-WTA boost factors as contiguous
    // fp32 tensors once; sets libtorch's intra-op thread count to options.threads.
    Status prepare(const Model& model, const EngineOptions& options) override;
    // Runs under c10::InferenceMode on the caller's buffer (no input copy); never throws.
    Status infer(const float* input, int batch, float* logits) override;
    std::vector<LayerStats> layerStats() const override;
    void resetStats() override;

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

std::unique_ptr<Engine> makeTorchEngine();

} // namespace ss
