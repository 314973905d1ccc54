// sparse-sparse: Complementary Sparsity on k-WTA-sparse activations. Select the winners of the
// previous k-WTA, then stream only their rows of the packed kernel: K*M/P multiply-accumulates,
// a*w of dense. Layers whose input is dense (the spectrogram-fed first conv) get weight sparsity only;
// dense-weight layers fed by a k-WTA stream their winners' rows of all M outputs (P = 1: a of dense).
#include "engines/engines.h"
#include "engines/steps.h"

namespace ss {

namespace {
class SparseSparseEngine final : public PipelineEngine {
public:
    std::string name() const override { return "sparse-sparse"; }

protected:
    // Its kernels work item by item and reuse nothing across a batch, so a batch runs depth-first:
    // each item's maps are still in cache when the next layer reads them.
    int itemsPerTask(int) const override { return 1; }

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
        if (op.input_sparse && steps::packDenseAsOneSlot(op, &pk)) {
            auto s = steps::csSparseInput(op, pk, *kernels_);
            s->info.note = "Select on a dense-weight layer: only the winners' rows, every output in one row (P=1)";
            return s;
        }
        return steps::withoutComplementarity(op, *kernels_);
    }
};
} // namespace

std::unique_ptr<Engine> makeSparseSparseEngine() { return std::make_unique<SparseSparseEngine>(); }

} // namespace ss
