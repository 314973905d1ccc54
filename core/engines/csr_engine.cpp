// csr: "traditional" weight sparsity. Each output keeps a list of its non-zero weights and the
// input offsets they read; activations stay dense. This is the usual sparse-inference approach.
#include "engines/engines.h"
#include "engines/steps.h"

namespace ss {

namespace {
class CsrEngine final : public PipelineEngine {
public:
    std::string name() const override { return "csr"; }

protected:
    Result<std::unique_ptr<Step>> makeWeighted(const WeightedOp& op) override
    {
        if (op.weight_density >= 1.0) {
            auto s = op.conv ? steps::denseConv(op, *kernels_) : steps::denseLinear(op, *kernels_);
            s->info.note = "dense layer: no weight sparsity to use";
            return s;
        }
        auto s = op.conv ? steps::csrConv(op) : steps::csrLinear(op);
        s->info.note = "CSR over non-zero weights; activations dense";
        return s;
    }
};
} // namespace

std::unique_ptr<Engine> makeCsrEngine() { return std::make_unique<CsrEngine>(); }

} // namespace ss
