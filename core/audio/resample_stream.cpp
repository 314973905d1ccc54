// Chunk-invariant windowed-sinc resampling (see resample_stream.h).
#include "audio/resample_stream.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

namespace ss {

StreamingResampler::StreamingResampler(int from_rate, int to_rate, int half_width)
    : from_(std::max(1, from_rate)), to_(std::max(1, to_rate))
{
    const int64_t g = std::gcd(int64_t(from_), int64_t(to_));
    step_num_ = from_ / g; // output j sits at input time j * num / den
    step_den_ = to_ / g;
    cutoff_ = 0.95 * std::min(1.0, double(to_) / double(from_));
    reach_ = int(std::ceil(double(std::max(1, half_width)) / cutoff_));
    // One row of taps per phase (the fractional part of t is phase / den); rows are normalised so
    // a constant input gives the same constant out.
    const int64_t phases = std::min<int64_t>(step_den_, 4096);
    table_.assign(size_t(phases) * size_t(2 * reach_), 0.0f);
    for (int64_t p = 0; p < phases; ++p) {
        const double frac = double(p) / double(phases); // phases < den for odd rates: the nearest row serves
        double sum = 0;
        std::vector<double> row(size_t(2 * reach_));
        for (int i = 0; i < 2 * reach_; ++i) {
            const double d = double(i - reach_ + 1) - frac; // input k = floor(t) + i - reach + 1, d = k - t
            const double x = cutoff_ * d;
            const double sinc = std::fabs(x) < 1e-12 ? 1.0 : std::sin(std::numbers::pi * x) / (std::numbers::pi * x);
            const double w = std::fabs(d) >= reach_ ? 0.0 : 0.5 + 0.5 * std::cos(std::numbers::pi * d / reach_);
            row[size_t(i)] = sinc * w;
            sum += row[size_t(i)];
        }
        for (int i = 0; i < 2 * reach_; ++i)
            table_[size_t(p) * size_t(2 * reach_) + size_t(i)] = float(sum != 0 ? row[size_t(i)] / sum : 0.0);
    }
    reset();
}

void StreamingResampler::reset()
{
    // Start as if preceded by silence, so the first outputs exist without waiting for a past.
    history_.assign(size_t(reach_), 0.0f);
    base_ = -reach_;
    next_out_ = 0;
    consumed_ = 0;
}

float StreamingResampler::tap(int64_t phase, int64_t i) const
{
    const int64_t phases = int64_t(table_.size()) / (2 * reach_);
    const int64_t row = phases == step_den_ ? phase : phase * phases / step_den_;
    return table_[size_t(row) * size_t(2 * reach_) + size_t(i)];
}

void StreamingResampler::push(const float* x, size_t n, std::vector<float>* out)
{
    if (from_ == to_) {
        out->insert(out->end(), x, x + n);
        consumed_ += int64_t(n);
        return;
    }
    history_.insert(history_.end(), x, x + n);
    consumed_ += int64_t(n);
    const int64_t taps = 2 * reach_;
    while (true) {
        const int64_t whole = next_out_ * step_num_ / step_den_; // floor(t)
        const int64_t phase = next_out_ * step_num_ % step_den_;
        const int64_t last = whole + reach_; // the newest input this output needs
        if (last >= consumed_)
            break;
        const int64_t first = whole - reach_ + 1;
        double acc = 0;
        for (int64_t i = 0; i < taps; ++i)
            acc += double(history_[size_t(first + i - base_)]) * tap(phase, i);
        out->push_back(float(acc));
        ++next_out_;
    }
    // Forget what no future output needs.
    const int64_t keep_from = next_out_ * step_num_ / step_den_ - reach_ + 1;
    if (keep_from > base_ + 4096) {
        history_.erase(history_.begin(), history_.begin() + ptrdiff_t(keep_from - base_));
        base_ = keep_from;
    }
}

} // namespace ss
