// Simulated FPGA devices (fpga-sim:<part>): logits from the C-simulated HLS kernels (fpga/hls) run
// on the int8 network, timing/resources/power from the analytical model (perf_model.h, MODELLED).
#pragma once

#include "engines/engine.h"
#include "engines/quantised.h"
#include "fpga/model/perf_model.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ss::fpga {

// One weighted layer packed for the kernels (DESIGN.md §1 Combine, transposed [n][g]).
struct PackedKernelLayer {
    LayerPlan plan;
    std::vector<int8_t> wc;      // [N][G]
    std::vector<uint8_t> route;  // [N][G]
};
PackedKernelLayer packForKernels(const q8::QWeighted& w, Variant v);

// Runs one item of the int8 network through the C-simulated kernels. in/out buffers internal.
class KernelRunner {
public:
    Status prepare(const q8::QNet& net, Variant v);
    // logits: net.classes floats.
    void runItem(const float* input, float* logits);
    const q8::QNet& net() const { return net_; }
    // Per step of the last item: kernel name and useful MACs (winners x rows, or trips x lanes).
    const std::vector<std::string>& kernels() const { return kernel_names_; }
    const std::vector<int64_t>& lastMacs() const { return last_macs_; }
    const std::vector<int64_t>& lastNonzeros() const { return last_nz_; }

private:
    q8::QNet net_;
    Variant variant_ = Variant::SparseSparse;
    std::vector<PackedKernelLayer> packed_; // per step (empty for non-weighted)
    std::vector<std::string> kernel_names_;
    std::vector<int64_t> last_macs_, last_nz_;
    std::vector<int8_t> a_, b_, win_val_;
    std::vector<int32_t> win_idx_, acc_;
};

class FpgaSimEngine final : public Engine {
public:
    FpgaSimEngine(const Part& part, Variant v) : part_(part), variant_(v) {}
    std::string name() const override { return variantName(variant_); }
    std::string isa() const override { return "hls-csim"; }
    Status prepare(const Model& model, const EngineOptions& options) override;
    Status infer(const float* input, int batch, float* logits) override;
    std::vector<LayerStats> layerStats() const override;
    void resetStats() override;
    const NetworkEstimate& estimate() const { return estimate_; }

private:
    Part part_;
    Variant variant_;
    KernelRunner runner_;
    NetworkEstimate estimate_;
    std::vector<LayerStats> stats_;
};

// Non-null when e is an fpga-sim engine: its modelled figures.
const NetworkEstimate* modelledFigures(const Engine* e);

} // namespace ss::fpga
