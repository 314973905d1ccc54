// Runs prepared engines side by side and produces one result record per engine (STYLE.md
// practice 8: one record, many reporters). The record is what the console, JSON, CSV, HTML
// reporters and the GUI's charts all read.
//
// Method (why): engines are warmed up, then run INTERLEAVED in short round-robin time slices until
// each has had `seconds` of run time. Machine noise (turbo, thermal state, other processes) then
// hits every engine alike, so the ratios between engines — the figures this tool is about — are
// fair even when the absolute numbers drift.
#pragma once

#include "bench/energy.h"
#include "engines/engine.h"
#include "model/model.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ss {

struct BenchConfig {
    int batch = 1;               // items per infer() call
    int threads = 1;             // what the engines were prepared with (recorded, not applied here)
    double seconds = 3.0;        // run time per engine, excluding warm-up
    double warmup_seconds = 0.3; // per engine, before the counters are reset
    double watts_per_core = kDefaultWattsPerCore; // only used when energy cannot be measured
    uint64_t seed = 1;           // every engine walks the input pool from item (seed % pool size)
};

struct BenchTarget {
    std::string engine;           // registry name, e.g. "sparse-sparse"
    std::string device = "cpu";
    Engine* engine_ptr = nullptr; // prepared by the caller, not owned
};

struct LayerResult {
    LayerStats stats;             // as reported by the engine (sums over the measured items)
    double macs_executed_per_item = 0;
    double macs_bound_per_item = 0; // a * w of dense with the model's a (k/n; 1 for the spectrogram), the same on every device
    double input_density = 1;
    double seconds_per_item = 0;
};

// One point of "throughput over time": the rate over one of the engine's time slices, at the wall
// time (since the measured phase began) the slice ended.
struct ThroughputSample {
    double elapsed_seconds = 0;
    double items_per_second = 0;
};

struct BenchResult {
    std::string engine, device;
    int batch = 1, threads = 1;
    int64_t items = 0, iterations = 0; // iterations = infer() calls
    double seconds = 0;                // time spent inside infer()
    double items_per_second = 0;
    double latency_p50_ms = 0, latency_p90_ms = 0, latency_p99_ms = 0; // per infer() call
    double macs_dense = 0, macs_executed = 0, macs_bound = 0;          // per item, network totals
    double energy_j_per_item = 0;
    FigureSource energy_source = FigureSource::Estimated;
    std::string energy_meter;
    std::string isa;
    std::vector<LayerResult> layers;
    std::vector<ThroughputSample> throughput; // per slice, at most kMaxThroughputSamples
    std::string error; // non-empty = the run failed (or was cancelled); reported, not aborted

    bool ok() const { return error.empty(); }
};

inline constexpr size_t kMaxThroughputSamples = 2000;

struct BenchProgress {
    int engine_index = 0;          // index into the targets
    std::string engine;
    bool warming_up = false;
    double elapsed_seconds = 0;    // wall time since the measured phase began (0 while warming up)
    double engine_seconds = 0;     // this engine's time inside infer() so far
    int64_t items = 0;             // this engine's items so far
    double items_per_second = 0;   // this engine's rate since its previous report ("current")
    double fraction_done = 0;      // of the whole suite, for a progress bar
};

// One layer of the model as `info` shows it (model/summary.h), kept in the report so that a report
// read back elsewhere still describes its model.
struct ModelLayerInfo {
    std::string name, type;
    double weight_density = 1; // w
    int P = 1;
    int k = 0;                 // k-WTA layers: k at inference
    double input_density = 1;  // nominal a
    bool input_density_exact = true;
    double macs_dense = 0, macs_bound = 0;
};

// The FPGA resource plan of one engine on one part (fpga/model/perf_model.h); every figure modelled.
struct FpgaPlanEntry {
    std::string engine, part;
    int instances = 0;
    bool fits = false;
    std::string limiting;
    double clock_mhz = 0;
    double items_per_s_instance = 0, items_per_s_chip = 0;
    double latency_ms = 0, power_w_chip = 0, energy_j_per_item_chip = 0;
};

// Where and how a report was made (Google Benchmark's "context"), with the warnings a reader must
// see before trusting the numbers.
struct BenchContext {
    std::string date;       // ISO 8601, local time with offset
    std::string host;
    std::string executable;
    std::string model_path;
    std::string model_name;
    bool model_trained = false;
    std::string cpu;        // CPU model name
    std::string isa;        // best kernel ISA of this CPU
    std::string build_type; // SPARSESCOPE_BUILD_TYPE
    std::string version;    // SPARSESCOPE_VERSION
    int cores = 0;          // logical cores
    double mhz = 0;
    std::string governor;
    size_t l1d = 0, l2 = 0, l3 = 0; // bytes
    std::string blas;       // OpenBLAS core libtorch's GEMMs use ("" when OpenBLAS is not loaded)
    std::string compiler;   // e.g. "GCC 12.2.0"
    std::string git_commit; // of the source tree when the build was configured ("" when unknown)
    std::string model_sha256;
    std::vector<ModelLayerInfo> model_layers; // empty in reports written before they were recorded
    std::vector<FpgaPlanEntry> fpga_plan;     // only when the run was on an FPGA device
    std::vector<std::string> warnings;
};

BenchContext makeContext(const std::string& model_path, const Model& model);

// inputs: a pool of items, inputs.size() == n_items * model.input.size(); each call takes `batch`
// items cyclically from the pool. progress is called from this thread at least every ~100 ms.
// cancel is polled between infer() calls; a cancelled run returns promptly with partial figures
// and an error saying it was cancelled. Never throws.
std::vector<BenchResult> runBenchmark(const std::vector<BenchTarget>& targets, const Model& model,
                                      const std::vector<float>& inputs, const BenchConfig& config,
                                      const std::function<void(const BenchProgress&)>& progress = {},
                                      const std::atomic<bool>* cancel = nullptr);

} // namespace ss
