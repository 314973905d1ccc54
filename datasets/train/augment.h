// Training-time augmentation of 1 s keyword clips (DESIGN.md §2, "published details"): speed/pitch
// (linear-interpolation resampling by up to ±20%, as Numenta's ChangeSpeedAndPitchAudio does),
// amplitude, time shift with zero fill, and background-noise mixing from _background_noise_.
// Silence examples are windows of the noise files scaled by a gain in [0, 1], as the GSC reader
// (datasets/gsc.h) defines them, redrawn every epoch. Qt-free, no libtorch.
//
// Every draw comes from SplitMix64 seeded by (seed, epoch, item), so one item of one epoch gets the
// same augmentation whatever the thread that computes it, and a resumed run repeats a fresh one.
#pragma once

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

// A window of `n` samples of a random noise file at a random offset (zeros when the bank is empty).
std::vector<float> noiseWindow(const NoiseBank& bank, size_t n, SplitMix64& rng);

// The augmented clip: same length as `clip`, samples clamped to [-1, 1]. Deterministic in `seed`.
std::vector<float> augmentClip(const std::vector<float>& clip, const NoiseBank& bank, const AugmentOptions& options,
                               uint64_t seed);

// A _silence_ example as the GSC reader defines it: a window of a random noise file scaled by a
// gain drawn in [0, 1]. Deterministic in `seed`; zeros when the bank is empty.
std::vector<float> silenceClip(const NoiseBank& bank, size_t n, uint64_t seed);

// Speed/pitch change by `factor` (> 1 = faster and higher): linear interpolation about the clip's
// centre, so the word stays where it was; positions falling outside the clip become zeros.
std::vector<float> changeSpeed(const std::vector<float>& clip, double factor);

// Moves the clip by `shift` samples (positive = later), zero-filling the gap.
std::vector<float> timeShift(const std::vector<float>& clip, long shift);

} // namespace ss
