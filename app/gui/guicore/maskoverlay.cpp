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
    std::vector<int> count = ss::groupMasks(L, layer_index, group, P, &e);
    // Without an input, every masked position of a slot is one product routed to it.
    e.products_per_slot.assign(size_t(P), 0);
    for (int r = 0; r < P; ++r)
        for (int n = 0; n < N; ++n)
            e.products_per_slot[size_t(r)] += e.masks[size_t(r) * N + n];
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
