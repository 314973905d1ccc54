// SplitMix64: a tiny generator whose output is fixed by its definition, so a seed gives the same
// stream on every platform (the std:: distributions differ between standard libraries). Every
// seeded draw in SparseScope (synthetic data, silence windows, augmentation, calibration items)
// comes from it.
#pragma once

#include <cstdint>

namespace ss {

struct SplitMix64 {
    uint64_t state;
    explicit SplitMix64(uint64_t seed) : state(seed) {}
    uint64_t next()
    {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return double(next() >> 11) * 0x1.0p-53; } // [0, 1)
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    uint64_t below(uint64_t n) { return n ? next() % n : 0; }     // [0, n)
};

} // namespace ss
