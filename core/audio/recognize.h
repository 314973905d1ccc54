// Posterior smoothing and suppression for streaming keyword spotting: a small pure component in
// the spirit of TensorFlow's RecognizeCommands (tensorflow/examples/speech_commands), fed one
// posterior vector per window and deciding when a keyword "fires".
//
// Rules (every duration in seconds of stream time, not wall time):
//  1. Posteriors older than average_window_s before the newest are forgotten; the rest are
//     averaged per class (a word seen by many overlapping windows scores high, a one-window
//     blip does not).
//  2. Fewer than minimum_count posteriors in the window: nothing fires (warm-up, dropped windows).
//  3. The averaged top class fires when it is a keyword (a class whose name does not start with
//     '_': _silence_ and _unknown_ never fire), its average exceeds threshold, at least
//     suppression_s has passed since the last detection, and it is re-armed.
//  4. Re-arming: after a detection of word W, W can fire again only once the averaged top class has
//     been something else, or W's average has fallen to the threshold or below. (TensorFlow instead
//     never repeats the last label, so "yes ... yes" fires once; this keeps repeats, but one
//     utterance still fires once however long its average stays high.)
// Defaults (chosen on a 10-minute stream of the synthetic *validation* split with the shipped
// gsc-cs model, then reported on the test split; see `sparsescope-cli listen --help`): average over
// 0.5 s (TensorFlow's Android demo uses 1 s: with 1 s windows every 64 ms a short word such as
// "go" or "up" fills too small a part of a 1 s average), threshold 0.4, minimum count 3 as in
// TensorFlow, suppression 0.5 s (TensorFlow: 1.5 s; rule 4 already stops one utterance firing
// twice, so a shorter suppression only lets quick successive words through).
// Measured there (sparse-sparse, hop 64 ms): average 1 s / threshold 0.5: 80% of keywords,
// 0.3 false positives per minute; 0.5 s / 0.4: 88%, 1.3 per minute.
#pragma once

#include "util/status.h"

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

namespace ss {

struct RecognizerSettings {
    double average_window_s = 0.5;
    double threshold = 0.4;
    double suppression_s = 0.5;
    int minimum_count = 3;
};

// Refuses non-finite or negative durations, a threshold outside [0, 1) and a count < 1.
Status checkRecognizerSettings(const RecognizerSettings& settings);

struct Recognition {
    bool fired = false;  // a new detection of `label`
    int label = -1;      // the averaged top class (-1 while warming up)
    float score = 0;     // its averaged posterior
    double time_s = 0;   // the stream time of the posterior that decided it
};

class CommandRecognizer {
public:
    CommandRecognizer(std::vector<std::string> classes, RecognizerSettings settings = {});
    const Status& status() const { return status_; }
    const RecognizerSettings& settings() const { return settings_; }
    const std::vector<std::string>& classes() const { return classes_; }
    bool isKeyword(int label) const;

    // posteriors: classes().size() probabilities of the window ending at time_s. Times must not go
    // backwards; if they do the recognizer starts over (a new stream).
    Recognition update(double time_s, const float* posteriors);
    Recognition update(double time_s, const std::vector<float>& posteriors) { return update(time_s, posteriors.data()); }
    void reset();

    const std::vector<float>& averaged() const { return average_; } // after the last update
    int count() const { return int(history_.size()); }

private:
    struct Entry {
        double time_s;
        std::vector<float> p;
    };
    std::vector<std::string> classes_;
    RecognizerSettings settings_;
    Status status_;
    std::deque<Entry> history_;
    std::vector<double> sum_;
    std::vector<float> average_;
    int last_label_ = -1;
    double last_time_s_ = 0;
    bool armed_ = true;
};

// Softmax of logits (numerically safe), for turning an engine's logits into posteriors.
std::vector<float> softmax(const float* logits, size_t n);

} // namespace ss
