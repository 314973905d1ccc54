// What the Visualiser shows for a weight-sparse layer whose masks are NOT complementary (e.g. the
// random per-output masks of gsc-sparse): the P kernels of one group of P consecutive outputs,
// overlaid as Combine would, with the positions that collide (owned by two or more outputs) and
// those no output uses. Only masks and weights are read; nothing is computed for an input.
#pragma once

#include "model/model.h"
#include "sparsity/explain.h"

#include <vector>

namespace gui {

// A weight-sparse conv or linear layer (w < 1, a mask) that is not complementary; its what-if group
// size is its declared P when > 1, else round(1/w) (at least 2).
bool isCollisionPreviewLayer(const ss::Layer& layer);
int previewGroupSize(const ss::Layer& layer);

struct MaskOverlay {
    ss::GroupExplanation e;        // masks, weights, owners, wc/route (last owner wins), collisions,
                                   // uncovered; no input (x, products and outputs are zero)
    std::vector<int> owners_count; // [N] how many of the P outputs use each position
};

// Group `group` of layer `layer_index` overlaid with its what-if P; false for a layer without a mask
// or a group out of range.
bool overlayGroup(const ss::Model& model, int layer_index, int group, MaskOverlay* out);

} // namespace gui
