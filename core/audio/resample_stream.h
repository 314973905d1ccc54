// A resampler for audio that arrives in chunks (capture devices at 44.1/48 kHz -> the model's
// 16 kHz): a Hann-windowed sinc low-pass at 0.95 of the lower Nyquist frequency, evaluated at
// each output instant, with state kept between chunks so the output does not depend on how the
// input was cut. (ss::resample in wav.h is the whole-signal one used for files.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ss {

class StreamingResampler {
public:
    // Rates > 0; half_width: zero crossings of the sinc on each side (more = sharper, slower).
    StreamingResampler(int from_rate, int to_rate, int half_width = 16);
    int fromRate() const { return from_; }
    int toRate() const { return to_; }
    // Appends every output sample that the input so far determines (output lags the input by
    // about half_width / cutoff input samples).
    void push(const float* x, size_t n, std::vector<float>* out);
    void reset();

private:
    float tap(int64_t phase, int64_t k) const; // weight of input k relative to floor(t) for a phase

    int from_ = 1, to_ = 1;
    int64_t step_num_ = 1, step_den_ = 1; // input samples per output = num / den (reduced)
    double cutoff_ = 1;                   // of the input Nyquist frequency
    int reach_ = 1;                       // input samples each side of t that contribute
    std::vector<float> table_;            // [phase][2 * reach], normalised to unit DC gain
    std::vector<float> history_;          // input samples [base_, base_ + size)
    int64_t base_ = 0;
    int64_t next_out_ = 0;                // index of the next output sample
    int64_t consumed_ = 0;                // input samples received
};

} // namespace ss
