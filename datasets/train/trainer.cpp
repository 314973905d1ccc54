#include "datasets/train/trainer.h"
#include "datasets/train/torch_ops.h"

#include "audio/melspec.h"
#include "audio/wav.h"
#include "datasets/evaluate.h"
#include "datasets/gsc.h"
#include "datasets/synth.h"
#include "engines/engine.h"
#include "engines/torch_message.h"
#include "kernels/kernels.h"
#include "model/model_io.h"
#include "util/thread_pool.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <malloc.h>
#include <map>
#include <set>
#include <cstring>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>

namespace ss {

namespace trainops {

// The winners are chosen by core's Select kernel, the one every engine runs (ties to the lower
// flat index), in training and inference alike: exactly the engines' semantics, and about ten
// times faster than libtorch's topk here.
torch::Tensor kwinners(const torch::Tensor& x, int64_t k, const torch::Tensor& boost)
{
    const int64_t B = x.size(0);
    const int64_t n = x.numel() / B;
    if (k >= n)
        return x;
    torch::Tensor keep;
    {
        torch::NoGradGuard ng;
        torch::Tensor winners = x.detach().to(torch::kFloat).contiguous().clone();
        const torch::Tensor b = boost.defined() ? boost.to(torch::kFloat).contiguous() : boost;
        float* p = winners.data_ptr<float>();
        const float* bp = b.defined() ? b.data_ptr<float>() : nullptr;
        std::vector<uint32_t> scratch(size_t(2 * n + 1));
        const auto& kt = kernels::best();
        for (int64_t i = 0; i < B; ++i)
            kt.kwinners(p + i * n, int(n), int(k), bp, nullptr, scratch.data());
        keep = winners.ne(0).to(x.scalar_type());
    }
    return x * keep;
}

namespace {
struct MaxPoolNonOverlapping : torch::autograd::Function<MaxPoolNonOverlapping> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& xin, int64_t k)
    {
        const torch::Tensor x = xin.contiguous();
        const int64_t N = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
        const int64_t OH = (H - k) / k + 1, OW = (W - k) / k + 1;
        auto y = torch::empty({x.size(0), x.size(1), OH, OW}, x.options());
        auto arg = torch::empty({x.size(0), x.size(1), OH, OW}, x.options().dtype(torch::kInt32));
        const float* xp = x.data_ptr<float>();
        float* yp = y.data_ptr<float>();
        int32_t* ap = arg.data_ptr<int32_t>();
        for (int64_t c = 0; c < N; ++c) {
            const float* xc = xp + c * H * W;
            for (int64_t oy = 0; oy < OH; ++oy)
                for (int64_t ox = 0; ox < OW; ++ox) {
                    int64_t best = oy * k * W + ox * k;
                    float m = xc[best];
                    for (int64_t dy = 0; dy < k; ++dy)
                        for (int64_t dx = 0; dx < k; ++dx) {
                            const int64_t i = (oy * k + dy) * W + ox * k + dx;
                            if (xc[i] > m) {
                                m = xc[i];
                                best = i;
                            }
                        }
                    const int64_t o = (c * OH + oy) * OW + ox;
                    yp[o] = m;
                    ap[o] = int32_t(best);
                }
        }
        ctx->save_for_backward({arg});
        ctx->saved_data["shape"] = x.sizes().vec();
        return y;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list g)
    {
        const torch::Tensor arg = ctx->get_saved_variables()[0];
        const auto shape = ctx->saved_data["shape"].toIntVector();
        const torch::Tensor go = g[0].contiguous();
        auto gi = torch::zeros(shape, go.options());
        const int64_t N = shape[0] * shape[1], HW = shape[2] * shape[3], O = arg.size(2) * arg.size(3);
        const float* gp = go.data_ptr<float>();
        const int32_t* ap = arg.data_ptr<int32_t>();
        float* ip = gi.data_ptr<float>();
        for (int64_t c = 0; c < N; ++c)
            for (int64_t o = 0; o < O; ++o)
                ip[c * HW + ap[c * O + o]] += gp[c * O + o];
        return {gi, torch::Tensor()};
    }
};

// Sum of term(0..n-1) over a row in eight float lanes (the compiler keeps them in one vector
// register), folded into a double: float reductions are not vectorised without -ffast-math.
template <class Term>
double rowSum(int64_t n, Term term)
{
    float acc[8] = {};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j)
            acc[j] += term(i + j);
    double s = 0;
    for (; i < n; ++i)
        s += term(i);
    for (float a : acc)
        s += a;
    return s;
}

// x viewed as [N, C, S] (S = H*W, 1 for [N, C]); per channel over N and S.
struct BatchNormTrain : torch::autograd::Function<BatchNormTrain> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& xin, torch::Tensor rm,
                                 torch::Tensor rv, double momentum, double eps)
    {
        const torch::Tensor x = xin.contiguous();
        const int64_t N = x.size(0), C = x.size(1), S = x.numel() / (N * C), M = N * S;
        auto y = torch::empty_like(x);
        auto invstd = torch::empty({C}, x.options());
        const float* xp = x.data_ptr<float>();
        float* yp = y.data_ptr<float>();
        float* ip = invstd.data_ptr<float>();
        std::vector<double> mean(size_t(C), 0.0), var(size_t(C), 0.0);
        for (int64_t n = 0; n < N; ++n)
            for (int64_t c = 0; c < C; ++c) {
                const float* r = xp + (n * C + c) * S;
                mean[size_t(c)] += rowSum(S, [r](int64_t i) { return r[i]; });
            }
        for (auto& m : mean)
            m /= double(M);
        // Two passes (mean, then squared deviations) as libtorch, for the same accuracy.
        for (int64_t n = 0; n < N; ++n)
            for (int64_t c = 0; c < C; ++c) {
                const float* r = xp + (n * C + c) * S;
                const float m = float(mean[size_t(c)]);
                var[size_t(c)] += rowSum(S, [r, m](int64_t i) { return (r[i] - m) * (r[i] - m); });
            }
        for (int64_t c = 0; c < C; ++c) {
            var[size_t(c)] /= double(M); // biased, to normalise
            ip[c] = float(1.0 / std::sqrt(var[size_t(c)] + eps));
        }
        for (int64_t n = 0; n < N; ++n)
            for (int64_t c = 0; c < C; ++c) {
                const float m = float(mean[size_t(c)]), is = ip[c];
                const float* r = xp + (n * C + c) * S;
                float* o = yp + (n * C + c) * S;
                for (int64_t i = 0; i < S; ++i)
                    o[i] = (r[i] - m) * is;
            }
        {
            // Running statistics as libtorch: unbiased variance, (1 - momentum) old + momentum new.
            torch::NoGradGuard ng;
            float* rmp = rm.data_ptr<float>();
            float* rvp = rv.data_ptr<float>();
            for (int64_t c = 0; c < C; ++c) {
                rmp[c] = float((1 - momentum) * rmp[c] + momentum * mean[size_t(c)]);
                rvp[c] = float((1 - momentum) * rvp[c] + momentum * var[size_t(c)] * double(M) / double(std::max<int64_t>(1, M - 1)));
            }
        }
        ctx->save_for_backward({y, invstd});
        return y;
    }

    // gx = invstd * (gy - mean(gy) - y * mean(gy * y)), means per channel.
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list g)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor y = saved[0], invstd = saved[1];
        const torch::Tensor go = g[0].contiguous();
        const int64_t N = y.size(0), C = y.size(1), S = y.numel() / (N * C), M = N * S;
        auto gi = torch::empty_like(go);
        const float* yp = y.data_ptr<float>();
        const float* gp = go.data_ptr<float>();
        const float* ip = invstd.data_ptr<float>();
        float* op = gi.data_ptr<float>();
        std::vector<double> sg(size_t(C), 0.0), sgy(size_t(C), 0.0);
        for (int64_t n = 0; n < N; ++n)
            for (int64_t c = 0; c < C; ++c) {
                const float* gr = gp + (n * C + c) * S;
                const float* yr = yp + (n * C + c) * S;
                sg[size_t(c)] += rowSum(S, [gr](int64_t i) { return gr[i]; });
                sgy[size_t(c)] += rowSum(S, [gr, yr](int64_t i) { return gr[i] * yr[i]; });
            }
        for (int64_t n = 0; n < N; ++n)
            for (int64_t c = 0; c < C; ++c) {
                const float a = float(sg[size_t(c)] / double(M)), b = float(sgy[size_t(c)] / double(M)), is = ip[c];
                const int64_t o = (n * C + c) * S;
                for (int64_t i = 0; i < S; ++i)
                    op[o + i] = is * (gp[o + i] - a - yp[o + i] * b);
            }
        return {gi, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};

} // namespace

torch::Tensor maxPoolNonOverlapping(const torch::Tensor& x, int64_t k)
{
    return MaxPoolNonOverlapping::apply(x, k);
}

torch::Tensor batchNormTrain(const torch::Tensor& x, torch::Tensor& running_mean, torch::Tensor& running_var, double momentum,
                             double eps)
{
    return BatchNormTrain::apply(x, running_mean, running_var, momentum, eps);
}

void optimiserUpdate(Optimiser optimizer, torch::Tensor& p, const torch::Tensor& grad, torch::Tensor& m,
                     torch::Tensor& v, double lr, double momentum, double weight_decay, int64_t step)
{
    torch::NoGradGuard ng;
    const bool adamw = optimizer == Optimiser::AdamW;
    const bool adam = optimizer == Optimiser::Adam || adamw;
    torch::Tensor g = grad;
    if (weight_decay != 0 && adamw)
        p.mul_(1.0 - lr * weight_decay); // decoupled: the weights shrink, the moments never see it
    else if (weight_decay != 0)
        g = g.add(p, weight_decay); // L2 in the gradient
    if (adam) {
        const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
        const double c1 = 1.0 - std::pow(b1, double(step)), c2 = 1.0 - std::pow(b2, double(step));
        m.mul_(b1).add_(g, 1.0 - b1);
        v.mul_(b2).addcmul_(g, g, 1.0 - b2);
        p.addcdiv_(m, v.div(c2).sqrt_().add_(eps), -lr / c1);
    } else {
        if (momentum != 0) {
            m.mul_(momentum).add_(g);
            g = m;
        }
        p.add_(g, -lr);
    }
}

} // namespace trainops

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// Defaults chosen so that a full default run fits in 30 minutes on a 2-core machine
// (datasets/README.md has the measurements). The published recipe (SGD lr 0.01, no momentum,
// batch 16, 30 epochs) needs ~60k steps; on 2 cores that is hours, and with a few thousand steps
// plain SGD leaves the k-WTA nets far short (measured: ~58% train accuracy after 3 epochs of the
// small set at lr 0.05-0.3, against 65% for Adam). So: Adam (PyTorch's), lr 0.003 x0.9 per epoch,
// no weight decay, batch 32, 20 epochs, every clip in every epoch (a third of the unknown-word
// clips per epoch was measured 0.6 points worse on validation for gsc-cs). Boost strength 1.5
// x0.9 per epoch as published.
constexpr int kDefaultEpochs = 20;
constexpr int kDefaultBatch = 32;
constexpr double kDefaultLr = 0.003;
constexpr double kDefaultUnknownShare = 1.0;
constexpr int kCheckpointVersion = 1;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// ---- the network in libtorch -------------------------------------------------------------------

struct NetLayer {
    Layer* spec = nullptr;
    torch::Tensor w, b, mask;        // Conv2d / Linear (mask undefined when dense)
    torch::Tensor mw, mb;            // momentum buffers (SGD) / first moments (Adam)
    torch::Tensor vw, vb;            // second moments (Adam)
    torch::Tensor rm, rv;            // BatchNorm running statistics
    torch::Tensor duty;              // k-WTA duty cycles: [1, C, 1, 1] or [n]
    int64_t learning_iterations = 0; // items seen by this k-WTA (nupic.torch's duty-cycle period)
};

struct Net {
    std::vector<NetLayer> layers;
    size_t frozen = 0; // the first `frozen` layers run as at inference, without gradients (freeze_through)
    double boost_strength = 0;
    int duty_cycle_period = 1000;
};

torch::Tensor toTorch(const Tensor& t)
{
    std::vector<int64_t> shape(t.shape.begin(), t.shape.end());
    return torch::from_blob(const_cast<float*>(t.ptr()), shape, torch::kFloat).clone();
}

void fromTorch(const torch::Tensor& src, Tensor* dst)
{
    const auto c = src.detach().contiguous().to(torch::kFloat);
    dst->shape.assign(c.sizes().begin(), c.sizes().end());
    dst->data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

Net makeNet(Model& m, double boost_strength, int duty_cycle_period)
{
    Net net;
    net.boost_strength = boost_strength;
    net.duty_cycle_period = duty_cycle_period;
    for (auto& L : m.layers) {
        NetLayer n;
        n.spec = &L;
        if (L.hasWeights()) {
            n.w = toTorch(L.weight);
            n.b = toTorch(L.bias);
            if (!L.mask.empty() && L.weight_density < 1.0) {
                n.mask = toTorch(L.mask);
                n.w.mul_(n.mask);
            }
            n.w.requires_grad_(true);
            n.b.requires_grad_(true);
            n.mw = torch::zeros_like(n.w);
            n.mb = torch::zeros_like(n.b);
            n.vw = torch::zeros_like(n.w);
            n.vb = torch::zeros_like(n.b);
        } else if (L.kind == LayerKind::BatchNorm) {
            n.rm = torch::zeros({L.num_features});
            n.rv = torch::ones({L.num_features});
        } else if (L.kind == LayerKind::KWinners || L.kind == LayerKind::KWinners2d) {
            n.duty = L.kind == LayerKind::KWinners2d ? torch::zeros({1, L.in_shape.c, 1, 1}) : torch::zeros({L.in_shape.c});
        }
        net.layers.push_back(std::move(n));
    }
    return net;
}

// k winners per item on boosted values (trainops::kwinners), boost from the duty cycles as
// nupic.torch: exp((k/n - duty) * strength), per channel (KWinners2d) or per unit.
torch::Tensor kwinners(NetLayer& l, const torch::Tensor& x, bool train, double strength)
{
    const int64_t B = x.size(0);
    const int64_t n = x.numel() / B;
    const int64_t k = train ? l.spec->k : l.spec->k_inference;
    torch::Tensor boost; // one factor per element of an item
    if (strength > 0) {
        torch::NoGradGuard ng;
        const double target = double(k) / double(n);
        boost = torch::exp((target - l.duty) * strength);
        boost = (l.spec->kind == LayerKind::KWinners2d ? boost.expand({1, x.size(1), x.size(2), x.size(3)}) : boost)
                    .contiguous()
                    .reshape({n});
    }
    return trainops::kwinners(x, k, boost);
}

void updateDutyCycle(NetLayer& l, const torch::Tensor& out, int period_items)
{
    // nupic.torch: period = min(duty_cycle_period, learning_iterations);
    // duty = (duty * (period - batch) + active) / period, active counted per channel over H*W
    // (KWinners2d, divided by H*W) or per unit (KWinners).
    torch::NoGradGuard ng;
    const int64_t B = out.size(0);
    l.learning_iterations += B;
    const int64_t period = std::min<int64_t>(period_items, l.learning_iterations);
    l.duty.mul_(double(period - B));
    if (l.spec->kind == LayerKind::KWinners2d) {
        const double hw = double(out.size(2) * out.size(3));
        l.duty.add_(out.gt(0).sum({0, 2, 3}).to(torch::kFloat).div(hw).reshape(l.duty.sizes()));
    } else {
        l.duty.add_(out.gt(0).sum(0).to(torch::kFloat));
    }
    l.duty.div_(double(period));
}

// Layers [begin, end) of forward() below.
torch::Tensor forwardLayers(Net& net, torch::Tensor x, bool train, size_t begin, size_t end)
{
    for (size_t i = begin; i < end; ++i) {
        NetLayer& l = net.layers[i];
        const Layer& L = *l.spec;
        switch (L.kind) {
        case LayerKind::Conv2d:
            x = torch::conv2d(x, l.w, l.b, L.stride, L.padding);
            break;
        case LayerKind::Linear:
            x = torch::linear(x, l.w, l.b);
            break;
        case LayerKind::BatchNorm:
            if (train && x.scalar_type() == torch::kFloat && (x.dim() == 2 || x.dim() == 4))
                x = trainops::batchNormTrain(x, l.rm, l.rv, 0.1, L.eps);
            else
                x = torch::batch_norm(x, {}, {}, l.rm, l.rv, train, 0.1, L.eps, false);
            break;
        case LayerKind::MaxPool2d:
            if (L.pool_kernel == L.pool_stride && x.scalar_type() == torch::kFloat && x.dim() == 4)
                x = trainops::maxPoolNonOverlapping(x, int64_t(L.pool_kernel));
            else
                x = torch::max_pool2d(x, {L.pool_kernel, L.pool_kernel}, {L.pool_stride, L.pool_stride});
            break;
        case LayerKind::ReLU:
            x = torch::relu(x);
            break;
        case LayerKind::KWinners:
        case LayerKind::KWinners2d:
            // A frozen k-WTA keeps the boost strength of the file it came from.
            x = kwinners(l, x, train, i < net.frozen ? L.boost_strength : net.boost_strength);
            if (train)
                updateDutyCycle(l, x, net.duty_cycle_period);
            break;
        case LayerKind::Flatten:
            x = x.flatten(1);
            break;
        case LayerKind::LogSoftmax:
            x = torch::log_softmax(x, 1);
            break;
        }
    }
    return x;
}

// train: batch statistics in batch norm (running ones updated), k winners chosen with k, duty cycles
// updated; otherwise inference semantics, as the engines run the exported file. The frozen layers
// (Net::frozen) always run with inference semantics and build no autograd graph.
torch::Tensor forward(Net& net, torch::Tensor x, bool train)
{
    const size_t frozen = train ? std::min(net.frozen, net.layers.size()) : 0;
    if (frozen > 0) {
        torch::NoGradGuard ng;
        x = forwardLayers(net, x, false, 0, frozen);
    }
    return forwardLayers(net, x, train, frozen, net.layers.size());
}

// One optimiser step over every weight and bias (trainops::optimiserUpdate), then the fixed masks
// again.
void optimiserStep(Net& net, Optimiser optimizer, double lr, double momentum, double weight_decay, int64_t step)
{
    torch::NoGradGuard ng;
    for (auto& l : net.layers) {
        if (!l.w.defined())
            continue;
        auto update = [&](torch::Tensor& p, torch::Tensor& m, torch::Tensor& v) {
            if (!p.grad().defined())
                return;
            trainops::optimiserUpdate(optimizer, p, p.grad(), m, v, lr, momentum, weight_decay, step);
            p.mutable_grad().zero_();
        };
        update(l.w, l.mw, l.vw);
        update(l.b, l.mb, l.vb);
        if (l.mask.defined())
            l.w.mul_(l.mask); // the fixed mask, re-applied after every step
    }
}

void exportNet(const Net& net, Model& m)
{
    for (size_t i = net.frozen; i < net.layers.size(); ++i) { // frozen layers are as they were read
        const NetLayer& l = net.layers[i];
        Layer& L = *l.spec;
        if (l.w.defined()) {
            fromTorch(l.w, &L.weight);
            fromTorch(l.b, &L.bias);
        } else if (l.rm.defined()) {
            fromTorch(l.rm, &L.running_mean);
            fromTorch(l.rv, &L.running_var);
        } else if (l.duty.defined()) {
            fromTorch(l.duty, &L.duty_cycles);
            L.boost_strength = net.boost_strength;
        }
    }
}

// ---- data ----------------------------------------------------------------------------------------

struct Features {
    std::vector<float> x; // [n][item]
    std::vector<int64_t> y;
    int64_t item = 0;
    int64_t size() const { return int64_t(y.size()); }
};

struct Batch {
    std::vector<float> x;
    std::vector<int64_t> y;
    std::vector<float> t; // the teacher's log-probabilities [n][classes] (distillation only)
    std::string error;    // set when the batch could not be made
};

// Prepares the batches of one epoch ahead of the training loop on worker threads. Each item's
// augmentation depends only on (seed, epoch, item), so the batches are the same whatever the
// thread count.
class BatchProducer {
public:
    BatchProducer(int workers, int batches, int lookahead, std::function<Batch(int)> make)
        : batches_(batches), lookahead_(lookahead), make_(std::move(make))
    {
        for (int i = 0; i < workers; ++i)
            threads_.emplace_back([this] { loop(); });
    }
    ~BatchProducer()
    {
        {
            std::lock_guard lk(m_);
            stop_ = true;
        }
        cv_.notify_all();
        for (auto& t : threads_)
            t.join();
    }
    Batch take(int b)
    {
        std::unique_lock lk(m_);
        cv_.wait(lk, [&] { return ready_.count(b) != 0; });
        Batch out = std::move(ready_[b]);
        ready_.erase(b);
        consumed_ = b + 1;
        cv_.notify_all();
        return out;
    }

private:
    void loop()
    {
        for (;;) {
            int b;
            {
                std::unique_lock lk(m_);
                cv_.wait(lk, [&] { return stop_ || (next_ < batches_ && next_ < consumed_ + lookahead_); });
                if (stop_ || next_ >= batches_)
                    return;
                b = next_++;
            }
            Batch made = make_(b);
            {
                std::lock_guard lk(m_);
                ready_[b] = std::move(made);
            }
            cv_.notify_all();
        }
    }

    int batches_, lookahead_;
    std::function<Batch(int)> make_;
    std::mutex m_;
    std::condition_variable cv_;
    std::map<int, Batch> ready_;
    int next_ = 0, consumed_ = 0;
    bool stop_ = false;
    std::vector<std::thread> threads_;
};

double accuracy(Net& net, const Features& f, std::vector<int64_t>* predictions = nullptr)
{
    if (f.size() == 0)
        return -1;
    torch::NoGradGuard ng;
    int64_t correct = 0;
    const int64_t B = 256;
    const int64_t side = int64_t(std::lround(std::sqrt(double(f.item))));
    for (int64_t s = 0; s < f.size(); s += B) {
        const int64_t n = std::min(B, f.size() - s);
        auto x = torch::from_blob(const_cast<float*>(f.x.data() + s * f.item), {n, 1, f.item / side, side}, torch::kFloat);
        auto pred = forward(net, x, false).argmax(1);
        auto p = pred.data_ptr<int64_t>();
        for (int64_t i = 0; i < n; ++i) {
            correct += p[i] == f.y[size_t(s + i)];
            if (predictions)
                predictions->push_back(p[i]);
        }
    }
    return double(correct) / double(f.size());
}

Status writeFileAtomic(const std::string& path, const std::vector<uint8_t>& bytes)
{
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            return runtimeError("Cannot write '" + tmp + "'.", tmp);
        out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        if (!out) {
            std::error_code ec;
            fs::remove(tmp, ec);
            return runtimeError("Writing '" + tmp + "' failed (disk full?).", tmp);
        }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        fs::remove(tmp, ec);
        return runtimeError("Cannot rename the checkpoint into '" + path + "'.", path);
    }
    return Status::ok();
}

// The model file with Conv2d/Linear weights stored as F16 (the loader widens them to float; masks
// stay U8): about half the size. Everything else is exactly what saveModel writes.
Status saveModelF16Weights(const Model& model, const std::string& path)
{
    const std::vector<uint8_t> bytes = modelToBytes(model);
    if (bytes.size() < 8)
        return runtimeError("Serialising the model failed.", path);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | bytes[size_t(i)];
    json header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + long(n));
    const uint8_t* data = bytes.data() + 8 + n;
    std::set<std::string> weights;
    for (const auto& L : model.layers)
        if (L.hasWeights())
            weights.insert(L.name + ".weight");
    // Rewrite the tensors in their original order with new offsets.
    std::vector<std::pair<uint64_t, std::string>> order;
    for (auto it = header.begin(); it != header.end(); ++it)
        if (it.key() != "__metadata__")
            order.emplace_back(it.value()["data_offsets"][0].get<uint64_t>(), it.key());
    std::sort(order.begin(), order.end());
    std::vector<uint8_t> blob;
    for (const auto& [begin, name] : order) {
        json& t = header[name];
        const uint64_t b = t["data_offsets"][0].get<uint64_t>(), e = t["data_offsets"][1].get<uint64_t>();
        const uint64_t start = blob.size();
        if (weights.count(name) && t["dtype"] == "F32") {
            const int64_t count = int64_t((e - b) / 4);
            std::vector<float> f(static_cast<size_t>(count));
            std::memcpy(f.data(), data + b, size_t(e - b));
            const auto h = torch::from_blob(f.data(), {count}, torch::kFloat).to(torch::kHalf).contiguous();
            const auto* hp = reinterpret_cast<const uint8_t*>(h.data_ptr());
            blob.insert(blob.end(), hp, hp + count * 2);
            t["dtype"] = "F16";
        } else {
            blob.insert(blob.end(), data + b, data + e);
        }
        t["data_offsets"] = {start, uint64_t(blob.size())};
    }
    std::string hs = header.dump();
    while (hs.size() % 8)
        hs += ' ';
    std::vector<uint8_t> out(8);
    for (int i = 0; i < 8; ++i)
        out[size_t(i)] = uint8_t(uint64_t(hs.size()) >> (8 * i));
    out.insert(out.end(), hs.begin(), hs.end());
    out.insert(out.end(), blob.begin(), blob.end());
    return writeFileAtomic(path, out);
}

// The distillation settings, or null without a teacher; `teacher` names it (file name, or name and
// test accuracy).
json distillationJson(const TrainOptions& o, const std::string& teacher)
{
    if (o.teacher.empty())
        return json();
    return json{{"teacher", teacher}, {"weight", o.distill_weight}, {"temperature", o.distill_temperature}};
}

// What must match for --resume to continue a checkpoint.
json fingerprint(const TrainOptions& o, int train_items)
{
    return json{{"arch", o.arch},
                {"kind", trainKindName(o.kind)},
                {"weight_density", o.weight_density},
                {"class_preset", o.class_preset},
                {"seed", o.seed},
                {"batch", o.batch},
                {"lr", o.lr},
                {"lr_gamma", o.lr_gamma},
                {"optimizer", optimiserName(o.optimizer)},
                {"momentum", o.momentum},
                {"weight_decay", o.weight_decay},
                {"boost_strength", o.boost_strength},
                {"boost_decay", o.boost_decay},
                {"unknown_share", o.unknown_share},
                {"freeze_through", o.freeze_through},
                {"teacher", distillationJson(o, fs::path(o.teacher).filename().string())},
                {"train_items", train_items}};
}

json recipeJson(const TrainOptions& o, const std::string& teacher)
{
    const auto& a = o.augment;
    return json{{"optimizer", optimiserName(o.optimizer)},
                {"lr", o.lr},
                {"lr_gamma_per_epoch", o.lr_gamma},
                {"momentum", o.momentum},
                {"weight_decay", o.weight_decay},
                {"batch", o.batch},
                {"epochs", o.epochs},
                {"boost_strength", o.boost_strength},
                {"boost_decay_per_epoch", o.boost_decay},
                {"duty_cycle_period", o.duty_cycle_period},
                {"unknown_share_per_epoch", o.unknown_share},
                {"seed", o.seed},
                {"kind", trainKindName(o.kind)},
                {"arch", o.arch},
                {"distillation", distillationJson(o, teacher)},
                {"leave_out", o.leave_out},
                {"freeze_through", o.freeze_through},
                {"augmentation",
                 {{"speed_pitch", a.enabled ? a.max_speed_change : 0.0},
                  {"gain", {a.min_gain, a.max_gain}},
                  {"time_shift_s", a.max_shift_seconds},
                  {"noise_probability", a.noise_probability},
                  {"noise_volume", a.max_snr_db > a.min_snr_db ? 0.0 : a.max_noise_volume},
                  {"noise_snr_db", {a.min_snr_db, a.max_snr_db}},
                  {"reverb_probability", a.reverb_probability},
                  {"eq_probability", a.eq_probability},
                  {"bandlimit_probability", a.bandlimit_probability},
                  {"soft_clip_probability", a.clip_probability},
                  {"vtlp", {a.vtlp_probability, a.max_vtlp}},
                  {"specaugment", {{"probability", a.specaugment_probability},
                                   {"frequency_masks", a.frequency_masks}, {"max_frequency_mask", a.max_frequency_mask},
                                   {"time_masks", a.time_masks}, {"max_time_mask", a.max_time_mask}}},
                  {"silence", "10% (GSC reader)"},
                  {"enabled", a.enabled}}}};
}

} // namespace

const char* trainKindName(TrainKind k)
{
    switch (k) {
    case TrainKind::Dense: return "dense";
    case TrainKind::Sparse: return "sparse";
    case TrainKind::Complementary: return "complementary";
    }
    return "?";
}

Result<TrainKind> parseTrainKind(const std::string& s)
{
    if (s == "dense") return TrainKind::Dense;
    if (s == "sparse") return TrainKind::Sparse;
    if (s == "complementary") return TrainKind::Complementary;
    return badInput("Unknown kind '" + s + "' (known: dense, sparse, complementary).");
}

const char* optimiserName(Optimiser o)
{
    switch (o) {
    case Optimiser::Sgd: return "sgd";
    case Optimiser::Adam: return "adam";
    case Optimiser::AdamW: return "adamw";
    }
    return "?";
}

Result<Optimiser> parseOptimiser(const std::string& s)
{
    if (s == "sgd") return Optimiser::Sgd;
    if (s == "adam") return Optimiser::Adam;
    if (s == "adamw") return Optimiser::AdamW;
    return badInput("Unknown optimiser '" + s + "' (known: sgd, adam, adamw).");
}

std::string checkpointPath(const std::string& output) { return output + ".ckpt"; }

TrainOptions withDefaults(TrainOptions o)
{
    // Fine-tuning starts from a trained model: a third of the learning rate (measured: the full one
    // forgets the base voices, -5 points on the base test split in 4 epochs; a tenth for 10 epochs,
    // 60 steps on 5 takes per keyword, barely moved recall on an unheard voice: 35% -> 40%).
    const bool fine_tune = !o.init.empty();
    if (o.epochs <= 0)
        o.epochs = kDefaultEpochs;
    if (o.batch <= 0)
        o.batch = kDefaultBatch;
    if (o.lr <= 0)
        o.lr = fine_tune ? kDefaultLr / 3 : kDefaultLr;
    if (fine_tune && o.mild_fine_tune_augment) {
        auto& a = o.augment;
        a.reverb_probability = a.eq_probability = a.bandlimit_probability = a.clip_probability = 0;
        a.vtlp_probability = a.specaugment_probability = 0;
    }
    if (o.unknown_share <= 0 || o.unknown_share > 1)
        o.unknown_share = kDefaultUnknownShare;
    if (o.threads <= 0)
        o.threads = int(std::max(1u, std::thread::hardware_concurrency()));
    return o;
}

Result<TrainReport> trainModel(const TrainOptions& options, const std::function<void(const TrainProgress&)>& progress,
                               const std::atomic<bool>* cancel)
{
    const auto t_start = Clock::now();
    TrainOptions o = withDefaults(options);
    // libtorch allocates and frees the same multi-megabyte activation tensors every step; above
    // glibc's default 128 KiB threshold each one is a fresh mmap whose pages the kernel faults in
    // and zeroes (14% of a training run's CPU time, measured with perf). Keep them in the heap.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    auto report = [&](TrainProgress p) {
        p.elapsed = secondsSince(t_start);
        if (progress)
            progress(p);
    };
    auto cancelled = [&] { return cancel && cancel->load(); };
    if (o.output.empty())
        return badInput("train needs an output model file.");
    for (double f : o.k_inference_factors)
        if (!(f >= 1.0 && f <= 10.0))
            return badInput("k-inference factors must be between 1 and 10.");
    if (!(o.lr_gamma > 0 && o.lr_gamma <= 1))
        return badInput("The learning-rate decay per epoch must be above 0 and at most 1.");
    if (o.batch < 2)
        return badInput("The batch size must be at least 2 (batch norm needs two items).");
    if (o.epochs > 10000)
        return badInput("The number of epochs must be at most 10000.");
    if (!o.teacher.empty() && !(o.distill_weight >= 0 && o.distill_weight <= 1))
        return badInput("The distillation weight must be between 0 and 1.");
    if (!o.teacher.empty() && !(o.distill_temperature >= 0.1 && o.distill_temperature <= 100))
        return badInput("The distillation temperature must be between 0.1 and 100.");

    // ---- data: open, check, decode ----
    auto preset = parsePreset(o.class_preset);
    if (!preset)
        return preset.error();
    if (!fs::is_directory(o.data_dir))
        return badInput("The dataset folder '" + o.data_dir + "' does not exist.", o.data_dir);
    // Fine-tuning starts from a trained file: its classes rule the data sets.
    std::optional<Model> init_model;
    size_t frozen_layers = 0; // --freeze-through: the layers up to and including it
    if (!o.init.empty()) {
        auto m = loadModel(o.init);
        if (!m)
            return m.error();
        if (!m->trained())
            return badInput("'" + o.init + "' is an untrained model; fine-tuning starts from a trained one.", o.init);
        init_model = std::move(*m);
        // What the file fixes: its kind, k at inference and (decayed) boost strength.
        auto kind = parseTrainKind(init_model->info.count("kind") ? init_model->info.at("kind") : "");
        if (!kind)
            return badInput("'" + o.init + "' does not say which kind of network it is (info.kind); it was not written by "
                            "`sparsescope-cli train`.",
                            o.init);
        o.kind = *kind;
        o.k_inference_factors.clear();
        for (const auto& L : init_model->layers)
            if (L.kind == LayerKind::KWinners || L.kind == LayerKind::KWinners2d) {
                o.boost_strength = L.boost_strength;
                o.k_inference_factors = {L.k_inference_factor};
            }
        if (o.patience < 0)
            o.patience = 0; // a dozen held-back takes are too coarse a judge to stop on (datasets/README.md)
        if (o.freeze_through == "none") {
            o.freeze_through.clear();
        } else if (o.freeze_through == "auto") {
            o.freeze_through.clear();
            const auto& ls = init_model->layers;
            int weighted = 0;
            for (size_t i = 0; i < ls.size(); ++i)
                if (ls[i].hasWeights() && ++weighted == 2) {
                    o.freeze_through = ls[i - 1].name;
                    break;
                }
        }
        if (!o.freeze_through.empty()) {
            const auto& ls = init_model->layers;
            const auto it = std::find_if(ls.begin(), ls.end(), [&](const Layer& L) { return L.name == o.freeze_through; });
            if (it == ls.end()) {
                std::string names;
                for (const auto& L : ls)
                    if (L.hasWeights())
                        names += (names.empty() ? "" : ", ") + L.name;
                return badInput("--freeze-through: '" + o.init + "' has no layer '" + o.freeze_through +
                                    "' (its weighted layers: " + names + ").",
                                o.init);
            }
            if (std::none_of(it + 1, ls.end(), [](const Layer& L) { return L.hasWeights(); }))
                return badInput("--freeze-through " + o.freeze_through + " leaves no layer with weights to train.", o.init);
            frozen_layers = size_t(it - ls.begin()) + 1;
        }
    } else if (o.freeze_through == "auto" || o.freeze_through == "none") {
        o.freeze_through.clear();
    } else if (!o.freeze_through.empty()) {
        return badInput("--freeze-through applies to fine-tuning only (with --init MODEL).");
    }
    // The reader's default seed, so that validation and test silence are those `eval` uses.
    auto opened = init_model ? openGsc(o.data_dir, *preset, init_model->classes) : openGsc(o.data_dir, *preset);
    if (!opened)
        return opened.error();
    GscDataset& ds = *opened;
    // Leave-one-family-out: the speakers of `spec` in the synth tree `dir` leave `d`. Their word clips
    // go; silence stays (it is noise, spoken by nobody), but in proportion.
    auto leaveOut = [&](GscDataset& d, const std::string& dir) -> Status {
        auto left_out = selectSynthSpeakers(dir, o.leave_out);
        if (!left_out)
            return left_out.error();
        for (auto* part : {&d.train, &d.validation, &d.test}) {
            const size_t words_before = size_t(std::count_if(part->begin(), part->end(), [](const GscClip& c) { return !c.silence; }));
            std::erase_if(*part, [&](const GscClip& c) { return !c.silence && left_out->count(c.speaker); });
            const size_t words_after = size_t(std::count_if(part->begin(), part->end(), [](const GscClip& c) { return !c.silence; }));
            size_t silence_keep = words_before ? (std::count_if(part->begin(), part->end(), [](const GscClip& c) { return c.silence; }) *
                                                  words_after + words_before - 1) / words_before
                                               : 0;
            std::erase_if(*part, [&](const GscClip& c) { return c.silence && (silence_keep == 0 || silence_keep-- == 0); });
        }
        return Status::ok();
    };
    // With --init and --mix, --leave-out applies to the base corpus (the enrollment is no synth tree).
    const bool leave_out_base = init_model && !o.mix_dir.empty();
    if (!o.leave_out.empty() && !leave_out_base)
        if (auto st = leaveOut(ds, o.data_dir); !st)
            return st.error();
    std::vector<GscClip> train = ds.train;
    int reversed_items = 0;
    if (init_model && o.reversed_negatives) {
        const auto unknown = std::find(ds.classes.begin(), ds.classes.end(), std::string(kUnknownClass));
        if (unknown != ds.classes.end()) {
            const int unknown_label = int(unknown - ds.classes.begin());
            for (const GscClip& c : ds.train)
                if (!c.silence && c.label != unknown_label) {
                    GscClip r = c;
                    r.reversed = true;
                    r.label = unknown_label;
                    r.word = kUnknownClass;
                    train.push_back(r);
                    ++reversed_items;
                }
        }
    }
    int mixed_items = 0;
    std::optional<GscDataset> base; // the --mix corpus: mixed in now, its test split scored at the end
    if (!o.mix_dir.empty()) {
        if (!init_model)
            return badInput("--mix goes with --init (it mixes a base corpus into fine-tuning).");
        auto opened_base = openGsc(o.mix_dir, *preset, init_model->classes);
        if (!opened_base)
            return opened_base.error();
        base = std::move(*opened_base);
        if (!o.leave_out.empty())
            if (auto st = leaveOut(*base, o.mix_dir); !st)
                return st.error();
        std::vector<GscClip> pool = base->train;
        SplitMix64 rng(itemSeed(o.seed, 0xFFFFFFFEull, 11));
        const size_t want = std::min(pool.size(), size_t(std::lround(o.mix_ratio * double(train.size()))));
        for (size_t i = 0; i < want; ++i) {
            std::swap(pool[i], pool[i + size_t(rng.below(pool.size() - i))]);
            train.push_back(pool[i]);
        }
        mixed_items = int(want);
        // The base set's noise files join the enrollment's (its room and microphone).
        ds.noise_files.insert(ds.noise_files.end(), base->noise_files.begin(), base->noise_files.end());
    }
    if (train.empty())
        return badInput("The dataset folder '" + o.data_dir + "' has no training clips.", o.data_dir);
    int word_clips = 0;
    for (const auto& c : train)
        word_clips += !c.silence;
    if (word_clips == 0)
        return badInput("The dataset folder '" + o.data_dir + "' has no training word clips.", o.data_dir);
    if (o.limit_train > 0 && o.limit_train < int(train.size())) {
        SplitMix64 rng(itemSeed(o.seed, 0xFFFFFFFFull, 7));
        for (size_t i = train.size() - 1; i > 0; --i)
            std::swap(train[i], train[size_t(rng.below(i + 1))]);
        train.resize(size_t(o.limit_train));
    }

    // The skeleton: masks, initial weights, k, shapes.
    SynthOptions so;
    so.preset = o.arch;
    so.seed = o.seed;
    so.classes = ds.classes;
    so.boost_strength = o.boost_strength;
    so.complementary = o.kind == TrainKind::Complementary;
    if (o.kind == TrainKind::Dense) {
        if (!o.weight_density.empty())
            for (double d : o.weight_density)
                if (d != 1.0)
                    return badInput("--weight-density does not apply to --kind dense (every weight density is 1).");
        so.weight_density = {1.0, 1.0, 1.0, 1.0};
    } else {
        so.weight_density = o.weight_density;
    }
    auto made = init_model ? Result<Model>(*init_model) : synthModel(so);
    if (!made)
        return made.error();
    Model model = std::move(*made);
    model.name = !o.name.empty() ? o.name : fs::path(o.output).stem().string();
    if (o.kind == TrainKind::Dense && !init_model) {
        // nupic.torch's GSCDenseCNN: ReLU where the sparse net has k-WTA.
        for (auto& L : model.layers)
            if (L.kind == LayerKind::KWinners || L.kind == LayerKind::KWinners2d) {
                Layer r;
                r.kind = LayerKind::ReLU;
                r.name = L.name.substr(0, L.name.find('_')) + "_relu";
                L = r;
            }
    }
    for (auto& L : model.layers) {
        if (init_model)
            break; // weights, biases and masks come from the file
        if (L.hasWeights()) {
            if (L.weight_density >= 1.0)
                L.mask = Tensor();
            // PyTorch's default bias initialisation, over the effective fan-in.
            const double bound = 1.0 / std::sqrt(std::max(1.0, L.fanIn() * L.weight_density));
            SplitMix64 rng(itemSeed(o.seed, 0xB1A5ull, uint64_t(&L - model.layers.data())));
            for (auto& b : L.bias.data)
                b = float(rng.uniform(-bound, bound));
        }
    }
    if (auto s = model.inferShapes(); !s)
        return s.error();

    LogMelFrontEnd fe(model.audio);
    if (!fe.status())
        return fe.status().error();
    const int64_t item = model.input.size();
    const size_t clip_n = fe.clipSamples();
    const int H = model.input.h, W = model.input.w;

    // The teacher: any model file the dense engine runs, on the same input, front end and classes.
    std::optional<Model> teacher;
    std::string teacher_label;
    if (!o.teacher.empty()) {
        auto t = loadModel(o.teacher);
        if (!t)
            return t.error();
        if (!(t->input == model.input) || !(t->audio == model.audio))
            return badInput("The teacher '" + o.teacher + "' takes other input features than the network being trained.",
                            o.teacher);
        if (t->classes != model.classes)
            return badInput("The teacher '" + o.teacher + "' has other classes than the training data (" +
                                std::to_string(t->classes.size()) + " vs " + std::to_string(model.classes.size()) + ").",
                            o.teacher);
        teacher_label = t->name;
        if (auto it = t->info.find("test_accuracy"); it != t->info.end())
            teacher_label += " (test accuracy " + it->second + ")";
        teacher = std::move(*t);
    }

    ThreadPool pool(o.threads);
    // Training clips, decoded once and kept in memory as 16-bit samples (the files' own precision).
    std::vector<std::vector<int16_t>> waves(train.size());
    {
        std::mutex em;
        std::optional<std::pair<size_t, Error>> first_error;
        // Blocks of clips, so that progress shows and a bad file stops the run early.
        constexpr size_t kBlock = 1024;
        for (size_t first = 0; first < train.size() && !first_error && !cancelled(); first += kBlock) {
            const size_t end = std::min(train.size(), first + kBlock);
            pool.parallelFor(int(end - first), [&](int b, int e, int) {
                for (size_t i = first + size_t(b); i < first + size_t(e); ++i) {
                    if (cancelled())
                        return;
                    if (train[i].silence)
                        continue;
                    auto s = loadClipSamples(ds, train[i], model.audio);
                    if (!s) {
                        std::lock_guard lk(em);
                        if (!first_error || first_error->first > i)
                            first_error = std::make_pair(i, s.error());
                        continue;
                    }
                    if (train[i].reversed)
                        std::reverse(s->begin(), s->end());
                    auto& w = waves[i];
                    w.resize(s->size());
                    for (size_t j = 0; j < s->size(); ++j)
                        w[j] = int16_t(std::clamp(std::lround((*s)[j] * 32768.0f), -32768L, 32767L));
                }
            });
            report({"load", 0, o.epochs, int64_t(end), int64_t(train.size())});
        }
        if (cancelled())
            return runtimeError("Cancelled while reading the training clips; nothing was written.");
        if (first_error)
            return first_error->second;
    }
    report({"held-out", 0, o.epochs, 0, int64_t(ds.validation.size() + ds.test.size())});

    auto splitFeatures = [&](const std::vector<GscClip>& clips, Features* f) -> Status {
        f->item = item;
        f->x.assign(clips.size() * size_t(item), 0.0f);
        f->y.assign(clips.size(), 0);
        std::mutex em;
        std::optional<std::pair<size_t, Error>> first_error;
        pool.parallelFor(int(clips.size()), [&](int b, int e, int) {
            for (int i = b; i < e; ++i) {
                if (cancelled())
                    return;
                auto x = loadClipFeatures(ds, clips[size_t(i)], fe);
                if (!x) {
                    std::lock_guard lk(em);
                    if (!first_error || first_error->first > size_t(i))
                        first_error = std::make_pair(size_t(i), x.error());
                    continue;
                }
                std::copy(x->begin(), x->end(), f->x.begin() + int64_t(i) * item);
                f->y[size_t(i)] = clips[size_t(i)].label;
            }
        });
        if (cancelled())
            return runtimeError("Cancelled while reading the held-out clips; nothing was written.");
        if (first_error)
            return first_error->second;
        return Status::ok();
    };
    Features val, test;
    if (auto s = splitFeatures(ds.validation, &val); !s)
        return s.error();
    if (auto s = splitFeatures(ds.test, &test); !s)
        return s.error();

    NoiseBank bank;
    for (const auto& path : ds.noise_files) {
        auto clip = readWav(path);
        if (!clip)
            return clip.error();
        auto x = clip->sample_rate == model.audio.sample_rate ? std::move(clip->samples)
                                                              : resample(clip->samples, clip->sample_rate, model.audio.sample_rate);
        if (x.size() >= clip_n) {
            bank.noises.push_back(std::move(x));
            bank.names.push_back(fs::path(path).filename().string());
        }
    }
    AugmentOptions aug = o.augment;
    aug.sample_rate = model.audio.sample_rate;
    // Rooms for the reverberation step, made once per run from the seed (~1 s).
    const RoomBank rooms(aug.enabled && aug.reverb_probability > 0 ? 64 : 0, model.audio.sample_rate, clip_n, o.seed);
    FeatureAugmentShape feature_shape;
    feature_shape.bands = H;
    feature_shape.frames = W;
    feature_shape.edges_hz = melBandEdgesHz(model.audio.n_mels, model.audio.f_min, model.audio.f_max);

    TrainReport rep;
    rep.output = o.output;
    rep.checkpoint = checkpointPath(o.output);
    rep.train_items = int(train.size());
    rep.validation_items = int(val.size());
    rep.test_items = int(test.size());
    rep.mixed_items = mixed_items;
    rep.reversed_items = reversed_items;
    const json recipe = recipeJson(o, teacher_label);
    rep.recipe = recipe.dump();

    try {
        // Data preparation gets a quarter of the threads (at least one) and libtorch the rest: on 2
        // cores that is one each, which measured faster than two libtorch threads fighting the
        // data thread (and other processes) for the cores.
        const int workers = std::max(1, o.threads / 4);
        at::set_num_threads(std::max(1, o.threads - workers));
        // One teacher engine per data worker (engines are not shared between threads).
        std::mutex teacher_mu;
        std::vector<std::unique_ptr<Engine>> teacher_free;
        if (teacher) {
            for (int i = 0; i < workers; ++i) {
                auto e = createEngine("dense");
                if (!e)
                    return runtimeError("This build has no dense engine to run the teacher.");
                EngineOptions eo;
                eo.threads = 1;
                if (auto s = e->prepare(*teacher, eo); !s)
                    return badInput("The teacher '" + o.teacher + "' cannot run: " + s.message(), o.teacher);
                teacher_free.push_back(std::move(e));
            }
        }
        const int64_t classes = int64_t(model.classes.size());
        torch::manual_seed(o.seed);
        Net net = makeNet(model, o.boost_strength, o.duty_cycle_period);
        net.frozen = frozen_layers;
        if (init_model) {
            // Batch-norm statistics and duty cycles carry on from the file.
            torch::NoGradGuard ng;
            for (auto& l : net.layers) {
                const Layer& L = *l.spec;
                if (l.rm.defined() && L.running_mean.size() == l.rm.numel() && L.running_var.size() == l.rv.numel()) {
                    l.rm.copy_(toTorch(L.running_mean).reshape(l.rm.sizes()));
                    l.rv.copy_(toTorch(L.running_var).reshape(l.rv.sizes()));
                } else if (l.duty.defined() && L.duty_cycles.size() == l.duty.numel()) {
                    l.duty.copy_(toTorch(L.duty_cycles).reshape(l.duty.sizes()));
                    l.learning_iterations = o.duty_cycle_period;
                }
            }
        }

        // ---- resume ----
        int start_epoch = 0;
        int64_t start_steps = 0;
        const json fp = fingerprint(o, int(train.size()));
        if (o.resume) {
            std::ifstream in(rep.checkpoint, std::ios::binary);
            if (!in)
                return badInput("--resume found no checkpoint '" + rep.checkpoint + "'.", rep.checkpoint);
            std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            auto st = parseSafeTensors(bytes, rep.checkpoint);
            if (!st)
                return st.error();
            json meta;
            try {
                meta = json::parse(st->metadata.at("sparsescope_checkpoint"));
            } catch (const std::exception&) {
                return badInput("'" + rep.checkpoint + "' is not a SparseScope training checkpoint.", rep.checkpoint);
            }
            if (meta.value("version", 0) != kCheckpointVersion)
                return badInput("'" + rep.checkpoint + "' is a checkpoint of another trainer version.", rep.checkpoint);
            if (meta["fingerprint"] != fp)
                return badInput("The checkpoint '" + rep.checkpoint + "' was made with other settings or data (" +
                                    meta["fingerprint"].dump() + "); train without --resume to start again.",
                                rep.checkpoint);
            for (auto& l : net.layers) {
                const std::string& n = l.spec->name;
                auto get = [&](const std::string& key, torch::Tensor& t) -> Status {
                    auto it = st->tensors.find(n + "." + key);
                    if (it == st->tensors.end() || it->second.size() != t.numel())
                        return badInput("The checkpoint '" + rep.checkpoint + "' lacks a matching '" + n + "." + key + "'.",
                                        rep.checkpoint);
                    torch::NoGradGuard ng;
                    t.copy_(toTorch(it->second).reshape(t.sizes()));
                    return Status::ok();
                };
                Status s;
                if (l.w.defined()) {
                    if (!(s = get("weight", l.w)) || !(s = get("bias", l.b)) || !(s = get("momentum_weight", l.mw)) ||
                        !(s = get("momentum_bias", l.mb)) || !(s = get("second_moment_weight", l.vw)) ||
                        !(s = get("second_moment_bias", l.vb)))
                        return s.error();
                } else if (l.rm.defined()) {
                    if (!(s = get("running_mean", l.rm)) || !(s = get("running_var", l.rv)))
                        return s.error();
                } else if (l.duty.defined()) {
                    if (!(s = get("duty_cycles", l.duty)))
                        return s.error();
                    l.learning_iterations = meta["learning_iterations"].value(n, int64_t(0));
                }
            }
            start_epoch = meta.value("epoch", 0);
            start_steps = meta.value("steps", int64_t(0));
            for (const auto& e : meta["history"]) {
                EpochRecord r;
                r.epoch = e.value("epoch", 0);
                r.train_loss = e.value("train_loss", 0.0);
                r.train_accuracy = e.value("train_accuracy", 0.0);
                r.validation_accuracy = e.value("validation_accuracy", -1.0);
                r.lr = e.value("lr", 0.0);
                r.boost_strength = e.value("boost_strength", 0.0);
                r.seconds = e.value("seconds", 0.0);
                rep.epochs.push_back(r);
            }
            rep.resumed_after_epoch = start_epoch;
        }

        auto saveCheckpoint = [&](int epoch, int64_t steps_done) -> Status {
            SafeTensors st;
            json meta{{"version", kCheckpointVersion}, {"epoch", epoch}, {"fingerprint", fp}};
            json iters = json::object(), hist = json::array();
            for (auto& l : net.layers) {
                const std::string& n = l.spec->name;
                auto put = [&](const std::string& key, const torch::Tensor& t) { fromTorch(t, &st.tensors[n + "." + key]); };
                if (l.w.defined()) {
                    put("weight", l.w);
                    put("bias", l.b);
                    put("momentum_weight", l.mw);
                    put("momentum_bias", l.mb);
                    put("second_moment_weight", l.vw);
                    put("second_moment_bias", l.vb);
                } else if (l.rm.defined()) {
                    put("running_mean", l.rm);
                    put("running_var", l.rv);
                } else if (l.duty.defined()) {
                    put("duty_cycles", l.duty);
                    iters[n] = l.learning_iterations;
                }
            }
            for (const auto& r : rep.epochs)
                hist.push_back({{"epoch", r.epoch},
                                {"train_loss", r.train_loss},
                                {"train_accuracy", r.train_accuracy},
                                {"validation_accuracy", r.validation_accuracy},
                                {"lr", r.lr},
                                {"boost_strength", r.boost_strength},
                                {"seconds", r.seconds}});
            meta["learning_iterations"] = iters;
            meta["steps"] = steps_done;
            meta["history"] = hist;
            st.metadata["sparsescope_checkpoint"] = meta.dump();
            return writeFileAtomic(rep.checkpoint, serializeSafeTensors(st));
        };

        // ---- train ----
        const int B = o.batch;
        const int N = int(train.size());
        const int unknown_label = ds.classIndex(kUnknownClass);
        int unknown_count = 0;
        for (const auto& c : train)
            unknown_count += c.label == unknown_label;
        const int unknown_keep = int(std::lround(o.unknown_share * unknown_count));
        const int epoch_items = N - unknown_count + unknown_keep;
        const int batches = epoch_items / B + (epoch_items % B >= 2 ? 1 : 0);
        const int64_t items_per_epoch = std::min<int64_t>(epoch_items, int64_t(batches) * B);
        const int64_t total_items = items_per_epoch * (o.epochs - std::min(start_epoch, o.epochs));
        int64_t items_done = 0, steps = start_steps;
        double train_seconds = 0, tail_sum = 0, head_sum = 0;
        int tail_n = 0, head_n = 0;
        // Early stopping keeps the best epoch's state (weights, statistics, duty cycles).
        struct Snapshot {
            std::vector<torch::Tensor> tensors;
            std::vector<int64_t> iterations;
        };
        auto snapshot = [&] {
            Snapshot sn;
            for (auto& l : net.layers) {
                for (auto* t : {&l.w, &l.b, &l.rm, &l.rv, &l.duty})
                    sn.tensors.push_back(t->defined() ? t->detach().clone() : torch::Tensor());
                sn.iterations.push_back(l.learning_iterations);
            }
            return sn;
        };
        std::optional<Snapshot> best_state;
        double best_validation = -1;
        int since_best = 0, final_epoch = o.epochs;
        for (int epoch = start_epoch + 1; epoch <= o.epochs; ++epoch) {
            const auto t_epoch = Clock::now();
            const double lr = o.lr * std::pow(o.lr_gamma, epoch - 1);
            net.boost_strength = o.boost_strength * std::pow(o.boost_decay, epoch - 1);
            // This epoch's items: every keyword and silence item, and a fresh random share of the
            // unknown ones, shuffled.
            std::vector<int> order;
            order.reserve(size_t(N));
            SplitMix64 rng(itemSeed(o.seed, uint64_t(epoch), 0xFFFFFFFFFFull));
            {
                std::vector<int> unknown;
                for (int i = 0; i < N; ++i)
                    (train[size_t(i)].label == unknown_label ? unknown : order).push_back(i);
                for (size_t i = 0; i < size_t(unknown_keep) && i < unknown.size(); ++i) {
                    std::swap(unknown[i], unknown[i + size_t(rng.below(unknown.size() - i))]);
                    order.push_back(unknown[i]);
                }
            }
            for (size_t i = order.size() - 1; i > 0; --i)
                std::swap(order[i], order[size_t(rng.below(i + 1))]);

            auto makeBatch = [&](int b) {
                Batch out;
                const int s = b * B, n = std::min(B, int(order.size()) - s);
                out.x.resize(size_t(n) * size_t(item));
                out.y.resize(size_t(n));
                std::vector<float> wave(clip_n);
                for (int i = 0; i < n; ++i) {
                    const int idx = order[size_t(s + i)];
                    const GscClip& c = train[size_t(idx)];
                    const uint64_t seed = itemSeed(o.seed, uint64_t(epoch), uint64_t(idx));
                    std::vector<float> y;
                    if (c.silence) {
                        y = silenceClip(bank, clip_n, seed);
                    } else {
                        const auto& w = waves[size_t(idx)];
                        wave.assign(clip_n, 0.0f);
                        for (size_t j = 0; j < std::min(clip_n, w.size()); ++j)
                            wave[j] = float(w[j]) * (1.0f / 32768.0f);
                        y = augmentClip(wave, bank, aug, seed, &rooms);
                    }
                    auto f = fe.compute(y);
                    augmentFeatures(f, feature_shape, aug, seed);
                    std::copy(f.begin(), f.end(), out.x.begin() + int64_t(i) * item);
                    out.y[size_t(i)] = c.label;
                }
                if (teacher) {
                    std::unique_ptr<Engine> e;
                    {
                        std::lock_guard lk(teacher_mu);
                        e = std::move(teacher_free.back());
                        teacher_free.pop_back();
                    }
                    out.t.resize(size_t(n) * size_t(classes));
                    if (auto st = e->infer(out.x.data(), n, out.t.data()); !st)
                        out.error = "The teacher failed on a training batch: " + st.message();
                    std::lock_guard lk(teacher_mu);
                    teacher_free.push_back(std::move(e));
                }
                return out;
            };
            BatchProducer producer(workers, batches, 4 * workers + 2, makeBatch);

            double loss_sum = 0;
            int64_t correct = 0, seen = 0;
            const int tail = std::max(1, batches / 5);
            for (int b = 0; b < batches; ++b) {
                if (cancelled())
                    return runtimeError(
                        epoch > 1 ? "Cancelled during epoch " + std::to_string(epoch) + "; the checkpoint '" + rep.checkpoint +
                                        "' keeps epoch " + std::to_string(epoch - 1) + " (continue with --resume) and no model was written."
                                  : std::string("Cancelled during the first epoch; no model or checkpoint was written."));
                Batch batch = producer.take(b);
                if (!batch.error.empty())
                    return runtimeError(batch.error);
                const int64_t n = int64_t(batch.y.size());
                const auto t_step = Clock::now();
                auto x = torch::from_blob(batch.x.data(), {n, 1, H, W}, torch::kFloat);
                auto y = torch::from_blob(batch.y.data(), {n}, torch::kLong);
                const torch::Tensor h = forward(net, x, true);
                auto loss = torch::nll_loss(h, y);
                if (teacher) {
                    // Hinton et al.: T^2 * KL(softmax(t / T) || softmax(s / T)), mean over the batch.
                    const double T = o.distill_temperature;
                    const auto lt = torch::log_softmax(torch::from_blob(batch.t.data(), {n, classes}, torch::kFloat) / T, 1);
                    const auto ls = torch::log_softmax(h / T, 1);
                    const auto kd = (lt.exp() * (lt - ls)).sum() * (T * T / double(n));
                    loss = loss * (1.0 - o.distill_weight) + kd * o.distill_weight;
                }
                loss.backward();
                optimiserStep(net, o.optimizer, lr, o.momentum, o.weight_decay, ++steps);
                const double lv = loss.item<double>();
                if (!std::isfinite(lv))
                    return runtimeError("Training diverged (the loss became " + std::to_string(lv) +
                                        ") in epoch " + std::to_string(epoch) + "; try a smaller --lr.");
                if (epoch == start_epoch + 1 && b < tail) {
                    head_sum += lv;
                    if (++head_n == tail)
                        rep.first_loss = head_sum / head_n;
                }
                if (epoch == o.epochs && b >= batches - tail) {
                    tail_sum += lv;
                    ++tail_n;
                }
                loss_sum += lv * double(n);
                correct += h.argmax(1).eq(y).sum().item<int64_t>();
                seen += n;
                items_done += n;
                train_seconds += secondsSince(t_step);
                TrainProgress p{"train", epoch, o.epochs, items_done, total_items, loss_sum / double(seen)};
                p.eta = secondsSince(t_epoch) / double(seen) * double(total_items - items_done);
                if (epoch > start_epoch + 1 && !rep.epochs.empty()) {
                    // Whole-epoch rate of the last epoch (validation included) is the better guide.
                    const double per_item = rep.epochs.back().seconds / double(items_per_epoch);
                    p.eta = per_item * double(total_items - items_done);
                }
                report(p);
            }
            EpochRecord r;
            r.epoch = epoch;
            r.train_loss = loss_sum / double(std::max<int64_t>(1, seen));
            r.train_accuracy = double(correct) / double(std::max<int64_t>(1, seen));
            r.lr = lr;
            // nupic.torch decays the boost strength after each epoch, before testing.
            net.boost_strength = o.boost_strength * std::pow(o.boost_decay, epoch);
            r.boost_strength = net.boost_strength;
            report({"validate", epoch, o.epochs, items_done, total_items, r.train_loss});
            r.validation_accuracy = accuracy(net, val);
            r.seconds = secondsSince(t_epoch);
            rep.epochs.push_back(r);
            if (auto s = saveCheckpoint(epoch, steps); !s)
                return s.error();
            TrainProgress done{"epoch", epoch, o.epochs, items_done, total_items, r.train_loss};
            done.finished = &rep.epochs.back();
            report(done);
            if (o.patience > 0 && val.size() > 0) {
                if (r.validation_accuracy > best_validation) {
                    best_validation = r.validation_accuracy;
                    best_state = snapshot();
                    rep.best_epoch = epoch;
                    since_best = 0;
                } else if (++since_best >= o.patience) {
                    break;
                }
            }
        }
        if (best_state) {
            torch::NoGradGuard ng;
            size_t i = 0, j = 0;
            for (auto& l : net.layers) {
                for (auto* t : {&l.w, &l.b, &l.rm, &l.rv, &l.duty}) {
                    if (t->defined())
                        t->copy_(best_state->tensors[i]);
                    ++i;
                }
                l.learning_iterations = best_state->iterations[j++];
            }
            final_epoch = rep.best_epoch;
        }
        rep.seconds_per_item = items_done > 0 ? train_seconds / double(items_done) : 0;
        if (tail_n > 0)
            rep.last_loss = tail_sum / tail_n;
        net.boost_strength = o.boost_strength * std::pow(o.boost_decay, final_epoch);

        if (o.f16_weights) {
            // The file will hold F16 weights: test (and pick k) with exactly those.
            torch::NoGradGuard ng;
            for (auto& l : net.layers)
                if (l.w.defined())
                    l.w.copy_(l.w.to(torch::kHalf).to(torch::kFloat));
        }

        // ---- k at inference: the factor doing best on validation ----
        std::vector<Layer*> kwta;
        for (auto& L : model.layers)
            if (L.kind == LayerKind::KWinners || L.kind == LayerKind::KWinners2d)
                kwta.push_back(&L);
        if (!kwta.empty() && !o.k_inference_factors.empty()) {
            double best = -2;
            for (double f : o.k_inference_factors) {
                for (Layer* L : kwta)
                    L->k_inference = std::clamp(int(L->k * f), 1, int(L->in_shape.size()));
                const double acc = val.size() > 0 ? accuracy(net, val) : -1;
                rep.k_inference_validation.emplace_back(f, acc);
                if (acc > best) {
                    best = acc;
                    rep.k_inference_factor = f;
                }
                if (val.size() == 0)
                    break;
            }
            for (Layer* L : kwta) {
                L->k_inference_factor = rep.k_inference_factor;
                L->k_inference = std::clamp(int(L->k * rep.k_inference_factor), 1, int(L->in_shape.size()));
            }
        }

        // ---- test, export ----
        report({"test", o.epochs, o.epochs, 0, test.size()});
        rep.test_accuracy = accuracy(net, test);
        exportNet(net, model);
    } catch (const std::exception& e) {
        return runtimeError("libtorch failed while training: " + torchMessage(e) + ".");
    }

    char acc[32];
    std::snprintf(acc, sizeof acc, "%.4f", rep.test_accuracy);
    model.info["trained"] = "true";
    model.info["description"] = std::string("Trained by `sparsescope-cli train` (libtorch): ") + trainKindName(o.kind) + " " +
                                o.arch + " network" +
                                (o.kind == TrainKind::Complementary ? ", complementary masks (packs with zero collisions)"
                                 : o.kind == TrainKind::Sparse      ? ", independent random masks per output"
                                                                    : ", dense weights, ReLU activations") +
                                ".";
    const std::string root = fs::path(o.data_dir).lexically_normal().filename().string();
    model.info["training_data"] = (root.empty() ? o.data_dir : root) + " (Speech Commands layout): " +
                                  std::to_string(rep.train_items) + " train / " + std::to_string(rep.validation_items) +
                                  " validation / " + std::to_string(rep.test_items) + " test items incl. _silence_";
    model.info["accuracy"] = std::string(acc) + " on the test split (" + std::to_string(rep.test_items) + " clips)";
    model.info["test_accuracy"] = acc;
    if (!rep.epochs.empty() && rep.epochs.back().validation_accuracy >= 0) {
        std::snprintf(acc, sizeof acc, "%.4f", rep.epochs.back().validation_accuracy);
        model.info["validation_accuracy"] = acc;
    }
    model.info["recipe"] = rep.recipe;
    model.info["kind"] = trainKindName(o.kind);
    if (rep.k_inference_validation.size() > 1) {
        json tried = json::array();
        for (const auto& [f, a] : rep.k_inference_validation)
            tried.push_back({{"k_inference_factor", f}, {"validation_accuracy", a}});
        model.info["k_inference_selection"] = tried.dump();
    }
    model.info["seed"] = std::to_string(o.seed);
    if (teacher)
        model.info["teacher"] = teacher_label;
    model.info["class_preset"] = o.class_preset;
    if (init_model) {
        model.info["fine_tuned_from"] = fs::path(o.init).filename().string() + " (" + init_model->name + ")";
        model.info["enrollment"] = (root.empty() ? o.data_dir : root) + ": " +
                                   std::to_string(rep.train_items - rep.mixed_items - rep.reversed_items) +
                                   " training takes incl. silence (+" + std::to_string(rep.reversed_items) + " played backwards as _unknown_), " + std::to_string(rep.validation_items) +
                                   " validation, " + std::to_string(rep.test_items) + " held back";
        if (!o.mix_dir.empty())
            model.info["mixed_base_items"] = std::to_string(rep.mixed_items) + " from " + fs::path(o.mix_dir).filename().string();
        if (rep.best_epoch > 0)
            model.info["best_epoch"] = std::to_string(rep.best_epoch);
    }
    if (auto s = validateModel(model); !s)
        return runtimeError("The trained model does not validate: " + s.message(), o.output);
    if (cancelled())
        return runtimeError("Cancelled before the model was written; the checkpoint '" + rep.checkpoint + "' keeps the training.");
    if (auto s = o.f16_weights ? saveModelF16Weights(model, o.output) : saveModel(model, o.output); !s)
        return s.error();

    // ---- the exported file, run by core engines ----
    if (!o.verify_engines.empty() && !ds.test.empty()) {
        auto loaded = loadModel(o.output);
        if (!loaded)
            return loaded.error();
        EvalOptions eo;
        eo.engines = o.verify_engines;
        eo.engine_options.threads = o.threads;
        auto ev = evaluate(*loaded, ds, Split::Test, eo,
                           [&](int d, int t) { report({"verify", o.epochs, o.epochs, d, t}); }, cancel);
        if (!ev)
            return ev.error();
        for (const auto& e : ev->engines)
            rep.engines.push_back({e.engine, e.accuracy});
        rep.engine_agreement = ev->agreement;
    }
    // ---- fine-tuning: before / after, on the held-back takes and the base corpus's test split ----
    if (init_model) {
        auto loaded = loadModel(o.output);
        if (!loaded)
            return loaded.error();
        EvalOptions eo;
        eo.engines = {o.verify_engines.empty() ? std::string("dense") : o.verify_engines.front()};
        eo.engine_options.threads = o.threads;
        json ba = json::object();
        auto score = [&](const Model& m, const GscDataset& d, json* out) -> Status {
            auto ev = evaluate(m, d, Split::Test, eo, {}, cancel);
            if (!ev)
                return ev.error();
            const auto km = keywordMetrics(ev->engines.front().confusion, ev->classes);
            *out = {{"accuracy", ev->engines.front().accuracy}, {"keyword_recall", km.keyword_recall},
                    {"non_keyword_false_accept", km.false_accept}, {"clips", ev->clips}};
            return Status::ok();
        };
        json before, after;
        if (!ds.test.empty()) {
            if (auto st = score(*init_model, ds, &before); !st)
                return st.error();
            if (auto st = score(*loaded, ds, &after); !st)
                return st.error();
            ba["held_back"] = {{"base", before}, {"personalised", after}};
        }
        if (base) {
            if (!base->test.empty()) {
                if (auto st = score(*init_model, *base, &before); !st)
                    return st.error();
                if (auto st = score(*loaded, *base, &after); !st)
                    return st.error();
                ba["base_test_split"] = {{"base", before}, {"personalised", after}};
            }
        }
        ba["engine"] = eo.engines.front();
        rep.before_after = ba.dump();
        loaded->info["before_after"] = rep.before_after;
        if (auto s = o.f16_weights ? saveModelF16Weights(*loaded, o.output) : saveModel(*loaded, o.output); !s)
            return s.error();
    }
    std::error_code ec;
    fs::remove(rep.checkpoint, ec); // the model is complete: the checkpoint has done its job
    rep.seconds = secondsSince(t_start);
    return rep;
}

} // namespace ss
