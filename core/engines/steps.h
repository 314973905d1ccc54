// Step builders the engines choose from, one per kernel family. An engine file only decides
// which builder each layer gets and why (LayerStats::note).
#pragma once

#include "engines/pipeline.h"
#include "sparsity/complementary.h"

namespace ss::steps {

// Dense: every weight multiplied, zeros included (SIMD gather kernels, outputs in registers).
std::unique_ptr<Step> denseConv(const WeightedOp& op, const kernels::KernelTable& k);
std::unique_ptr<Step> denseLinear(const WeightedOp& op, const kernels::KernelTable& k);

// Weight-sparse CSR, the usual approach: per output, a list of (input offset, weight).
std::unique_ptr<Step> csrConv(const WeightedOp& op);
std::unique_ptr<Step> csrLinear(const WeightedOp& op);

// Complementary Sparsity on dense inputs (sparse-dense): N*M/P multiply-accumulates.
// Shared routes: P output-stationary SIMD slots; independent routes: scalar route scatter.
std::unique_ptr<Step> csDenseInput(const WeightedOp& op, const PackedLayer& pk, const kernels::KernelTable& k);

// Complementary Sparsity on k-WTA-sparse inputs (sparse-sparse): Select the winners, then for
// each winner stream its packed row: K*M/P multiply-accumulates.
std::unique_ptr<Step> csSparseInput(const WeightedOp& op, const PackedLayer& pk, const kernels::KernelTable& k);

// For layers Complementary Sparsity cannot take (not complementary, or dense): CSR when the
// weights are sparse, dense otherwise, with the reason in the step's note.
std::unique_ptr<Step> withoutComplementarity(const WeightedOp& op, const kernels::KernelTable& k);

// Packs op into Complementary Sparsity form; false when op's masks are not complementary.
bool packComplementary(const WeightedOp& op, PackedLayer* pk);
// A dense-weight layer (P = 1, every mask entry set) packed as one slot: every output in one row per
// fan-in position, so a sparse input streams only its winners' rows (a*1 of dense). False otherwise.
bool packDenseAsOneSlot(const WeightedOp& op, PackedLayer* pk);

} // namespace ss::steps
