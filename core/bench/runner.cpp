#include "bench/runner.h"

#include "bench/cpu_info.h"
#include "bench/stats.h"
#include "engines/blas_env.h"
#include "model/summary.h"
#include "util/sha256.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <cstdio>
#include <ctime>
#include <exception>
#include <map>
#include <memory>

#ifndef SPARSESCOPE_BUILD_TYPE
#define SPARSESCOPE_BUILD_TYPE ""
#endif
#ifndef SPARSESCOPE_VERSION
#define SPARSESCOPE_VERSION "unknown"
#endif
#if __has_include("git_commit.h")
#include "git_commit.h" // generated at build time (core/bench/git_commit.cmake)
#endif
#ifndef SPARSESCOPE_GIT_COMMIT
#define SPARSESCOPE_GIT_COMMIT ""
#endif

namespace ss {

namespace {

using Clock = std::chrono::steady_clock;

double secondsBetween(Clock::time_point a, Clock::time_point b)
{
    return std::chrono::duration<double>(b - a).count();
}

std::string isoLocalNow()
{
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    // ISO 8601's extended offset (+02:00); strftime's %z gives +0200.
    const long offset_min = tm.tm_gmtoff / 60;
    const long abs_min = offset_min < 0 ? -offset_min : offset_min;
    char buf[80];
    std::snprintf(buf, sizeof buf, "%s%c%02d:%02d", date, offset_min < 0 ? '-' : '+', int(abs_min / 60), int(abs_min % 60));
    return buf;
}

std::string hostName()
{
    char buf[HOST_NAME_MAX + 1] = {};
    if (gethostname(buf, sizeof buf - 1) != 0)
        return "unknown";
    return buf;
}

std::string executablePath()
{
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

std::string formatSeconds(double s)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f s", s);
    return buf;
}

// Everything the runner keeps about one engine while the suite runs.
struct TargetState {
    Engine* engine = nullptr;
    std::unique_ptr<EnergyMeter> meter;
    std::string energy_failure;
    std::vector<double> latencies; // seconds per infer() call
    int64_t calls = 0, items = 0;
    double engine_seconds = 0, warmup_seconds = 0, energy_j = 0;
    size_t cursor = 0;             // next pool item
    std::vector<float> staging;    // used when a batch wraps around the end of the pool
    std::vector<float> logits;
    std::string error;
    bool done = false;
    int64_t reported_items = 0;
    double reported_seconds = 0;
    std::vector<ThroughputSample> throughput;
};

class Runner {
public:
    Runner(const std::vector<BenchTarget>& targets, const Model& model, const std::vector<float>& inputs,
           const BenchConfig& config, const std::function<void(const BenchProgress&)>& progress,
           const std::atomic<bool>* cancel)
        : targets_(targets), model_(model), inputs_(inputs), config_(config), progress_(progress), cancel_(cancel)
    {
        // The bound's a is the model's (DESIGN: a = K/N of the k-WTA feeding a layer, 1 for the
        // spectrogram), the same on every device; the engines' measured a is reported beside it
        // (on fpga-sim the int8 spectrogram has zeros that are a rounding artefact, not sparsity).
        for (const LayerSummary& l : summarize(model).layers)
            model_a_[l.name] = l.input_density;
    }

    std::vector<BenchResult> run();

private:
    bool cancelled() const { return cancel_ && cancel_->load(std::memory_order_relaxed); }
    std::string validate() const;
    const float* nextBatch(TargetState& t);
    // One timed call; false (and t.error set) when the engine failed.
    bool call(TargetState& t, double* call_seconds);
    // Counts one measured call of call_seconds.
    void record(TargetState& t, double call_seconds);
    void warmUp(int i);
    void runSlice(int i, double slice_seconds);
    void report(int i, bool warming_up, bool force);
    BenchResult collect(int i) const;

    const std::vector<BenchTarget>& targets_;
    const Model& model_;
    std::map<std::string, double> model_a_; // layer name -> the model's a
    const std::vector<float>& inputs_;
    const BenchConfig& config_;
    const std::function<void(const BenchProgress&)>& progress_;
    const std::atomic<bool>* cancel_;

    std::vector<TargetState> states_;
    size_t item_size_ = 0, pool_items_ = 0;
    int batch_ = 1;
    Clock::time_point measure_start_{};
    bool measuring_ = false;
    Clock::time_point last_report_{};
};

std::string Runner::validate() const
{
    if (config_.batch < 1)
        return "The batch size must be at least 1 (got " + std::to_string(config_.batch) + ").";
    if (model_.input.size() <= 0)
        return "The model '" + model_.name + "' has no input shape.";
    if (inputs_.empty() || inputs_.size() % size_t(model_.input.size()) != 0)
        return "The input pool holds " + std::to_string(inputs_.size()) +
               " floats, which is not a whole, non-zero number of items of " + model_.input.toString() + ".";
    return {};
}

const float* Runner::nextBatch(TargetState& t)
{
    const float* ptr;
    if (t.cursor + size_t(batch_) <= pool_items_) {
        ptr = inputs_.data() + t.cursor * item_size_; // contiguous: no copy
    } else {
        // The batch wraps around the pool: gather it (outside the timed region).
        for (int b = 0; b < batch_; ++b) {
            const size_t item = (t.cursor + size_t(b)) % pool_items_;
            std::copy_n(inputs_.data() + item * item_size_, item_size_, t.staging.data() + size_t(b) * item_size_);
        }
        ptr = t.staging.data();
    }
    t.cursor = (t.cursor + size_t(batch_)) % pool_items_;
    return ptr;
}

bool Runner::call(TargetState& t, double* call_seconds)
{
    const float* input = nextBatch(t);
    Status status;
    const auto t0 = Clock::now();
    try {
        status = t.engine->infer(input, batch_, t.logits.data());
    } catch (const std::exception& e) {
        // Engines promise not to throw; one that does is reported like any failure.
        status = runtimeError(std::string("The engine threw an exception: ") + e.what() + ".");
    } catch (...) {
        status = runtimeError("The engine threw an unknown exception.");
    }
    *call_seconds = secondsBetween(t0, Clock::now());
    if (!status) {
        t.error = status.message();
        t.done = true;
        return false;
    }
    return true;
}

void Runner::report(int i, bool warming_up, bool force)
{
    if (!progress_)
        return;
    const auto now = Clock::now();
    if (!force && secondsBetween(last_report_, now) < 0.1)
        return;
    last_report_ = now;
    TargetState& t = states_[size_t(i)];
    BenchProgress p;
    p.engine_index = i;
    p.engine = targets_[size_t(i)].engine;
    p.warming_up = warming_up;
    p.elapsed_seconds = measuring_ ? secondsBetween(measure_start_, now) : 0.0;
    p.engine_seconds = t.engine_seconds;
    p.items = t.items;
    const double dt = t.engine_seconds - t.reported_seconds;
    p.items_per_second = dt > 0 ? double(t.items - t.reported_items) / dt
                                : (t.engine_seconds > 0 ? double(t.items) / t.engine_seconds : 0.0);
    t.reported_items = t.items;
    t.reported_seconds = t.engine_seconds;
    const double per_target = std::max(1e-9, config_.warmup_seconds + config_.seconds);
    double done = 0;
    for (const TargetState& s : states_)
        done += s.done ? per_target
                       : std::min(s.warmup_seconds, config_.warmup_seconds) +
                             std::min(s.engine_seconds, config_.seconds);
    p.fraction_done = std::clamp(done / (per_target * double(states_.size())), 0.0, 1.0);
    progress_(p);
}

void Runner::warmUp(int i)
{
    TargetState& t = states_[size_t(i)];
    const auto start = Clock::now();
    // At least one call, so that lazy allocations inside the engine happen before measurement.
    // A first call that alone lasts the whole measured time (a huge batch, a slow engine) is the
    // measurement: its cold start is small against its length, and running it twice would make a
    // run last twice --seconds or more. So --seconds bounds a run to max(seconds, one call) per engine.
    bool first = true;
    do {
        if (cancelled())
            return;
        bool metering = first && t.energy_failure.empty();
        if (metering)
            if (Status m = t.meter->start(); !m) {
                t.energy_failure = m.message();
                metering = false;
            }
        double s = 0;
        const bool ok = call(t, &s);
        if (metering) {
            auto joules = t.meter->stopJoules();
            if (ok && s >= config_.seconds) {
                if (joules)
                    t.energy_j += *joules;
                else
                    t.energy_failure = joules.message();
            }
        }
        if (!ok)
            return;
        if (first && s >= config_.seconds) {
            t.warmup_seconds = 0;
            record(t, s);
            t.done = true;
            t.throughput.push_back({0.0, double(batch_) / s});
            report(i, false, true);
            return;
        }
        first = false;
        t.warmup_seconds = secondsBetween(start, Clock::now());
        report(i, true, false);
    } while (t.warmup_seconds < config_.warmup_seconds);
    // Counters cover the measured calls only.
    t.engine->resetStats();
}

void Runner::record(TargetState& t, double call_seconds)
{
    t.latencies.push_back(call_seconds);
    t.engine_seconds += call_seconds;
    t.items += batch_;
    ++t.calls;
}

void Runner::runSlice(int i, double slice_seconds)
{
    TargetState& t = states_[size_t(i)];
    // The meter brackets this engine's slices only, so each engine is charged for its own time.
    const bool metering = t.energy_failure.empty();
    if (metering)
        if (Status s = t.meter->start(); !s)
            t.energy_failure = s.message();
    const auto slice_start = Clock::now();
    const int64_t slice_items = t.items;
    const double slice_engine_seconds = t.engine_seconds;
    while (!cancelled()) {
        double s = 0;
        if (!call(t, &s))
            break;
        record(t, s);
        if (t.engine_seconds >= config_.seconds) {
            t.done = true;
            break;
        }
        report(i, false, false);
        if (secondsBetween(slice_start, Clock::now()) >= slice_seconds)
            break;
    }
    if (t.error.empty() && t.engine_seconds > slice_engine_seconds && t.throughput.size() < kMaxThroughputSamples)
        t.throughput.push_back({secondsBetween(measure_start_, Clock::now()),
                                double(t.items - slice_items) / (t.engine_seconds - slice_engine_seconds)});
    if (metering && t.energy_failure.empty()) {
        auto joules = t.meter->stopJoules();
        if (joules)
            t.energy_j += *joules;
        else
            t.energy_failure = joules.message();
    }
    if (t.done && t.error.empty())
        report(i, false, true); // the last point of this engine's line
}

BenchResult Runner::collect(int i) const
{
    const BenchTarget& target = targets_[size_t(i)];
    const TargetState& t = states_[size_t(i)];
    BenchResult r;
    r.engine = target.engine;
    r.device = target.device;
    r.batch = config_.batch;
    r.threads = config_.threads;
    r.error = t.error;
    if (!t.engine)
        return r;
    r.isa = t.engine->isa();
    r.items = t.items;
    r.iterations = t.calls;
    r.seconds = t.engine_seconds;
    r.items_per_second = t.engine_seconds > 0 ? double(t.items) / t.engine_seconds : 0.0;
    std::vector<double> ms;
    ms.reserve(t.latencies.size());
    for (double s : t.latencies)
        ms.push_back(s * 1e3);
    r.latency_p50_ms = percentile(ms, 50);
    r.latency_p90_ms = percentile(ms, 90);
    r.latency_p99_ms = percentile(ms, 99);
    r.throughput = t.throughput;
    if (t.meter) {
        r.energy_source = t.meter->source();
        r.energy_meter = t.meter->name();
        if (!t.energy_failure.empty())
            r.energy_meter += " (failed: " + t.energy_failure + ")";
        else if (t.items > 0)
            r.energy_j_per_item = t.energy_j / double(t.items);
    }
    // The engine counts MACs and measures activation density itself; the runner only normalises.
    for (const LayerStats& s : t.engine->layerStats()) {
        LayerResult l;
        l.stats = s;
        l.macs_executed_per_item = s.macsExecutedPerItem();
        l.input_density = s.inputDensity();
        l.macs_bound_per_item = s.macsBoundPerItem();
        // A fused step ("cnn1+cnn1_batchnorm+cnn1_maxpool") is named after its weighted layer first.
        if (auto a = model_a_.find(s.layer.substr(0, s.layer.find('+'))); a != model_a_.end() && s.weighted)
            l.macs_bound_per_item = s.macs_dense * s.weight_density * a->second;
        l.seconds_per_item = s.items ? s.seconds / double(s.items) : 0.0;
        r.macs_dense += s.macs_dense;
        r.macs_executed += l.macs_executed_per_item;
        r.macs_bound += l.macs_bound_per_item;
        r.layers.push_back(std::move(l));
    }
    if (r.layers.empty())
        r.macs_dense = model_.macsDense(); // a fact of the model; executed/bound stay unknown (0)
    return r;
}

std::vector<BenchResult> Runner::run()
{
    const int n = int(targets_.size());
    states_.resize(size_t(n));
    const std::string invalid = validate();
    batch_ = std::max(1, config_.batch);
    if (invalid.empty()) {
        item_size_ = size_t(model_.input.size());
        pool_items_ = inputs_.size() / item_size_;
    }
    size_t logits_size = size_t(std::max(1, model_.numClasses()));
    if (!model_.layers.empty())
        logits_size = std::max(logits_size, size_t(std::max<int64_t>(1, model_.layers.back().out_shape.size())));

    std::string why_not_measured;
    for (int i = 0; i < n; ++i) {
        TargetState& t = states_[size_t(i)];
        t.engine = targets_[size_t(i)].engine_ptr;
        if (!invalid.empty()) {
            t.error = invalid;
        } else if (!t.engine) {
            t.error = "The engine '" + targets_[size_t(i)].engine + "' was not prepared.";
        } else {
            t.meter = chooseEnergyMeter(config_.watts_per_core, &why_not_measured);
            t.cursor = size_t(config_.seed % pool_items_);
            t.staging.resize(size_t(batch_) * item_size_);
            t.logits.resize(size_t(batch_) * logits_size);
            t.latencies.reserve(4096);
        }
        t.done = !t.error.empty();
    }

    for (int i = 0; i < n && !cancelled(); ++i)
        if (!states_[size_t(i)].done)
            warmUp(i);

    // Slices of ~100 ms amortise the cache refill after each switch (and RAPL's ~1 ms update
    // granularity), yet give every engine at least ~10 turns in short runs.
    const double slice = std::clamp(config_.seconds / 10.0, 0.02, 0.1);
    measure_start_ = Clock::now();
    measuring_ = true;
    bool any = true;
    while (any && !cancelled()) {
        any = false;
        for (int i = 0; i < n && !cancelled(); ++i) {
            if (states_[size_t(i)].done)
                continue;
            any = true;
            runSlice(i, slice);
        }
    }

    std::vector<BenchResult> results;
    results.reserve(size_t(n));
    for (int i = 0; i < n; ++i) {
        TargetState& t = states_[size_t(i)];
        if (!t.done && t.error.empty())
            t.error = "Cancelled after " + formatSeconds(t.engine_seconds) + " of the " +
                      formatSeconds(config_.seconds) + " run; the figures cover only that part.";
        results.push_back(collect(i));
    }
    return results;
}

} // namespace

BenchContext makeContext(const std::string& model_path, const Model& model)
{
    const CpuInfo& cpu = cpuInfo();
    BenchContext c;
    c.date = isoLocalNow();
    c.host = hostName();
    c.executable = executablePath();
    c.model_path = model_path;
    c.model_name = model.name;
    c.model_trained = model.trained();
    c.cpu = cpu.model_name;
    c.isa = cpu.best_isa;
    c.build_type = SPARSESCOPE_BUILD_TYPE;
    c.version = SPARSESCOPE_VERSION;
    c.cores = cpu.logical_cores;
    c.mhz = cpu.mhz;
    c.governor = cpu.governor;
    c.l1d = cpu.l1d;
    c.l2 = cpu.l2;
    c.l3 = cpu.l3;
    c.blas = blasCoreName();
#if defined(__clang__)
    c.compiler = "Clang " __clang_version__;
#elif defined(__GNUC__)
    c.compiler = "GCC " __VERSION__;
#endif
    c.git_commit = SPARSESCOPE_GIT_COMMIT;
    if (!model_path.empty())
        if (auto hash = sha256File(model_path))
            c.model_sha256 = *hash;
    for (const LayerSummary& l : summarize(model).layers) {
        ModelLayerInfo info;
        info.name = l.name;
        info.type = l.type;
        info.weight_density = l.weight_density;
        info.P = l.P;
        info.k = l.k_inference;
        info.input_density = l.input_density;
        info.input_density_exact = l.input_density_exact;
        info.macs_dense = l.macs_dense;
        info.macs_bound = l.macs_bound;
        c.model_layers.push_back(std::move(info));
    }

    // Google Benchmark's lesson: say loudly when the numbers should not be trusted.
    const std::string bt = lower(c.build_type);
#ifdef NDEBUG
    const bool asserts = false;
#else
    const bool asserts = true;
#endif
    if (bt == "debug" || (bt.empty() && asserts))
        c.warnings.push_back("debug build: timings are not meaningful; build with -DCMAKE_BUILD_TYPE=Release.");
    if (!c.governor.empty() && c.governor != "performance")
        c.warnings.push_back("CPU scaling governor is '" + c.governor +
                             "': the clock changes with load, so absolute timings vary; ratios between "
                             "engines (run side by side) are less affected.");
    if (lower(c.blas) == "prescott")
        c.warnings.push_back("OpenBLAS runs its generic Prescott kernels on this CPU, so the torch engine's matrix "
                             "products are slower than they could be; set OPENBLAS_CORETYPE (e.g. SkylakeX or Haswell).");
    auto rapl = RaplMeter::open();
    if (!rapl)
        c.warnings.push_back("energy is estimated (process CPU time x watts per core), not measured: " +
                             rapl.message());
    return c;
}

std::vector<BenchResult> runBenchmark(const std::vector<BenchTarget>& targets, const Model& model,
                                      const std::vector<float>& inputs, const BenchConfig& config,
                                      const std::function<void(const BenchProgress&)>& progress,
                                      const std::atomic<bool>* cancel)
{
    try {
        return Runner(targets, model, inputs, config, progress, cancel).run();
    } catch (const std::exception& e) {
        // Only allocation failures (or a throwing progress callback) can get here.
        std::vector<BenchResult> failed(targets.size());
        for (size_t i = 0; i < targets.size(); ++i) {
            failed[i].engine = targets[i].engine;
            failed[i].device = targets[i].device;
            failed[i].batch = config.batch;
            failed[i].threads = config.threads;
            failed[i].error = std::string("The benchmark stopped: ") + e.what() + ".";
        }
        return failed;
    }
}

} // namespace ss
