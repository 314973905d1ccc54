#include "bench/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ss {

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0.0;
    p = std::clamp(p, 0.0, 100.0);
    const double rank = p / 100.0 * double(values.size() - 1);
    const size_t lo = size_t(std::floor(rank));
    const size_t hi = std::min(lo + 1, values.size() - 1);
    // nth_element twice instead of a full sort: latencies can hold a million samples.
    std::nth_element(values.begin(), values.begin() + lo, values.end());
    const double v_lo = values[lo];
    if (hi == lo)
        return v_lo;
    const double v_hi = *std::min_element(values.begin() + lo + 1, values.end());
    return v_lo + (rank - double(lo)) * (v_hi - v_lo);
}

double median(std::vector<double> values)
{
    return percentile(std::move(values), 50.0);
}

double mean(const std::vector<double>& values)
{
    if (values.empty())
        return 0.0;
    return std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
}

double stddev(const std::vector<double>& values)
{
    if (values.size() < 2)
        return 0.0;
    const double m = mean(values);
    double ss = 0.0;
    for (double v : values)
        ss += (v - m) * (v - m);
    return std::sqrt(ss / double(values.size() - 1));
}

double cv(const std::vector<double>& values)
{
    const double m = mean(values);
    return m == 0.0 ? 0.0 : stddev(values) / m;
}

} // namespace ss
