// The scalar reference: the network evaluated exactly as PyTorch defines it (C,H,W layout, no
// folding, double accumulation). Every engine on every device is checked against it.
#pragma once

#include "model/model.h"
#include "util/status.h"

namespace ss {

// input: batch items of model.input; logits: batch x outputs of the last layer.
Status referenceForward(const Model& model, const float* input, int batch, float* logits);

// The same, also returning every layer's output for item 0 (for the visualiser and debugging).
Status referenceForwardTrace(const Model& model, const float* input, std::vector<std::vector<float>>* outputs);

} // namespace ss
