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
    // Tasks of 4 items from batch 8 on: its dense-input maps are large (gsc-cs conv1: 12,544
    // pooled values per item), and 4 items' maps stay in L2 where a whole batch's do not; two
    // threads then meet once per task, not after every layer. Measured on gsc-cs against layer by
    // layer (items/s at the median call, interleaved runs on a quiet 2-core VM, issue 19): one
    // thread at batch 64 +24% and +38% (two sets of runs), two threads at batch 64 +7% and +9%;
    // at batch 8 within the noise (two threads +12% and 0%, one thread -9% and -7%).
    int itemsPerTask(int batch) const override { return batch >= 2 * kTaskItems ? kTaskItems : 0; }
    static constexpr int kTaskItems = 4;

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
