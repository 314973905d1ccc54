// libsndfile-based audio I/O and a Kaiser-windowed-sinc polyphase resampler (see wav.h).
#include "audio/wav.h"

#include "util/output_file.h"

#include <sndfile.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numbers>
#include <numeric>

#include <unistd.h>

namespace ss {

namespace {

namespace fs = std::filesystem;

struct SndfileCloser {
    void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfileHandle = std::unique_ptr<SNDFILE, SndfileCloser>;

// libsndfile's messages sometimes end with a full stop and sometimes not; ours always end with one.
std::string reasonText(const char* raw)
{
    std::string s = raw ? raw : "unknown error";
    while (!s.empty() && (s.back() == '.' || s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    if (s.empty())
        s = "unknown error";
    return s;
}

std::string formatName(int format)
{
    SF_FORMAT_INFO fi{};
    fi.format = format;
    if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &fi, sizeof(fi)) == 0 && fi.name)
        return fi.name;
    return "format 0x" + [&] {
        char buf[16];
        std::snprintf(buf, sizeof(buf), "%x", unsigned(format));
        return std::string(buf);
    }();
}

WavInfo describe(const SF_INFO& sfi)
{
    WavInfo info;
    info.sample_rate = sfi.samplerate;
    info.channels = sfi.channels;
    info.frames = int64_t(sfi.frames);
    info.sndfile_format = sfi.format;
    info.container = formatName(sfi.format & SF_FORMAT_TYPEMASK);
    info.subtype = formatName(sfi.format & SF_FORMAT_SUBMASK);
    switch (sfi.format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8: info.encoding = SampleEncoding::Pcm; info.bits = 8; break;
    case SF_FORMAT_PCM_16: info.encoding = SampleEncoding::Pcm; info.bits = 16; break;
    case SF_FORMAT_PCM_24: info.encoding = SampleEncoding::Pcm; info.bits = 24; break;
    case SF_FORMAT_PCM_32: info.encoding = SampleEncoding::Pcm; info.bits = 32; break;
    case SF_FORMAT_FLOAT: info.encoding = SampleEncoding::Float; info.bits = 32; break;
    case SF_FORMAT_DOUBLE: info.encoding = SampleEncoding::Float; info.bits = 64; break;
    default: info.encoding = SampleEncoding::Other; info.bits = 0; break;
    }
    return info;
}

// Opens for reading with the checks every reader needs; the sentence names the file.
Result<SndfileHandle> openForReading(const std::string& path, SF_INFO* sfi)
{
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (ec || !fs::exists(st))
        return badInput("'" + path + "' does not exist.", path);
    if (fs::is_directory(st))
        return badInput("'" + path + "' is a folder, not an audio file.", path);
    // A FIFO would block the open, a device would stream forever: only regular files are clips.
    if (!fs::is_regular_file(st))
        return badInput("'" + path + "' is not a regular file, so it is not read as an audio file.", path);
    *sfi = SF_INFO{};
    SNDFILE* f = sf_open(path.c_str(), SFM_READ, sfi);
    if (!f)
        return badInput("'" + path + "' is not a WAV file libsndfile can read: " + reasonText(sf_strerror(nullptr)) + ".",
                        path);
    SndfileHandle handle(f);
    if (sfi->channels <= 0 || sfi->samplerate <= 0)
        return badInput("'" + path + "' has an invalid header (" + std::to_string(sfi->channels) + " channels at " +
                            std::to_string(sfi->samplerate) + " Hz).",
                        path);
    // 1 Hz or 2e9 Hz would make the resampler run for minutes or ask for gigabytes.
    if (sfi->samplerate < kMinSampleRate || sfi->samplerate > kMaxWavSampleRate)
        return badInput("'" + path + "' declares a sample rate of " + std::to_string(sfi->samplerate) + " Hz; SparseScope reads " +
                            std::to_string(kMinSampleRate) + " to " + std::to_string(kMaxWavSampleRate) + " Hz audio.",
                        path);
    if (sfi->channels > 256)
        return badInput("'" + path + "' declares " + std::to_string(sfi->channels) + " channels; SparseScope reads at most 256.",
                        path);
    return handle;
}

Result<AudioClip> readFrames(const std::string& path, int64_t first_frame, int64_t max_frames, WavInfo* info_out)
{
    SF_INFO sfi;
    auto opened = openForReading(path, &sfi);
    if (!opened)
        return opened.error();
    SNDFILE* f = opened->get();
    const WavInfo info = describe(sfi);
    if (info_out)
        *info_out = info;

    AudioClip clip;
    clip.sample_rate = sfi.samplerate;
    if (first_frame < 0)
        return badInput("Cannot read '" + path + "' from frame " + std::to_string(first_frame) + ": frames count from 0.",
                        path);
    if (max_frames <= 0)
        return clip;
    if (first_frame > 0) {
        if (first_frame >= info.frames)
            return clip; // the window starts after the end: nothing to read
        if (sf_seek(f, sf_count_t(first_frame), SEEK_SET) < 0)
            return runtimeError("Cannot seek to frame " + std::to_string(first_frame) + " of '" + path +
                                    "': " + reasonText(sf_strerror(f)) + ".",
                                path);
    }
    const int64_t available = std::max<int64_t>(0, info.frames - first_frame);
    // A lying header must not make us reserve gigabytes up front; the vector grows if it needs to.
    clip.samples.reserve(size_t(std::min<int64_t>({max_frames, available, int64_t(1) << 24})));

    const int channels = sfi.channels;
    const bool check_finite = info.encoding != SampleEncoding::Pcm; // integer PCM is always finite
    constexpr sf_count_t kChunkFrames = 4096;
    std::vector<float> chunk(size_t(kChunkFrames) * size_t(channels));
    int64_t remaining = max_frames;
    while (remaining > 0) {
        const sf_count_t want = sf_count_t(std::min<int64_t>(remaining, kChunkFrames));
        const sf_count_t got = sf_readf_float(f, chunk.data(), want);
        if (got <= 0)
            break;
        for (sf_count_t t = 0; t < got; ++t) {
            const float* frame = chunk.data() + size_t(t) * size_t(channels);
            double sum = 0.0;
            for (int c = 0; c < channels; ++c)
                sum += frame[c];
            const float v = channels == 1 ? frame[0] : float(sum / channels);
            if (check_finite && !std::isfinite(v))
                return badInput("'" + path + "' holds a non-finite sample (NaN or infinity) at frame " +
                                    std::to_string(first_frame + int64_t(clip.samples.size())) + ".",
                                path);
            clip.samples.push_back(v);
        }
        remaining -= got;
        if (got < want)
            break;
    }
    if (sf_error(f) != SF_ERR_NO_ERROR)
        return badInput("Reading '" + path + "' failed: " + reasonText(sf_strerror(f)) + ".", path);
    if (first_frame == 0 && clip.samples.empty())
        return badInput("'" + path + "' holds no samples (a header only).", path);
    return clip;
}

// ---- resampling ------------------------------------------------------------------------------
//
// y[n] = sum_j x[j] * h(t_n - j),  t_n = n * from / to (in input samples),
// h(tau) = c * sinc(c * tau) * kaiser(tau / T),  c = rolloff * min(1, to / from),  T = zeros / c.
// c puts the cut-off just below the lower of the two Nyquist frequencies (anti-aliasing when
// decimating, anti-imaging when interpolating). With from/to = M/L in lowest terms, the
// fractional position of t_n takes only L values, so the taps form L phases computed once.
// Each phase is normalised to sum to 1 so that DC passes with gain exactly 1.
//
// 64 zero crossings and beta = 10 give ~100 dB stop-band attenuation with a transition band of
// ~10% of the cut-off, centred at 0.945 x Nyquist: at 44.1 -> 16 kHz the pass band is flat to
// ~7.2 kHz and everything above 8 kHz is suppressed, which is what a 0-8 kHz mel front end needs.

constexpr int kZeroCrossings = 64;
constexpr double kRolloff = 0.945;
constexpr double kKaiserBeta = 10.0;
constexpr size_t kMaxPolyphaseEntries = size_t(1) << 21; // 8 MiB of floats

double besselI0(double x)
{
    // Power series sum_k ((x/2)^k / k!)^2: converges fast for the beta values used here.
    const double q = 0.25 * x * x;
    double term = 1.0, sum = 1.0;
    for (int k = 1; k < 500; ++k) {
        term *= q / (double(k) * double(k));
        sum += term;
        if (term < sum * 1e-17)
            break;
    }
    return sum;
}

struct SincKernel {
    double c = 1.0;          // cut-off as a fraction of the input Nyquist frequency
    double half_width = 1.0; // T, in input samples
    double inv_i0_beta = 1.0;

    SincKernel(int from_rate, int to_rate)
    {
        c = kRolloff * std::min(1.0, double(to_rate) / double(from_rate));
        half_width = kZeroCrossings / c;
        inv_i0_beta = 1.0 / besselI0(kKaiserBeta);
    }
    double operator()(double tau) const
    {
        if (std::abs(tau) >= half_width)
            return 0.0;
        const double r = tau / half_width;
        const double window = besselI0(kKaiserBeta * std::sqrt(std::max(0.0, 1.0 - r * r))) * inv_i0_beta;
        const double arg = std::numbers::pi * c * tau;
        const double sinc = arg == 0.0 ? 1.0 : std::sin(arg) / arg;
        return c * sinc * window;
    }
};

// Taps for one fractional position: taps[k'] multiplies x[i + k' - K + 1], k' in [0, 2K).
void fillTaps(const SincKernel& kernel, double frac, int K, float* taps, std::vector<double>& tmp)
{
    double sum = 0.0;
    tmp.resize(size_t(2 * K));
    for (int kk = 0; kk < 2 * K; ++kk) {
        const int k = kk - K + 1; // offset j - i
        tmp[size_t(kk)] = kernel(frac - double(k));
        sum += tmp[size_t(kk)];
    }
    const double norm = sum != 0.0 ? 1.0 / sum : 1.0;
    for (int kk = 0; kk < 2 * K; ++kk)
        taps[kk] = float(tmp[size_t(kk)] * norm);
}

float applyTaps(const std::vector<float>& x, int64_t first, const float* taps, int ntaps)
{
    const int64_t len = int64_t(x.size());
    double acc = 0.0;
    if (first >= 0 && first + ntaps <= len) {
        const float* xs = x.data() + first;
        for (int k = 0; k < ntaps; ++k)
            acc += double(taps[k]) * double(xs[k]);
    } else {
        // Near the ends: samples outside the signal count as zero.
        const int k0 = int(std::max<int64_t>(0, -first));
        const int k1 = int(std::min<int64_t>(ntaps, len - first));
        for (int k = k0; k < k1; ++k)
            acc += double(taps[k]) * double(x[size_t(first + k)]);
    }
    return float(acc);
}

std::atomic<uint64_t> g_temp_counter{0};

} // namespace

Result<WavInfo> probeWav(const std::string& path)
{
    SF_INFO sfi;
    auto opened = openForReading(path, &sfi);
    if (!opened)
        return opened.error();
    return describe(sfi);
}

Result<AudioClip> readWav(const std::string& path, WavInfo* info)
{
    return readFrames(path, 0, INT64_MAX, info);
}

Result<AudioClip> readWavRange(const std::string& path, int64_t first_frame, int64_t frames, WavInfo* info)
{
    return readFrames(path, first_frame, frames, info);
}

Status writeWav(const std::string& path, const std::vector<float>& samples, int rate)
{
    if (rate <= 0)
        return badInput("Cannot write '" + path + "': the sample rate " + std::to_string(rate) + " Hz is not positive.",
                        path);
    // Convert ourselves (clip, scale by 32768, round) so that the result does not depend on
    // libsndfile's normalisation/clipping flags, and k/32768 values round-trip exactly.
    std::vector<short> pcm(samples.size());
    for (size_t i = 0; i < samples.size(); ++i) {
        const float v = samples[i];
        if (!std::isfinite(v))
            return badInput("Cannot write '" + path + "': sample " + std::to_string(i) + " is not a finite number.",
                            path);
        const double scaled = std::nearbyint(double(std::clamp(v, -1.0f, 1.0f)) * 32768.0);
        pcm[i] = short(std::clamp(scaled, -32768.0, 32767.0));
    }

    const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" +
                            std::to_string(g_temp_counter.fetch_add(1, std::memory_order_relaxed));
    SF_INFO sfi{};
    sfi.samplerate = rate;
    sfi.channels = 1;
    sfi.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    std::error_code ec;
    if (Status s = checkOutputTarget(path); !s)
        return s;
    SNDFILE* f = sf_open(tmp.c_str(), SFM_WRITE, &sfi);
    if (!f)
        return badInput("Cannot write '" + path + "': " + reasonText(sf_strerror(nullptr)) + ".", path);
    const sf_count_t written = sf_writef_short(f, pcm.data(), sf_count_t(pcm.size()));
    const std::string write_error = reasonText(sf_strerror(f));
    const int close_rc = sf_close(f);
    if (written != sf_count_t(pcm.size()) || close_rc != 0) {
        std::remove(tmp.c_str());
        return runtimeError("Writing '" + path + "' failed: " + write_error + ".", path);
    }
    fs::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        return runtimeError("Cannot move the new file into place at '" + path + "': " + ec.message() + ".", path);
    }
    return Status::ok();
}

std::vector<float> resample(const std::vector<float>& x, int from_rate, int to_rate)
{
    if (from_rate <= 0 || to_rate <= 0)
        return {};
    if (from_rate == to_rate)
        return x;
    const int g = std::gcd(from_rate, to_rate);
    const uint64_t L = uint64_t(to_rate / g);   // phases (up factor)
    const uint64_t M = uint64_t(from_rate / g); // input step per output sample, in 1/L units
    const uint64_t out_len = (uint64_t(x.size()) * L + M - 1) / M;
    std::vector<float> y(size_t(out_len), 0.0f);
    if (x.empty())
        return y;

    const SincKernel kernel(from_rate, to_rate);
    const int K = int(std::ceil(kernel.half_width));
    const int ntaps = 2 * K;
    std::vector<double> scratch;

    if (L * uint64_t(ntaps) <= kMaxPolyphaseEntries) {
        std::vector<float> table(size_t(L) * size_t(ntaps));
        for (uint64_t p = 0; p < L; ++p)
            fillTaps(kernel, double(p) / double(L), K, table.data() + p * uint64_t(ntaps), scratch);
        for (uint64_t n = 0; n < out_len; ++n) {
            const uint64_t pos = n * M;
            const int64_t i = int64_t(pos / L);
            const uint64_t p = pos % L;
            y[size_t(n)] = applyTaps(x, i - K + 1, table.data() + p * uint64_t(ntaps), ntaps);
        }
    } else {
        // Awkward rate pairs (e.g. 44100 -> 16001) have too many phases to tabulate: compute each
        // output's taps directly. Same maths, just slower.
        std::vector<float> taps(static_cast<size_t>(ntaps));
        for (uint64_t n = 0; n < out_len; ++n) {
            const uint64_t pos = n * M;
            const int64_t i = int64_t(pos / L);
            fillTaps(kernel, double(pos % L) / double(L), K, taps.data(), scratch);
            y[size_t(n)] = applyTaps(x, i - K + 1, taps.data(), ntaps);
        }
    }
    return y;
}

std::vector<float> fitLength(const std::vector<float>& x, size_t n)
{
    std::vector<float> y(n, 0.0f);
    std::copy_n(x.begin(), std::min(n, x.size()), y.begin());
    return y;
}

size_t clipSamples(const AudioSettings& settings)
{
    const double n = settings.clip_seconds * double(settings.sample_rate);
    return std::isfinite(n) && n > 0.0 ? size_t(std::llround(n)) : 0;
}

Status checkClipSettings(const AudioSettings& settings)
{
    constexpr double kMaxClipSeconds = 3600.0; // a model input longer than an hour is a typo
    if (settings.sample_rate <= 0)
        return badInput("The audio sample rate " + std::to_string(settings.sample_rate) + " Hz is not positive.");
    if (settings.sample_rate < kMinSampleRate || settings.sample_rate > kMaxModelSampleRate)
        return badInput("The audio sample rate " + std::to_string(settings.sample_rate) + " Hz is not between " +
                        std::to_string(kMinSampleRate) + " and " + std::to_string(kMaxModelSampleRate) + " Hz.");
    if (!(settings.clip_seconds > 0.0) || settings.clip_seconds > kMaxClipSeconds) {
        char secs[32];
        std::snprintf(secs, sizeof(secs), "%g", settings.clip_seconds);
        return badInput(std::string("The clip length ") + secs + " s is not between 0 and 3600 seconds.");
    }
    return Status::ok();
}

Result<std::vector<float>> loadClip16k(const std::string& path, const AudioSettings& settings, WavInfo* info)
{
    if (Status s = checkClipSettings(settings); !s)
        return s.error();
    WavInfo header;
    auto probed = probeWav(path);
    if (!probed)
        return probed.error();
    header = *probed;
    // Read only what the clip needs: the output samples [0, n) depend on input samples up to
    // n * from / to plus the filter's half width, so a long file costs no more than a short one.
    const int64_t n = int64_t(clipSamples(settings));
    const int64_t from = header.sample_rate, to = settings.sample_rate;
    const int64_t half_width = from == to ? 0 : int64_t(std::ceil(SincKernel(int(from), int(to)).half_width)) + 2;
    const int64_t frames = (n * from + to - 1) / to + half_width + 1;
    auto clip = readWavRange(path, 0, frames, info);
    if (!clip)
        return clip.error();
    return fitLength(resample(clip->samples, clip->sample_rate, settings.sample_rate), size_t(n));
}

} // namespace ss
