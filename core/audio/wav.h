// Audio file I/O (through libsndfile) and the signal plumbing every front end needs:
// mono downmix, band-limited resampling and fitting a clip to a fixed length.
// Samples are float in [-1, 1] (integer formats are scaled by libsndfile: int16 / 32768).
#pragma once

#include "model/model.h" // AudioSettings
#include "util/status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ss {

// Sample rates an audio file may declare (kMinSampleRate, in model.h, is the lower bound).
constexpr int kMaxWavSampleRate = 384000;

struct AudioClip {
    int sample_rate = 0;
    std::vector<float> samples; // mono
};

enum class SampleEncoding {
    Pcm,   // signed or unsigned integer PCM (bits says how wide)
    Float, // IEEE float (32) or double (64)
    Other  // compressed or companded (FLAC, Vorbis, u-law, ADPCM, ...)
};

struct WavInfo {
    int sample_rate = 0;
    int channels = 0;
    int64_t frames = 0;   // samples per channel
    int bits = 0;         // bits per sample for PCM/float, 0 for other encodings
    SampleEncoding encoding = SampleEncoding::Other;
    int sndfile_format = 0;  // libsndfile's SF_INFO::format (major | subtype), for callers that need more
    std::string container;   // "WAV (Microsoft)", "FLAC (Free Lossless Audio Codec)", ...
    std::string subtype;     // "Signed 16 bit PCM", "32 bit float", ...

    bool isPcm16() const { return encoding == SampleEncoding::Pcm && bits == 16; }
    double seconds() const { return sample_rate > 0 ? double(frames) / sample_rate : 0.0; }
};

// Header facts of any file libsndfile can open; refuses other files with a sentence naming it.
Result<WavInfo> probeWav(const std::string& path);

// Reads a whole file, downmixed to mono by averaging the channels. info (may be null) receives the
// header facts, so that a caller checking the encoding does not open the file twice.
// Refuses unreadable files and files holding non-finite samples (NaN/inf in float WAVs).
Result<AudioClip> readWav(const std::string& path, WavInfo* info = nullptr);

// Reads at most `frames` frames starting at `first_frame` (mono, as readWav); fewer frames come back
// when the file ends first. Used to cut 1 s windows out of long background-noise files without
// reading the rest of them.
Result<AudioClip> readWavRange(const std::string& path, int64_t first_frame, int64_t frames,
                               WavInfo* info = nullptr);

// Writes mono 16-bit PCM WAV. Atomic: the data goes to a temporary file in the same folder which is
// then renamed over `path`, so a reader never sees a half-written clip. Samples outside [-1, 1]
// are clipped; non-finite samples or a rate <= 0 are refused.
Status writeWav(const std::string& path, const std::vector<float>& samples, int rate);

// Band-limited rational resampling (Kaiser-windowed sinc, polyphase). Output length is
// ceil(x.size() * to_rate / from_rate). Equal rates return x unchanged (bit-exact); a rate <= 0
// returns an empty vector (callers validate rates; file readers only produce positive ones).
std::vector<float> resample(const std::vector<float>& x, int from_rate, int to_rate);

// Zero-pads at the end, or cuts the end, to exactly n samples.
std::vector<float> fitLength(const std::vector<float>& x, size_t n);

// Number of samples of one clip under these settings: round(clip_seconds * sample_rate).
size_t clipSamples(const AudioSettings& settings);

// Refuses a sample rate outside [1000, 192000] Hz or a clip length outside (0, 3600] s with one sentence: the part of
// AudioSettings that reading clips needs (checkAudioSettings in melspec.h checks the rest).
Status checkClipSettings(const AudioSettings& settings);

// Read + mono + resample to settings.sample_rate + fit to clip_seconds: the model's raw input.
// info (may be null) receives the file's header facts.
Result<std::vector<float>> loadClip16k(const std::string& path, const AudioSettings& settings,
                                       WavInfo* info = nullptr);

} // namespace ss
