// Live keyword recognition (DESIGN.md §5): audio in, the same 1 s windows through every selected
// engine, each decision timed, posteriors smoothed per engine, detections out. Qt-free: the CLI's
// `listen` and the GUI's live view drive this same class.
//
// Keeping up in real time. Every engine obeys one rule: it may start a window at most one hop
// after the window arrived; a window it could only start later is dropped for that engine
// (counted), so a slow engine skips windows instead of falling ever further behind.
//  - DeadlineClock::Wall (a microphone, or a file played at real time): "arrived" is when the
//    window's last sample was captured (estimated from the pushes that were not late, so audio
//    that waited in a buffer while engines were busy counts as late), "start" is the steady clock
//    when the engine is called, and the allowance is one hop plus the device's usual period (a
//    window completed early in a period cannot reach us before the period ends).
//    Engines run one after another in the caller's thread, so together they share one core.
//  - DeadlineClock::Simulated (a file read as fast as possible): each engine has its own virtual
//    clock in stream time: it starts a window when the window ends or when its previous decision
//    is done, whichever is later, and is busy for its measured wall time. The drops are those the
//    engine would have on a core of its own at real time; the results do not depend on how fast
//    the file is read.
#pragma once

#include "audio/recognize.h"
#include "audio/streaming.h"
#include "engines/engine.h"
#include "model/model.h"
#include "util/status.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace ss {

enum class DeadlineClock { Simulated, Wall };

struct LiveSettings {
    double hop_ms = 64;        // rounded to whole feature frames (roundHopToFrames), see streaming.h
    RecognizerSettings recognizer;
    DeadlineClock clock = DeadlineClock::Simulated;
    bool keep_features = true; // copy each window's features into LiveWindow (displays)
};

struct EngineDecision {
    bool ran = false;      // false: dropped (the engine could not start it in time) or failed
    double wall_ms = 0;    // infer() wall time
    double cpu_ms = 0;     // CPU time of the calling thread during infer()
    int top = -1;          // argmax of this window's posteriors
    std::vector<float> posteriors;
    Recognition recognition; // after smoothing (label/score of the averaged posteriors)
};

struct LiveWindow {
    uint64_t index = 0;
    double end_s = 0;            // stream time of the window's last sample
    std::vector<float> features; // [n_mels][frames] when LiveSettings::keep_features
    std::vector<EngineDecision> decisions; // one per engine, in engine order
};

struct Detection {
    int engine = 0;          // index into the engine list
    std::string engine_name;
    int label = -1;
    std::string word;
    double time_s = 0;       // stream time of the window that fired
    float score = 0;         // averaged posterior
};

struct EngineLiveStats {
    std::string name;
    uint64_t decisions = 0, dropped = 0, failed = 0, detections = 0;
    uint64_t compared = 0, agreed = 0; // windows both this and engine 0 decided; same top class
    std::vector<double> wall_ms, cpu_ms;
    double cpu_seconds = 0, wall_seconds = 0;
    std::string last_error;
};

class LiveRecognizer {
public:
    struct NamedEngine {
        std::string name;
        std::unique_ptr<Engine> engine; // prepared for the model
    };
    // Keeps the model's classes and audio settings (not the model: the engines hold what they need).
    LiveRecognizer(const Model& model, std::vector<NamedEngine> engines, LiveSettings settings);
    const Status& status() const { return status_; }

    // Audio at the model's sample rate, mono, in [-1, 1]. Every window completed is decided by
    // every engine (or dropped) before push returns; windows/detections (may be null) receive them.
    void push(const float* samples, size_t n, std::vector<LiveWindow>* windows, std::vector<Detection>* detections);
    void reset(); // a new stream: buffers, recognizers, clocks and statistics

    const std::vector<std::string>& classes() const { return classes_; }
    const AudioSettings& audio() const { return audio_; }
    const StreamingLogMel& frontEnd() const { return front_end_; }
    double hopSeconds() const { return front_end_.hopSeconds(); }
    double streamSeconds() const; // audio pushed so far
    size_t engineCount() const { return engines_.size(); }
    const std::string& engineName(size_t i) const { return engines_[i].name; }
    const std::vector<EngineLiveStats>& stats() const { return stats_; }
    const LiveSettings& settings() const { return settings_; }
    // CPU time the streaming front end (ring buffer, STFT frames, dB step) has used so far.
    double frontEndCpuSeconds() const { return front_end_cpu_s_; }

private:
    void decide(const FeatureWindow& w, double arrival_s, LiveWindow* out, std::vector<Detection>* detections);
    double wallNow() const;

    std::vector<std::string> classes_;
    AudioSettings audio_;
    std::vector<NamedEngine> engines_;
    LiveSettings settings_;
    Status status_;
    StreamingLogMel front_end_;
    std::vector<CommandRecognizer> recognizers_;
    std::vector<double> free_at_s_; // Simulated: when each engine's previous decision ends
    std::vector<EngineLiveStats> stats_;
    std::vector<float> logits_;
    std::vector<FeatureWindow> pending_;
    double wall_origin_ = 0;
    struct Push {
        double at, origin, chunk_s; // Wall: push time, push time - samples / rate, the push's audio
    };
    std::deque<Push> origins_;
    double allowed_lag_s_ = 0;
    double front_end_cpu_s_ = 0;
};

} // namespace ss
