// sparse-sparse: Complementary Sparsity on k-WTA-sparse activations. Select the winners of the
// previous k-WTA, then stream only their rows of the packed kernel: K*M/P multiply-accumulates,
// a*w of dense. Layers whose input is dense (the spectrogram-fed first conv) get weight sparsity only.
#include "engines/engines.h"
#include "engines/steps.h"

namespace ss {

namespace {
class SparseSparseEngine final : public PipelineEngine {
public:
    std::string name() const override { return "sparse-sparse"; }

protected:
    Result<std::unique_ptr<Step>> makeWeighted(const WeightedOp& op) override
    {
        PackedLayer pk;
        const std::string P = std::to_string(op.P);
        if (steps::packComplementary(op, &pk)) {
            if (op.input_sparse) {
                auto s = steps::csSparseInput(op, pk, *kernels_);
                s->info.note = pk.shared_routes
                                   ? "Select + Complementary Sparsity, P=" + P + ", shared routes: one SIMD row per winner and tap"
                                   : "Select + Complementary Sparsity, P=" + P + ", independent routes: scalar route scatter";
                return s;
            }
            auto s = steps::csDenseInput(op, pk, *kernels_);
            s->info.note = "dense input (no k-WTA before it): weight sparsity only, Complementary Sparsity P=" + P;
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

std::unique_ptr<Engine> makeSparseSparseEngine() { return std::make_unique<SparseSparseEngine>(); }

} // namespace ss
