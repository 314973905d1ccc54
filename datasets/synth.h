// Synthetic Speech Commands: writes a Google-Speech-Commands-layout tree (DESIGN.md §2) whose speech
// comes from the espeak-ng program (run as a subprocess, never linked) across its English voices and
// variants. See datasets/README.md. Qt-free; errors are values (one sentence).
//
// Generation: a "speaker" is one voice+variant with its own pitch, rate, amplitude and word gap.
// espeak-ng runs once per speaker, reading its words as sentences with long gaps; the reading is
// resampled to 16 kHz and cut at the gaps (one run per word if the cut fails). Every take of a word is
// derived in-process from that utterance (speed/pitch ±10%, gain, reverb, time offset, background
// noise), so the cost is one espeak-ng run per speaker, not per clip. Test and validation speakers
// (~10% each, chosen from the seed) never occur in training. Every random draw comes from SplitMix64
// seeded by (seed, speaker, word), so the output is byte-identical for a seed whatever --jobs is.
#pragma once

#include "util/status.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ss {

enum class SynthWordSet {
    Commands, // the 10 command words + the GSC unknown words
    Digits,   // zero..nine + the GSC unknown words
    All       // command words + digits + unknown words (default: serves both class presets)
};

Result<SynthWordSet> parseSynthWordSet(const std::string& name); // "commands", "digits", "all"
std::vector<std::string> synthWords(SynthWordSet set);            // folder names, in a fixed order

struct SynthDatasetOptions {
    std::string output_dir;
    int64_t clips = 36000;       // total word clips (background noise comes on top)
    uint64_t seed = 1;
    int jobs = 0;                // parallel workers; <= 0 means std::thread::hardware_concurrency()
    SynthWordSet words = SynthWordSet::All;
    bool force = false;          // write into a non-empty folder (same-named files are replaced)
    std::string espeak = "espeak-ng"; // program name (searched on PATH) or path
    int takes_per_word = 3;      // clips per (speaker, word) at the default size; sets the speaker count
    double validation_fraction = 0.1, test_fraction = 0.1; // of the speakers
    int noise_seconds = 60;      // length of each _background_noise_ file
};

struct SynthProgress {
    int64_t done = 0, total = 0; // clips written so far / to write
    double elapsed_seconds = 0;
    const char* stage = "";      // "noise", "clips"
};

struct SynthSpeaker {
    std::string id;   // the file-name prefix before _nohash_
    std::string voice; // espeak-ng -v argument, e.g. "en-us+f3"
    int pitch = 50, rate = 175, amplitude = 100, word_gap = 0;
    std::string split; // "train", "validation", "test"
};

struct SynthReport {
    int64_t clips = 0, train = 0, validation = 0, test = 0;
    int words = 0;
    std::vector<SynthSpeaker> speakers;
    std::vector<std::string> noise_files; // names in _background_noise_/
    int espeak_runs = 0;       // one per speaker, plus one per word for speakers whose reading could not be cut
    int fallback_speakers = 0; // speakers whose words were said one by one
    double seconds = 0;
};

// The speaker profiles generation would use for these options (no audio is made, nothing written).
std::vector<SynthSpeaker> synthSpeakers(const SynthDatasetOptions& options);

// Full path of an executable found on PATH (or `name` itself when it contains a '/' and is
// executable); empty when there is none.
std::string findProgram(const std::string& name);

// Writes the tree. Refuses (BadInput): clips < 1, an output folder that is not empty (unless force)
// or cannot be created/written, espeak-ng missing. progress (may be empty) is called on the calling
// thread about ten times a second. When *cancel becomes true the workers stop after the clip they are
// writing (every WAV is written atomically), no list is written, and a Runtime error says so.
Result<SynthReport> synthesizeGsc(const SynthDatasetOptions& options,
                                  const std::function<void(const SynthProgress&)>& progress = {},
                                  const std::atomic<bool>* cancel = nullptr);

} // namespace ss
