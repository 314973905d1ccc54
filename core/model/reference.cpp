#include "model/reference.h"

#include "sparsity/kwinners.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace ss {

namespace {

std::vector<float> runLayer(const Layer& L, const std::vector<float>& x, std::vector<float>& scratch)
{
    const ActShape in = L.in_shape, out = L.out_shape;
    std::vector<float> y(size_t(out.size()), 0.0f);
    switch (L.kind) {
    case LayerKind::Conv2d: {
        const int K = L.kernel_h, Kw = L.kernel_w;
        for (int o = 0; o < out.c; ++o)
            for (int oy = 0; oy < out.h; ++oy)
                for (int ox = 0; ox < out.w; ++ox) {
                    double acc = L.bias.empty() ? 0.0 : L.bias.data[size_t(o)];
                    for (int c = 0; c < in.c; ++c)
                        for (int dy = 0; dy < K; ++dy) {
                            const int iy = oy * L.stride - L.padding + dy;
                            if (iy < 0 || iy >= in.h) continue;
                            for (int dx = 0; dx < Kw; ++dx) {
                                const int ix = ox * L.stride - L.padding + dx;
                                if (ix < 0 || ix >= in.w) continue;
                                const size_t wi = ((size_t(o) * in.c + c) * K + dy) * Kw + dx;
                                acc += double(L.weight.data[wi]) * x[(size_t(c) * in.h + iy) * in.w + ix];
                            }
                        }
                    y[(size_t(o) * out.h + oy) * out.w + ox] = float(acc);
                }
        break;
    }
    case LayerKind::Linear:
        for (int o = 0; o < L.out_features; ++o) {
            double acc = L.bias.empty() ? 0.0 : L.bias.data[size_t(o)];
            const float* w = L.weight.ptr() + size_t(o) * L.in_features;
            for (int i = 0; i < L.in_features; ++i)
                acc += double(w[i]) * x[size_t(i)];
            y[size_t(o)] = float(acc);
        }
        break;
    case LayerKind::MaxPool2d:
        for (int c = 0; c < out.c; ++c)
            for (int oy = 0; oy < out.h; ++oy)
                for (int ox = 0; ox < out.w; ++ox) {
                    float m = -std::numeric_limits<float>::infinity();
                    for (int dy = 0; dy < L.pool_kernel; ++dy)
                        for (int dx = 0; dx < L.pool_kernel; ++dx)
                            m = std::max(m, x[(size_t(c) * in.h + oy * L.pool_stride + dy) * in.w + ox * L.pool_stride + dx]);
                    y[(size_t(c) * out.h + oy) * out.w + ox] = m;
                }
        break;
    case LayerKind::BatchNorm: {
        const int hw = in.h * in.w;
        for (int c = 0; c < in.c; ++c) {
            const double inv = 1.0 / std::sqrt(double(L.running_var.data[size_t(c)]) + L.eps);
            const double g = L.affine ? L.bn_weight.data[size_t(c)] : 1.0, b = L.affine ? L.bn_bias.data[size_t(c)] : 0.0;
            for (int i = 0; i < hw; ++i) {
                const size_t j = size_t(c) * hw + i;
                y[j] = float((x[j] - L.running_mean.data[size_t(c)]) * inv * g + b);
            }
        }
        break;
    }
    case LayerKind::ReLU:
        for (size_t i = 0; i < x.size(); ++i)
            y[i] = std::max(0.0f, x[i]);
        break;
    case LayerKind::KWinners:
    case LayerKind::KWinners2d: {
        y = x;
        const int hw = in.h * in.w;
        if (L.kind == LayerKind::KWinners2d && L.local) {
            // per position over channels; boost per channel with target k/C
            std::vector<float> v(size_t(in.c)), boost(size_t(in.c), 1.0f);
            std::vector<int32_t> order(static_cast<size_t>(in.c));
            if (L.boost_strength > 0)
                boostFactors(L.duty_cycles.ptr(), in.c, double(L.k_inference) / in.c, L.boost_strength, boost.data());
            for (int p = 0; p < hw; ++p) {
                for (int c = 0; c < in.c; ++c) {
                    v[size_t(c)] = x[size_t(c) * hw + p];
                    order[size_t(c)] = c * hw + p;
                }
                kwinnersInPlace(v.data(), in.c, L.k_inference, boost.data(), order.data(), scratch);
                for (int c = 0; c < in.c; ++c)
                    y[size_t(c) * hw + p] = v[size_t(c)];
            }
        } else {
            const int n = int(in.size());
            std::vector<float> boost(size_t(n), 1.0f);
            if (L.boost_strength > 0) {
                const double target = double(L.k_inference) / n;
                if (L.kind == LayerKind::KWinners2d) // one duty cycle per channel
                    for (int c = 0; c < in.c; ++c) {
                        float f;
                        boostFactors(L.duty_cycles.ptr() + c, 1, target, L.boost_strength, &f);
                        std::fill(boost.begin() + int64_t(c) * hw, boost.begin() + int64_t(c + 1) * hw, f);
                    }
                else
                    boostFactors(L.duty_cycles.ptr(), n, target, L.boost_strength, boost.data());
            }
            kwinnersInPlace(y.data(), n, L.k_inference, boost.data(), nullptr, scratch);
        }
        break;
    }
    case LayerKind::Flatten:
        y = x;
        break;
    case LayerKind::LogSoftmax: {
        double m = -std::numeric_limits<double>::infinity();
        for (float v : x) m = std::max(m, double(v));
        double s = 0;
        for (float v : x) s += std::exp(double(v) - m);
        const double lse = m + std::log(s);
        for (size_t i = 0; i < x.size(); ++i)
            y[i] = float(x[i] - lse);
        break;
    }
    }
    return y;
}

} // namespace

Status referenceForward(const Model& model, const float* input, int batch, float* logits)
{
    if (model.layers.empty())
        return badInput("The model has no layers.");
    const int64_t in_size = model.input.size();
    const int64_t out_size = model.layers.back().out_shape.size();
    std::vector<float> scratch;
    for (int b = 0; b < batch; ++b) {
        std::vector<float> x(input + b * in_size, input + (b + 1) * in_size);
        for (const auto& L : model.layers)
            x = runLayer(L, x, scratch);
        std::copy(x.begin(), x.end(), logits + b * out_size);
    }
    return Status::ok();
}

Status referenceForwardTrace(const Model& model, const float* input, std::vector<std::vector<float>>* outputs)
{
    if (model.layers.empty())
        return badInput("The model has no layers.");
    outputs->clear();
    std::vector<float> scratch;
    std::vector<float> x(input, input + model.input.size());
    for (const auto& L : model.layers) {
        x = runLayer(L, x, scratch);
        outputs->push_back(x);
    }
    return Status::ok();
}

} // namespace ss
