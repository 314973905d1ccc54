// dense: the honest baseline. Every weight is multiplied, zeros included, with the same SIMD
// kernels (outputs held in registers) the sparse engines use for their dense layers.
#include "engines/engines.h"
#include "engines/steps.h"

namespace ss {

namespace {
class DenseEngine final : public PipelineEngine {
public:
    std::string name() const override { return "dense"; }

protected:
    Result<std::unique_ptr<Step>> makeWeighted(const WeightedOp& op) override
    {
        auto s = op.conv ? steps::denseConv(op, *kernels_) : steps::denseLinear(op, *kernels_);
        s->info.note = op.weight_density < 1.0 ? "dense: multiplies every weight, zeros included" : "dense layer";
        return s;
    }
};
} // namespace

std::unique_ptr<Engine> makeDenseEngine() { return std::make_unique<DenseEngine>(); }

} // namespace ss
