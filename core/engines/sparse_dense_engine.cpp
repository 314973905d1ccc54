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
        return steps::withoutComplementarity(op, *kernels_);
    }
};
} // namespace

std::unique_ptr<Engine> makeSparseDenseEngine() { return std::make_unique<SparseDenseEngine>(); }

} // namespace ss
