// Posterior smoothing and suppression (rules in recognize.h).
#include "audio/recognize.h"

#include <algorithm>
#include <cmath>

namespace ss {

Status checkRecognizerSettings(const RecognizerSettings& s)
{
    if (!(s.average_window_s >= 0) || !std::isfinite(s.average_window_s) || s.average_window_s > 3600)
        return badInput("The averaging window must be between 0 and 3600 seconds.");
    if (!(s.threshold >= 0) || !(s.threshold < 1))
        return badInput("The detection threshold must be at least 0 and below 1.");
    if (!(s.suppression_s >= 0) || !std::isfinite(s.suppression_s) || s.suppression_s > 3600)
        return badInput("The suppression time must be between 0 and 3600 seconds.");
    if (s.minimum_count < 1 || s.minimum_count > 100000)
        return badInput("The minimum count of posteriors must be between 1 and 100000.");
    return Status::ok();
}

CommandRecognizer::CommandRecognizer(std::vector<std::string> classes, RecognizerSettings settings)
    : classes_(std::move(classes)), settings_(settings), status_(checkRecognizerSettings(settings))
{
    if (status_ && classes_.empty())
        status_ = badInput("A recognizer needs at least one class.");
    reset();
}

bool CommandRecognizer::isKeyword(int label) const
{
    return label >= 0 && size_t(label) < classes_.size() && !classes_[size_t(label)].empty() && classes_[size_t(label)][0] != '_';
}

void CommandRecognizer::reset()
{
    history_.clear();
    sum_.assign(classes_.size(), 0.0);
    average_.assign(classes_.size(), 0.0f);
    last_label_ = -1;
    last_time_s_ = 0;
    armed_ = true;
}

Recognition CommandRecognizer::update(double time_s, const float* posteriors)
{
    Recognition r;
    r.time_s = time_s;
    if (!status_ || !posteriors || !std::isfinite(time_s))
        return r;
    if (!history_.empty() && time_s < history_.back().time_s)
        reset();
    const size_t n = classes_.size();
    Entry e{time_s, std::vector<float>(posteriors, posteriors + n)};
    for (auto& v : e.p)
        if (!std::isfinite(v))
            v = 0.0f; // a broken posterior counts as no evidence
    history_.push_back(std::move(e));
    // Forget what fell out of the averaging window (the newest entry always stays). The sum is
    // recomputed rather than updated by subtraction so rounding never accumulates over hours.
    while (history_.size() > 1 && history_.front().time_s <= time_s - settings_.average_window_s)
        history_.pop_front();
    std::fill(sum_.begin(), sum_.end(), 0.0);
    for (const auto& h : history_)
        for (size_t c = 0; c < n; ++c)
            sum_[c] += h.p[c];
    for (size_t c = 0; c < n; ++c)
        average_[c] = float(sum_[c] / double(history_.size()));
    if (int(history_.size()) < settings_.minimum_count)
        return r;

    const int top = int(std::max_element(average_.begin(), average_.end()) - average_.begin());
    r.label = top;
    r.score = average_[size_t(top)];
    if (top != last_label_ || r.score <= settings_.threshold)
        armed_ = true;
    const bool suppressed = last_label_ >= 0 && time_s - last_time_s_ < settings_.suppression_s;
    if (isKeyword(top) && r.score > settings_.threshold && armed_ && !suppressed) {
        r.fired = true;
        last_label_ = top;
        last_time_s_ = time_s;
        armed_ = false;
    }
    return r;
}

std::vector<float> softmax(const float* logits, size_t n)
{
    std::vector<float> p(n, 0.0f);
    if (n == 0)
        return p;
    double m = -INFINITY;
    for (size_t i = 0; i < n; ++i)
        if (std::isfinite(logits[i]))
            m = std::max(m, double(logits[i]));
    if (!std::isfinite(m))
        return p;
    double sum = 0;
    std::vector<double> e(n);
    for (size_t i = 0; i < n; ++i) {
        e[i] = std::isfinite(logits[i]) ? std::exp(double(logits[i]) - m) : 0.0;
        sum += e[i];
    }
    for (size_t i = 0; i < n; ++i)
        p[i] = float(e[i] / sum);
    return p;
}

} // namespace ss
