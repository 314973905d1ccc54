#include "model/synth.h"

#include <cmath>
#include <random>

namespace ss {

std::vector<std::string> gscCommandClasses()
{
    return {"yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "_silence_", "_unknown_"};
}

namespace {

Layer weighted(LayerKind kind, const std::string& name, int in, int out, int k, double density, int P)
{
    Layer L;
    L.kind = kind;
    L.name = name;
    if (kind == LayerKind::Conv2d) {
        L.in_channels = in;
        L.out_channels = out;
        L.kernel_h = L.kernel_w = k;
    } else {
        L.in_features = in;
        L.out_features = out;
    }
    L.weight_density = density;
    L.group_size = P;
    return L;
}

Layer simple(LayerKind kind, const std::string& name)
{
    Layer L;
    L.kind = kind;
    L.name = name;
    return L;
}

} // namespace

Result<Model> synthModel(const SynthOptions& o)
{
    std::vector<double> wd, ad;
    if (o.preset == "gsc") {
        wd = {0.5, 0.1, 0.1, 1.0};
        ad = {1200.0 / 12544, 200.0 / 1600, 0.1};
    } else if (o.preset == "gsc-supersparse") {
        wd = {0.5, 0.05, 0.05, 1.0};
        ad = {0.05, 0.0625, 0.05};
    } else {
        return badInput("Unknown preset '" + o.preset + "' (known: gsc, gsc-supersparse).");
    }
    if (!o.weight_density.empty()) {
        if (o.weight_density.size() < 3 || o.weight_density.size() > 4)
            return badInput("--weight-density takes 3 or 4 values (conv1, conv2, linear1[, output]).");
        for (size_t i = 0; i < o.weight_density.size(); ++i)
            wd[i] = o.weight_density[i];
    }
    if (!o.act_density.empty()) {
        if (o.act_density.size() != 3)
            return badInput("--act-density takes 3 values (after conv1, conv2 and linear1).");
        ad = o.act_density;
    }
    for (double d : wd)
        if (!(d > 0 && d <= 1))
            return badInput("Weight densities must be in (0, 1]; got " + std::to_string(d) + ".");
    for (double d : ad)
        if (!(d > 0 && d < 1))
            return badInput("Activation densities must be in (0, 1); got " + std::to_string(d) + ".");

    const int C = o.conv_channels;
    auto groupSize = [&](double d) { return o.complementary ? std::max(1, int(std::lround(1.0 / d))) : 1; };
    Model m;
    m.name = o.name.empty() ? o.preset + "-synth" : o.name;
    m.input = {1, 32, 32};
    m.classes = o.classes.empty() ? gscCommandClasses() : o.classes;
    m.info["trained"] = "false";
    m.info["description"] = "Untrained: random weights and " + std::string(o.complementary ? "complementary" : "random") +
                            " masks made by `sparsescope-cli synth` for benchmarking; its predictions are meaningless.";
    m.info["seed"] = std::to_string(o.seed);

    auto kwta = [&](const std::string& name, LayerKind kind, double density) {
        Layer L = simple(kind, name);
        L.percent_on = density;
        L.k_inference_factor = 1.0;
        L.boost_strength = o.boost_strength;
        return L;
    };
    auto pool = [&](const std::string& name) { return simple(LayerKind::MaxPool2d, name); };
    auto bn = [&](const std::string& name, int n) {
        Layer L = simple(LayerKind::BatchNorm, name);
        L.num_features = n;
        return L;
    };

    m.layers.push_back(weighted(LayerKind::Conv2d, "cnn1", 1, C, 5, wd[0], groupSize(wd[0])));
    m.layers.push_back(bn("cnn1_batchnorm", C));
    if (o.order == KwtaOrder::PoolThenKwta) {
        m.layers.push_back(pool("cnn1_maxpool"));
        m.layers.push_back(kwta("cnn1_kwinner", LayerKind::KWinners2d, ad[0]));
    } else {
        m.layers.push_back(kwta("cnn1_kwinner", LayerKind::KWinners2d, ad[0]));
        m.layers.push_back(pool("cnn1_maxpool"));
    }
    m.layers.push_back(weighted(LayerKind::Conv2d, "cnn2", C, C, 5, wd[1], groupSize(wd[1])));
    m.layers.push_back(bn("cnn2_batchnorm", C));
    if (o.order == KwtaOrder::PoolThenKwta) {
        m.layers.push_back(pool("cnn2_maxpool"));
        m.layers.push_back(kwta("cnn2_kwinner", LayerKind::KWinners2d, ad[1]));
    } else {
        m.layers.push_back(kwta("cnn2_kwinner", LayerKind::KWinners2d, ad[1]));
        m.layers.push_back(pool("cnn2_maxpool"));
    }
    m.layers.push_back(simple(LayerKind::Flatten, "flatten"));
    m.layers.push_back(weighted(LayerKind::Linear, "linear1", C * 25, o.hidden, 0, wd[2], groupSize(wd[2])));
    m.layers.push_back(bn("linear1_bn", o.hidden));
    m.layers.push_back(kwta("linear1_kwinners", LayerKind::KWinners, ad[2]));
    m.layers.push_back(weighted(LayerKind::Linear, "output", o.hidden, int(m.classes.size()), 0, wd[3], groupSize(wd[3])));
    // Complementary groups of P outputs keep exactly 1/P of the weights: record that density (the
    // CLI tells the user when it differs from the one asked for, e.g. 0.4 -> 1/3 with P = 3).
    for (auto& L : m.layers)
        if (L.hasWeights() && L.group_size > 1)
            L.weight_density = 1.0 / L.group_size;
    m.layers.push_back(simple(LayerKind::LogSoftmax, "softmax"));
    if (auto s = m.inferShapes(); !s)
        return s.error();

    std::mt19937_64 rng(o.seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
    for (auto& L : m.layers) {
        if (L.hasWeights()) {
            const int M = L.outputs(), N = L.fanIn();
            Shape ws = L.kind == LayerKind::Conv2d ? Shape{M, L.in_channels, L.kernel_h, L.kernel_w} : Shape{M, N};
            L.weight = Tensor(ws);
            L.bias = Tensor({M});
            std::vector<uint8_t> mask;
            if (L.weight_density >= 1.0)
                mask.assign(size_t(M) * N, 1);
            else if (L.group_size > 1)
                mask = complementaryMask(M, N, L.group_size, o.routes, rng);
            else
                mask = randomMask(M, N, L.weight_density, rng);
            // Scale as Kaiming-uniform over the *effective* fan-in, so activations stay O(1).
            const float bound = std::sqrt(6.0f / float(std::max(1.0, N * L.weight_density)));
            L.mask = Tensor(ws);
            for (size_t i = 0; i < mask.size(); ++i) {
                L.mask.data[i] = mask[i];
                L.weight.data[i] = mask[i] ? uni(rng) * bound : 0.0f;
            }
            for (auto& b : L.bias.data)
                b = 0.1f * uni(rng);
        } else if (L.kind == LayerKind::BatchNorm) {
            L.running_mean = Tensor({L.num_features});
            L.running_var = Tensor({L.num_features});
            for (int i = 0; i < L.num_features; ++i) {
                L.running_mean.data[size_t(i)] = 0.2f * normal(rng);
                L.running_var.data[size_t(i)] = 0.5f + 1.5f * (uni(rng) + 1.0f) * 0.5f;
            }
        } else if (L.kind == LayerKind::KWinners || L.kind == LayerKind::KWinners2d) {
            const int units = L.kind == LayerKind::KWinners2d ? L.in_shape.c : int(L.in_shape.size());
            L.num_features = units;
            L.duty_cycles = L.kind == LayerKind::KWinners2d ? Tensor({1, units, 1, 1}) : Tensor({units});
            for (auto& d : L.duty_cycles.data)
                d = float(L.percent_on * (1.0 + 0.5 * uni(rng)));
        }
    }
    // The published network: k after pooling is exactly 1200 and 200 for the default densities.
    for (auto& L : m.layers)
        if (L.kind == LayerKind::KWinners2d && o.order == KwtaOrder::PoolThenKwta && o.act_density.empty() && o.preset == "gsc")
            L.k = L.k_inference = L.name == "cnn1_kwinner" ? 1200 : 200;
    return m;
}

} // namespace ss
