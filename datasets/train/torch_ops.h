// The training ops the trainer runs itself instead of libtorch's (datasets/README.md, "Speed"), and
// its optimiser update, exposed for tests/train. Needs libtorch's headers.
#pragma once

#include "datasets/train/trainer.h"

#include <torch/torch.h>

namespace ss::trainops {

// k-WTA per item (dim 0) over all other dims: keeps the k largest x * boost (boost: one factor per
// element of an item, or undefined for none), ties to the lower flat index, exactly as the engines'
// Select; returns x at the winners and 0 elsewhere, with the gradient flowing through the winners
// (a winner whose value is exactly 0 passes none: it is told from the losers by its value).
torch::Tensor kwinners(const torch::Tensor& x, int64_t k, const torch::Tensor& boost = {});

// Max-pool of an NCHW float tensor with kernel = stride = k, no padding, floor; ties go to the
// first element in row-major window order (as torch::max_pool2d). Its own backward: libtorch
// 1.13's CPU max_pool2d took ~11 ms per batch of 32 GSC items, forward and backward.
torch::Tensor maxPoolNonOverlapping(const torch::Tensor& x, int64_t k);

// Batch norm without affine parameters, training mode, of a float [N, C] or [N, C, H, W] tensor:
// normalises with the batch's per-channel mean and biased variance and updates the running
// statistics in place as libtorch does (momentum, unbiased variance). Its own forward and
// backward: for conv1's map (batch 32) the forward takes 30 us per item against libtorch 1.13's
// 85, forward and backward ~115 against ~170.
torch::Tensor batchNormTrain(const torch::Tensor& x, torch::Tensor& running_mean, torch::Tensor& running_var,
                             double momentum, double eps);

// One optimiser step for one parameter p with gradient grad, as PyTorch's optimisers do it (step is
// 1-based; m and v start as zeros shaped like p and carry the state between steps):
//  - Sgd: L2 weight decay into the gradient; momentum buffer m (PyTorch's SGD, no dampening).
//  - Adam: L2 into the gradient; bias-corrected first and second moments m, v (PyTorch's Adam,
//    betas 0.9 / 0.999, eps 1e-8).
//  - AdamW: Adam's moments with the decay decoupled: p *= 1 - lr * weight_decay before the step
//    (PyTorch's AdamW; Loshchilov & Hutter 2019).
void optimiserUpdate(Optimiser optimizer, torch::Tensor& p, const torch::Tensor& grad, torch::Tensor& m,
                     torch::Tensor& v, double lr, double momentum, double weight_decay, int64_t step);

} // namespace ss::trainops
