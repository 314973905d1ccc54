// What the benchmarks ran on (STYLE.md practice 5): the CPU is detected once and the result goes
// into every report's context, so a figure can always be traced to its machine.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ss {

struct CpuInfo {
    std::string model_name;       // /proc/cpuinfo "model name" (or "unknown")
    int logical_cores = 1;        // online logical CPUs
    std::vector<std::string> isa; // extensions this CPU has, e.g. "avx2", "fma", "avx512f"
    // The widest kernel family the CPU can run: "avx512" needs avx512f+bw+vl+dq (what our AVX-512
    // kernels use), "avx2" needs avx2+fma, else "scalar".
    std::string best_isa = "scalar";
    double mhz = 0;               // nominal/current clock in MHz (0 when unknown)
    std::string governor;         // cpufreq scaling_governor of cpu0, "" when there is no cpufreq
    size_t l1d = 0, l2 = 0, l3 = 0; // cache sizes in bytes (0 when unknown)

    bool has(const std::string& ext) const;
};

// Detected on first use and cached for the life of the process (thread-safe).
const CpuInfo& cpuInfo();

// Human-readable byte size for caches: "48 KiB", "2 MiB".
std::string formatBytes(size_t bytes);

} // namespace ss
