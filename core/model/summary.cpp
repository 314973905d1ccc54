#include "model/summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ss {

ModelSummary summarize(const Model& model)
{
    ModelSummary s;
    double a = 1.0;       // density of the activations flowing between layers (nominal)
    bool exact = true;
    for (const auto& L : model.layers) {
        LayerSummary ls;
        ls.name = L.name;
        ls.type = layerKindName(L.kind);
        ls.in = L.in_shape;
        ls.out = L.out_shape;
        switch (L.kind) {
        case LayerKind::Conv2d:
        case LayerKind::Linear: {
            ls.weight_density = L.weight_density;
            ls.P = L.group_size;
            ls.fan_in = L.fanIn();
            ls.macs_dense = L.macsDense();
            ls.input_density = a;
            ls.input_density_exact = exact;
            ls.macs_bound = ls.macs_dense * a * L.weight_density;
            const int64_t n = L.weight.size();
            s.parameters += n + L.bias.size();
            int64_t nz = 0;
            for (float v : L.weight.data)
                nz += v != 0.0f;
            s.nonzero_parameters += nz + L.bias.size();
            if (!L.mask.empty()) {
                int64_t ones = 0;
                for (float v : L.mask.data)
                    ones += v != 0.0f;
                ls.mask_density = double(ones) / double(std::max<int64_t>(1, n));
            }
            if (L.group_size > 1 && !L.mask.empty()) {
                ls.complementarity = checkComplementary(L.mask.ptr(), L.outputs(), L.fanIn(), L.group_size);
                ls.routes = !ls.complementarity.complementary() ? "collide"
                            : ls.complementarity.shared_routes  ? "shared"
                                                                 : "independent";
            }
            a = 1.0;
            exact = true;
            s.macs_dense += ls.macs_dense;
            s.macs_bound += ls.macs_bound;
            break;
        }
        case LayerKind::KWinners:
        case LayerKind::KWinners2d: {
            ls.k = L.k;
            ls.k_inference = L.k_inference;
            ls.local = L.local;
            const double n = (L.kind == LayerKind::KWinners2d && L.local) ? L.in_shape.c : double(L.in_shape.size());
            a = L.k_inference / n;
            exact = true;
            break;
        }
        case LayerKind::MaxPool2d:
            if (a < 1.0) {
                // Pooling a sparse map: at most every window keeps one winner per channel.
                a = std::min(1.0, a * L.pool_kernel * L.pool_kernel);
                exact = false;
            }
            break;
        case LayerKind::BatchNorm:
            a = 1.0;
            exact = true;
            break;
        default:
            break;
        }
        s.layers.push_back(ls);
    }
    return s;
}

namespace {
std::string density(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}
} // namespace

std::vector<std::string> modelWarnings(const Model& model, const ModelSummary& summary)
{
    std::vector<std::string> w;
    if (!model.trained())
        w.push_back("Untrained model: random weights for benchmarking; its predictions are meaningless.");
    bool estimated = false;
    for (const LayerSummary& l : summary.layers) {
        if (l.macs_dense <= 0)
            continue;
        // a mask keeps a whole number of inputs per output: allow that rounding
        const double tolerance = std::max(0.005, 1.0 / std::max(1, l.fan_in));
        if (l.weight_density < 1.0 && std::abs(l.mask_density - l.weight_density) > tolerance)
            w.push_back("Layer '" + l.name + "' declares weight density " + density(l.weight_density) + " but its mask keeps " +
                        density(l.mask_density) + ".");
        if (l.P > 1 && l.weight_density > 0 && std::lround(1.0 / l.weight_density) != l.P)
            w.push_back("Layer '" + l.name + "' has complementary groups of P = " + std::to_string(l.P) + ", but 1/w = " +
                        density(1.0 / l.weight_density) + ": the groups do not cover the fan-in exactly once.");
        if (l.weight_density < 1.0 && l.P <= 1)
            w.push_back("Layer '" + l.name + "' is weight-sparse (w = " + density(l.weight_density) +
                        ") without complementary groups (P = 1): the Complementary Sparsity engines run it as CSR.");
        if (!l.input_density_exact)
            estimated = true;
    }
    if (estimated)
        w.push_back("Input densities marked '~' are estimates (a k-WTA sits before a max-pool); a benchmark measures them.");
    return w;
}

} // namespace ss
