// Log-mel features, the model's input: librosa's
//   power_to_db(melspectrogram(y, sr, n_fft, hop_length, n_mels, fmin, fmax, center, power=2), ref=np.max, top_db)
// with librosa's defaults htk=False (Slaney mel scale), norm='slaney' (area-normalised triangles),
// a periodic Hann window of n_fft samples, and reflect padding of n_fft/2 on both sides when centred
// (librosa < 0.10's pad_mode, which the published GSC models were trained with).
// Output layout: [n_mels][frames] row-major, i.e. the (1, H = n_mels, W = frames) input tensor.
#pragma once

#include "audio/fft.h"
#include "model/model.h" // AudioSettings
#include "util/status.h"

#include <complex>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ss {

// Slaney's Auditory Toolbox mel scale (librosa htk=False): linear below 1 kHz at 200/3 Hz per mel
// (1000 Hz = 15 mel), logarithmic above with 27 mel per factor 6.4.
double hzToMelSlaney(double hz);
double melToHzSlaney(double mel);

// n_mels + 2 frequencies (Hz) equally spaced on the mel scale from f_min to f_max; band b rises from
// edges[b], peaks at edges[b + 1] (its centre) and falls to zero at edges[b + 2].
std::vector<double> melBandEdgesHz(int n_mels, double f_min, double f_max);

// librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm='slaney'), float32 like librosa:
// [n_mels][n_fft/2 + 1] row-major.
std::vector<float> melFilterbank(int sample_rate, int n_fft, int n_mels, double f_min, double f_max);

// Refuses settings the front end cannot honour (rates, sizes, band limits) with one sentence.
Status checkAudioSettings(const AudioSettings& settings);

class LogMelFrontEnd {
public:
    // Plans everything once (window, filterbank, FFT). Invalid settings leave status() failed and
    // make compute() return an empty vector: constructors cannot return errors, so ask status().
    explicit LogMelFrontEnd(const AudioSettings& settings);

    const Status& status() const { return status_; }
    const AudioSettings& settings() const { return settings_; }
    int bands() const { return settings_.n_mels; }
    int frames() const { return framesFor(clip_samples_); } // frames of one clip_seconds clip
    int framesFor(size_t n) const;                            // frames of an n-sample signal
    size_t clipSamples() const { return clip_samples_; }
    const std::vector<float>& filterbank() const { return filterbank_; } // [n_mels][n_fft/2 + 1]

    // Features of samples[0..n) (any n; a model wants n == clipSamples()): bands() x framesFor(n),
    // row-major. Thread-safe: const and allocation-local.
    std::vector<float> compute(const float* samples, size_t n) const;
    std::vector<float> compute(const std::vector<float>& samples) const { return compute(samples.data(), samples.size()); }

    // The mel power spectrogram before the dB conversion (same layout), for tests and displays.
    std::vector<float> melPower(const float* samples, size_t n) const;

    // Scratch for the one-frame calls below (one per thread).
    struct FrameWorkspace {
        std::vector<double> frame;
        std::vector<std::complex<double>> spectrum;
        std::vector<double> power;
        RealFft::Workspace fft;
    };
    // Mel power of frame t of samples[0..n) (padding exactly as compute()): bands() values into
    // out, out[b * stride] for band b. melPower() is this for every t.
    void melFrame(const float* samples, size_t n, int t, float* out, size_t stride, FrameWorkspace& ws) const;
    // Mel power of one frame whose n_fft samples are all real audio (no padding): the same numbers
    // melFrame() gives for an interior frame, from just those samples. The streaming front end's
    // incremental path (streaming.h).
    void melFrameInterior(const float* frame_samples, float* out, size_t stride, FrameWorkspace& ws) const;
    // First and last frame (inclusive) of a clip_seconds clip that need no padding; first > last
    // when every frame touches the padding.
    int firstInteriorFrame() const;
    int lastInteriorFrame() const;
    // The dB step of compute() (power_to_db with ref = max, amin, top_db) on a mel power
    // spectrogram whose per-cell 10 log10(max(amin, power)) is already known (powerDb()), so a
    // streaming caller pays the logarithms once per frame, not once per window.
    static double powerDb(float power);
    void toDb(const float* power, const double* power_db, size_t count, float* out) const;

private:
    struct Band {
        int first_bin = 0, end_bin = 0; // non-zero weights of the band: [first_bin, end_bin)
    };

    AudioSettings settings_;
    Status status_;
    size_t clip_samples_ = 0;
    int bins_ = 0;
    std::vector<double> window_;    // periodic Hann, n_fft
    std::vector<float> filterbank_; // [n_mels][bins]
    std::vector<Band> bands_;
    RealFft fft_{1};

    void project(float* out, size_t stride, FrameWorkspace& ws) const; // ws.frame -> mel power
};

// A ring buffer of the last clip_seconds of audio at settings.sample_rate that recomputes the whole
// window's features on request: the simple reference the incremental StreamingLogMel
// (audio/streaming.h, what live recognition runs) is tested against.
// push() as audio arrives, features() of the current window whenever a prediction is wanted.
// Not thread-safe: one producer thread, or lock around it.
class StreamingFrontEnd {
public:
    explicit StreamingFrontEnd(const AudioSettings& settings);

    const Status& status() const { return front_end_.status(); }
    const LogMelFrontEnd& frontEnd() const { return front_end_; }

    void push(const float* samples, size_t n);
    void push(const std::vector<float>& samples) { push(samples.data(), samples.size()); }
    void reset();

    // The last clipSamples() samples, oldest first; zeros stand in for audio not yet received.
    std::vector<float> window() const;
    std::vector<float> features() const { return front_end_.compute(window()); }
    uint64_t samplesPushed() const { return pushed_; }
    bool filled() const { return pushed_ >= ring_.size(); } // a whole window of real audio is in

private:
    LogMelFrontEnd front_end_;
    std::vector<float> ring_;
    size_t head_ = 0; // where the next sample goes == the oldest sample once the ring is full
    uint64_t pushed_ = 0;
};

} // namespace ss
