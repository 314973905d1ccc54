// Accuracy of several engines on one split, with the confusion matrix and the fraction of clips
// where all engines agree. Features are computed once per clip and fed to every engine.
#pragma once

#include "datasets/gsc.h"
#include "engines/engine.h"
#include "model/model.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ss {

struct EvalEngineResult {
    std::string engine;
    int correct = 0;
    double accuracy = 0;
    std::vector<std::vector<int>> confusion; // [true class][predicted class]
};

struct EvalReport {
    std::string split;
    std::vector<std::string> classes;
    int clips = 0;
    int agreeing = 0;       // clips where every engine predicted the same class
    double agreement = 0;   // agreeing / clips
    std::vector<EvalEngineResult> engines;
};

// What matters for keyword spotting, from one engine's confusion matrix (DESIGN.md §5): recall per
// class, keyword recall (mean over the keywords present), and the share of non-keyword clips
// (_unknown_ words) taken for a keyword. Classes without clips get recall -1.
struct KeywordMetrics {
    std::vector<double> recall;   // per class
    double keyword_recall = 0;    // mean recall over keywords with clips
    double false_accept = 0;      // _unknown_ clips predicted as any keyword / _unknown_ clips
    int keyword_clips = 0, unknown_clips = 0, silence_clips = 0;
};
KeywordMetrics keywordMetrics(const std::vector<std::vector<int>>& confusion, const std::vector<std::string>& classes);

struct EvalOptions {
    std::vector<std::string> engines;
    EngineOptions engine_options;
    int batch = 16;
    int limit = 0; // 0 = every clip of the split
    // Makes an engine by name on another device (fpga-sim, xrt); empty = createEngine on the CPU.
    std::function<Result<std::unique_ptr<Engine>>(const std::string&)> make_engine;
};

// progress(done, total) is called after each batch; a set cancel flag ends the run with an error.
Result<EvalReport> evaluate(const Model& model, const GscDataset& data, Split split, const EvalOptions& options,
                            const std::function<void(int, int)>& progress = {},
                            const std::atomic<bool>* cancel = nullptr);

} // namespace ss
