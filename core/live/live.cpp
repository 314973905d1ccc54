// Live recognition through every engine with real-time deadlines (see live.h).
#include "live/live.h"

#include <algorithm>
#include <chrono>
#include <ctime>

namespace ss {

namespace {

double steadySeconds()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double threadCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

} // namespace

LiveRecognizer::LiveRecognizer(const Model& model, std::vector<NamedEngine> engines, LiveSettings settings)
    : classes_(model.classes), audio_(model.audio), engines_(std::move(engines)), settings_(settings),
      front_end_(model.audio, roundHopToFrames(settings.hop_ms, model.audio))
{
    status_ = front_end_.status();
    if (status_ && !(settings_.hop_ms > 0 && settings_.hop_ms <= 60000))
        status_ = badInput("The hop must be between 0 and 60000 ms.");
    if (status_)
        status_ = checkRecognizerSettings(settings_.recognizer);
    if (status_ && engines_.empty())
        status_ = badInput("Live recognition needs at least one engine.");
    if (status_ && classes_.empty())
        status_ = badInput("The model names no classes, so nothing can be recognised.");
    if (status_ && size_t(model.input.size()) != size_t(front_end_.frontEnd().bands()) * size_t(front_end_.frontEnd().frames()))
        status_ = badInput("The model's input (" + std::to_string(model.input.size()) + " values) does not match its audio settings' " +
                           std::to_string(front_end_.frontEnd().bands()) + " bands x " + std::to_string(front_end_.frontEnd().frames()) +
                           " frames.");
    if (status_ && !model.layers.empty() && model.layers.back().out_shape.size() != int64_t(classes_.size()))
        status_ = badInput("The model's last layer has " + std::to_string(model.layers.back().out_shape.size()) + " outputs but it names " +
                           std::to_string(classes_.size()) + " classes.");
    for (const auto& e : engines_)
        if (status_ && !e.engine)
            status_ = badInput("Engine '" + e.name + "' was not created.");
    logits_.resize(classes_.size());
    reset();
}

void LiveRecognizer::reset()
{
    front_end_.reset();
    recognizers_.clear();
    stats_.clear();
    for (const auto& e : engines_) {
        recognizers_.emplace_back(classes_, settings_.recognizer);
        EngineLiveStats s;
        s.name = e.name;
        stats_.push_back(std::move(s));
    }
    free_at_s_.assign(engines_.size(), 0.0);
    origins_.clear();
    front_end_cpu_s_ = 0;
    wall_origin_ = steadySeconds();
}

double LiveRecognizer::wallNow() const { return steadySeconds() - wall_origin_; }

double LiveRecognizer::streamSeconds() const
{
    return double(front_end_.samplesPushed()) / audio_.sample_rate;
}

void LiveRecognizer::push(const float* samples, size_t n, std::vector<LiveWindow>* windows, std::vector<Detection>* detections)
{
    if (!status_)
        return;
    const double pushed_at = wallNow();
    pending_.clear();
    const double cpu0 = threadCpuSeconds();
    front_end_.push(samples, n, &pending_);
    front_end_cpu_s_ += threadCpuSeconds() - cpu0;
    const double rate = audio_.sample_rate;
    // Wall clock: when did sample s arrive? Audio that waited in a buffer while we were busy
    // arrived before we read it, so the push time overstates it. A push that is not late satisfies
    // arrival(s) = origin + s / rate; the earliest origin seen over the last few seconds is that
    // push's (the window of a few seconds follows a capture clock drifting from the steady clock).
    origins_.push_back({pushed_at, pushed_at - double(front_end_.samplesPushed()) / rate, double(n) / rate});
    while (origins_.size() > 1 && origins_.front().at < pushed_at - 5.0)
        origins_.pop_front();
    double origin = origins_.front().origin;
    std::vector<double> periods;
    for (const auto& o : origins_) {
        origin = std::min(origin, o.origin);
        periods.push_back(o.chunk_s);
    }
    // A device delivers audio in periods (often 10-100 ms): a window completed early in a period
    // waits for the period's end through no fault of ours, so the allowance is one hop plus the
    // usual (median) period.
    std::nth_element(periods.begin(), periods.begin() + ptrdiff_t(periods.size() / 2), periods.end());
    allowed_lag_s_ = hopSeconds() + (settings_.clock == DeadlineClock::Wall ? periods[periods.size() / 2] : 0.0);
    for (auto& w : pending_) {
        const double arrival = settings_.clock == DeadlineClock::Wall ? origin + double(w.end_sample) / rate : w.end_seconds;
        LiveWindow out;
        decide(w, arrival, &out, detections);
        if (windows)
            windows->push_back(std::move(out));
    }
}

void LiveRecognizer::decide(const FeatureWindow& w, double arrival_s, LiveWindow* out, std::vector<Detection>* detections)
{
    out->index = w.index;
    out->end_s = w.end_seconds;
    if (settings_.keep_features)
        out->features = w.features;
    out->decisions.resize(engines_.size());
    const size_t classes = classes_.size();
    for (size_t i = 0; i < engines_.size(); ++i) {
        EngineDecision& d = out->decisions[i];
        EngineLiveStats& st = stats_[i];
        const bool wall = settings_.clock == DeadlineClock::Wall;
        const double start = wall ? wallNow() : std::max(arrival_s, free_at_s_[i]);
        if (start - arrival_s > allowed_lag_s_) {
            ++st.dropped;
            continue;
        }
        const double cpu0 = threadCpuSeconds();
        const auto t0 = std::chrono::steady_clock::now();
        const Status s = engines_[i].engine->infer(w.features.data(), 1, logits_.data());
        const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double cpu_s = threadCpuSeconds() - cpu0;
        if (!wall)
            free_at_s_[i] = start + wall_s;
        if (!s) {
            ++st.failed;
            st.last_error = s.message();
            continue;
        }
        d.ran = true;
        d.wall_ms = wall_s * 1e3;
        d.cpu_ms = cpu_s * 1e3;
        d.posteriors = softmax(logits_.data(), classes);
        d.top = int(std::max_element(d.posteriors.begin(), d.posteriors.end()) - d.posteriors.begin());
        d.recognition = recognizers_[i].update(w.end_seconds, d.posteriors);
        ++st.decisions;
        st.wall_ms.push_back(d.wall_ms);
        st.cpu_ms.push_back(d.cpu_ms);
        st.wall_seconds += wall_s;
        st.cpu_seconds += cpu_s;
        if (i > 0 && out->decisions[0].ran) {
            ++st.compared;
            st.agreed += d.top == out->decisions[0].top ? 1 : 0;
        }
        if (d.recognition.fired) {
            ++st.detections;
            if (detections)
                detections->push_back({int(i), engines_[i].name, d.recognition.label, classes_[size_t(d.recognition.label)],
                                       w.end_seconds, d.recognition.score});
        }
    }
}

} // namespace ss
