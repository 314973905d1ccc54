// Keyword enrollment (issue 15): a user's takes of each keyword, trimmed to the spoken word by an
// energy-based voice activity detector, written as a Speech-Commands-layout folder that the GSC
// reader (gsc.h) loads and `train --init` fine-tunes on. Qt-free: the CLI and the app record the
// takes (app/capture) and hand the samples in.
//
// Folder written (datasets/README.md, "Enrollment"):
//   DIR/<word>/<speaker>_nohash_<i>.wav   one 1 s clip per take, 16-bit PCM at the model's rate
//   DIR/other/<speaker>_nohash_<i>.wav    non-keyword speech ("say anything else") -> _unknown_
//   DIR/_background_noise_/room.wav       the room's background -> _silence_
//   DIR/validation_list.txt               held back: one take per keyword (early stopping)
//   DIR/testing_list.txt                  held back: the rest (before / after figures)
//   DIR/enrollment.json                   speaker, rate, and every take's voiced span and level
// Takes 0 .. train_takes-1 of a keyword (other_train_takes of a non-keyword folder) train; later
// takes are held back. The folder appears whole or
// not at all (written under a temporary name, then renamed).
#pragma once

#include "util/status.h"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace ss {

inline constexpr const char* kEnrollOtherFolder = "other";

struct VadOptions {
    double frame_seconds = 0.02;     // analysis frame (RMS per frame, in dBFS)
    double rise_db = 12.0;           // voiced: this far above the take's noise floor (20th percentile)...
    double below_peak_db = 35.0;     // ...and no further than this below the loudest frame
    double min_level_dbfs = -50.0;   // a take whose loudest frame is quieter than this is "too quiet"
    double max_gap_seconds = 0.25;   // quiet gaps up to this long join two voiced runs (one word)
    double min_voiced_seconds = 0.08; // shorter runs are clicks, not words (a quick "on" or "up" can
                                      // stand out for only 80-100 ms: Festival kal_diphone's do)
    double margin_seconds = 0.08;    // kept either side of the voiced run
    double max_clipped_share = 0.002; // more samples of the word at full scale (|x| >= 0.999) than this: "clipped"
};

// Where the word is in a take. found = false with `why` (one sentence) when there is no word.
struct VoicedSpan {
    bool found = false;
    size_t begin = 0, end = 0;     // samples [begin, end) including the margins
    double peak_dbfs = -120.0;     // loudest frame
    double noise_dbfs = -120.0;    // the noise floor estimate
    bool cut = false;              // the word was longer than the clip and was cut to it
    bool clipped = false;          // found = false because the word hit full scale
    std::string why;
};

// The loudest run of voiced frames (gaps up to max_gap joined), with margins. Digital silence counts
// as -120 dBFS. A word that hits full scale (clipping distorts it) is refused with `clipped` set.
VoicedSpan findVoicedSpan(const std::vector<float>& take, int rate, const VadOptions& options = {});

// A clip of exactly clip_samples centred on the span, with the take's own audio around the word
// (zeros beyond the take); a span longer than the clip is cut around its middle.
std::vector<float> clipAroundSpan(const std::vector<float>& take, const VoicedSpan& span, size_t clip_samples);

struct EnrollmentTake {
    std::vector<float> clip; // exactly one clip at the folder's rate (clipAroundSpan)
    VoicedSpan span;         // in the original take, for the record
    double take_seconds = 0; // length of the original take
    std::string source;      // "device NAME" or the input file
};

struct Enrollment {
    std::string speaker = "me";       // file-name prefix (the GSC speaker id): letters, digits, '-'
    int sample_rate = 16000;
    int train_takes = 5;              // per keyword; later takes are held back
    int other_train_takes = 10;       // per non-keyword folder ("other"); later takes are held back
    std::vector<std::string> keywords; // the model's keywords, in its class order
    std::map<std::string, std::vector<EnrollmentTake>> takes; // word -> takes in recording order
    std::vector<float> background;    // the room, at sample_rate (>= 1 s for _silence_ examples)
    std::string note;                 // free text for enrollment.json (device, model)
};

// Checks the enrollment can train and be scored: every keyword has more than train_takes takes
// (at least one held back), the speaker id is a file-name-safe word, the background is at least
// one second. One sentence naming what is missing.
Status checkEnrollment(const Enrollment& e);

// Writes the folder (layout above). Refuses an existing non-empty `dir`. Nothing is left behind on
// failure. *summary (may be null) receives "N takes of M words (T train, V validation, H test) ...".
Status writeEnrollment(const std::string& dir, const Enrollment& e, std::string* summary = nullptr);

// A folder of takes recorded elsewhere: DIR/<word>/*.wav (any names, taken in name order) and
// optionally DIR/_background_noise_/*.wav (joined). Every take is read, downmixed, resampled to
// `rate` and trimmed with findVoicedSpan; a take with no word is left out and named in *skipped.
// Words that are not keywords become non-keyword speech under their own folder name.
Result<Enrollment> readTakesFolder(const std::string& dir, const std::vector<std::string>& keywords, int rate,
                                   int clip_samples, std::vector<std::string>* skipped = nullptr,
                                   const VadOptions& vad = {});

} // namespace ss
