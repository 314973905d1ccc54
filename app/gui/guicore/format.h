// How the GUI writes numbers: one place, so the tables, charts, tooltips and tests agree.
#pragma once

#include <QString>

#include <optional>
#include <string>

namespace ss {
struct BenchContext;
struct BenchResult;
struct LayerResult;
} // namespace ss

namespace gui {

QString qs(const std::string& s);

// 10240000 -> "10.24 M", 98304 -> "98.3 k", 12 -> "12".
QString humanCount(double v);
// Densities and small ratios: 0.1 -> "0.1", 0.0956633 -> "0.0957".
QString density(double v);
// A speed-up or ratio: 6.134 -> "6.13×".
QString times(double v);
// Throughput: "1234.5 items/s", with thousands separators for large values.
QString itemsPerSecond(double v);
// Energy per item in the unit that keeps 1..1000: "12.3 mJ", "450 µJ".
QString joules(double j);
// A percentage: 0.2345 -> "23.5%".
QString percent(double fraction);

// What "bound" and "% of bound" mean, said once for every table, chart and tooltip (issue 16, point 5).
QString percentOfBoundDefinition();

// The bound, one definition on every device (issue 16, point 5): per layer a·w of its dense MACs with
// a the MODEL's activation density — k/n of the k-WTA feeding the layer, 1 for the spectrogram — as
// the Model tab and `sparsescope-cli info` show it (the report's context records it per layer). The
// engines' measured a agrees on the CPU; on fpga-sim the int8 spectrogram has zeros that made cnn1's
// measured a 0.75 and the network's bound 22× instead of 17.6×: a quantisation artefact, not sparsity.
// The model's a of a result's layer (fused names "cnn1+cnn1_batchnorm" go by their first layer).
std::optional<double> modelInputDensity(const ss::BenchContext& context, const std::string& layer);
// The bound's MACs per item of a layer; nullopt for a layer without weights or without a model a.
std::optional<double> modelBoundMacs(const ss::BenchContext& context, const ss::LayerResult& layer);
// The network's bound speed-up, dense MACs over the bound's (0 when the context has no model layers:
// a report written before they were recorded; then the engine's measured a stands in).
double modelBoundSpeedup(const ss::BenchContext& context, const ss::BenchResult& result);

} // namespace gui
