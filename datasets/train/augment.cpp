#include "datasets/train/augment.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <unsupported/Eigen/FFT>

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

// ---- filters ------------------------------------------------------------------------------------

Biquad Biquad::peaking(double f0, double q, double gain_db, int rate)
{
    const double A = std::pow(10.0, gain_db / 40.0), w = 2 * std::numbers::pi * f0 / rate, al = std::sin(w) / (2 * q);
    const double a0 = 1 + al / A;
    return {(1 + al * A) / a0, -2 * std::cos(w) / a0, (1 - al * A) / a0, -2 * std::cos(w) / a0, (1 - al / A) / a0};
}

Biquad Biquad::highShelf(double f0, double gain_db, int rate)
{
    const double A = std::pow(10.0, gain_db / 40.0), w = 2 * std::numbers::pi * f0 / rate;
    const double al = std::sin(w) / 2 * std::sqrt(2.0), c = std::cos(w), sA = 2 * std::sqrt(A) * al;
    const double a0 = (A + 1) - (A - 1) * c + sA;
    return {A * ((A + 1) + (A - 1) * c + sA) / a0, -2 * A * ((A - 1) + (A + 1) * c) / a0, A * ((A + 1) + (A - 1) * c - sA) / a0,
            2 * ((A - 1) - (A + 1) * c) / a0, ((A + 1) - (A - 1) * c - sA) / a0};
}

Biquad Biquad::highPass(double f0, double q, int rate)
{
    const double w = 2 * std::numbers::pi * f0 / rate, al = std::sin(w) / (2 * q), c = std::cos(w), a0 = 1 + al;
    return {(1 + c) / 2 / a0, -(1 + c) / a0, (1 + c) / 2 / a0, -2 * c / a0, (1 - al) / a0};
}

Biquad Biquad::lowPass(double f0, double q, int rate)
{
    const double w = 2 * std::numbers::pi * f0 / rate, al = std::sin(w) / (2 * q), c = std::cos(w), a0 = 1 + al;
    return {(1 - c) / 2 / a0, (1 - c) / a0, (1 - c) / 2 / a0, -2 * c / a0, (1 - al) / a0};
}

void Biquad::run(std::vector<float>& x) const
{
    // Transposed direct form II. A tiny offset keeps the decaying state out of the denormal range
    // (zero-padded clips would otherwise make every step a slow microcode assist).
    constexpr double kAntiDenormal = 1e-25;
    double z1 = 0, z2 = 0;
    for (auto& v : x) {
        const double in = v, out = b0 * in + z1;
        z1 = b1 * in - a1 * out + z2 + kAntiDenormal;
        z2 = b2 * in - a2 * out - kAntiDenormal;
        v = float(out);
    }
}

double Biquad::gainAt(double f, int rate) const
{
    const std::complex<double> z = std::polar(1.0, -2 * std::numbers::pi * f / rate); // z^-1
    return std::abs((b0 + b1 * z + b2 * z * z) / (1.0 + a1 * z + a2 * z * z));
}

// ---- rooms --------------------------------------------------------------------------------------

RoomBank::RoomBank(int rooms, int rate, size_t clip_samples, uint64_t seed)
{
    SplitMix64 rng(seed ^ 0x52004D5ull);
    const double c = 343.0, max_seconds = 0.35;
    const size_t taps = size_t(max_seconds * rate);
    fft_size_ = 1;
    while (fft_size_ < clip_samples + taps)
        fft_size_ *= 2;
    Eigen::FFT<float> fft;
    fft.SetFlag(Eigen::FFT<float>::HalfSpectrum);
    for (int r = 0; r < rooms; ++r) {
        const double L[3] = {rng.uniform(3.0, 10.0), rng.uniform(2.5, 8.0), rng.uniform(2.4, 4.0)};
        const double beta = rng.uniform(0.55, 0.92);
        double src[3], mic[3];
        for (int d = 0; d < 3; ++d) {
            src[d] = rng.uniform(0.5, L[d] - 0.5);
            mic[d] = rng.uniform(0.5, L[d] - 0.5);
        }
        const double d0 = std::max(0.1, std::hypot(src[0] - mic[0], src[1] - mic[1], src[2] - mic[2]));
        const double d_max = d0 + c * max_seconds;
        std::vector<double> h(taps, 0.0);
        std::vector<double> beta_pow(200, 1.0);
        for (size_t k = 1; k < beta_pow.size(); ++k)
            beta_pow[k] = beta_pow[k - 1] * beta;
        int n_max[3];
        for (int d = 0; d < 3; ++d)
            n_max[d] = int(std::ceil(d_max / (2 * L[d]))) + 1;
        // Image of the source: per axis, 2 n L +- src with |2n - p| wall reflections.
        for (int nx = -n_max[0]; nx <= n_max[0]; ++nx)
            for (int px = 0; px < 2; ++px) {
                const double x = 2 * nx * L[0] + (px ? -src[0] : src[0]) - mic[0];
                const int rx = std::abs(2 * nx - px);
                if (std::abs(x) > d_max)
                    continue;
                for (int ny = -n_max[1]; ny <= n_max[1]; ++ny)
                    for (int py = 0; py < 2; ++py) {
                        const double y = 2 * ny * L[1] + (py ? -src[1] : src[1]) - mic[1];
                        const int ry = std::abs(2 * ny - py);
                        if (std::hypot(x, y) > d_max)
                            continue;
                        for (int nz = -n_max[2]; nz <= n_max[2]; ++nz)
                            for (int pz = 0; pz < 2; ++pz) {
                                const double z = 2 * nz * L[2] + (pz ? -src[2] : src[2]) - mic[2];
                                const double dist = std::sqrt(x * x + y * y + z * z);
                                if (dist > d_max)
                                    continue;
                                const size_t tap = size_t(std::lround((dist - d0) / c * rate));
                                const int refl = rx + ry + std::abs(2 * nz - pz);
                                if (tap < taps && refl < int(beta_pow.size()))
                                    h[tap] += beta_pow[size_t(refl)] * d0 / std::max(dist, 0.1);
                            }
                    }
            }
        // Fade out the last 50 ms so the cut at max_seconds does not click.
        const size_t fade = size_t(0.05 * rate);
        for (size_t i = 0; i < fade; ++i)
            h[taps - 1 - i] *= double(i) / double(fade);
        std::vector<float> hf(fft_size_, 0.0f);
        for (size_t i = 0; i < taps; ++i)
            hf[i] = float(h[i]);
        std::vector<std::complex<float>> spectrum;
        fft.fwd(spectrum, hf);
        responses_.emplace_back(hf.begin(), hf.begin() + long(taps));
        spectra_.push_back(std::move(spectrum));
        const double V = L[0] * L[1] * L[2], S = 2 * (L[0] * L[1] + L[0] * L[2] + L[1] * L[2]);
        rt60_.push_back(0.161 * V / (S * (1 - beta * beta)));
    }
}

std::vector<float> RoomBank::apply(const std::vector<float>& clip, size_t i) const
{
    thread_local Eigen::FFT<float> fft; // kissfft plans are cached per object: one per thread
    fft.SetFlag(Eigen::FFT<float>::HalfSpectrum);
    std::vector<float> x(fft_size_, 0.0f);
    std::copy_n(clip.begin(), std::min(clip.size(), fft_size_), x.begin());
    std::vector<std::complex<float>> X;
    fft.fwd(X, x);
    const auto& H = spectra_[i];
    for (size_t k = 0; k < X.size() && k < H.size(); ++k)
        X[k] *= H[k];
    std::vector<float> y;
    fft.inv(y, X);
    y.resize(clip.size());
    return y;
}

// ---- features -----------------------------------------------------------------------------------

void augmentFeatures(std::vector<float>& f, const FeatureAugmentShape& sh, const AugmentOptions& o, uint64_t seed)
{
    if (!o.enabled || f.size() != size_t(sh.bands) * size_t(sh.frames))
        return;
    SplitMix64 rng(seed ^ 0xFEA7ull);
    const bool vtlp = rng.uniform() < o.vtlp_probability;
    const double alpha = 1.0 + rng.uniform(-o.max_vtlp, o.max_vtlp);
    const bool spec = rng.uniform() < o.specaugment_probability;
    int fmask[8][2], tmask[8][2];
    for (int m = 0; m < 8; ++m) {
        const int wf = int(rng.below(uint64_t(std::max(0, o.max_frequency_mask)) + 1));
        fmask[m][0] = int(rng.below(uint64_t(std::max(1, sh.bands - wf + 1))));
        fmask[m][1] = wf;
        const int wt = int(rng.below(uint64_t(std::max(0, o.max_time_mask)) + 1));
        tmask[m][0] = int(rng.below(uint64_t(std::max(1, sh.frames - wt + 1))));
        tmask[m][1] = wt;
    }
    const int B = sh.bands, T = sh.frames;
    if (vtlp && alpha != 1.0 && int(sh.edges_hz.size()) == B + 2) {
        // The spectrum warped by alpha, S'(f) = S(f / alpha): band b now shows what the band centred
        // at centre_b / alpha showed, interpolated between the two nearest band centres.
        std::vector<float> g(f.size());
        for (int b = 0; b < B; ++b) {
            const double want = std::clamp(sh.edges_hz[size_t(b) + 1] / alpha, sh.edges_hz[1], sh.edges_hz[size_t(B)]);
            int lo = 0;
            while (lo + 1 < B - 1 && sh.edges_hz[size_t(lo) + 2] < want)
                ++lo;
            const int hi = std::min(lo + 1, B - 1);
            const double c0 = sh.edges_hz[size_t(lo) + 1], c1 = sh.edges_hz[size_t(hi) + 1];
            const float t = c1 > c0 ? float(std::clamp((want - c0) / (c1 - c0), 0.0, 1.0)) : 0.0f;
            for (int k = 0; k < T; ++k)
                g[size_t(b * T + k)] = f[size_t(lo * T + k)] * (1 - t) + f[size_t(hi * T + k)] * t;
        }
        f.swap(g);
    }
    if (spec) {
        double mean = 0;
        for (float v : f)
            mean += v;
        const float fill = float(mean / double(f.size()));
        for (int m = 0; m < std::min(8, o.frequency_masks); ++m)
            for (int b = fmask[m][0]; b < fmask[m][0] + fmask[m][1] && b < B; ++b)
                std::fill_n(f.begin() + long(b) * T, T, fill);
        for (int m = 0; m < std::min(8, o.time_masks); ++m)
            for (int b = 0; b < B; ++b)
                for (int k = tmask[m][0]; k < tmask[m][0] + tmask[m][1] && k < T; ++k)
                    f[size_t(b * T + k)] = fill;
    }
}

// ---- the waveform chain -------------------------------------------------------------------------

namespace {

// RMS of the clip's active part: its 10 ms frames within 30 dB of the loudest one.
double activeRms(const std::vector<float>& x, int rate)
{
    const size_t frame = size_t(std::max(1, rate / 100));
    std::vector<double> e;
    for (size_t i = 0; i + frame <= x.size(); i += frame) {
        double s = 0;
        for (size_t k = 0; k < frame; ++k)
            s += double(x[i + k]) * x[i + k];
        e.push_back(s / double(frame));
    }
    if (e.empty())
        return 0;
    const double peak = *std::max_element(e.begin(), e.end());
    double sum = 0;
    int n = 0;
    for (double v : e)
        if (v >= peak * 1e-3) {
            sum += v;
            ++n;
        }
    return n ? std::sqrt(sum / n) : 0.0;
}

} // namespace

std::vector<float> augmentClip(const std::vector<float>& clip, const NoiseBank& bank, const AugmentOptions& o,
                               uint64_t seed, const RoomBank* rooms)
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
    const bool reverb = rng.uniform() < o.reverb_probability;
    const size_t room = size_t(rng.below(rooms && !rooms->empty() ? rooms->size() : 1));
    const double snr_db = rng.uniform(o.min_snr_db, o.max_snr_db);
    const bool eq = rng.uniform() < o.eq_probability;
    double eq_f[3], eq_q[3], eq_g[3];
    for (int k = 0; k < 3; ++k) {
        eq_f[k] = 150.0 * std::pow(6000.0 / 150.0, rng.uniform());
        eq_q[k] = rng.uniform(0.7, 2.5);
        eq_g[k] = rng.uniform(-9.0, 9.0);
    }
    const double tilt_db = rng.uniform(-6.0, 6.0);
    const bool bandlimit = rng.uniform() < o.bandlimit_probability;
    const bool telephone = rng.uniform() < 0.5;
    const double hp = rng.uniform(100.0, 400.0), lp = rng.uniform(3500.0, 7000.0);
    const bool soft_clip = rng.uniform() < o.clip_probability;
    const double drive = rng.uniform(1.0, 8.0);
    const int rate = o.sample_rate;

    std::vector<float> y = o.max_speed_change > 0 ? changeSpeed(clip, speed) : clip;
    if (reverb && rooms && !rooms->empty())
        y = rooms->apply(y, room);
    if (noisy && !bank.empty()) {
        const auto noise = noiseWindow(bank, y.size(), rng);
        double vol = volume;
        if (o.max_snr_db > o.min_snr_db) { // by SNR against the speech's active RMS
            double nr = 0;
            for (float v : noise)
                nr += double(v) * v;
            nr = std::sqrt(nr / double(std::max<size_t>(1, noise.size())));
            const double sr = activeRms(y, rate);
            vol = nr > 0 && sr > 0 ? sr / (nr * std::pow(10.0, snr_db / 20.0)) : 0.0;
        }
        const float v = float(vol);
        for (size_t i = 0; i < y.size(); ++i)
            y[i] += v * noise[i];
    }
    if (eq) {
        for (int k = 0; k < 3; ++k)
            Biquad::peaking(std::min(eq_f[k], 0.45 * rate), eq_q[k], eq_g[k], rate).run(y);
        Biquad::highShelf(1000.0, tilt_db, rate).run(y);
    }
    if (bandlimit) {
        const double lo = telephone ? 300.0 : hp, hi = std::min(telephone ? 3400.0 : lp, 0.45 * rate);
        for (int k = 0; k < 2; ++k) {
            Biquad::highPass(lo, 0.707, rate).run(y);
            Biquad::lowPass(hi, 0.707, rate).run(y);
        }
    }
    const float g = float(gain);
    for (auto& v : y)
        v *= g;
    if (soft_clip) {
        const double norm = std::tanh(drive);
        for (auto& v : y)
            v = float(std::tanh(drive * v) / norm);
    }
    if (shift != 0)
        y = timeShift(y, shift);
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
