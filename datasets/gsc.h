// Google Speech Commands (GSC) layout reader: one folder of WAV clips per word, validation_list.txt
// and testing_list.txt naming the held-out clips, _background_noise_/ for _silence_ examples.
// See datasets/README.md. Qt-free; errors are values (one sentence naming the path).
#pragma once

#include "model/model.h" // AudioSettings
#include "util/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ss {

class LogMelFrontEnd;

inline constexpr const char* kSilenceClass = "_silence_";
inline constexpr const char* kUnknownClass = "_unknown_";
inline constexpr const char* kBackgroundNoiseFolder = "_background_noise_";

enum class ClassPreset {
    Commands, // yes no up down left right on off stop go (SparseScope's default)
    Digits    // zero .. nine (Numenta's published GSC runs)
};

// The 10 keywords of the preset, in order.
const std::vector<std::string>& presetKeywords(ClassPreset preset);
// The 10 keywords of the preset in order, then _silence_, then _unknown_ (12 classes).
std::vector<std::string> presetClasses(ClassPreset preset);
const char* presetName(ClassPreset preset); // "commands", "digits"
Result<ClassPreset> parsePreset(const std::string& name);

enum class Split { Train, Validation, Test };
const char* splitName(Split split); // "train", "validation", "test"
Result<Split> parseSplit(const std::string& name);

struct GscClip {
    std::string path;    // full path of the WAV (for silence: of the background-noise file)
    std::string word;    // folder name ("yes", "bird"), or "_silence_"
    int label = -1;      // index into GscDataset::classes
    std::string speaker; // file name before "_nohash_" (GSC's speaker id); empty for silence
    int64_t offset = 0;  // silence: first frame of the window in the noise file
    bool silence = false;
    float gain = 1.0f;   // silence: amplitude scale in [0, 1] applied to the noise window
    bool reversed = false; // played backwards (the trainer's own-voice negatives, label _unknown_)
};

struct GscDataset {
    std::string root;
    std::vector<std::string> classes;
    std::vector<GscClip> train, validation, test;
    std::vector<std::string> noise_files; // full paths of _background_noise_/*.wav, sorted
    std::vector<std::string> notes;       // informational sentences for the user (nothing is wrong)

    const std::vector<GscClip>& split(Split s) const;
    int classIndex(const std::string& name) const; // -1 when absent
};

// One entry of validation_list.txt or testing_list.txt: the clip as the list spells it, relative to
// the dataset root ("word/file.wav", leading "./" removed), and its line number (from 1).
struct SplitListEntry {
    std::string rel;
    int line = 0;
};

// Longest list file and list entry read: GSC's lists are ~100 KB of 30-byte entries.
inline constexpr int64_t kMaxSplitListBytes = int64_t(64) << 20;
inline constexpr size_t kMaxSplitListEntryBytes = 1024;

// Parses the text of a split list: one entry per line, surrounding blanks trimmed, blank lines
// skipped. Refuses an entry longer than kMaxSplitListEntryBytes or holding a control character
// (a terminal escape must not reach the user's screen through a refusal that quotes it).
// `where` names the list in the sentence. openGsc reads the lists with it; fuzzers call it directly.
Result<std::vector<SplitListEntry>> parseSplitList(const std::string& text, const std::string& where);

// Reads the folder structure and the two lists (no audio is decoded; clips are checked when loaded).
// Classes come from the preset, or from classes_override when it is non-empty (e.g. a model's class
// names): every entry other than _silence_/_unknown_ is a keyword. Words that are not keywords map
// to _unknown_ when that class exists (and are left out otherwise). _silence_ clips (when that class
// exists and background noise is present) are ~10% of each split's word clips, placed at
// pseudo-random offsets and gains fixed by `seed`; clips are ordered by path, so the result is
// identical for the same tree and seed.
Result<GscDataset> openGsc(const std::string& dir, ClassPreset preset,
                           const std::vector<std::string>& classes_override = {}, uint64_t seed = 1);

// The clip as the model's raw input: clip_seconds of audio at settings.sample_rate. Word clips must
// be 16-bit PCM (as GSC ships them); silence is a window of the noise file scaled by clip.gain.
Result<std::vector<float>> loadClipSamples(const GscDataset& dataset, const GscClip& clip,
                                           const AudioSettings& settings);

// loadClipSamples followed by the log-mel front end: [n_mels][frames] features.
Result<std::vector<float>> loadClipFeatures(const GscDataset& dataset, const GscClip& clip,
                                            const AudioSettings& settings);
// Same, reusing a front end planned once (the cheaper call for a whole split).
Result<std::vector<float>> loadClipFeatures(const GscDataset& dataset, const GscClip& clip,
                                            const LogMelFrontEnd& front_end);

} // namespace ss
