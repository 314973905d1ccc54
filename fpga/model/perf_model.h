// The analytical performance, resource and power model of the fpga/hls kernels on named parts.
// Every figure it returns is MODELLED (docs/fpga-model.md gives each formula and its source).
#pragma once

#include "engines/quantised.h"
#include "util/status.h"

#include <string>
#include <vector>

namespace ss::fpga {

struct Resources {
    double lut = 0, ff = 0, bram36 = 0, uram = 0, dsp = 0;
    Resources& operator+=(const Resources& o);
};

struct Part {
    std::string id;            // "u250", "zu3eg"
    std::string name;          // "AMD Alveo U250 (XCU250)"
    Resources total;           // whole device
    double kernel_fraction = 1;// share left to user kernels (the Alveo shell takes the rest)
    double util_limit = 0.8;   // placement/routing headroom per resource
    double clock_mhz = 300;
    double static_w = 0;       // board/device static power
    double host_gbps = 0;      // effective host <-> device bandwidth, GB/s
    double host_overhead_us = 0;// fixed cost per transfer (DMA set-up, run start)
    std::string sources;       // where these figures come from
    Resources available() const; // total * kernel_fraction * util_limit
};

const std::vector<Part>& parts();
const Part* findPart(const std::string& id); // nullptr when unknown

enum class Variant { Dense, SparseDense, SparseSparse };
const char* variantName(Variant v);          // "dense", "sparse-dense", "sparse-sparse"
bool variantFromEngine(const std::string& engine, Variant* out);

// How a weighted layer is laid out for the kernels under a variant.
struct LayerPlan {
    int P = 1, G = 1;
    bool sparse_input = false; // uses the cs-sparse kernel (winners list)
};
LayerPlan planLayer(const q8::QWeighted& w, Variant v);

// Per-stage parameters of a design (docs/fpga-model.md §6). The defaults are the baseline: every
// weighted layer G lanes (one per complementary group) and one output position / tap / fan-in
// position per cycle, Select 16 elements per cycle, max-pool one output per cycle.
struct StageParams {
    // weighted: MAC lanes per copy (0 = G); fewer lanes fold the G groups into ceil(G/lanes) passes.
    // Select: elements per cycle (0 = 16). Max-pool: outputs per cycle (0 = 1).
    int lanes = 0;
    // weighted only, 1 = baseline. Dense-input conv: output positions per cycle (the weight row is
    // broadcast to them). Dense-input linear: fan-in positions per cycle (one accumulator copy each,
    // summed at write-back). Sparse conv: taps per cycle (one accumulator bank copy each).
    int par = 1;
    bool operator==(const StageParams&) const = default;
};

struct StageEstimate {
    std::string name;
    std::string kernel;        // e.g. "conv.i8.cs-sparse.hls"
    double trips = 0;          // iterations of the II=1 main loop(s)
    double cycles = 0;         // latency of the stage for one item
    int lanes = 0;             // parallel MACs (unroll factor)
    double macs = 0;           // useful MACs per item
    Resources res;
    std::string note;
    StageParams params;        // the parameters this estimate was made for (lanes resolved, never 0)
    int passes = 1;            // weighted: ceil(G / lanes)
    std::string paramsText() const; // "lanes 64, 8 pos/cycle", "16 el/cycle", ...
};

struct NetworkEstimate {
    std::string part, variant;
    std::vector<StageEstimate> stages;
    Resources instance;        // one network instance
    Resources available;
    int instances = 0;         // per chip, under the utilisation limits
    std::string limiting;      // resource that limits the instance count ("dsp", ...)
    bool fits = false;
    double clock_hz = 0;
    double interval_cycles = 0;// slowest stage: layers run as a DATAFLOW pipeline
    double latency_s = 0;      // one item: sum of stages + host transfer
    double transfer_s = 0;     // host <-> device per item
    double items_per_s_instance = 0;
    double items_per_s_chip = 0;
    double host_limited_items_per_s = 0;
    double power_w_instance = 0, power_w_chip = 0; // static + dynamic
    double energy_j_per_item_instance = 0, energy_j_per_item_chip = 0;
    const char* source = "modelled";
    std::string design = "baseline"; // "baseline" or the exploration that chose it
    int bottleneck = -1;             // index of the slowest stage
};

// The baseline design (empty `design`) or the given per-stage parameters (one per net step).
NetworkEstimate estimate(const q8::QNet& net, Variant v, const Part& part, const std::vector<StageParams>& design = {});

// ---- design-space exploration (docs/fpga-model.md §6) -------------------------------------------
// Every parameter setting the model knows for each stage (the baseline first).
std::vector<std::vector<StageParams>> stageOptions(const q8::QNet& net, Variant v);

enum class Objective {
    Throughput, // most items/s for the full chip (instances x items/s per instance, host-capped)
    Instances,  // most instances per chip at no longer an interval than the baseline
    Energy      // least energy per item with every instance running
};
bool objectiveFromName(const std::string& name, Objective* out); // "throughput", "instances", "energy"
const char* objectiveName(Objective o);

struct Exploration {
    NetworkEstimate baseline;
    NetworkEstimate fastest;  // the fastest single instance that fits the part
    NetworkEstimate chosen;   // the best full-chip design under the objective
    bool found = false;       // some design fits the part
    std::string objective;
    double space = 0;         // designs in the space (product of the stages' option counts)
    long evaluated = 0;       // designs evaluated on the frontier
    int intervals = 0;        // candidate intervals tried
};
// Exhaustive over the balanced frontier (for each candidate interval T, every combination of the
// stages' resource-minimal settings that meet T), which provably contains an optimum for every
// objective: any design is matched or beaten in every resource and in interval by one of them.
Exploration explore(const q8::QNet& net, Variant v, const Part& part, Objective objective);

} // namespace ss::fpga
