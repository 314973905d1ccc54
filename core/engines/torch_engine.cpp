// The "torch" engine: every model layer is one eager ATen call (or a short fixed sequence for
// k-WTA), dense fp32 in PyTorch's default contiguous NCHW layout. Parameters are materialised
// once in prepare(); infer() wraps the caller's input without copying and times each layer.
#include "engines/torch_engine.h"

#include "engines/torch_message.h"
#include "sparsity/kwinners.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace ss {

namespace {

enum class Op { Conv, Linear, MaxPool, BatchNorm, ReLU, KWinners, KWinners2dGlobal, KWinners2dLocal, Flatten, LogSoftmax };

struct TorchStep {
    Op op = Op::ReLU;
    std::string name;
    LayerKind kind = LayerKind::ReLU;
    ActShape in, out;
    // Conv2d / Linear: masked weight, optional bias
    at::Tensor weight, bias;
    int stride = 1, padding = 0;
    // MaxPool2d
    int pool_kernel = 2, pool_stride = 2;
    // BatchNorm (eval form: running statistics, optional affine)
    at::Tensor mean, var, gamma, beta;
    double eps = 1e-5;
    // k-WTA: boost factors ([1, n] for flat/global, [1, C, 1, 1] for local); undefined = no boosting
    at::Tensor boost;
    int k = 0;

    LayerStats stats;
};

at::Tensor fromVector(const std::vector<float>& v, std::vector<int64_t> shape)
{
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(at::kFloat));
    std::memcpy(t.data_ptr<float>(), v.data(), v.size() * sizeof(float));
    return t;
}

// Non-zeros of a float tensor; a plain pass over contiguous memory (the usual case) and ATen's
// reduction otherwise.
int64_t countNonzeros(const at::Tensor& t)
{
    if (t.scalar_type() == at::kFloat && t.is_contiguous())
        return ss::countNonzeros(t.data_ptr<float>(), t.numel());
    return at::count_nonzero(t).item<int64_t>();
}

// libtorch's intra-op thread count is process-global (and per calling thread for OpenMP), and
// set_num_threads also drops oneDNN's primitive cache: only set it when it differs.
void useThreads(int threads)
{
    threads = std::max(1, threads);
    if (at::get_num_threads() != threads)
        at::set_num_threads(threads);
}

void useInteropThreadsOnce(int threads)
{
    static std::once_flag once;
    std::call_once(once, [threads] {
        try {
            // Only possible before libtorch starts its inter-op pool; this engine never uses it,
            // so failing here (someone else set it first) changes nothing.
            at::set_num_interop_threads(std::max(1, threads));
        } catch (const std::exception&) {
        }
    });
}

std::string onednnNote()
{
    return at::hasMKLDNN() ? "oneDNN available: ATen picks the convolution backend"
                           : "no oneDNN in this libtorch: ATen's im2col + BLAS convolution";
}

} // namespace

struct TorchEngine::Impl {
    std::vector<TorchStep> steps;
    ActShape input;
    int64_t out_size = 0;
    int threads = 1;
    bool prepared = false;

    at::Tensor run(TorchStep& s, const at::Tensor& x, int64_t B) const;
};


// Exactly k winners along dim: every value above the k-th largest, then values equal to it in
// index order (the lowest PyTorch flat index wins a tie, as every SparseScope engine does;
// at::topk leaves the tie order unspecified, and padded silence makes ties common).
static at::Tensor keepWinners(const at::Tensor& x, const at::Tensor& boosted, int64_t k, int64_t dim)
{
    const int64_t n = boosted.size(dim);
    if (k >= n)
        return x;
    const at::Tensor kth = std::get<0>(at::kthvalue(boosted, n - k + 1, dim, /*keepdim=*/true));
    const at::Tensor above = boosted > kth;
    const at::Tensor equal = boosted == kth;
    const at::Tensor room = k - above.sum(dim, /*keepdim=*/true);
    const at::Tensor keep = above.logical_or(equal.logical_and(equal.to(at::kLong).cumsum(dim) <= room));
    return at::where(keep, x, at::zeros_like(x));
}

at::Tensor TorchEngine::Impl::run(TorchStep& s, const at::Tensor& x, int64_t B) const
{
    const ActShape& in = s.in;
    switch (s.op) {
    case Op::Conv:
        return at::conv2d(x.reshape({B, in.c, in.h, in.w}), s.weight, s.bias, {s.stride, s.stride},
                          {s.padding, s.padding}, {1, 1}, 1);
    case Op::Linear:
        return at::linear(x.reshape({B, in.size()}), s.weight, s.bias);
    case Op::MaxPool:
        return at::max_pool2d(x.reshape({B, in.c, in.h, in.w}), {s.pool_kernel, s.pool_kernel},
                              {s.pool_stride, s.pool_stride}, {0, 0}, {1, 1}, false);
    case Op::BatchNorm:
        return at::batch_norm(x.reshape({B, in.c, in.h, in.w}), s.gamma, s.beta, s.mean, s.var,
                              /*training=*/false, /*momentum=*/0.0, s.eps, /*cudnn_enabled=*/false);
    case Op::ReLU:
        return at::relu(x);
    case Op::KWinners:
    case Op::KWinners2dGlobal: {
        // nupic.torch: winners on the boosted values, raw values kept.
        const at::Tensor flat = x.reshape({B, in.size()});
        const at::Tensor boosted = s.boost.defined() ? flat * s.boost : flat;
        return keepWinners(flat, boosted, s.k, 1);
    }
    case Op::KWinners2dLocal: {
        const at::Tensor x4 = x.reshape({B, in.c, in.h, in.w});
        const at::Tensor boosted = s.boost.defined() ? x4 * s.boost : x4;
        return keepWinners(x4, boosted, s.k, 1);
    }
    case Op::Flatten:
        return x.reshape({B, in.size()});
    case Op::LogSoftmax:
        return at::log_softmax(x.reshape({B, in.size()}), 1);
    }
    return x;
}

TorchEngine::TorchEngine() : d_(std::make_unique<Impl>()) {}
TorchEngine::~TorchEngine() = default;

Status TorchEngine::prepare(const Model& source, const EngineOptions& options)
{
    d_->prepared = false;
    d_->steps.clear();
    if (source.layers.empty())
        return badInput("The model has no layers.");
    if (options.threads < 1)
        return badInput("The torch engine needs at least one thread but was given " +
                        std::to_string(options.threads) + ".");

    std::string current;
    try {
        // Shapes (and k at inference) from the model's own rules, on a copy so the caller's model
        // stays const; every layer below relies on them.
        Model model = source;
        if (Status st = model.inferShapes(); !st)
            return st;
        useInteropThreadsOnce(options.threads);
        useThreads(options.threads);
        d_->threads = options.threads;
        const auto f32 = at::TensorOptions().dtype(at::kFloat);
        std::vector<TorchStep> steps; // moved into the engine only when every layer is accepted

        for (const Layer& L : model.layers) {
            current = L.name;
            TorchStep s;
            s.name = L.name;
            s.kind = L.kind;
            s.in = L.in_shape;
            s.out = L.out_shape;
            LayerStats& st = s.stats;
            st.layer = L.name;
            st.input_size = double(L.in_shape.size());
            const std::string what = "Layer '" + L.name + "' (" + layerKindName(L.kind) + ")";

            switch (L.kind) {
            case LayerKind::Conv2d:
            case LayerKind::Linear: {
                const bool conv = L.kind == LayerKind::Conv2d;
                std::vector<int64_t> shape =
                    conv ? std::vector<int64_t>{L.out_channels, L.in_channels, L.kernel_h, L.kernel_w}
                         : std::vector<int64_t>{L.out_features, L.in_features};
                const int64_t count = numel(shape);
                if (L.weight.size() != count)
                    return badInput(what + " has a weight of " + std::to_string(L.weight.size()) + " values (" +
                                        shapeToString(L.weight.shape) + ") but needs " + shapeToString(shape) + ".",
                                    L.name);
                if (!L.mask.empty() && L.mask.size() != count)
                    return badInput(what + " has a mask of " + shapeToString(L.mask.shape) + " but its weight is " +
                                        shapeToString(shape) + ".",
                                    L.name);
                if (!L.bias.empty() && L.bias.size() != L.outputs())
                    return badInput(what + " has " + std::to_string(L.bias.size()) + " biases for " +
                                        std::to_string(L.outputs()) + " outputs.",
                                    L.name);
                s.weight = at::empty(shape, f32);
                float* w = s.weight.data_ptr<float>();
                const float* src = L.weight.ptr();
                if (L.mask.empty())
                    std::memcpy(w, src, size_t(count) * sizeof(float));
                else
                    for (int64_t i = 0; i < count; ++i)
                        w[i] = src[i] * L.mask.data[size_t(i)];
                if (!L.bias.empty())
                    s.bias = fromVector(L.bias.data, {int64_t(L.outputs())});
                s.op = conv ? Op::Conv : Op::Linear;
                s.stride = L.stride;
                s.padding = L.padding;
                st.op = conv ? "conv2d" : "linear";
                st.kernel = conv ? "libtorch:aten::conv2d" : "libtorch:aten::linear";
                st.note = std::string("dense fp32 NCHW, masked weights materialised once; ") +
                          (conv ? onednnNote() : "aten::linear = addmm on the BLAS libtorch was built with");
                st.weighted = true;
                st.weight_density = L.weight_density;
                st.macs_dense = L.macsDense();
                break;
            }
            case LayerKind::MaxPool2d:
                s.op = Op::MaxPool;
                s.pool_kernel = L.pool_kernel;
                s.pool_stride = L.pool_stride;
                st.op = "maxpool2d";
                st.kernel = "libtorch:aten::max_pool2d";
                break;
            case LayerKind::BatchNorm: {
                const int64_t C = L.in_shape.c;
                if (L.running_mean.size() != C || L.running_var.size() != C)
                    return badInput(what + " has running statistics of " + std::to_string(L.running_mean.size()) +
                                        " and " + std::to_string(L.running_var.size()) + " values for " +
                                        std::to_string(C) + " channels.",
                                    L.name);
                s.mean = fromVector(L.running_mean.data, {C});
                s.var = fromVector(L.running_var.data, {C});
                if (L.affine) {
                    if (L.bn_weight.size() != C || L.bn_bias.size() != C)
                        return badInput(what + " is affine but has " + std::to_string(L.bn_weight.size()) +
                                            " weights and " + std::to_string(L.bn_bias.size()) + " biases for " +
                                            std::to_string(C) + " channels.",
                                        L.name);
                    s.gamma = fromVector(L.bn_weight.data, {C});
                    s.beta = fromVector(L.bn_bias.data, {C});
                }
                s.eps = L.eps;
                s.op = Op::BatchNorm;
                st.op = "batchnorm";
                st.kernel = "libtorch:aten::batch_norm";
                st.note = "eval form (running statistics), not folded into the preceding conv/linear";
                break;
            }
            case LayerKind::ReLU:
                s.op = Op::ReLU;
                st.op = "relu";
                st.kernel = "libtorch:aten::relu";
                break;
            case LayerKind::KWinners:
            case LayerKind::KWinners2d: {
                const bool k2d = L.kind == LayerKind::KWinners2d;
                const bool local = k2d && L.local;
                const ActShape& in = L.in_shape;
                const int n = local ? in.c : int(in.size());
                const int64_t duties = k2d ? in.c : n; // KWinners2d: one duty cycle per channel
                s.k = L.k_inference;
                s.op = !k2d ? Op::KWinners : (local ? Op::KWinners2dLocal : Op::KWinners2dGlobal);
                if (L.boost_strength > 0) {
                    if (L.duty_cycles.size() != duties)
                        return badInput(what + " boosts with strength " + std::to_string(L.boost_strength) +
                                            " but has " + std::to_string(L.duty_cycles.size()) +
                                            " duty cycles where " + std::to_string(duties) + " are needed.",
                                        L.name);
                    std::vector<float> f(static_cast<size_t>(duties));
                    boostFactors(L.duty_cycles.ptr(), int(duties), double(s.k) / n, L.boost_strength, f.data());
                    if (local) {
                        s.boost = fromVector(f, {1, in.c, 1, 1});
                    } else if (k2d) { // per-channel factor spread over the flat C*H*W vector
                        const int64_t hw = int64_t(in.h) * in.w;
                        std::vector<float> full(static_cast<size_t>(in.size()));
                        for (int c = 0; c < in.c; ++c)
                            std::fill_n(full.begin() + c * hw, hw, f[size_t(c)]);
                        s.boost = fromVector(full, {1, in.size()});
                    } else {
                        s.boost = fromVector(f, {1, int64_t(n)});
                    }
                }
                st.op = k2d ? "kwinners2d" : "kwinners";
                st.kernel = "libtorch:aten::kthvalue+aten::where";
                st.note = std::string(local ? "k per position over channels" : "k over the whole item") +
                          (s.boost.defined() ? ", winners on boosted values (factors precomputed)" : "") +
                          "; ties go to the lowest index, as in every engine";
                break;
            }
            case LayerKind::Flatten:
                s.op = Op::Flatten;
                st.op = "flatten";
                st.kernel = "libtorch:aten::reshape";
                break;
            case LayerKind::LogSoftmax:
                s.op = Op::LogSoftmax;
                st.op = "logsoftmax";
                st.kernel = "libtorch:aten::log_softmax";
                break;
            }
            steps.push_back(std::move(s));
        }
        d_->steps = std::move(steps);
        d_->input = model.input;
        d_->out_size = model.layers.back().out_shape.size();
    } catch (const std::exception& e) {
        d_->steps.clear();
        if (current.empty())
            return runtimeError("libtorch failed while preparing the model: " + torchMessage(e) + ".");
        return runtimeError("libtorch failed while preparing layer '" + current + "': " + torchMessage(e) + ".",
                            current);
    }
    d_->prepared = true;
    return Status::ok();
}

Status TorchEngine::infer(const float* input, int batch, float* logits)
{
    if (!d_->prepared)
        return runtimeError("The torch engine was asked to run before a model was prepared.");
    if (batch <= 0)
        return badInput("The torch engine needs a positive batch size but was given " + std::to_string(batch) + ".");
    if (!input || !logits)
        return badInput("The torch engine was given no input or no logits buffer.");

    using Clock = std::chrono::steady_clock;
    const int64_t B = batch;
    const ActShape& s0 = d_->input;
    TorchStep* current = nullptr;
    try {
        useThreads(d_->threads);
        c10::InferenceMode guard;
        // No copy: the caller's buffer, read only (every op below is out of place).
        at::Tensor x = at::from_blob(const_cast<float*>(input), {B, s0.c, s0.h, s0.w},
                                     at::TensorOptions().dtype(at::kFloat));
        for (TorchStep& s : d_->steps) {
            current = &s;
            const int64_t nz = countNonzeros(x);
            const auto t0 = Clock::now();
            x = d_->run(s, x, B);
            const auto t1 = Clock::now();
            LayerStats& st = s.stats;
            st.items += B;
            st.macs_executed += st.macs_dense * double(B);
            st.input_nonzeros += double(nz);
            st.seconds += std::chrono::duration<double>(t1 - t0).count();
        }
        current = nullptr;
        const at::Tensor out = x.reshape({B, d_->out_size}).contiguous();
        std::memcpy(logits, out.data_ptr<float>(), size_t(B * d_->out_size) * sizeof(float));
    } catch (const std::exception& e) {
        if (current)
            return runtimeError("libtorch failed in layer '" + current->name + "' (" + layerKindName(current->kind) +
                                    "): " + torchMessage(e) + ".",
                                current->name);
        return runtimeError("libtorch failed: " + torchMessage(e) + ".");
    } catch (...) {
        return runtimeError("libtorch failed with an unknown exception.", current ? current->name : std::string());
    }
    return Status::ok();
}

std::vector<LayerStats> TorchEngine::layerStats() const
{
    std::vector<LayerStats> out;
    out.reserve(d_->steps.size());
    for (const TorchStep& s : d_->steps)
        out.push_back(s.stats);
    return out;
}

void TorchEngine::resetStats()
{
    for (TorchStep& s : d_->steps) {
        s.stats.items = 0;
        s.stats.macs_executed = 0;
        s.stats.input_nonzeros = 0;
        s.stats.seconds = 0;
    }
}

std::unique_ptr<Engine> makeTorchEngine()
{
    return std::make_unique<TorchEngine>();
}

} // namespace ss
