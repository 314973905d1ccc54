#include "sparsity/kwinners.h"

#include <algorithm>
#include <cmath>

namespace ss {

void boostFactors(const float* duty, int n, double target_density, double strength, float* out)
{
    for (int i = 0; i < n; ++i)
        out[i] = strength > 0 ? float(std::exp((target_density - double(duty[i])) * strength)) : 1.0f;
}

int kwinnersInPlace(float* x, int n, int k, const float* boost, const int32_t* order, std::vector<float>& scratch)
{
    if (k >= n)
        return n;
    if (k <= 0) {
        std::fill(x, x + n, 0.0f);
        return 0;
    }
    scratch.resize(size_t(2) * n);
    float* b = scratch.data();
    float* sel = b + n;
    if (boost)
        for (int i = 0; i < n; ++i)
            b[i] = x[i] * boost[i];
    else
        std::copy(x, x + n, b);
    std::copy(b, b + n, sel);
    // k-th largest boosted value
    std::nth_element(sel, sel + (k - 1), sel + n, std::greater<float>());
    const float t = sel[k - 1];
    int above = 0, equal = 0;
    for (int i = 0; i < n; ++i) {
        above += b[i] > t;
        equal += b[i] == t;
    }
    int take_equal = k - above; // how many of the values equal to t win
    if (take_equal >= equal) {
        for (int i = 0; i < n; ++i)
            if (b[i] < t)
                x[i] = 0.0f;
        return k;
    }
    // Ties at the threshold: the lower PyTorch flat index wins, whatever the memory layout.
    std::vector<std::pair<int32_t, int>> ties;
    ties.reserve(size_t(equal));
    for (int i = 0; i < n; ++i)
        if (b[i] == t)
            ties.emplace_back(order ? order[i] : i, i);
    std::sort(ties.begin(), ties.end());
    for (int i = 0; i < n; ++i)
        if (b[i] < t)
            x[i] = 0.0f;
    for (size_t j = size_t(take_equal); j < ties.size(); ++j)
        x[ties[j].second] = 0.0f;
    return k;
}

} // namespace ss
