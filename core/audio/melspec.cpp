// librosa-compatible log-mel front end (see melspec.h for the exact recipe).
#include "audio/melspec.h"

#include "audio/wav.h" // clipSamples(), checkClipSettings()

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <string>

namespace ss {

namespace {

// Slaney scale constants (librosa.core.convert.hz_to_mel, htk=False).
constexpr double kLinearHzPerMel = 200.0 / 3.0;
constexpr double kLogStartHz = 1000.0;
constexpr double kLogStartMel = kLogStartHz / kLinearHzPerMel; // 15
const double kLogStepPerMel = std::log(6.4) / 27.0;

constexpr double kPowerFloor = 1e-10; // librosa power_to_db amin
constexpr int kMaxFft = 1 << 16;
constexpr int kMaxMels = 1024;

// numpy.pad(mode='reflect') index for any offset, including pads longer than the signal
// (numpy reflects repeatedly, which is the mirror-periodic extension with period 2(n-1)).
size_t reflectIndex(int64_t i, int64_t n)
{
    if (n == 1)
        return 0;
    const int64_t period = 2 * (n - 1);
    i %= period;
    if (i < 0)
        i += period;
    return size_t(i < n ? i : period - i);
}

std::string num(double f)
{
    // Whole numbers print without decimals ("8000"), others with what they need ("62.5").
    std::string s = std::to_string(f);
    if (s.find('.') != std::string::npos) {
        while (!s.empty() && s.back() == '0')
            s.pop_back();
        if (!s.empty() && s.back() == '.')
            s.pop_back();
    }
    return s;
}

} // namespace

double hzToMelSlaney(double f)
{
    if (f >= kLogStartHz)
        return kLogStartMel + std::log(f / kLogStartHz) / kLogStepPerMel;
    return f / kLinearHzPerMel;
}

double melToHzSlaney(double mel)
{
    if (mel >= kLogStartMel)
        return kLogStartHz * std::exp(kLogStepPerMel * (mel - kLogStartMel));
    return mel * kLinearHzPerMel;
}

std::vector<double> melBandEdgesHz(int n_mels, double f_min, double f_max)
{
    // numpy.linspace(min_mel, max_mel, n_mels + 2), then back to Hz (librosa.mel_frequencies).
    const int count = std::max(0, n_mels) + 2;
    const double lo = hzToMelSlaney(f_min), hi = hzToMelSlaney(f_max);
    const double step = (hi - lo) / double(count - 1);
    std::vector<double> edges(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i)
        edges[size_t(i)] = melToHzSlaney(i == count - 1 ? hi : lo + double(i) * step);
    return edges;
}

std::vector<float> melFilterbank(int sample_rate, int n_fft, int n_mels, double f_min, double f_max)
{
    if (sample_rate <= 0 || n_fft <= 0 || n_mels <= 0)
        return {};
    const int bins = n_fft / 2 + 1;
    const std::vector<double> edges = melBandEdgesHz(n_mels, f_min, f_max);
    std::vector<float> fb(size_t(n_mels) * size_t(bins), 0.0f);
    for (int b = 0; b < n_mels; ++b) {
        const double left = edges[size_t(b)], centre = edges[size_t(b + 1)], right = edges[size_t(b + 2)];
        // Slaney normalisation: every triangle has unit area in Hz, so wide high bands do not
        // collect more energy just for being wide.
        const double enorm = 2.0 / (right - left);
        for (int k = 0; k < bins; ++k) {
            const double f = double(k) * double(sample_rate) / double(n_fft);
            const double rising = (f - left) / (centre - left);
            const double falling = (right - f) / (right - centre);
            const double w = std::max(0.0, std::min(rising, falling));
            fb[size_t(b) * size_t(bins) + size_t(k)] = float(w * enorm);
        }
    }
    return fb;
}

Status checkAudioSettings(const AudioSettings& s)
{
    if (Status clip = checkClipSettings(s); !clip)
        return clip;
    if (s.n_fft < 2 || s.n_fft > kMaxFft)
        return badInput("The FFT size " + std::to_string(s.n_fft) + " is not between 2 and " + std::to_string(kMaxFft) + ".");
    if (s.hop_length < 1)
        return badInput("The hop length " + std::to_string(s.hop_length) + " is not positive.");
    if (s.n_mels < 1 || s.n_mels > kMaxMels)
        return badInput("The number of mel bands " + std::to_string(s.n_mels) + " is not between 1 and " +
                        std::to_string(kMaxMels) + ".");
    const double nyquist = s.sample_rate / 2.0;
    if (!(s.f_min >= 0.0) || !(s.f_max > s.f_min) || s.f_max > nyquist)
        return badInput("The mel band limits " + num(s.f_min) + "-" + num(s.f_max) + " Hz must satisfy 0 <= f_min < f_max <= " +
                        num(nyquist) + " Hz (the Nyquist frequency of " + std::to_string(s.sample_rate) + " Hz audio).");
    if (!(s.top_db >= 0.0) || !std::isfinite(s.top_db))
        return badInput("The dB floor top_db " + num(s.top_db) + " is not a non-negative number.");
    if (!s.center && clipSamples(s) < size_t(s.n_fft))
        return badInput("A clip of " + std::to_string(clipSamples(s)) + " samples is shorter than one uncentred FFT frame of " +
                        std::to_string(s.n_fft) + " samples.");
    // Resource limits, from the settings alone and before anything is allocated: the features of
    // one clip, and the FFT work for them (a clip of an hour with hop 1 would want terabytes).
    const int64_t n = int64_t(clipSamples(s)), n_fft = s.n_fft, hop = s.hop_length;
    const int64_t frames = s.center ? 1 + (n + 2 * (n_fft / 2) - n_fft) / hop : 1 + (n - n_fft) / hop;
    constexpr int64_t kMaxFeatures = int64_t(1) << 24;   // 64 MiB of float32 per clip
    constexpr int64_t kMaxFftSamples = int64_t(1) << 31; // frames x n_fft: seconds of work per clip
    if (frames * s.n_mels > kMaxFeatures)
        return badInput("The audio settings give " + std::to_string(frames) + " frames x " + std::to_string(s.n_mels) +
                        " mel bands = " + std::to_string(frames * s.n_mels) + " features per clip, more than the " +
                        std::to_string(kMaxFeatures) + " SparseScope allows.");
    if (frames * n_fft > kMaxFftSamples)
        return badInput("The audio settings give " + std::to_string(frames) + " FFT frames of " + std::to_string(n_fft) +
                        " samples per clip, more than the " + std::to_string(kMaxFftSamples) + " samples of FFT work SparseScope allows.");
    return Status::ok();
}

LogMelFrontEnd::LogMelFrontEnd(const AudioSettings& settings) : settings_(settings), status_(checkAudioSettings(settings))
{
    if (!status_)
        return;
    const int n_fft = settings_.n_fft;
    clip_samples_ = ss::clipSamples(settings_);
    bins_ = n_fft / 2 + 1;
    window_.resize(size_t(n_fft));
    for (int k = 0; k < n_fft; ++k) // periodic ("fftbins=True") Hann: scipy.signal.get_window('hann', n_fft)
        window_[size_t(k)] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * double(k) / double(n_fft));
    filterbank_ = melFilterbank(settings_.sample_rate, n_fft, settings_.n_mels, settings_.f_min, settings_.f_max);
    // Each triangle touches only a few bins: remember where, so the projection skips the zeros.
    bands_.resize(size_t(settings_.n_mels));
    for (int b = 0; b < settings_.n_mels; ++b) {
        const float* row = filterbank_.data() + size_t(b) * size_t(bins_);
        int first = 0, end = bins_;
        while (first < bins_ && row[first] == 0.0f)
            ++first;
        while (end > first && row[end - 1] == 0.0f)
            --end;
        bands_[size_t(b)] = {first, end};
    }
    fft_ = RealFft(n_fft);
}

int LogMelFrontEnd::framesFor(size_t n) const
{
    if (!status_)
        return 0;
    const int64_t n_fft = settings_.n_fft, hop = settings_.hop_length;
    if (settings_.center) // librosa: 1 + (n + 2 * (n_fft // 2) - n_fft) // hop
        return int(1 + (int64_t(n) + 2 * (n_fft / 2) - n_fft) / hop);
    if (int64_t(n) < n_fft)
        return 1; // one zero-padded frame (librosa would refuse; checkAudioSettings refuses such clips)
    return int(1 + (int64_t(n) - n_fft) / hop);
}

void LogMelFrontEnd::melFrame(const float* samples, size_t n, int t, float* out, size_t stride, FrameWorkspace& ws) const
{
    const int n_fft = settings_.n_fft;
    const int64_t pad = settings_.center ? n_fft / 2 : 0;
    const int64_t len = int64_t(n);
    const int64_t start = int64_t(t) * settings_.hop_length - pad;
    if (start >= 0 && start + n_fft <= len) {
        melFrameInterior(samples + start, out, stride, ws);
        return;
    }
    ws.frame.resize(size_t(n_fft));
    for (int k = 0; k < n_fft; ++k) {
        const int64_t u = start + k;
        double v = 0.0;
        if (u >= 0 && u < len)
            v = samples[u];
        else if (settings_.center && len > 0)
            v = samples[reflectIndex(u, len)];
        ws.frame[size_t(k)] = v * window_[size_t(k)];
    }
    project(out, stride, ws);
}

void LogMelFrontEnd::melFrameInterior(const float* frame_samples, float* out, size_t stride, FrameWorkspace& ws) const
{
    const int n_fft = settings_.n_fft;
    ws.frame.resize(size_t(n_fft));
    for (int k = 0; k < n_fft; ++k)
        ws.frame[size_t(k)] = double(frame_samples[k]) * window_[size_t(k)];
    project(out, stride, ws);
}

void LogMelFrontEnd::project(float* out, size_t stride, FrameWorkspace& ws) const
{
    ws.spectrum.resize(size_t(bins_));
    ws.power.resize(size_t(bins_));
    fft_.forward(ws.frame.data(), ws.spectrum.data(), ws.fft);
    for (int k = 0; k < bins_; ++k)
        ws.power[size_t(k)] = std::norm(ws.spectrum[size_t(k)]);
    for (int b = 0; b < settings_.n_mels; ++b) {
        const float* row = filterbank_.data() + size_t(b) * size_t(bins_);
        double acc = 0.0;
        for (int k = bands_[size_t(b)].first_bin; k < bands_[size_t(b)].end_bin; ++k)
            acc += double(row[k]) * ws.power[size_t(k)];
        out[size_t(b) * stride] = float(acc);
    }
}

int LogMelFrontEnd::firstInteriorFrame() const
{
    if (!status_ || !settings_.center)
        return 0;
    const int pad = settings_.n_fft / 2, hop = settings_.hop_length;
    return (pad + hop - 1) / hop; // the first t with t * hop - pad >= 0
}

int LogMelFrontEnd::lastInteriorFrame() const
{
    if (!status_)
        return -1;
    const int64_t pad = settings_.center ? settings_.n_fft / 2 : 0;
    const int64_t room = int64_t(clip_samples_) + pad - settings_.n_fft; // t * hop <= room
    if (room < 0)
        return -1;
    return int(std::min<int64_t>(room / settings_.hop_length, frames() - 1));
}

std::vector<float> LogMelFrontEnd::melPower(const float* samples, size_t n) const
{
    if (!status_)
        return {};
    const int frames = framesFor(n);
    std::vector<float> mel(size_t(settings_.n_mels) * size_t(frames), 0.0f);
    FrameWorkspace ws;
    for (int t = 0; t < frames; ++t)
        melFrame(samples, n, t, mel.data() + t, size_t(frames), ws);
    return mel;
}

double LogMelFrontEnd::powerDb(float power) { return 10.0 * std::log10(std::max(kPowerFloor, double(power))); }

void LogMelFrontEnd::toDb(const float* power, const double* power_db, size_t count, float* out) const
{
    // power_to_db(S, ref=np.max, amin=1e-10, top_db): dB relative to the loudest cell of this clip.
    float ref = 0.0f;
    for (size_t i = 0; i < count; ++i)
        ref = std::max(ref, power[i]);
    const double ref_db = powerDb(ref);
    double top = -INFINITY;
    for (size_t i = 0; i < count; ++i) {
        const double db = power_db[i] - ref_db;
        out[i] = float(db);
        top = std::max(top, db);
    }
    if (settings_.top_db > 0.0) {
        const float floor_db = float(top - settings_.top_db);
        for (size_t i = 0; i < count; ++i)
            out[i] = std::max(out[i], floor_db);
    }
}

std::vector<float> LogMelFrontEnd::compute(const float* samples, size_t n) const
{
    const std::vector<float> power = melPower(samples, n);
    if (power.empty())
        return power;
    std::vector<double> power_db(power.size());
    for (size_t i = 0; i < power.size(); ++i)
        power_db[i] = powerDb(power[i]);
    std::vector<float> out(power.size());
    toDb(power.data(), power_db.data(), power.size(), out.data());
    return out;
}

StreamingFrontEnd::StreamingFrontEnd(const AudioSettings& settings) : front_end_(settings)
{
    ring_.assign(front_end_.clipSamples(), 0.0f);
}

void StreamingFrontEnd::push(const float* samples, size_t n)
{
    pushed_ += n;
    const size_t cap = ring_.size();
    if (cap == 0 || n == 0)
        return;
    if (n >= cap) { // only the newest window survives
        std::copy_n(samples + (n - cap), cap, ring_.begin());
        head_ = 0;
        return;
    }
    const size_t first = std::min(n, cap - head_);
    std::copy_n(samples, first, ring_.begin() + ptrdiff_t(head_));
    std::copy_n(samples + first, n - first, ring_.begin());
    head_ = (head_ + n) % cap;
}

void StreamingFrontEnd::reset()
{
    std::fill(ring_.begin(), ring_.end(), 0.0f);
    head_ = 0;
    pushed_ = 0;
}

std::vector<float> StreamingFrontEnd::window() const
{
    std::vector<float> w(ring_.size());
    std::rotate_copy(ring_.begin(), ring_.begin() + ptrdiff_t(head_), ring_.end(), w.begin());
    return w;
}

} // namespace ss
