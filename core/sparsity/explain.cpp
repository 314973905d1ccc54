#include "sparsity/explain.h"

#include "audio/melspec.h"
#include "audio/wav.h"
#include "model/reference.h"
#include "sparsity/complementary.h"

#include <random>

namespace ss {

namespace {

bool isExplainable(const Layer& L)
{
    if (!L.hasWeights() || L.group_size <= 1 || L.mask.empty())
        return false;
    return checkComplementary(L.mask.ptr(), L.outputs(), L.fanIn(), L.group_size).complementary();
}

} // namespace

std::vector<int> explainableLayers(const Model& model)
{
    std::vector<int> out;
    for (int i = 0; i < int(model.layers.size()); ++i)
        if (isExplainable(model.layers[size_t(i)]))
            out.push_back(i);
    return out;
}

std::vector<int> groupMasks(const Layer& L, int layer_index, int group, int P, GroupExplanation* out)
{
    GroupExplanation& e = *out;
    const int M = L.outputs(), N = L.fanIn();
    e.layer = L.name;
    e.layer_index = layer_index;
    e.conv = L.kind == LayerKind::Conv2d;
    e.group = group;
    e.G = (M + P - 1) / P;
    e.P = P;
    e.M = M;
    e.N = N;
    if (e.conv) {
        e.C = L.in_channels;
        e.kh = L.kernel_h;
        e.kw = L.kernel_w;
        e.out_h = L.out_shape.h;
        e.out_w = L.out_shape.w;
    } else {
        e.C = 1;
        e.kh = 1;
        e.kw = N;
    }

    // Masks, weights and Combine, in model fan-in order.
    e.owners.assign(size_t(P), -1);
    e.masks.assign(size_t(P) * N, 0);
    e.weights.assign(size_t(P) * N, 0.0f);
    e.wc.assign(size_t(N), 0.0f);
    e.route.assign(size_t(N), -1);
    std::vector<int> owners_count(size_t(N), 0);
    for (int r = 0; r < P; ++r) {
        const int o = group * P + r;
        if (o >= M)
            continue;
        e.owners[size_t(r)] = o;
        for (int n = 0; n < N; ++n) {
            const size_t i = size_t(o) * N + n;
            if (L.mask.data[i] == 0.0f)
                continue;
            e.masks[size_t(r) * N + n] = 1;
            e.weights[size_t(r) * N + n] = L.weight.data[i];
            e.wc[size_t(n)] = L.weight.data[i];
            e.route[size_t(n)] = int8_t(r);
            ++owners_count[size_t(n)];
        }
    }
    e.collisions = 0;
    e.uncovered = 0;
    for (int n = 0; n < N; ++n) {
        e.collisions += owners_count[size_t(n)] > 1;
        e.uncovered += owners_count[size_t(n)] == 0;
    }
    return owners_count;
}

Result<GroupExplanation> explainGroup(const Model& model, int layer_index, int group,
                                      const std::vector<float>& input_item, int oy, int ox)
{
    if (layer_index < 0 || layer_index >= int(model.layers.size()))
        return badInput("Layer index " + std::to_string(layer_index) + " is out of range (the model has " +
                        std::to_string(model.layers.size()) + " layers).");
    const Layer& L = model.layers[size_t(layer_index)];
    if (!L.hasWeights())
        return badInput("Layer " + L.name + " is a " + layerKindName(L.kind) + ", not a conv or linear layer.", L.name);
    if (L.group_size <= 1)
        return badInput("Layer " + L.name + " is not complementary (group size 1): there is no group to explain.", L.name);
    if (L.mask.empty())
        return badInput("Layer " + L.name + " has no mask, so its complementary groups are unknown.", L.name);
    const int M = L.outputs(), N = L.fanIn(), P = L.group_size;
    const ComplementarityReport rep = checkComplementary(L.mask.ptr(), M, N, P);
    if (!rep.complementary())
        return badInput("Layer " + L.name + ": masks are not complementary — " + std::to_string(rep.collisions) +
                            " positions collide — so it cannot be combined into one dense kernel.",
                        L.name);
    const int G = (M + P - 1) / P;
    if (group < 0 || group >= G)
        return badInput("Group " + std::to_string(group) + " is out of range: layer " + L.name + " has " + std::to_string(G) +
                            " groups (0 to " + std::to_string(G - 1) + ").",
                        L.name);
    const bool conv = L.kind == LayerKind::Conv2d;
    if (conv && (oy < 0 || oy >= L.out_shape.h || ox < 0 || ox >= L.out_shape.w))
        return badInput("Output position (" + std::to_string(oy) + ", " + std::to_string(ox) + ") is outside layer " + L.name +
                            "'s " + std::to_string(L.out_shape.h) + "×" + std::to_string(L.out_shape.w) + " output map.",
                        L.name);
    if (int64_t(input_item.size()) != model.input.size())
        return badInput("The input has " + std::to_string(input_item.size()) + " values; the model takes " + model.input.toString() + " = " +
                        std::to_string(model.input.size()) + ".");

    std::vector<std::vector<float>> trace;
    if (auto s = referenceForwardTrace(model, input_item.data(), &trace); !s)
        return s.error();

    GroupExplanation e;
    groupMasks(L, layer_index, group, P, &e);
    e.oy = conv ? oy : 0;
    e.ox = conv ? ox : 0;

    // The layer's input: the previous layer's output in the reference trace (or the model input).
    const std::vector<float>& in = layer_index == 0 ? input_item : trace[size_t(layer_index - 1)];
    e.x.assign(size_t(N), 0.0f);
    if (conv) {
        const ActShape s = L.in_shape;
        for (int c = 0; c < e.C; ++c)
            for (int dy = 0; dy < e.kh; ++dy) {
                const int iy = oy * L.stride - L.padding + dy;
                for (int dx = 0; dx < e.kw; ++dx) {
                    const int ix = ox * L.stride - L.padding + dx;
                    if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w)
                        continue; // zero padding
                    e.x[size_t((c * e.kh + dy) * e.kw + dx)] = in[(size_t(c) * s.h + iy) * s.w + ix];
                }
            }
    } else {
        for (int n = 0; n < N; ++n)
            e.x[size_t(n)] = in[size_t(n)];
    }
    for (int i = layer_index - 1; i >= 0; --i) {
        const LayerKind k = model.layers[size_t(i)].kind;
        if (k == LayerKind::MaxPool2d || k == LayerKind::Flatten)
            continue;
        e.input_sparse = k == LayerKind::KWinners || k == LayerKind::KWinners2d;
        break;
    }

    // Select, Multiply, Route, Sum. Accumulation as the reference: double, bias first, fan-in order.
    e.winners.assign(size_t(N), 0);
    e.products.assign(size_t(N), 0.0f);
    e.products_per_slot.assign(size_t(P), 0);
    std::vector<double> acc(size_t(P), 0.0), part(size_t(P), 0.0);
    e.bias.assign(size_t(P), 0.0f);
    for (int r = 0; r < P; ++r)
        if (e.owners[size_t(r)] >= 0 && !L.bias.empty())
            e.bias[size_t(r)] = L.bias.data[size_t(e.owners[size_t(r)])];
    for (int r = 0; r < P; ++r)
        acc[size_t(r)] = e.bias[size_t(r)];
    for (int n = 0; n < N; ++n) {
        const float xv = e.x[size_t(n)];
        e.winners[size_t(n)] = xv != 0.0f;
        e.nonzeros += xv != 0.0f;
        const double prod = double(e.wc[size_t(n)]) * double(xv);
        e.products[size_t(n)] = float(prod);
        const int r = e.route[size_t(n)];
        if (r < 0)
            continue;
        ++e.products_per_slot[size_t(r)];
        acc[size_t(r)] += prod;
        part[size_t(r)] += prod;
    }
    e.partial_sums.resize(size_t(P));
    e.outputs.resize(size_t(P));
    e.reference.assign(size_t(P), 0.0f);
    const std::vector<float>& y = trace[size_t(layer_index)];
    for (int r = 0; r < P; ++r) {
        e.partial_sums[size_t(r)] = float(part[size_t(r)]);
        e.outputs[size_t(r)] = e.owners[size_t(r)] >= 0 ? float(acc[size_t(r)]) : 0.0f;
        if (const int o = e.owners[size_t(r)]; o >= 0)
            e.reference[size_t(r)] = conv ? y[(size_t(o) * e.out_h + oy) * e.out_w + ox] : y[size_t(o)];
    }
    e.macs_dense = double(P) * N;
    e.macs_sparse_dense = N;
    e.macs_sparse_sparse = e.nonzeros;

    const Layer* next = layer_index + 1 < int(model.layers.size()) ? &model.layers[size_t(layer_index + 1)] : nullptr;
    const std::string what = conv ? "conv" : "linear";
    e.outputs_note = next && next->kind == LayerKind::BatchNorm
                         ? "Raw " + what + " outputs, before the batch norm " + next->name + " (which the engines fold in)."
                         : "Raw " + what + " outputs (no batch norm follows).";
    return e;
}

std::vector<float> randomFeatures(const Model& model, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> db(-80.0f, 0.0f);
    std::vector<float> x(size_t(model.input.size()));
    for (auto& v : x)
        v = db(rng);
    return x;
}

Result<std::vector<float>> featuresFromWav(const Model& model, const std::string& path)
{
    LogMelFrontEnd fe(model.audio);
    if (!fe.status())
        return fe.status().error();
    if (model.input.c != 1 || model.input.h != fe.bands() || model.input.w != fe.frames())
        return badInput("Model " + model.name + " takes " + model.input.toString() + " but its audio settings give 1×" +
                        std::to_string(fe.bands()) + "×" + std::to_string(fe.frames()) + " features.");
    auto clip = loadClip16k(path, model.audio);
    if (!clip)
        return clip.error();
    return fe.compute(*clip);
}

} // namespace ss
