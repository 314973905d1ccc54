#include "bench/cpu_info.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <cstdlib>
#include <thread>

#include "util/text.h"

namespace ss {

namespace {

std::string trim(const std::string& s) { return trimBlanks(s); }

std::string readFirstLine(const std::string& path)
{
    std::ifstream f(path);
    std::string line;
    if (f)
        std::getline(f, line);
    return trim(line);
}

// sysfs cache sizes look like "48K" or "2048K" (or, rarely, "32M").
size_t parseCacheSize(const std::string& s)
{
    if (s.empty())
        return 0;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
    size_t mult = 1;
    if (end && (*end == 'K' || *end == 'k'))
        mult = 1024;
    else if (end && (*end == 'M' || *end == 'm'))
        mult = 1024 * 1024;
    return size_t(v) * mult;
}

void detectCaches(CpuInfo& ci)
{
    // sysfs describes every cache of cpu0; sysconf's _SC_LEVEL*_CACHE_SIZE is a glibc extension
    // that returns 0 in many VMs and containers, so it is only the fallback.
    for (int i = 0; i < 16; ++i) {
        const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
        const std::string level = readFirstLine(dir + "level");
        if (level.empty())
            break;
        const std::string type = readFirstLine(dir + "type");
        const size_t size = parseCacheSize(readFirstLine(dir + "size"));
        if (level == "1" && (type == "Data" || type == "Unified"))
            ci.l1d = size;
        else if (level == "2")
            ci.l2 = size;
        else if (level == "3")
            ci.l3 = size;
    }
#ifdef _SC_LEVEL1_DCACHE_SIZE
    if (!ci.l1d)
        ci.l1d = size_t(std::max(0L, sysconf(_SC_LEVEL1_DCACHE_SIZE)));
    if (!ci.l2)
        ci.l2 = size_t(std::max(0L, sysconf(_SC_LEVEL2_CACHE_SIZE)));
    if (!ci.l3)
        ci.l3 = size_t(std::max(0L, sysconf(_SC_LEVEL3_CACHE_SIZE)));
#endif
}

void detectIsa(CpuInfo& ci)
{
#if defined(__x86_64__) || defined(__i386__)
    // __builtin_cpu_supports needs a string literal, hence the macro.
    __builtin_cpu_init();
#define SS_CHECK_ISA(name)                  \
    if (__builtin_cpu_supports(name))       \
        ci.isa.emplace_back(name);
    SS_CHECK_ISA("sse4.2")
    SS_CHECK_ISA("avx")
    SS_CHECK_ISA("avx2")
    SS_CHECK_ISA("fma")
    SS_CHECK_ISA("avx512f")
    SS_CHECK_ISA("avx512bw")
    SS_CHECK_ISA("avx512vl")
    SS_CHECK_ISA("avx512dq")
    SS_CHECK_ISA("avx512cd")
    SS_CHECK_ISA("avx512vnni")
    SS_CHECK_ISA("avx512bf16")
#undef SS_CHECK_ISA
#endif
    if (ci.has("avx512f") && ci.has("avx512bw") && ci.has("avx512vl") && ci.has("avx512dq"))
        ci.best_isa = "avx512";
    else if (ci.has("avx2") && ci.has("fma"))
        ci.best_isa = "avx2";
    else
        ci.best_isa = "scalar";
}

void detectProcCpuinfo(CpuInfo& ci)
{
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        const std::string key = trim(line.substr(0, colon));
        const std::string value = trim(line.substr(colon + 1));
        if (ci.model_name.empty() && key == "model name")
            ci.model_name = value;
        else if (ci.mhz == 0 && key == "cpu MHz")
            ci.mhz = std::strtod(value.c_str(), nullptr);
    }
    if (ci.model_name.empty())
        ci.model_name = "unknown";
    // cpufreq's maximum is the better figure when present: "cpu MHz" is a momentary sample.
    const std::string max_khz = readFirstLine("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
    if (!max_khz.empty())
        ci.mhz = std::strtod(max_khz.c_str(), nullptr) / 1000.0;
}

CpuInfo detect()
{
    CpuInfo ci;
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    ci.logical_cores = online > 0 ? int(online) : int(std::max(1u, std::thread::hardware_concurrency()));
    detectProcCpuinfo(ci);
    detectIsa(ci);
    ci.governor = readFirstLine("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
    detectCaches(ci);
    return ci;
}

} // namespace

bool CpuInfo::has(const std::string& ext) const
{
    return std::find(isa.begin(), isa.end(), ext) != isa.end();
}

const CpuInfo& cpuInfo()
{
    static const CpuInfo info = detect(); // magic static: detected once, thread-safe
    return info;
}

std::string formatBytes(size_t bytes)
{
    if (bytes == 0)
        return "unknown";
    char buf[32];
    if (bytes % (1024 * 1024) == 0)
        std::snprintf(buf, sizeof buf, "%zu MiB", bytes / (1024 * 1024));
    else if (bytes % 1024 == 0)
        std::snprintf(buf, sizeof buf, "%zu KiB", bytes / 1024);
    else
        std::snprintf(buf, sizeof buf, "%zu B", bytes);
    return buf;
}

} // namespace ss
