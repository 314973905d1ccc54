// Scoring a keyword-spotting stream against its truth, with the MLPerf Tiny streaming rules:
//  - truth: one row per keyword utterance, "word,start_s,end_s" (a header row is allowed);
//  - a detection of word W is a true positive when it lands in [start, end + 1 s] of an utterance
//    of W; the utterance counts as detected once, however many detections land there;
//  - detections of the same word less than 1 s after the previous one count once (the repeats
//    are ignored, they are neither hits nor false positives);
//  - every other detection is a false positive (a wrong word, or no utterance at that time).
// Detection delay: detection time minus the utterance's end (the first detection that hit it).
#pragma once

#include "util/status.h"

#include <map>
#include <string>
#include <vector>

namespace ss {

struct TruthEvent {
    std::string word;
    double start_s = 0, end_s = 0;
};

struct ScoredDetection {
    std::string word;
    double time_s = 0;
};

// Parses truth CSV text; refuses malformed rows with a sentence naming the line.
Result<std::vector<TruthEvent>> parseTruthCsv(const std::string& text, const std::string& where = "truth");
Result<std::vector<TruthEvent>> readTruthCsv(const std::string& path);
std::string truthToCsv(const std::vector<TruthEvent>& events); // with the header row

struct StreamScoreSettings {
    double after_end_s = 1.0; // a hit may land up to this long after the utterance ends
    double repeat_s = 1.0;    // repeats of a word within this long count once
};

struct StreamScore {
    int utterances = 0, detected = 0;
    int detections = 0;       // after merging repeats
    int false_positives = 0;
    double duration_s = 0;
    double detection_rate() const { return utterances ? double(detected) / utterances : 0.0; }
    double fp_per_hour() const { return duration_s > 0 ? false_positives * 3600.0 / duration_s : 0.0; }
    double fp_per_minute() const { return duration_s > 0 ? false_positives * 60.0 / duration_s : 0.0; }
    std::vector<double> delays_s; // per detected utterance: first hit time - utterance end
    struct WordCount {
        int utterances = 0, detected = 0;
    };
    std::map<std::string, WordCount> per_word; // keyword recall per word (a mean hides a deaf word)
    // With the non-keyword utterances given: how many of them drew a false positive within
    // [start, end + 1 s] (a false accept: the model took an other word for a keyword).
    int non_keywords = 0, false_accepts = 0;
    double false_accept_rate() const { return non_keywords ? double(false_accepts) / non_keywords : 0.0; }
};

// detections in time order (they are sorted if not); duration_s: the length of the stream.
// non_keywords (may be empty): the other words said, for false accepts.
StreamScore scoreStream(const std::vector<TruthEvent>& truth, std::vector<ScoredDetection> detections, double duration_s,
                        const StreamScoreSettings& settings = {}, const std::vector<TruthEvent>& non_keywords = {});

} // namespace ss
