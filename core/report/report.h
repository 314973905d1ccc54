// Reporters over the one benchmark record (STYLE.md practice 8): JSON (with context and a schema
// version, readable back so the GUI can open a report written headless), CSV and a console table.
// All of them label every energy figure with its source.
#pragma once

#include "bench/runner.h"
#include "util/status.h"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ss {

inline constexpr int kBenchSchemaVersion = 1;

using BenchReport = std::pair<BenchContext, std::vector<BenchResult>>;

// {"schema_version": 1, "context": {...}, "benchmarks": [...]}; docs/report-format.md lists the keys.
nlohmann::json benchToJson(const BenchContext& context, const std::vector<BenchResult>& results);
// Refuses a wrong schema_version or malformed content with one sentence; never throws.
Result<BenchReport> benchFromJson(const nlohmann::json& report);
// Parses JSON text first (where names the file in the error).
Result<BenchReport> benchFromJsonText(const std::string& text, const std::string& where = {});
Result<BenchReport> readBenchReport(const std::string& path);

// Writes to a temporary file beside `path`, then renames it over `path`, so that a reader never
// sees half a report and a failed write leaves any old file intact. The error names the path.
Status writeTextFileAtomic(const std::string& path, const std::string& content);

// One row per engine and one per layer, with a header; see benchCsvHeader().
std::string benchToCsv(const BenchContext& context, const std::vector<BenchResult>& results);
std::string benchCsvHeader();

// A readable summary: context and warnings, the engine table with "x dense"/"x torch" ratio columns,
// then a per-layer table per engine (MACs executed vs dense, bound 1/(a*w), achieved, % of bound).
std::string benchToConsole(const BenchContext& context, const std::vector<BenchResult>& results);

// The row of `baseline_engine` run with the same batch and threads as `r` (same device preferred),
// when it succeeded; nullptr otherwise.
const BenchResult* findBaseline(const std::vector<BenchResult>& results, const BenchResult& r,
                                const std::string& baseline_engine);
// items/s of r over items/s of the baseline row; nullopt when there is no usable baseline.
std::optional<double> speedupVs(const std::vector<BenchResult>& results, const BenchResult& r,
                                const std::string& baseline_engine);
// The layer's dense time per item over its time per item in r (the baseline's layer of the same
// name, or the baseline's rows that together hold exactly this fused row's layers); nullopt when
// either is missing.
std::optional<double> layerSpeedupVs(const BenchResult* baseline, const LayerResult& layer);
// 1 / (a * w) for a weighted layer; nullopt for layers without weights or with a zero bound.
std::optional<double> boundSpeedup(const LayerResult& layer);

} // namespace ss
