#include "guicore/enrollmentsession.h"

#include "audiocapture.h"

#include <QTimer>

#include <algorithm>

namespace gui {

namespace {
constexpr int kTickMs = 100;
}

QString EnrollmentStep::prompt() const
{
    switch (kind) {
    case Kind::Background:
        return EnrollmentSession::tr("Stay quiet: recording the room");
    case Kind::Keyword:
        return EnrollmentSession::tr("Say '%1'").arg(word);
    case Kind::Other:
        return EnrollmentSession::tr("Say any other word (not a keyword)");
    }
    return {};
}

EnrollmentSession::EnrollmentSession(QObject* parent) : QObject(parent), ticker_(new QTimer(this))
{
    ticker_->setInterval(kTickMs);
    connect(ticker_, &QTimer::timeout, this, &EnrollmentSession::onTick);
}

EnrollmentSession::~EnrollmentSession() { stopCapture(); }

std::vector<EnrollmentStep> EnrollmentSession::stepsFor(const EnrollmentPlan& plan)
{
    std::vector<EnrollmentStep> steps;
    steps.push_back({EnrollmentStep::Kind::Background, {}, 1, 1});
    const int per_word = plan.takes + plan.held_back;
    for (const QString& w : plan.keywords)
        for (int i = 1; i <= per_word; ++i)
            steps.push_back({EnrollmentStep::Kind::Keyword, w, i, per_word});
    const int others = plan.others + plan.others_held_back;
    for (int i = 1; i <= others; ++i)
        steps.push_back({EnrollmentStep::Kind::Other, QString::fromLatin1(ss::kEnrollOtherFolder), i, others});
    return steps;
}

bool EnrollmentSession::start(const QString& device_name, const EnrollmentPlan& plan, int rate, size_t clip_samples)
{
    cancel();
    error_.clear();
    plan_ = plan;
    rate_ = rate;
    clip_samples_ = clip_samples;
    steps_ = stepsFor(plan);
    kept_.assign(steps_.size(), std::nullopt);
    background_.clear();
    last_take_.reset();
    current_ = -1;
    if (plan.keywords.isEmpty()) {
        fail(tr("There are no keywords to enroll: the model has only _silence_ and _unknown_."));
        return false;
    }
    if (plan.take_seconds * rate < double(clip_samples)) {
        fail(tr("A take of %1 s is shorter than the model's clip of %2 s.").arg(plan.take_seconds).arg(double(clip_samples) / rate));
        return false;
    }
    auto device = AudioCapture::findInput(device_name);
    if (!device) {
        fail(QString::fromStdString(device.message()));
        return false;
    }
    capture_ = new AudioCapture(rate, this);
    connect(capture_, &AudioCapture::samples, this, &EnrollmentSession::onSamples);
    connect(capture_, &AudioCapture::level, this, &EnrollmentSession::level);
    connect(capture_, &AudioCapture::failed, this, [this](const QString& sentence) {
        fail(tr("%1 The enrollment cannot go on; Cancel discards it (nothing was written).").arg(sentence));
    });
    if (auto s = capture_->start(*device); !s) {
        fail(QString::fromStdString(s.message()));
        return false;
    }
    device_name_ = device->description();
    beginStep(0);
    return true;
}

void EnrollmentSession::beginStep(int step)
{
    current_ = step;
    if (current_ >= int(steps_.size())) {
        ticker_->stop();
        setState(State::Finished);
        emit finished();
        return;
    }
    emit stepChanged(current_);
    if (steps_[size_t(current_)].kind == EnrollmentStep::Kind::Background) {
        startRecording(); // the room: no countdown, the user is asked to stay quiet
        return;
    }
    phase_seconds_ = plan_.countdown_seconds;
    phase_clock_.start();
    setState(State::Countdown);
    ticker_->start(); // onTick starts the recording when the countdown is over (at once for 0 s)
}

void EnrollmentSession::startRecording()
{
    buffer_.clear();
    const auto& step = steps_[size_t(current_)];
    const double seconds = step.kind == EnrollmentStep::Kind::Background ? plan_.background_seconds : plan_.take_seconds;
    want_ = size_t(seconds * rate_);
    buffer_.reserve(want_);
    setState(step.kind == EnrollmentStep::Kind::Background ? State::Background : State::Recording);
    ticker_->start();
}

void EnrollmentSession::onSamples(const QList<float>& mono)
{
    if (state_ != State::Recording && state_ != State::Background)
        return;
    const size_t room = want_ - std::min(want_, buffer_.size());
    buffer_.insert(buffer_.end(), mono.constData(), mono.constData() + std::min(room, size_t(mono.size())));
    if (buffer_.size() >= want_)
        finishRecording();
}

void EnrollmentSession::finishRecording()
{
    const auto& step = steps_[size_t(current_)];
    if (step.kind == EnrollmentStep::Kind::Background) {
        background_ = std::move(buffer_);
        buffer_.clear();
        beginStep(current_ + 1);
        return;
    }
    EnrollmentTakeView view;
    view.recording = std::move(buffer_);
    buffer_.clear();
    view.span = ss::findVoicedSpan(view.recording, rate_);
    view.clip_samples = clip_samples_;
    const bool found = view.span.found;
    if (found) {
        view.span.cut = view.span.end - view.span.begin > clip_samples_;
        ss::EnrollmentTake t;
        t.span = view.span;
        t.take_seconds = double(view.recording.size()) / rate_;
        t.source = "device " + device_name_.toStdString();
        t.clip = ss::clipAroundSpan(view.recording, view.span, clip_samples_);
        kept_[size_t(current_)] = std::move(t);
    }
    last_take_ = std::move(view);
    emit takeRecorded(current_, found);
    if (!found) {
        beginStep(current_); // the same prompt again; the dialog shows why...
        // ...and the countdown leaves time to read it.
        phase_seconds_ = std::max(plan_.countdown_seconds, plan_.review_seconds);
        return;
    }
    phase_seconds_ = plan_.review_seconds;
    phase_clock_.start();
    setState(State::Review);
    if (plan_.review_seconds == 0)
        keep();
    else if (plan_.review_seconds < 0)
        ticker_->stop();
}

void EnrollmentSession::onTick()
{
    if (state_ == State::Countdown && phase_clock_.elapsed() >= qint64(phase_seconds_ * 1000)) {
        startRecording();
    } else if (state_ == State::Review && phase_seconds_ > 0 && phase_clock_.elapsed() >= qint64(phase_seconds_ * 1000)) {
        keep();
        return;
    }
    emit tick();
}

void EnrollmentSession::keep()
{
    if (state_ == State::Review)
        beginStep(current_ + 1);
}

bool EnrollmentSession::canRedo() const
{
    if (state_ == State::Review)
        return true;
    // While the next prompt counts down, the take just kept can still be redone.
    return (state_ == State::Countdown || state_ == State::Finished) && current_ > 0 && current_ - 1 < int(steps_.size()) &&
           steps_[size_t(current_ - 1)].kind != EnrollmentStep::Kind::Background;
}

void EnrollmentSession::redo()
{
    if (!canRedo())
        return;
    const int step = state_ == State::Review ? current_ : current_ - 1;
    kept_[size_t(step)].reset();
    last_take_.reset();
    beginStep(step);
}

void EnrollmentSession::cancel()
{
    stopCapture();
    ticker_->stop();
    kept_.clear();
    background_.clear();
    buffer_.clear();
    last_take_.reset();
    if (state_ != State::Idle && state_ != State::Saved)
        setState(State::Cancelled);
}

void EnrollmentSession::fail(const QString& sentence)
{
    stopCapture();
    ticker_->stop();
    error_ = sentence;
    setState(State::Failed);
    emit failed(sentence);
}

void EnrollmentSession::stopCapture()
{
    if (!capture_)
        return;
    capture_->disconnect(this);
    capture_->stop();
    capture_->deleteLater();
    capture_ = nullptr;
}

void EnrollmentSession::setState(State s)
{
    if (s == state_)
        return;
    state_ = s;
    if (s == State::Cancelled || s == State::Failed || s == State::Saved) // Finished keeps the device: Redo
        stopCapture();
    emit stateChanged(s);
}

int EnrollmentSession::takesKept() const
{
    return int(std::count_if(kept_.begin(), kept_.end(), [](const auto& t) { return t.has_value(); }));
}

double EnrollmentSession::secondsLeft() const
{
    if (state_ == State::Countdown)
        return std::max(0.0, phase_seconds_ - double(phase_clock_.elapsed()) / 1000.0);
    if (state_ == State::Recording || state_ == State::Background)
        return double(want_ - std::min(want_, buffer_.size())) / rate_;
    return 0;
}

double EnrollmentSession::recordedSeconds() const
{
    return state_ == State::Recording || state_ == State::Background ? double(buffer_.size()) / rate_ : 0.0;
}

ss::Enrollment EnrollmentSession::enrollment(const QString& speaker, const QString& note) const
{
    ss::Enrollment e;
    e.speaker = speaker.toStdString();
    e.sample_rate = rate_;
    e.train_takes = plan_.takes;
    e.other_train_takes = plan_.others;
    for (const QString& w : plan_.keywords)
        e.keywords.push_back(w.toStdString());
    for (size_t i = 0; i < steps_.size() && i < kept_.size(); ++i)
        if (kept_[i])
            e.takes[steps_[i].word.toStdString()].push_back(*kept_[i]);
    e.background = background_;
    e.note = "device " + device_name_.toStdString() + (note.isEmpty() ? std::string() : "; " + note.toStdString());
    return e;
}

ss::Status EnrollmentSession::save(const QString& dir, const QString& speaker, const QString& note, QString* summary)
{
    if (state_ != State::Finished)
        return ss::badInput("The enrollment is not complete: every prompt needs a take before it is saved.");
    const ss::Enrollment e = enrollment(speaker, note);
    std::string text;
    if (auto s = ss::writeEnrollment(dir.toStdString(), e, &text); !s)
        return s;
    if (summary)
        *summary = QString::fromStdString(text);
    setState(State::Saved);
    return ss::Status::ok();
}

} // namespace gui
