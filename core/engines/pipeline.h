// The shared executor behind the CPU engines: a model compiled into a chain of steps over
// activation buffers in channels-last (H x W x C) layout. Engines differ only in the steps they
// build for conv and linear layers (makeWeighted); max-pool, k-WTA, batch norm, ReLU and
// log-softmax steps are shared, so every engine has the same semantics by construction.
//
// Channel order: a step may emit its channels in an internal order (Complementary Sparsity with
// shared routes emits route-major order so that one input's G products are contiguous). The
// pipeline carries the permutation (internal channel -> model channel) to the following steps,
// which permute their per-channel parameters and fan-in at prepare time: no run-time shuffles.
#pragma once

#include "engines/engine.h"
#include "kernels/kernels.h"
#include "util/aligned.h"
#include "util/thread_pool.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace ss {

// A conv or linear layer with its batch norm folded in, ready for an engine to pack.
struct WeightedOp {
    std::string names;          // "cnn1+cnn1_batchnorm"
    const Layer* layer = nullptr;
    bool conv = false;
    ActShape in, out;           // model shapes (C, H, W)
    int M = 0, N = 0;           // outputs and fan-in
    int kh = 1, kw = 1, stride = 1, padding = 0, cin = 1;
    // [M][N] in model output order, fan-in in channels-last order with the incoming channel
    // permutation applied: conv n = (dy*kw + dx)*cin + c_internal; linear n = internal flat index.
    std::vector<float> weight;
    std::vector<float> mask;    // same shape, 0/1
    std::vector<float> bias;    // [M], model order
    double weight_density = 1.0;
    int P = 1;                  // declared complementary group size
    bool input_sparse = false;  // fed by a k-WTA (possibly through max-pool/flatten)
};

// What a step spreads its work over: the engine's pool, or a single worker of it running inline
// (engines that run a batch depth-first give each worker whole items, so the steps must not split
// them again). Steps index their scratch by the worker number fn receives.
class StepPool {
public:
    explicit StepPool(ThreadPool& pool) : pool_(&pool) {}
    StepPool(ThreadPool& pool, int worker) : pool_(&pool), worker_(worker) {}
    int threads() const { return worker_ >= 0 ? 1 : pool_->threads(); }
    template <class F>
    void parallelFor(int n, const F& fn)
    {
        if (n <= 0)
            return;
        if (worker_ >= 0)
            fn(0, n, worker_);
        else
            pool_->parallelFor(n, fn);
    }

private:
    ThreadPool* pool_;
    int worker_ = -1;
};

struct StepCounters {
    std::atomic<int64_t> macs{0};
    std::atomic<int64_t> nonzeros{0};
};

class Step {
public:
    virtual ~Step() = default;
    // in: items x in.size() floats, out: items x out.size(), channels-last, internal channel order.
    virtual void run(const float* in, float* out, int items, StepPool& pool, StepCounters& counters) = 0;
    // Takes over the max-pool L that follows (out becomes its output) when the step can pool its
    // own output while it is still in cache (and says how in info.note); false leaves the pool to
    // its own step. input_sparse: the conv is fed by a k-WTA.
    virtual bool fuseMaxPool(const Layer& L, bool input_sparse) { (void)L; (void)input_sparse; return false; }
    // True when run(x, x, ...) is valid (elementwise steps, k-WTA): the pipeline then runs the step
    // in place and skips a copy of the whole map.
    virtual bool inPlace() const { return false; }

    LayerStats info;               // names, op, kernel, note, macs_dense, weight_density, input_size
    ActShape in, out;
    std::vector<int> out_perm;     // internal -> model channel of the output (empty: identity)
};

using WeightedFactory = std::function<Result<std::unique_ptr<Step>>(const WeightedOp&)>;

class PipelineEngine : public Engine {
public:
    Status prepare(const Model& model, const EngineOptions& options) override;
    Status infer(const float* input, int batch, float* logits) override;
    std::vector<LayerStats> layerStats() const override;
    void resetStats() override;
    std::string isa() const override { return kernels::isaName(kernels_->isa); }

protected:
    // Builds the step for one conv or linear. in_perm: internal->model channel of its input.
    virtual Result<std::unique_ptr<Step>> makeWeighted(const WeightedOp& op) = 0;
    // How a batch spreads over the threads. 0: the whole batch layer by layer, each layer split
    // across the threads (a barrier after every layer). s > 0: tasks of s items, handed out one at
    // a time to whichever worker is free, each running its items through all layers on that worker
    // alone (layer by layer within the task): no barrier between layers, and the activation maps
    // of a small task stay in cache. Engines whose kernels gain nothing from batching run s = 1
    // (depth-first).
    virtual int itemsPerTask(int /*batch*/) const { return 0; }
    const kernels::KernelTable* kernels_ = &kernels::best();

private:
    std::vector<std::unique_ptr<Step>> steps_;
    std::vector<std::unique_ptr<StepCounters>> counters_;
    std::vector<double> seconds_;
    std::vector<int64_t> items_;
    Status inferByTask(const float* input, int batch, int task_items, float* logits);
    void toChannelsLast(const float* src, float* dst) const;
    // The items at src as the first step reads them: src itself when it is already in the internal
    // layout and that step does not write its input, else their channels-last copy in a.
    const float* stageInput(const float* src, int items, float* a) const;
    // Runs items (x: stageInput's) through every step, a and b being the two buffers, adding each
    // step's time to secs[s] and its counts to counters(s); returns the buffer that holds the outputs.
    template <class CountersOf>
    float* runSteps(const float* x, float* a, float* b, int items, StepPool& pool, const CountersOf& counters, double* secs);
    // items' outputs (internal channel order) -> logits in the model's class order
    void writeLogits(const float* a, int items, float* out) const;

    AlignedVector<float> buf_a_, buf_b_;
    std::vector<AlignedVector<float>> worker_buf_;    // by task: two task buffers per worker
    std::vector<std::vector<double>> worker_seconds_; // by task: per worker, per step
    std::unique_ptr<ThreadPool> pool_;
    ActShape input_;
    int out_size_ = 0;
    size_t item_values_ = 0; // the largest activation of one item (input included): a buffer's size per item
    std::vector<int> out_perm_;
};

// Helpers engines share when packing a WeightedOp.
namespace pack {
// Dense weights transposed to [N][gpad] (zeros kept), for the gather kernels.
AlignedVector<float> transposePadded(const std::vector<float>& w, int M, int N, int gpad);
// Input offsets (floats) of a conv fan-in position n = (dy*kw+dx)*cin + c in a padded
// channels-last input of width in_w.
std::vector<int32_t> convOffsets(const WeightedOp& op, int in_w_padded);
// Copies one item into a zero-padded channels-last buffer.
void padInput(const float* in, const ActShape& s, int pad, float* out);
} // namespace pack

} // namespace ss
