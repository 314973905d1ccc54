// Test helper shared by tst_fpga and tst_hls_grid.
#pragma once

#include "engines/quantised.h"

#include <cmath>
#include <random>

namespace ss::test {

// Per-output requantisation as per-channel weight scales give it: multipliers spread over three
// decades (shifts from about 38 to 49), so that a kernel using another channel's mult/shift, or
// one per layer, cannot pass.
inline void setRequant(q8::QWeighted& L, int M, std::mt19937_64& rng)
{
    std::uniform_real_distribution<double> e(std::log(2e-6), std::log(5e-3));
    L.mult.resize(size_t(M));
    L.shift.resize(size_t(M));
    for (int o = 0; o < M; ++o) {
        int sh = 1;
        q8::multiplierFromReal(std::exp(e(rng)), &L.mult[size_t(o)], &sh);
        L.shift[size_t(o)] = uint8_t(sh);
    }
}

} // namespace ss::test
