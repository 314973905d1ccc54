#include "common/test_models.h"

#include "sparsity/complementary.h"

#include <cmath>

namespace sstest {

using namespace ss;

namespace {
void fillWeighted(Layer& L, std::mt19937_64& rng, RouteLayout routes, bool complementary)
{
    const int M = L.outputs(), N = L.fanIn();
    const Shape ws = L.kind == LayerKind::Conv2d ? Shape{M, L.in_channels, L.kernel_h, L.kernel_w} : Shape{M, N};
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<uint8_t> mask;
    if (L.weight_density >= 1.0)
        mask.assign(size_t(M) * N, 1);
    else if (complementary)
        mask = complementaryMask(M, N, L.group_size, routes, rng);
    else
        mask = randomMask(M, N, L.weight_density, rng);
    L.weight = Tensor(ws);
    L.mask = Tensor(ws);
    L.bias = Tensor({M});
    const float bound = std::sqrt(6.0f / float(N * L.weight_density));
    for (size_t i = 0; i < mask.size(); ++i) {
        L.mask.data[i] = mask[i];
        L.weight.data[i] = mask[i] ? u(rng) * bound : 0.0f;
    }
    for (auto& b : L.bias.data)
        b = 0.1f * u(rng);
    if (!complementary)
        L.group_size = 1;
}
Model namedModel(const char* name, ActShape input, int classes)
{
    Model m;
    m.name = name;
    m.input = input;
    for (int i = 0; i < classes; ++i)
        m.classes.push_back(std::string(1, 'c') + std::to_string(i));
    return m;
}

Layer convLayer(const char* name, int in, int out, int kh, int kw, int stride, double density, int P)
{
    Layer c;
    c.kind = LayerKind::Conv2d; c.name = name; c.in_channels = in; c.out_channels = out;
    c.kernel_h = kh; c.kernel_w = kw; c.stride = stride; c.padding = 1; c.weight_density = density; c.group_size = P;
    return c;
}

Layer batchNorm(const char* name, int features)
{
    Layer bn;
    bn.kind = LayerKind::BatchNorm; bn.name = name; bn.num_features = features; bn.affine = true;
    return bn;
}
} // namespace

Model oddModel(uint64_t seed, RouteLayout routes, bool complementary)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    Model m = namedModel("odd", {2, 11, 13}, 5);
    const Layer c1 = convLayer("c1", 2, 12, 3, 3, 2, 0.25, 4);
    Layer r1; r1.kind = LayerKind::ReLU; r1.name = "r1";
    const Layer bn = batchNorm("bn", 12);
    Layer k1; k1.kind = LayerKind::KWinners2d; k1.name = "k1"; k1.local = true; k1.percent_on = 0.25; k1.boost_strength = 0.7;
    const Layer c2 = convLayer("c2", 12, 10, 3, 2, 2, 1.0 / 3, 3);
    Layer k2; k2.kind = LayerKind::KWinners2d; k2.name = "k2"; k2.percent_on = 0.2; k2.boost_strength = 0.0;
    Layer p2; p2.kind = LayerKind::MaxPool2d; p2.name = "p2"; p2.pool_kernel = 2; p2.pool_stride = 2;
    Layer f; f.kind = LayerKind::Flatten; f.name = "flat";
    Layer l1; l1.kind = LayerKind::Linear; l1.name = "l1"; l1.out_features = 37; l1.weight_density = 0.2; l1.group_size = 5;
    Layer k3; k3.kind = LayerKind::KWinners; k3.name = "k3"; k3.percent_on = 0.3; k3.boost_strength = 1.2;
    Layer l2; l2.kind = LayerKind::Linear; l2.name = "out"; l2.in_features = 37; l2.out_features = 5;
    Layer sm; sm.kind = LayerKind::LogSoftmax; sm.name = "sm";
    m.layers = {c1, r1, bn, k1, c2, k2, p2, f, l1, k3, l2, sm};
    // l1's fan-in depends on the shapes: compute them first with a placeholder
    m.layers[8].in_features = 1;
    m.inferShapes(); // fails at l1; shapes before it are set
    m.layers[8].in_features = int(m.layers[7].out_shape.size());
    m.layers[8].k = 0;
    if (!m.inferShapes())
        return m;
    fillParameters(m, rng, routes, complementary);
    return m;
}

Model pooledModel(uint64_t seed) { return pooledModel(seed, 1, 8, 2); }

Model pooledModel(uint64_t seed, int in_channels, int out_channels, int P)
{
    std::mt19937_64 rng(seed);
    Model m = namedModel("pooled", {in_channels, 13, 11}, 5);
    const Layer c1 = convLayer("c1", in_channels, out_channels, 3, 3, 2, 1.0 / P, P);
    const Layer bn = batchNorm("bn", out_channels);
    Layer p1; p1.kind = LayerKind::MaxPool2d; p1.name = "p1"; p1.pool_kernel = 2; p1.pool_stride = 2;
    Layer k1; k1.kind = LayerKind::KWinners2d; k1.name = "k1"; k1.percent_on = 0.3; k1.boost_strength = 0.5;
    Layer f; f.kind = LayerKind::Flatten; f.name = "flat";
    Layer l1; l1.kind = LayerKind::Linear; l1.name = "out"; l1.in_features = out_channels * 3 * 3; l1.out_features = 5;
    Layer sm; sm.kind = LayerKind::LogSoftmax; sm.name = "sm";
    m.layers = {c1, bn, p1, k1, f, l1, sm};
    if (!m.inferShapes())
        return m;
    fillParameters(m, rng, RouteLayout::Shared, true);
    return m;
}

Model sparsePooledModel(uint64_t seed, int stride, int out_channels, int P)
{
    std::mt19937_64 rng(seed);
    Model m = namedModel("sparse-pooled", {2, 13, 11}, 4);
    const Layer c1 = convLayer("c1", 2, 8, 3, 3, 1, 0.5, 2);
    const Layer bn1 = batchNorm("bn1", 8);
    Layer k1; k1.kind = LayerKind::KWinners2d; k1.name = "k1"; k1.percent_on = 0.2; k1.boost_strength = 0.9;
    const Layer c2 = convLayer("c2", 8, out_channels, 3, 2, stride, 1.0 / P, P);
    const Layer bn2 = batchNorm("bn2", out_channels);
    Layer p2; p2.kind = LayerKind::MaxPool2d; p2.name = "p2"; p2.pool_kernel = 2; p2.pool_stride = 2;
    Layer k2; k2.kind = LayerKind::KWinners2d; k2.name = "k2"; k2.percent_on = 0.25; k2.boost_strength = 0.4;
    Layer f; f.kind = LayerKind::Flatten; f.name = "flat";
    Layer l1; l1.kind = LayerKind::Linear; l1.name = "out"; l1.out_features = 4;
    Layer sm; sm.kind = LayerKind::LogSoftmax; sm.name = "sm";
    m.layers = {c1, bn1, k1, c2, bn2, p2, k2, f, l1, sm};
    m.layers[8].in_features = 1; // the fan-in depends on the shapes: a placeholder first
    m.inferShapes();
    m.layers[8].in_features = int(m.layers[7].out_shape.size());
    if (!m.inferShapes())
        return m;
    fillParameters(m, rng, RouteLayout::Shared, true);
    return m;
}

void fillParameters(Model& m, std::mt19937_64& rng, RouteLayout routes, bool complementary)
{
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (auto& L : m.layers) {
        if (L.hasWeights())
            fillWeighted(L, rng, routes, complementary);
        if (L.kind == LayerKind::BatchNorm) {
            L.running_mean = Tensor({L.num_features});
            L.running_var = Tensor({L.num_features});
            L.bn_weight = Tensor({L.num_features});
            L.bn_bias = Tensor({L.num_features});
            for (int i = 0; i < L.num_features; ++i) {
                L.running_mean.data[size_t(i)] = u(rng) - 0.5f;
                L.running_var.data[size_t(i)] = 0.5f + u(rng);
                L.bn_weight.data[size_t(i)] = 0.5f + u(rng);
                L.bn_bias.data[size_t(i)] = u(rng) - 0.5f;
            }
        }
        if (L.kind == LayerKind::KWinners || L.kind == LayerKind::KWinners2d) {
            const int units = L.kind == LayerKind::KWinners2d ? L.in_shape.c : int(L.in_shape.size());
            L.num_features = units;
            L.duty_cycles = L.kind == LayerKind::KWinners2d ? Tensor({1, units, 1, 1}) : Tensor({units});
            for (auto& d : L.duty_cycles.data)
                d = float(L.percent_on * (0.5 + u(rng)));
        }
    }
}

} // namespace sstest
