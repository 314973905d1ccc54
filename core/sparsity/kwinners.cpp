#include "sparsity/kwinners.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ss {

int64_t countNonzeros(const float* x, int64_t n)
{
    int64_t total = 0;
    constexpr int64_t kBlock = 4096;
    for (int64_t b = 0; b < n; b += kBlock) {
        const int64_t e = std::min(n, b + kBlock);
        int32_t c = 0;
        for (int64_t i = b; i < e; ++i)
            c += x[i] != 0.0f;
        total += c;
    }
    return total;
}

void boostFactors(const float* duty, int n, double target_density, double strength, float* out)
{
    for (int i = 0; i < n; ++i)
        out[i] = strength > 0 ? float(std::exp((target_density - double(duty[i])) * strength)) : 1.0f;
}

// The reference Select: deliberately simple (a full sort by boosted value, then index order) so
// that the engines' fast radix select (core/kernels) is checked against independent code.
int kwinnersInPlace(float* x, int n, int k, const float* boost, const int32_t* order, std::vector<float>& scratch)
{
    if (k >= n)
        return n;
    if (k <= 0) {
        std::fill(x, x + n, 0.0f);
        return 0;
    }
    scratch.resize(size_t(n));
    std::vector<int> idx(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        idx[size_t(i)] = i;
        scratch[size_t(i)] = boost ? x[i] * boost[i] : x[i];
    }
    std::sort(idx.begin(), idx.end(), [&](int a, int b) {
        if (scratch[size_t(a)] != scratch[size_t(b)])
            return scratch[size_t(a)] > scratch[size_t(b)];
        return (order ? order[a] : a) < (order ? order[b] : b);
    });
    for (int j = k; j < n; ++j)
        x[idx[size_t(j)]] = 0.0f;
    return k;
}

} // namespace ss
