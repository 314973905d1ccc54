#include "datasets/train/augment.h"

#include <algorithm>
#include <cmath>

namespace ss {

uint64_t itemSeed(uint64_t seed, uint64_t epoch, uint64_t item)
{
    SplitMix64 a(seed ^ 0xA5A5A5A5DEADBEEFull);
    SplitMix64 b(a.next() + epoch * 0x9E3779B97F4A7C15ull);
    SplitMix64 c(b.next() + item * 0xD1B54A32D192ED03ull);
    return c.next();
}

std::vector<float> noiseWindow(const NoiseBank& bank, size_t n, SplitMix64& rng)
{
    std::vector<float> out(n, 0.0f);
    if (bank.empty())
        return out;
    const auto& noise = bank.noises[size_t(rng.below(bank.noises.size()))];
    const size_t offset = noise.size() > n ? size_t(rng.below(noise.size() - n + 1)) : 0;
    std::copy_n(noise.begin() + long(offset), std::min(n, noise.size() - offset), out.begin());
    return out;
}

std::vector<float> changeSpeed(const std::vector<float>& clip, double factor)
{
    const size_t n = clip.size();
    if (factor == 1.0 || n == 0)
        return clip;
    std::vector<float> out(n, 0.0f);
    const double c = 0.5 * double(n - 1);
    for (size_t i = 0; i < n; ++i) {
        const double pos = c + (double(i) - c) * factor;
        if (pos < 0.0 || pos > double(n - 1))
            continue;
        const size_t j = size_t(pos);
        const double f = pos - double(j);
        const float a = clip[j], b = j + 1 < n ? clip[j + 1] : clip[j];
        out[i] = float(a + (b - a) * f);
    }
    return out;
}

std::vector<float> timeShift(const std::vector<float>& clip, long shift)
{
    const long n = long(clip.size());
    std::vector<float> out(clip.size(), 0.0f);
    for (long i = 0; i < n; ++i) {
        const long j = i - shift;
        if (j >= 0 && j < n)
            out[size_t(i)] = clip[size_t(j)];
    }
    return out;
}

std::vector<float> augmentClip(const std::vector<float>& clip, const NoiseBank& bank, const AugmentOptions& o,
                               uint64_t seed)
{
    if (!o.enabled)
        return clip;
    SplitMix64 rng(seed);
    // Draw everything first, in a fixed order, so that switching one step off never changes the
    // draws of the others.
    const double speed = 1.0 + rng.uniform(-o.max_speed_change, o.max_speed_change);
    const double gain = rng.uniform(o.min_gain, o.max_gain);
    const long max_shift = long(std::lround(o.max_shift_seconds * double(o.sample_rate)));
    const long shift = max_shift > 0 ? long(rng.below(uint64_t(2 * max_shift + 1))) - max_shift : 0;
    const bool noisy = rng.uniform() < o.noise_probability;
    const double volume = rng.uniform(0.0, o.max_noise_volume);
    std::vector<float> y = o.max_speed_change > 0 ? changeSpeed(clip, speed) : clip;
    if (shift != 0)
        y = timeShift(y, shift);
    const float g = float(gain);
    for (auto& v : y)
        v *= g;
    if (noisy && !bank.empty() && volume > 0) {
        const auto noise = noiseWindow(bank, y.size(), rng);
        const float vol = float(volume);
        for (size_t i = 0; i < y.size(); ++i)
            y[i] += vol * noise[i];
    }
    for (auto& v : y)
        v = std::clamp(v, -1.0f, 1.0f);
    return y;
}

std::vector<float> silenceClip(const NoiseBank& bank, size_t n, uint64_t seed)
{
    SplitMix64 rng(seed);
    const float gain = float(rng.uniform());
    auto y = noiseWindow(bank, n, rng);
    for (auto& v : y)
        v = std::clamp(v * gain, -1.0f, 1.0f);
    return y;
}

} // namespace ss
