#include "guicore/maskoverlay.h"

#include "sparsity/complementary.h"

#include <algorithm>
#include <cmath>

namespace gui {

bool isCollisionPreviewLayer(const ss::Layer& L)
{
    if (!L.hasWeights() || L.mask.empty() || !(L.weight_density < 1.0))
        return false;
    if (L.group_size <= 1)
        return true;
    return !ss::checkComplementary(L.mask.ptr(), L.outputs(), L.fanIn(), L.group_size).complementary();
}

int previewGroupSize(const ss::Layer& L)
{
    if (L.group_size > 1)
        return L.group_size;
    const double inv = L.weight_density > 0 ? 1.0 / L.weight_density : 2.0;
    return std::clamp(int(std::lround(inv)), 2, std::max(2, std::min(L.outputs(), 127)));
}

bool overlayGroup(const ss::Model& model, int layer_index, int group, MaskOverlay* out)
{
    if (layer_index < 0 || layer_index >= int(model.layers.size()))
        return false;
    const ss::Layer& L = model.layers[size_t(layer_index)];
    if (!L.hasWeights() || L.mask.empty())
        return false;
    const int M = L.outputs(), N = L.fanIn(), P = previewGroupSize(L);
    const int G = (M + P - 1) / P;
    if (group < 0 || group >= G)
        return false;
    ss::GroupExplanation e;
    e.layer = L.name;
    e.layer_index = layer_index;
    e.conv = L.kind == ss::LayerKind::Conv2d;
    e.group = group;
    e.G = G;
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
        e.kw = N;
    }
    e.owners.assign(size_t(P), -1);
    e.masks.assign(size_t(P) * N, 0);
    e.weights.assign(size_t(P) * N, 0.0f);
    e.wc.assign(size_t(N), 0.0f);
    e.route.assign(size_t(N), -1);
    e.products_per_slot.assign(size_t(P), 0);
    std::vector<int> count(size_t(N), 0);
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
            ++e.products_per_slot[size_t(r)];
            ++count[size_t(n)];
        }
    }
    for (int n = 0; n < N; ++n) {
        e.collisions += count[size_t(n)] > 1;
        e.uncovered += count[size_t(n)] == 0;
    }
    e.x.assign(size_t(N), 0.0f);
    e.winners.assign(size_t(N), 0);
    e.products.assign(size_t(N), 0.0f);
    e.partial_sums.assign(size_t(P), 0.0f);
    e.bias.assign(size_t(P), 0.0f);
    e.outputs.assign(size_t(P), 0.0f);
    e.reference.assign(size_t(P), 0.0f);
    e.macs_dense = double(P) * N;
    out->e = std::move(e);
    out->owners_count = std::move(count);
    return true;
}

} // namespace gui
