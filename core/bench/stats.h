// Summary statistics for benchmark samples (latencies, repetitions). Empty input gives 0 so
// that a failed or cancelled run never puts NaN into a report.
#pragma once

#include <vector>

namespace ss {

// p in [0, 100]; linear interpolation between closest ranks (NumPy's default, "type 7"), so
// percentile(v, 50) == median(v).
double percentile(std::vector<double> values, double p);
double median(std::vector<double> values);
double mean(const std::vector<double>& values);
// Sample standard deviation (n - 1 in the denominator): the samples estimate a population.
double stddev(const std::vector<double>& values);
// Coefficient of variation stddev / mean (0 when the mean is 0).
double cv(const std::vector<double>& values);

} // namespace ss
