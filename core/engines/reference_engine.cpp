// reference: the scalar PyTorch-semantics forward pass (model/reference.h) as an engine, so the
// CLI can show what every other engine is checked against. Not part of "all" (it is slow).
#include "engines/engines.h"
#include "model/reference.h"

#include <chrono>

namespace ss {

namespace {
class ReferenceEngine final : public Engine {
public:
    std::string name() const override { return "reference"; }
    std::string isa() const override { return "scalar"; }
    Status prepare(const Model& model, const EngineOptions&) override
    {
        model_ = model;
        stats_.clear();
        for (const auto& L : model_.layers) {
            if (!L.hasWeights())
                continue;
            LayerStats s;
            s.layer = L.name;
            s.op = L.kind == LayerKind::Conv2d ? "conv2d" : "linear";
            s.kernel = s.op + ".f64.reference.scalar";
            s.note = "scalar reference, double accumulation";
            s.weighted = true;
            s.macs_dense = L.macsDense();
            s.weight_density = L.weight_density;
            s.input_size = double(L.in_shape.size());
            stats_.push_back(s);
        }
        return Status::ok();
    }
    Status infer(const float* input, int batch, float* logits) override
    {
        const auto t0 = std::chrono::steady_clock::now();
        Status s = referenceForward(model_, input, batch, logits);
        const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        for (auto& st : stats_) {
            st.items += batch;
            st.macs_executed += st.macs_dense * batch;
            st.input_nonzeros += st.input_size * batch; // not measured by the reference
            st.seconds += dt / double(stats_.size());
        }
        return s;
    }
    std::vector<LayerStats> layerStats() const override { return stats_; }
    void resetStats() override
    {
        for (auto& st : stats_)
            st.items = 0, st.macs_executed = st.input_nonzeros = st.seconds = 0;
    }

private:
    Model model_;
    std::vector<LayerStats> stats_;
};
} // namespace

std::unique_ptr<Engine> makeReferenceEngine() { return std::make_unique<ReferenceEngine>(); }

} // namespace ss
