#include "bench/energy.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace ss {

const char* sourceName(FigureSource s)
{
    switch (s) {
    case FigureSource::Measured: return "measured";
    case FigureSource::Modelled: return "modelled";
    case FigureSource::Estimated: return "estimated";
    }
    return "estimated";
}

bool parseFigureSource(const std::string& s, FigureSource* out)
{
    for (FigureSource f : {FigureSource::Measured, FigureSource::Modelled, FigureSource::Estimated}) {
        if (s == sourceName(f)) {
            *out = f;
            return true;
        }
    }
    return false;
}

namespace {

// Reads a small sysfs file with POSIX calls so that errno (EACCES in particular) survives; a
// std::ifstream would only say "failed".
bool readSysfsU64(const std::string& path, uint64_t* value, int* err)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *err = errno;
        return false;
    }
    char buf[64] = {};
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    const int read_errno = errno;
    ::close(fd);
    if (n <= 0) {
        *err = n < 0 ? read_errno : EIO;
        return false;
    }
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(buf, &end, 10);
    if (end == buf || errno != 0) {
        *err = EINVAL;
        return false;
    }
    *value = v;
    return true;
}

std::string readSysfsString(const std::string& path)
{
    std::string out;
    if (FILE* f = std::fopen(path.c_str(), "re")) {
        char buf[128] = {};
        if (std::fgets(buf, sizeof buf, f))
            out = buf;
        std::fclose(f);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' '))
        out.pop_back();
    return out;
}

// "intel-rapl:0" is a package domain; "intel-rapl:0:1" is a subdomain (core, uncore, dram) whose
// energy is already inside its package, and "intel-rapl-mmio:0" duplicates the package counter on
// newer kernels. Only the first kind is summed, or energy would be counted twice.
bool isPackageDomain(const std::string& entry, int* index)
{
    static const std::string prefix = "intel-rapl:";
    if (entry.rfind(prefix, 0) != 0 || entry.size() == prefix.size())
        return false;
    const std::string rest = entry.substr(prefix.size());
    if (!std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    *index = std::atoi(rest.c_str());
    return true;
}

double processCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

} // namespace

// ---- RaplMeter ------------------------------------------------------------------------------

RaplMeter::RaplMeter(std::string powercap_root) : root_(std::move(powercap_root)) {}

Status RaplMeter::discover()
{
    domains_.clear();
    std::vector<std::pair<int, std::string>> found;
    if (DIR* dir = ::opendir(root_.c_str())) {
        while (dirent* e = ::readdir(dir)) {
            int index = 0;
            if (isPackageDomain(e->d_name, &index))
                found.emplace_back(index, e->d_name);
        }
        ::closedir(dir);
    }
    if (found.empty())
        return unsupported("no RAPL powercap domains under " + root_ +
                               " (this CPU, kernel or virtual machine exposes no energy counters), "
                               "using an estimate instead.",
                           root_);
    std::sort(found.begin(), found.end());
    for (const auto& [index, entry] : found) {
        const std::string dir = root_ + "/" + entry;
        Domain d;
        d.name = readSysfsString(dir + "/name");
        if (d.name.empty())
            d.name = entry;
        d.energy_path = dir + "/energy_uj";
        int err = 0;
        // The range is needed only to undo a wrap-around; 0 (unreadable) disables the correction.
        if (!readSysfsU64(dir + "/max_energy_range_uj", &d.max_range_uj, &err))
            d.max_range_uj = 0;
        domains_.push_back(std::move(d));
    }
    return Status::ok();
}

Result<std::unique_ptr<RaplMeter>> RaplMeter::open(const std::string& powercap_root)
{
    auto meter = std::make_unique<RaplMeter>(powercap_root);
    if (Status s = meter->discover(); !s)
        return s;
    for (const Domain& d : meter->domains_) {
        uint64_t v = 0;
        int err = 0;
        if (readSysfsU64(d.energy_path, &v, &err))
            continue;
        if (err == EACCES || err == EPERM) {
            std::string all;
            for (const Domain& o : meter->domains_)
                all += (all.empty() ? "" : " ") + o.energy_path;
            return unsupported("The RAPL energy counter " + d.energy_path +
                                   " is readable only by root since Linux 5.10 (CVE-2020-8694); run as root or `sudo chmod o+r " +
                                   all + "` to measure energy, using an estimate instead.",
                               d.energy_path);
        }
        return runtimeError("Could not read the RAPL energy counter " + d.energy_path + " (" +
                                std::strerror(err) + "), using an estimate instead.",
                            d.energy_path);
    }
    return meter;
}

std::string RaplMeter::name() const
{
    std::string n = "rapl:";
    for (size_t i = 0; i < domains_.size(); ++i)
        n += (i ? "+" : "") + domains_[i].name;
    return n;
}

Status RaplMeter::start()
{
    if (domains_.empty())
        if (Status s = discover(); !s)
            return s;
    for (Domain& d : domains_) {
        int err = 0;
        if (!readSysfsU64(d.energy_path, &d.start_uj, &err))
            return runtimeError("Could not read the RAPL energy counter " + d.energy_path + " (" +
                                    std::strerror(err) + ").",
                                d.energy_path);
    }
    started_ = true;
    return Status::ok();
}

Result<double> RaplMeter::stopJoules()
{
    if (!started_)
        return runtimeError("The RAPL meter was stopped without being started.", root_);
    started_ = false;
    double micro_joules = 0;
    for (const Domain& d : domains_) {
        uint64_t now = 0;
        int err = 0;
        if (!readSysfsU64(d.energy_path, &now, &err))
            return runtimeError("Could not read the RAPL energy counter " + d.energy_path + " (" +
                                    std::strerror(err) + ").",
                                d.energy_path);
        // The counter wraps after max_energy_range_uj (about 262 kJ: minutes at full load). One wrap
        // between start and stop shows as a decrease; the runner's slices are ~100 ms, so two wraps
        // cannot happen.
        if (now >= d.start_uj)
            micro_joules += double(now - d.start_uj);
        else if (d.max_range_uj >= d.start_uj)
            micro_joules += double(d.max_range_uj - d.start_uj) + double(now);
        else
            micro_joules += double(now); // range unknown: the part after the wrap is a lower bound
    }
    return micro_joules * 1e-6;
}

// ---- EstimatedMeter ---------------------------------------------------------------------------

EstimatedMeter::EstimatedMeter(double watts_per_core)
    : watts_per_core_(watts_per_core > 0 ? watts_per_core : kDefaultWattsPerCore)
{
}

std::string EstimatedMeter::name() const
{
    char buf[96];
    std::snprintf(buf, sizeof buf, "estimate: %g W per busy core x process CPU time", watts_per_core_);
    return buf;
}

Status EstimatedMeter::start()
{
    start_cpu_seconds_ = processCpuSeconds();
    started_ = true;
    return Status::ok();
}

Result<double> EstimatedMeter::stopJoules()
{
    if (!started_)
        return runtimeError("The energy estimate was stopped without being started.");
    started_ = false;
    // Process CPU time counts every thread of the engine (threads > 1 costs more energy), but also
    // any other busy thread of this process (a GUI thread), which the estimate cannot separate.
    return std::max(0.0, processCpuSeconds() - start_cpu_seconds_) * watts_per_core_;
}

std::unique_ptr<EnergyMeter> chooseEnergyMeter(double watts_per_core, std::string* why_not_measured)
{
    auto rapl = RaplMeter::open();
    if (rapl) {
        if (why_not_measured)
            why_not_measured->clear();
        return std::move(rapl.value());
    }
    if (why_not_measured)
        *why_not_measured = rapl.message();
    return std::make_unique<EstimatedMeter>(watts_per_core);
}

} // namespace ss
