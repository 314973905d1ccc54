// Long test recordings for streaming keyword spotting (issue 14): utterances from a
// Speech-Commands-layout split placed at random gaps over the set's background noise, at varied
// levels, with the truth (word, start, end) of every keyword. Qt-free and deterministic: the same
// folder, split, spec and seed give the same samples on every machine (SplitMix64 draws only).
#pragma once

#include "datasets/gsc.h"
#include "live/stream_score.h"
#include "util/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ss {

struct StreamSpec {
    double minutes = 10;
    uint64_t seed = 1;
    double keyword_fraction = 0.75;            // the rest are the split's non-keyword words
    double gap_min_s = 1.5, gap_max_s = 3.5;   // silence between one utterance's end and the next's start
    double lead_in_s = 1.5;                    // noise only, before the first utterance
    double peak_dbfs_min = -20, peak_dbfs_max = -3;        // each utterance's peak level
    double noise_rms_dbfs_min = -55, noise_rms_dbfs_max = -38; // background level, redrawn per segment
    double noise_segment_min_s = 3, noise_segment_max_s = 8;   // background changes file/offset/level
};

// Refuses non-finite or inverted ranges and lengths outside (0, 600] minutes.
Status checkStreamSpec(const StreamSpec& spec);

struct GeneratedStream {
    int sample_rate = 16000;
    std::vector<float> samples;
    std::vector<TruthEvent> keywords;     // the truth to score against
    std::vector<TruthEvent> non_keywords; // the other words said (detections there are false positives)
    std::vector<std::string> notes;       // informational sentences (e.g. no background noise found)
};

// Builds the stream from data's split (classes of `data` decide what a keyword is: every class not
// starting with '_'). Word extents within each 1 s clip are found by energy (speechExtent).
Result<GeneratedStream> makeKeywordStream(const GscDataset& data, Split split, const StreamSpec& spec,
                                          const AudioSettings& audio = {});

// The [first, end) sample range of the speech in a clip: 10 ms frames (RMS smoothed over 30 ms)
// within `below_peak_db` of the loudest and 8 dB above the clip's noise floor (its quietest tenth
// of frames), or at least within 6 dB of the loudest. An all-zero clip gives {0, 0}.
std::pair<size_t, size_t> speechExtent(const std::vector<float>& clip, int sample_rate, double below_peak_db = 25.0);

} // namespace ss
