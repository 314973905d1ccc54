#include "engines/pipeline.h"

#include "sparsity/kwinners.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

namespace ss {

namespace {

std::vector<int> identity(int n)
{
    std::vector<int> p(static_cast<size_t>(n));
    std::iota(p.begin(), p.end(), 0);
    return p;
}

LayerStats baseInfo(const std::string& names, const char* op, const ActShape& in)
{
    LayerStats s;
    s.layer = names;
    s.op = op;
    s.kernel = std::string(op) + ".f32.shared";
    s.input_size = double(in.size());
    return s;
}

// ---- shared steps ------------------------------------------------------------------------------

class MaxPoolStep final : public Step {
public:
    MaxPoolStep(const Layer& L, const ActShape& i, const ActShape& o, const kernels::KernelTable& kt)
        : k_(L.pool_kernel), s_(L.pool_stride), kt_(&kt)
    {
        in = i;
        out = o;
        info = baseInfo(L.name, "maxpool2d", i);
        info.kernel = std::string("maxpool.f32.hwc.") + kernels::isaName(kt.isa);
    }
    void run(const float* x, float* y, int items, StepPool& pool, StepCounters&) override
    {
        pool.parallelFor(items, [&](int b, int e, int) {
            for (int t = b; t < e; ++t)
                kt_->maxpool(x + size_t(t) * in.size(), in.w, in.c, k_, s_, out.h, out.w, y + size_t(t) * out.size());
        });
    }

private:
    int k_, s_;
    const kernels::KernelTable* kt_;
};

class ChannelAffineStep final : public Step { // batch norm not folded into a conv/linear
public:
    ChannelAffineStep(const Layer& L, const ActShape& s, const std::vector<int>& perm)
    {
        in = out = s;
        info = baseInfo(L.name, "batchnorm", s);
        scale_.resize(size_t(s.c));
        shift_.resize(size_t(s.c));
        for (int j = 0; j < s.c; ++j) {
            const int c = perm[size_t(j)];
            const double inv = 1.0 / std::sqrt(double(L.running_var.data[size_t(c)]) + L.eps);
            const double g = L.affine ? L.bn_weight.data[size_t(c)] : 1.0;
            const double b = L.affine ? L.bn_bias.data[size_t(c)] : 0.0;
            scale_[size_t(j)] = float(inv * g);
            shift_[size_t(j)] = float(b - L.running_mean.data[size_t(c)] * inv * g);
        }
    }
    bool inPlace() const override { return true; }
    void run(const float* x, float* y, int items, StepPool& pool, StepCounters&) override
    {
        const int C = in.c;
        const int64_t per_item = in.size() / C;
        pool.parallelFor(items, [&](int b, int e, int) {
            for (int64_t p = b * per_item; p < e * per_item; ++p)
                for (int c = 0; c < C; ++c)
                    y[p * C + c] = x[p * C + c] * scale_[size_t(c)] + shift_[size_t(c)];
        });
    }

private:
    std::vector<float> scale_, shift_;
};

class ReluStep final : public Step {
public:
    ReluStep(const Layer& L, const ActShape& s)
    {
        in = out = s;
        info = baseInfo(L.name, "relu", s);
    }
    bool inPlace() const override { return true; }
    void run(const float* x, float* y, int items, StepPool& pool, StepCounters&) override
    {
        const int64_t n = in.size();
        pool.parallelFor(items, [&](int b, int e, int) {
            for (int64_t i = b * n; i < e * n; ++i)
                y[i] = std::max(0.0f, x[i]);
        });
    }
};

class LogSoftmaxStep final : public Step {
public:
    LogSoftmaxStep(const Layer& L, const ActShape& s)
    {
        in = out = s;
        info = baseInfo(L.name, "logsoftmax", s);
    }
    void run(const float* x, float* y, int items, StepPool&, StepCounters&) override
    {
        const int C = in.c;
        const int64_t rows = items * in.size() / C;
        for (int64_t r = 0; r < rows; ++r) {
            const float* xr = x + r * C;
            float* yr = y + r * C;
            double m = -std::numeric_limits<double>::infinity();
            for (int c = 0; c < C; ++c) m = std::max(m, double(xr[c]));
            double s = 0;
            for (int c = 0; c < C; ++c) s += std::exp(double(xr[c]) - m);
            const double lse = m + std::log(s);
            for (int c = 0; c < C; ++c) yr[c] = float(xr[c] - lse);
        }
    }
};

// k-WTA in the internal layout: boost factors and the tie-break order (PyTorch flat index) are
// permuted at prepare time, so the winners are exactly the reference's.
class KwtaStep final : public Step {
public:
    KwtaStep(const Layer& L, const ActShape& s, const std::vector<int>& perm, int threads, const kernels::KernelTable& kt)
        : k_(L.k_inference), local_(L.kind == LayerKind::KWinners2d && L.local), scratch_(size_t(threads)), kt_(&kt)
    {
        in = out = s;
        info = baseInfo(L.name, L.kind == LayerKind::KWinners2d ? "kwinners2d" : "kwinners", s);
        info.kernel = std::string(local_ ? "kwinners.f32.local-radix." : "kwinners.f32.global-radix.") + kernels::isaName(kt.isa);
        const int C = s.c, HW = s.h * s.w;
        const bool boosted = L.boost_strength > 0;
        if (local_) {
            boost_.assign(size_t(C), 1.0f);
            order_.resize(size_t(C));
            for (int j = 0; j < C; ++j) {
                order_[size_t(j)] = perm[size_t(j)];
                if (boosted)
                    boostFactors(L.duty_cycles.ptr() + perm[size_t(j)], 1, double(k_) / C, L.boost_strength, &boost_[size_t(j)]);
            }
        } else {
            const int n = int(s.size());
            boost_.assign(size_t(n), 1.0f);
            order_.resize(size_t(n));
            const double target = double(k_) / n;
            for (int p = 0; p < HW; ++p)
                for (int j = 0; j < C; ++j) {
                    const int c = perm[size_t(j)];
                    const size_t i = size_t(p) * C + j;
                    order_[i] = c * HW + p; // PyTorch (C, H, W) flat index
                    if (boosted) {
                        // KWinners2d: one duty cycle per channel; KWinners: one per unit (HW == 1)
                        boostFactors(L.duty_cycles.ptr() + c, 1, target, L.boost_strength, &boost_[i]);
                    }
                }
        }
        if (!boosted)
            boost_.clear();
    }
    bool inPlace() const override { return true; }
    void run(const float* x, float* y, int items, StepPool& pool, StepCounters&) override
    {
        const int64_t n = in.size();
        if (y != x)
            std::memcpy(y, x, sizeof(float) * size_t(items * n));
        const float* boost = boost_.empty() ? nullptr : boost_.data();
        if (local_) {
            const int C = in.c, HW = in.h * in.w;
            pool.parallelFor(items * HW, [&](int b, int e, int worker) {
                auto& sc = scratch_[size_t(worker)];
                sc.resize(size_t(2 * C + 1));
                for (int t = b; t < e; ++t)
                    kt_->kwinners(y + size_t(t) * C, C, k_, boost, order_.data(), sc.data());
            });
        } else {
            pool.parallelFor(items, [&](int b, int e, int worker) {
                auto& sc = scratch_[size_t(worker)];
                sc.resize(size_t(2 * n + 1));
                for (int t = b; t < e; ++t)
                    kt_->kwinners(y + size_t(t) * n, int(n), k_, boost, order_.data(), sc.data());
            });
        }
    }

private:
    int k_;
    bool local_;
    std::vector<float> boost_;
    std::vector<int32_t> order_;
    std::vector<std::vector<uint32_t>> scratch_;
    const kernels::KernelTable* kt_;
};

} // namespace

// ---- packing helpers ---------------------------------------------------------------------------

namespace pack {

AlignedVector<float> transposePadded(const std::vector<float>& w, int M, int N, int gpad)
{
    AlignedVector<float> t(size_t(N) * gpad, 0.0f);
    for (int o = 0; o < M; ++o)
        for (int n = 0; n < N; ++n)
            t[size_t(n) * gpad + o] = w[size_t(o) * N + n];
    return t;
}

std::vector<int32_t> convOffsets(const WeightedOp& op, int in_w_padded)
{
    std::vector<int32_t> off(static_cast<size_t>(op.N));
    for (int dy = 0; dy < op.kh; ++dy)
        for (int dx = 0; dx < op.kw; ++dx)
            for (int c = 0; c < op.cin; ++c)
                off[size_t((dy * op.kw + dx) * op.cin + c)] = (dy * in_w_padded + dx) * op.cin + c;
    return off;
}

void padInput(const float* in, const ActShape& s, int pad, float* out)
{
    const int PW = s.w + 2 * pad, C = s.c;
    std::fill(out, out + size_t(s.h + 2 * pad) * PW * C, 0.0f);
    for (int y = 0; y < s.h; ++y)
        std::memcpy(out + (size_t(y + pad) * PW + pad) * C, in + size_t(y) * s.w * C, sizeof(float) * size_t(s.w) * C);
}

} // namespace pack

// ---- the pipeline ------------------------------------------------------------------------------

Status PipelineEngine::prepare(const Model& model, const EngineOptions& options)
{
    steps_.clear();
    counters_.clear();
    if (model.layers.empty())
        return badInput("The model has no layers.");
    kernels_ = &kernels::best();
    if (!options.isa.empty()) {
        bool found = false;
        for (auto isa : kernels::allIsas())
            if (options.isa == kernels::isaName(isa)) {
                if (!kernels::cpuSupports(isa))
                    return unsupported("This CPU cannot run the " + options.isa + " kernels.");
                kernels_ = &kernels::table(isa);
                found = true;
            }
        if (!found)
            return badInput("Unknown ISA '" + options.isa + "' (known: scalar, avx2, avx512).");
    }
    if (options.threads < 1 || options.threads > kMaxThreads)
        return badInput("Threads must be between 1 and " + std::to_string(kMaxThreads) + "; got " + std::to_string(options.threads) + ".");
    pool_ = std::make_unique<ThreadPool>(options.threads);
    input_ = model.input;
    ActShape cur = model.input;
    std::vector<int> perm = identity(cur.c);
    bool sparse_src = false;

    for (size_t i = 0; i < model.layers.size(); ++i) {
        const Layer& L = model.layers[i];
        std::unique_ptr<Step> step;
        switch (L.kind) {
        case LayerKind::Conv2d:
        case LayerKind::Linear: {
            WeightedOp op;
            op.layer = &L;
            op.names = L.name;
            op.conv = L.kind == LayerKind::Conv2d;
            op.in = L.in_shape;
            op.out = L.out_shape;
            op.M = L.outputs();
            op.N = L.fanIn();
            op.weight_density = L.weight_density;
            op.P = L.group_size;
            op.input_sparse = sparse_src;
            std::vector<float> scale(size_t(op.M), 1.0f), shift(size_t(op.M), 0.0f);
            op.bias.assign(size_t(op.M), 0.0f);
            if (!L.bias.empty())
                op.bias = L.bias.data;
            if (i + 1 < model.layers.size() && model.layers[i + 1].kind == LayerKind::BatchNorm) {
                // Fold inference batch norm: y = (Wx + b - mean) / sqrt(var + eps) * gamma + beta
                const Layer& B = model.layers[++i];
                op.names += "+" + B.name;
                for (int o = 0; o < op.M; ++o) {
                    const double inv = 1.0 / std::sqrt(double(B.running_var.data[size_t(o)]) + B.eps);
                    const double g = B.affine ? B.bn_weight.data[size_t(o)] : 1.0;
                    const double beta = B.affine ? B.bn_bias.data[size_t(o)] : 0.0;
                    scale[size_t(o)] = float(inv * g);
                    op.bias[size_t(o)] = float((op.bias[size_t(o)] - B.running_mean.data[size_t(o)]) * inv * g + beta);
                }
                op.out = B.out_shape;
            }
            op.weight.assign(size_t(op.M) * op.N, 0.0f);
            op.mask.assign(size_t(op.M) * op.N, 1.0f);
            const bool has_mask = !L.mask.empty();
            if (op.conv) {
                op.kh = L.kernel_h;
                op.kw = L.kernel_w;
                op.stride = L.stride;
                op.padding = L.padding;
                op.cin = L.in_channels;
                for (int o = 0; o < op.M; ++o)
                    for (int j = 0; j < op.cin; ++j)
                        for (int dy = 0; dy < op.kh; ++dy)
                            for (int dx = 0; dx < op.kw; ++dx) {
                                const size_t src = ((size_t(o) * op.cin + perm[size_t(j)]) * op.kh + dy) * op.kw + dx;
                                const size_t dst = size_t(o) * op.N + (dy * op.kw + dx) * op.cin + j;
                                op.weight[dst] = L.weight.data[src] * scale[size_t(o)];
                                op.mask[dst] = has_mask ? L.mask.data[src] : 1.0f;
                            }
            } else {
                if (int(perm.size()) != op.N)
                    return runtimeError("Internal error: the input permutation of '" + L.name + "' has the wrong size.", L.name);
                for (int o = 0; o < op.M; ++o)
                    for (int j = 0; j < op.N; ++j) {
                        const size_t src = size_t(o) * op.N + perm[size_t(j)];
                        const size_t dst = size_t(o) * op.N + j;
                        op.weight[dst] = L.weight.data[src] * scale[size_t(o)];
                        op.mask[dst] = has_mask ? L.mask.data[src] : 1.0f;
                    }
            }
            auto made = makeWeighted(op);
            if (!made)
                return made.error();
            step = std::move(*made);
            step->info.layer = op.names;
            step->info.weighted = true;
            step->info.macs_dense = L.macsDense();
            step->info.weight_density = L.weight_density;
            step->info.input_size = double(op.in.size());
            step->in = op.in;
            step->out = op.out;
            perm = step->out_perm.empty() ? identity(op.out.c) : step->out_perm;
            // A conv followed by a max-pool: pool inside the conv step when its kernel can, so the conv
            // map stays in cache (GSC conv1 in every engine; conv2 where it scatters, in sparse-sparse).
            if (op.conv && i + 1 < model.layers.size() && model.layers[i + 1].kind == LayerKind::MaxPool2d &&
                step->fuseMaxPool(model.layers[i + 1], op.input_sparse)) {
                const Layer& pool = model.layers[++i];
                step->info.layer += "+" + pool.name;
            }
            sparse_src = false;
            break;
        }
        case LayerKind::MaxPool2d:
            step = std::make_unique<MaxPoolStep>(L, L.in_shape, L.out_shape, *kernels_);
            break;
        case LayerKind::BatchNorm:
            step = std::make_unique<ChannelAffineStep>(L, L.in_shape, perm);
            sparse_src = false; // the shift makes zeros non-zero
            break;
        case LayerKind::ReLU:
            step = std::make_unique<ReluStep>(L, L.in_shape);
            break;
        case LayerKind::KWinners:
        case LayerKind::KWinners2d:
            step = std::make_unique<KwtaStep>(L, L.in_shape, perm, pool_->threads(), *kernels_);
            sparse_src = true;
            break;
        case LayerKind::Flatten: {
            // No data moves: channels-last memory is already flat; only the index map changes.
            const int HW = L.in_shape.h * L.in_shape.w, C = L.in_shape.c;
            std::vector<int> flat(size_t(HW) * C);
            for (int p = 0; p < HW; ++p)
                for (int j = 0; j < C; ++j)
                    flat[size_t(p) * C + j] = perm[size_t(j)] * HW + p;
            perm = std::move(flat);
            cur = L.out_shape;
            continue;
        }
        case LayerKind::LogSoftmax:
            step = std::make_unique<LogSoftmaxStep>(L, L.in_shape);
            break;
        }
        cur = step->out;
        steps_.push_back(std::move(step));
    }
    out_perm_ = perm;
    out_size_ = int(cur.size());
    item_values_ = size_t(input_.size());
    for (const auto& st : steps_)
        item_values_ = std::max({item_values_, size_t(st->in.size()), size_t(st->out.size())});
    if (cur.h != 1 || cur.w != 1)
        return unsupported("The network ends in a " + cur.toString() + " map; SparseScope expects it to end in a vector of class scores.");
    for (size_t s = 0; s < steps_.size(); ++s)
        counters_.push_back(std::make_unique<StepCounters>());
    seconds_.assign(steps_.size(), 0.0);
    items_.assign(steps_.size(), 0);
    return Status::ok();
}

template <class CountersOf>
float* PipelineEngine::runSteps(const float* x, float* a, float* b, int items, StepPool& pool, const CountersOf& counters,
                                double* secs)
{
    // One clock read per step boundary: a step's end is the next one's start (one item runs nine
    // steps in ~55 us on the GSC net in sparse-sparse, and each read costs ~25 ns on this VM).
    auto t0 = std::chrono::steady_clock::now();
    for (size_t s = 0; s < steps_.size(); ++s) {
        const bool in_place = steps_[s]->inPlace(); // then x == a (stageInput copies for step 0)
        steps_[s]->run(x, in_place ? a : b, items, pool, counters(s));
        const auto t1 = std::chrono::steady_clock::now();
        secs[s] += std::chrono::duration<double>(t1 - t0).count();
        t0 = t1;
        if (!in_place)
            std::swap(a, b);
        x = a;
    }
    return a;
}

const float* PipelineEngine::stageInput(const float* src, int items, float* a) const
{
    // A 1-channel map is channels-last as it comes: the first step reads the caller's items
    // themselves unless it writes its input (one copy less; on the GSC net no faster measurably).
    if (input_.c == 1 && !steps_.front()->inPlace())
        return src;
    for (int it = 0; it < items; ++it)
        toChannelsLast(src + size_t(it) * input_.size(), a + size_t(it) * input_.size());
    return a;
}

void PipelineEngine::writeLogits(const float* a, int items, float* out) const
{
    for (int it = 0; it < items; ++it)
        for (int j = 0; j < out_size_; ++j)
            out[size_t(it) * out_size_ + out_perm_[size_t(j)]] = a[size_t(it) * out_size_ + j];
}

void PipelineEngine::toChannelsLast(const float* src, float* dst) const
{
    const int C = input_.c, HW = input_.h * input_.w;
    if (C == 1)
        std::memcpy(dst, src, sizeof(float) * size_t(HW));
    else
        for (int c = 0; c < C; ++c)
            for (int p = 0; p < HW; ++p)
                dst[size_t(p) * C + c] = src[size_t(c) * HW + p];
}

Status PipelineEngine::infer(const float* input, int batch, float* logits)
{
    if (steps_.empty())
        return runtimeError("The engine was not prepared.");
    if (batch <= 0)
        return badInput("The batch size must be at least 1.");
    if (const int s = itemsPerTask(batch); s > 0)
        return inferByTask(input, batch, s, logits);
    // A big batch runs in passes whose activations stay within the per-item limit the loader
    // enforces (1 GiB per buffer): memory is bounded whatever --batch asks for.
    const int per_pass = std::max(1, std::min(batch, int(size_t(kMaxValuesPerItem) / item_values_)));
    const size_t need = item_values_ * size_t(per_pass);
    if (buf_a_.size() < need) {
        buf_a_.resize(need);
        buf_b_.resize(need);
    }
    StepPool pool(*pool_);
    for (int first = 0; first < batch; first += per_pass) {
        const int items = std::min(per_pass, batch - first);
        float* a = buf_a_.data();
        const float* x = stageInput(input + size_t(first) * input_.size(), items, a);
        a = runSteps(x, a, buf_b_.data(), items, pool, [&](size_t s) -> StepCounters& { return *counters_[s]; }, seconds_.data());
        for (auto& n : items_)
            n += items;
        writeLogits(a, items, logits + size_t(first) * out_size_);
    }
    return Status::ok();
}

Status PipelineEngine::inferByTask(const float* input, int batch, int task_items, float* logits)
{
    // a task's activations stay within the per-item limit the loader enforces, as a pass does
    const int s_items = std::max(1, std::min({task_items, batch, int(size_t(kMaxValuesPerItem) / item_values_)}));
    const int tasks = (batch + s_items - 1) / s_items;
    const size_t task_need = item_values_ * size_t(s_items);
    const int workers = std::min(pool_->threads(), tasks);
    if (worker_buf_.size() < size_t(pool_->threads())) {
        worker_buf_.resize(size_t(pool_->threads()));
        worker_seconds_.resize(size_t(pool_->threads()));
    }
    // Sized here, not by the workers: no worker reallocates what another one reads. Every thread's:
    // the pool hands the `workers` calls to whichever threads are free, not to threads 0..workers-1.
    for (int w = 0; w < pool_->threads(); ++w) {
        if (worker_buf_[size_t(w)].size() < 2 * task_need)
            worker_buf_[size_t(w)].resize(2 * task_need);
        worker_seconds_[size_t(w)].assign(steps_.size(), 0.0);
    }
    // Tasks are handed out one at a time from a shared counter, not in fixed shares: on a shared
    // machine a worker whose core is busy takes fewer tasks instead of holding the call up.
    // Counters and times are kept per worker (on its own cache lines) and added once at the end:
    // shared atomics updated by every item on every step had bounced between the cores.
    std::atomic<int> next{0};
    const size_t nsteps = steps_.size();
    pool_->parallelFor(workers, [&](int, int, int w) {
        StepPool inline_pool(*pool_, w);
        std::unique_ptr<StepCounters[]> local(new StepCounters[nsteps]);
        constexpr size_t kPad = 8; // 64 bytes either side: no line shared with another worker's
        std::vector<double> secs_buf(nsteps + 2 * kPad, 0.0);
        double* secs = secs_buf.data() + kPad;
        for (int task; (task = next.fetch_add(1, std::memory_order_relaxed)) < tasks;) {
            const int first = task * s_items;
            const int items = std::min(s_items, batch - first);
            float* a = worker_buf_[size_t(w)].data();
            const float* x = stageInput(input + size_t(first) * input_.size(), items, a);
            a = runSteps(x, a, a + task_need, items, inline_pool, [&](size_t s) -> StepCounters& { return local[s]; }, secs);
            writeLogits(a, items, logits + size_t(first) * out_size_);
        }
        for (size_t s = 0; s < nsteps; ++s) {
            counters_[s]->macs += local[s].macs.load(std::memory_order_relaxed);
            counters_[s]->nonzeros += local[s].nonzeros.load(std::memory_order_relaxed);
            worker_seconds_[size_t(w)][s] += secs[s]; // a worker may be handed this function twice
        }
    });
    // A layer's time is its share of the batch's wall time: the workers ran side by side, so
    // their summed time in it is divided by their number.
    for (size_t s = 0; s < steps_.size(); ++s) {
        double sum = 0;
        for (int w = 0; w < pool_->threads(); ++w)
            sum += worker_seconds_[size_t(w)][s];
        seconds_[s] += sum / workers;
        items_[s] += batch;
    }
    return Status::ok();
}

std::vector<LayerStats> PipelineEngine::layerStats() const
{
    std::vector<LayerStats> out;
    for (size_t s = 0; s < steps_.size(); ++s) {
        LayerStats st = steps_[s]->info;
        st.items = items_[s];
        st.seconds = seconds_[s];
        st.macs_executed = double(counters_[s]->macs.load());
        st.input_nonzeros = st.weighted ? double(counters_[s]->nonzeros.load()) : st.input_size * double(items_[s]);
        out.push_back(std::move(st));
    }
    return out;
}

void PipelineEngine::resetStats()
{
    for (size_t s = 0; s < steps_.size(); ++s) {
        counters_[s]->macs = 0;
        counters_[s]->nonzeros = 0;
        seconds_[s] = 0;
        items_[s] = 0;
    }
}

} // namespace ss
