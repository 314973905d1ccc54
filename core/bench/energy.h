// Energy meters (STYLE.md practice 2): one small interface, a measured implementation (RAPL) and
// an estimate used when the machine cannot measure. Every figure carries its source (DESIGN.md §3:
// measured and modelled are never mixed up), so reports can always label it.
#pragma once

#include "util/status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ss {

enum class FigureSource { Measured, Modelled, Estimated };

const char* sourceName(FigureSource s); // "measured", "modelled", "estimated"
bool parseFigureSource(const std::string& s, FigureSource* out);

// Default share of package power charged to one busy core by the estimate: a modest server core
// draws roughly 5-15 W under a vectorised load (package TDP / cores, plus uncore share), so 10 W
// gives the right order of magnitude. It is an estimate, configurable (BenchConfig::watts_per_core,
// CLI --watts-per-core), and always labelled "estimated".
inline constexpr double kDefaultWattsPerCore = 10.0;

class EnergyMeter {
public:
    virtual ~EnergyMeter() = default;
    virtual std::string name() const = 0;      // e.g. "rapl:package-0+package-1"
    virtual FigureSource source() const = 0;
    virtual Status start() = 0;
    // Joules used since start(); a meter can be started and stopped many times.
    virtual Result<double> stopJoules() = 0;
};

// Package energy from the Linux powercap interface (Intel RAPL, also AMD since Linux 5.8).
// Measures the whole package(s): every core and process on them, not only this process — so it
// is a measurement of the machine while our engine ran, which is why runs should be on a quiet box.
class RaplMeter final : public EnergyMeter {
public:
    struct Domain {
        std::string name;             // contents of "name", e.g. "package-0"
        std::string energy_path;      // .../intel-rapl:N/energy_uj
        uint64_t max_range_uj = 0;    // counter wraps to 0 after this value
        uint64_t start_uj = 0;
    };

    explicit RaplMeter(std::string powercap_root = "/sys/class/powercap");
    // Finds the package domains and checks they can be read; refuses with a sentence that says why
    // and what to do (the caller falls back to an estimate).
    static Result<std::unique_ptr<RaplMeter>> open(const std::string& powercap_root = "/sys/class/powercap");

    std::string name() const override;
    FigureSource source() const override { return FigureSource::Measured; }
    Status start() override;
    Result<double> stopJoules() override;

    const std::vector<Domain>& domains() const { return domains_; }

private:
    Status discover();

    std::string root_;
    std::vector<Domain> domains_;
    bool started_ = false;
};

// Process CPU time (all threads) between start and stop times an assumed power per busy core.
// Honest about what it is: source() is Estimated and name() states the assumption.
class EstimatedMeter final : public EnergyMeter {
public:
    explicit EstimatedMeter(double watts_per_core = kDefaultWattsPerCore);

    std::string name() const override;
    FigureSource source() const override { return FigureSource::Estimated; }
    Status start() override;
    Result<double> stopJoules() override;

    double wattsPerCore() const { return watts_per_core_; }

private:
    double watts_per_core_;
    double start_cpu_seconds_ = 0;
    bool started_ = false;
};

// RAPL when it can be read, else an EstimatedMeter; *why_not_measured (if given) receives the
// sentence explaining the fallback, or "" when RAPL is used.
std::unique_ptr<EnergyMeter> chooseEnergyMeter(double watts_per_core = kDefaultWattsPerCore,
                                               std::string* why_not_measured = nullptr);

} // namespace ss
