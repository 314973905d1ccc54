// Training-time augmentation of 1 s keyword clips (DESIGN.md §2, "published details"): speed/pitch
// (linear-interpolation resampling by up to ±20%, as Numenta's ChangeSpeedAndPitchAudio does),
// amplitude, time shift with zero fill, and background-noise mixing from _background_noise_ — plus
// what real microphones and rooms do to a voice (datasets/README.md, "Augmentation"): room
// reverberation from image-method impulse responses, background noise over a wide SNR range,
// random equalisation and spectral tilt, band-limiting (telephone, laptop microphone), gain with
// soft clipping; and on the features, vocal-tract-length perturbation (the mel axis warped) and
// SpecAugment time and frequency masks. Each step is switchable (probability 0 = off).
// Silence examples are windows of the noise files scaled by a gain in [0, 1], as the GSC reader
// (datasets/gsc.h) defines them, redrawn every epoch. Qt-free, no libtorch.
//
// Every draw comes from SplitMix64 seeded by (seed, epoch, item), so one item of one epoch gets the
// same augmentation whatever the thread that computes it, and a resumed run repeats a fresh one.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>
#include "util/splitmix.h"

namespace ss {

// One seed per (run seed, epoch, item): the item's augmentation does not depend on the order in
// which items are computed.
uint64_t itemSeed(uint64_t seed, uint64_t epoch, uint64_t item);

struct AugmentOptions {
    // Microphones and rooms (waveform). Order: speed, reverb, noise, equalisation, band limit,
    // gain, soft clip, time shift.
    double reverb_probability = 0.5;    // convolve with an image-method room impulse response (RoomBank)
    double min_snr_db = 0.0;            // noise mixed at an SNR drawn in [min, max] dB (of the clip's
    double max_snr_db = 30.0;           //   speech RMS); used instead of max_noise_volume when max > min
    double eq_probability = 0.8;        // 3 peaking filters of ±9 dB (150 Hz..6 kHz) and a ±6 dB tilt
    double bandlimit_probability = 0.25; // half telephone (300..3400 Hz), half laptop microphone
    double clip_probability = 0.1;      // drive 1..8 into tanh soft clipping
    // Features (after the log-mel front end).
    double vtlp_probability = 0.8;      // mel axis warped by a factor in [1 - x, 1 + x] (Jaitly & Hinton 2013)
    double max_vtlp = 0.12;
    double specaugment_probability = 0.8; // SpecAugment: masks of up to `max_*_mask` bands / frames
    int frequency_masks = 2, max_frequency_mask = 4;
    int time_masks = 2, max_time_mask = 4;
    double max_speed_change = 0.2;   // speed/pitch factor drawn in [1 - x, 1 + x] (0 = off)
    double min_gain = 0.7;           // amplitude factor drawn in [min_gain, max_gain]
    double max_gain = 1.1;           //   (Numenta's ChangeAmplitude(0.7, 1.1))
    double max_shift_seconds = 0.1;  // time shift drawn in ±x s, zero-filled (TensorFlow's 100 ms)
    double noise_probability = 0.8;  // chance of mixing in background noise (TensorFlow's 0.8)
    double max_noise_volume = 0.1;   // noise scale drawn in [0, x] (TensorFlow's background_volume)
    bool enabled = true;             // false: clips pass unchanged (validation, test)
    int sample_rate = 16000;         // of the clips (for the shift in seconds)
};

// Decoded _background_noise_ files at the model's sample rate, kept in memory.
struct NoiseBank {
    std::vector<std::vector<float>> noises; // each at least one clip long (shorter files are skipped)
    std::vector<std::string> names;
    bool empty() const { return noises.empty(); }
};

// Room impulse responses made once per run by the image method (Allen & Berkley 1979): shoebox rooms
// from 3x2.5x2.4 m to 10x8x4 m, wall reflection coefficients 0.55..0.92 (RT60 ~0.1..0.9 s), source
// and microphone at random places 0.5 m or more from the walls, up to 0.35 s long; the direct path
// is at sample 0 with gain 1. Kept as spectra for FFT convolution of one clip.
class RoomBank {
public:
    RoomBank() = default;
    RoomBank(int rooms, int sample_rate, size_t clip_samples, uint64_t seed);
    bool empty() const { return spectra_.empty(); }
    size_t size() const { return spectra_.size(); }
    double rt60(size_t i) const { return rt60_[i]; } // Sabine's estimate, seconds
    const std::vector<float>& response(size_t i) const { return responses_[i]; }
    // clip convolved with room i, cut to the clip's length (the direct sound stays in place).
    std::vector<float> apply(const std::vector<float>& clip, size_t i) const;

private:
    size_t fft_size_ = 0;
    std::vector<std::vector<float>> responses_;
    std::vector<std::vector<std::complex<float>>> spectra_;
    std::vector<double> rt60_;
};

// Band centre frequencies the VTLP warp needs: melBandEdgesHz(n_mels, f_min, f_max).
struct FeatureAugmentShape {
    int bands = 32, frames = 32;
    std::vector<double> edges_hz; // n_mels + 2 edges (centre of band b = edges_hz[b + 1])
};

// VTLP and SpecAugment on one [bands][frames] log-mel map, in place. Deterministic in `seed`.
void augmentFeatures(std::vector<float>& features, const FeatureAugmentShape& shape, const AugmentOptions& options,
                     uint64_t seed);

// One second-order section (RBJ's cookbook), run in place on a clip.
struct Biquad {
    double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
    static Biquad peaking(double f0, double q, double gain_db, int rate);
    static Biquad highShelf(double f0, double gain_db, int rate);
    static Biquad highPass(double f0, double q, int rate);
    static Biquad lowPass(double f0, double q, int rate);
    void run(std::vector<float>& x) const;
    double gainAt(double f, int rate) const; // |H(e^{jw})| at f Hz
};

// A window of `n` samples of a random noise file at a random offset (zeros when the bank is empty).
std::vector<float> noiseWindow(const NoiseBank& bank, size_t n, SplitMix64& rng);

// The augmented clip: same length as `clip`, samples clamped to [-1, 1]. Deterministic in `seed`.
std::vector<float> augmentClip(const std::vector<float>& clip, const NoiseBank& bank, const AugmentOptions& options,
                               uint64_t seed, const RoomBank* rooms = nullptr);

// A _silence_ example as the GSC reader defines it: a window of a random noise file scaled by a
// gain drawn in [0, 1]. Deterministic in `seed`; zeros when the bank is empty.
std::vector<float> silenceClip(const NoiseBank& bank, size_t n, uint64_t seed);

// Speed/pitch change by `factor` (> 1 = faster and higher): linear interpolation about the clip's
// centre, so the word stays where it was; positions falling outside the clip become zeros.
std::vector<float> changeSpeed(const std::vector<float>& clip, double factor);

// Moves the clip by `shift` samples (positive = later), zero-filling the gap.
std::vector<float> timeShift(const std::vector<float>& clip, long shift);

} // namespace ss
