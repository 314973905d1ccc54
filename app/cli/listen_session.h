// The part of `sparsescope-cli listen` every audio source shares: engines made and prepared, the
// core LiveRecognizer, detections printed as they happen, the summary (and score) at the end.
#pragma once

#include "live/live.h"
#include "live/stream_score.h"
#include "model/model.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cli {

struct ListenOptions {
    std::string model_path;
    std::vector<std::string> engines; // "sparse-sparse" or "fpga-sim:u250/sparse-sparse"
    ss::LiveSettings live;
    bool jsonl = false;
    std::optional<std::vector<ss::TruthEvent>> truth;
    std::vector<ss::TruthEvent> others; // the non-keywords said (dataset stream --others)
    std::string source; // "file x.wav" / "device NAME", for the summary
};

class ListenSession {
public:
    // Loads the model, makes and prepares the engines; a failure is one sentence (exit code in e.code).
    static ss::Result<std::unique_ptr<ListenSession>> create(const ListenOptions& options);

    int sampleRate() const { return model_.audio.sample_rate; }
    void feed(const float* samples, size_t n); // prints detections as they happen
    int finish(bool cancelled);                // prints the summary; returns the exit code
    double streamSeconds() const { return live_->streamSeconds(); }

private:
    ListenSession() = default;
    ListenOptions options_;
    ss::Model model_;
    std::unique_ptr<ss::LiveRecognizer> live_;
    std::vector<ss::Detection> detections_, all_detections_;
    std::vector<std::string> engine_notes_;
};

} // namespace cli
