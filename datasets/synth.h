// Synthetic Speech Commands: writes a Google-Speech-Commands-layout tree (DESIGN.md §2) whose speech
// comes from two synthesis families, each run as a subprocess (never linked): espeak-ng (formant
// synthesis, its English voices and variants) and Festival (diphone synthesis: English, Italian,
// Czech and Finnish voices reading the English words). See datasets/README.md. Qt-free; errors are
// values (one sentence).
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
#include <set>
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

// The synthesis families dataset synth knows. CMU Flite and the HTS voices are deliberately absent:
// they are kept out of training data for independent checks of generalisation.
const std::vector<std::string>& synthFamilies(); // "espeak-ng", "festival"
// Festival voices used (Debian festvox-* packages): name as in (voice_NAME), language.
const std::vector<std::pair<std::string, std::string>>& festivalVoices();

struct SynthDatasetOptions {
    std::string output_dir;
    int64_t clips = 36000;       // total word clips (background noise comes on top)
    uint64_t seed = 1;
    int jobs = 0;                // parallel workers; <= 0 means std::thread::hardware_concurrency()
    SynthWordSet words = SynthWordSet::All;
    bool force = false;          // write into a non-empty folder (same-named files are replaced)
    std::string espeak = "espeak-ng"; // program name (searched on PATH) or path
    std::string festival = "festival"; // Festival's program (with `sox` for its pitch shifts)
    std::string sox = "sox";
    // Families to use and the share of speakers each gets (same order; the shares are normalised).
    std::vector<std::string> families = {"espeak-ng", "festival"};
    std::vector<double> family_shares = {0.7, 0.3};
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
    std::string id;    // the file-name prefix before _nohash_
    std::string family = "espeak-ng"; // synthesis family: "espeak-ng" or "festival"
    std::string voice; // espeak-ng -v argument ("en-us+f3"), or the Festival voice ("kal_diphone")
    // espeak-ng: -p, -s (wpm), -a, -g. Festival: pitch = shift in cents (sox pitch), rate = duration
    // stretch in percent (Duration_Stretch), amplitude as for espeak-ng (loudness), word_gap unused.
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

// speakers.tsv of a synthetic tree (written by synthesizeGsc): speaker id -> profile. Files written
// before the family column existed read as espeak-ng. Refuses a malformed file with one sentence.
Result<std::vector<SynthSpeaker>> readSpeakersTsv(const std::string& path);

// The speakers of a synthetic tree that `spec` names, read from DIR/speakers.tsv: "family:NAME" or
// "voice:NAME" (NAME may be a comma-separated list). For leave-one-family-out training and
// per-family evaluation. Refuses an unknown form, a missing speakers.tsv, or a spec that matches no
// speaker, each with one sentence.
Result<std::set<std::string>> selectSynthSpeakers(const std::string& data_dir, const std::string& spec);

// Writes the tree. Refuses (BadInput): clips < 1, an output folder that is not empty (unless force)
// or cannot be created/written, an unknown family, a family's program missing. progress (may be empty) is called on the calling
// thread about ten times a second. When *cancel becomes true the workers stop after the clip they are
// writing (every WAV is written atomically), no list is written, and a Runtime error says so.
Result<SynthReport> synthesizeGsc(const SynthDatasetOptions& options,
                                  const std::function<void(const SynthProgress&)>& progress = {},
                                  const std::atomic<bool>* cancel = nullptr);

} // namespace ss
