// sparse-dense: Complementary Sparsity on dense activations. Each complementary group's P sparse
// kernels are combined into one dense kernel plus a route (Combine); every input is multiplied
// once per group and routed to its owner: N*M/P multiply-accumulates, w of dense.
#include "engines/engines.h"
#include "engines/steps.h"

namespace ss {

namespace {
class SparseDenseEngine final : public PipelineEngine {
public:
    std::string name() const override { return "sparse-dense"; }

protected:
    Result<std::unique_ptr<Step>> makeWeighted(const WeightedOp& op) override
    {
        PackedLayer pk;
        if (steps::packComplementary(op, &pk)) {
            auto s = steps::csDenseInput(op, pk, *kernels_);
            s->info.note = pk.shared_routes
                               ? "Complementary Sparsity, P=" + std::to_string(op.P) + ", shared routes: SIMD rows of M/P outputs"
                               : "Complementary Sparsity, P=" + std::to_string(op.P) + ", independent routes: scalar route scatter";
            return s;
        }
        if (op.weight_density < 1.0) {
            auto s = op.conv ? steps::csrConv(op) : steps::csrLinear(op);
            s->info.note = op.P > 1 ? "masks are not complementary: runs as CSR" : "no complementary groups (P=1): runs as CSR";
            return s;
        }
        auto s = op.conv ? steps::denseConv(op, *kernels_) : steps::denseLinear(op, *kernels_);
        s->info.note = "dense layer";
        return s;
    }
};
} // namespace

std::unique_ptr<Engine> makeSparseDenseEngine() { return std::make_unique<SparseDenseEngine>(); }

} // namespace ss
