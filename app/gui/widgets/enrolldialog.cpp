#include "widgets/enrolldialog.h"

#include "audio/wav.h"
#include "datasets/gsc.h"
#include "model/model.h"

#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace gui {

namespace {
const char* const kFolderKey = "live/enrollmentFolder";

QString fixed1(double v) { return QString::number(v, 'f', 1); }
} // namespace

// ---- TakeWaveform -------------------------------------------------------------------------------

TakeWaveform::TakeWaveform(QWidget* parent) : QWidget(parent)
{
    setMinimumHeight(90);
    setToolTip(tr("The last take: the word the detector found is shaded, the bracket is the one-second clip that is kept."));
}

void TakeWaveform::setTake(const std::vector<float>& recording, const ss::VoicedSpan& span, size_t clip_samples, int rate)
{
    recording_ = recording;
    span_ = span;
    clip_samples_ = clip_samples;
    rate_ = rate;
    update();
}

void TakeWaveform::clear()
{
    recording_.clear();
    span_ = {};
    update();
}

void TakeWaveform::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const QRect r = rect().adjusted(1, 1, -1, -1);
    p.fillRect(r, QColor(250, 250, 250));
    p.setPen(QColor(200, 200, 200));
    p.drawRect(r);
    if (recording_.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(r, Qt::AlignCenter, tr("The last take appears here, with the word marked."));
        return;
    }
    const double n = double(recording_.size());
    auto xOf = [&](double sample) { return r.left() + int(std::lround(sample / n * r.width())); };
    if (span_.found) {
        p.fillRect(QRect(QPoint(xOf(double(span_.begin)), r.top()), QPoint(xOf(double(span_.end)), r.bottom())), QColor(255, 214, 140));
        // The clip that is kept: clip_samples centred on the span (clipAroundSpan).
        const double centre = double(span_.begin) + double(span_.end - span_.begin) / 2.0;
        const int x0 = std::max(r.left(), xOf(centre - double(clip_samples_) / 2.0));
        const int x1 = std::min(r.right(), xOf(centre + double(clip_samples_) / 2.0));
        QPen bracket(QColor(200, 110, 0), 2);
        p.setPen(bracket);
        p.drawLine(x0, r.top() + 3, x1, r.top() + 3);
        p.drawLine(x0, r.top() + 3, x0, r.top() + 12);
        p.drawLine(x1, r.top() + 3, x1, r.top() + 12);
    }
    const int mid = r.center().y();
    const double half = r.height() / 2.0 - 4;
    p.setPen(span_.found ? QColor(40, 70, 140) : QColor(150, 40, 40));
    for (int x = 0; x < r.width(); ++x) {
        const size_t a = size_t(double(x) / r.width() * n), b = std::max(a + 1, size_t(double(x + 1) / r.width() * n));
        float lo = 0, hi = 0;
        for (size_t i = a; i < b && i < recording_.size(); ++i) {
            lo = std::min(lo, recording_[i]);
            hi = std::max(hi, recording_[i]);
        }
        p.drawLine(r.left() + x, mid - int(hi * half), r.left() + x, mid - int(lo * half));
    }
    p.setPen(QColor(90, 90, 90));
    const QString caption = span_.found ? tr("word %1–%2 s, peak %3 dBFS, background %4 dBFS%5")
                                              .arg(fixed1(double(span_.begin) / rate_), fixed1(double(span_.end) / rate_),
                                                   fixed1(span_.peak_dbfs), fixed1(span_.noise_dbfs),
                                                   span_.cut ? tr(", longer than the clip: cut") : QString())
                                        : tr("no word kept");
    p.drawText(r.adjusted(6, 0, -6, -3), Qt::AlignBottom | Qt::AlignRight, caption);
}

// ---- EnrollDialog -------------------------------------------------------------------------------

EnrollDialog::EnrollDialog(std::shared_ptr<const ss::Model> model, const QStringList& devices, const QString& device, QWidget* parent)
    : QDialog(parent)
    , model_(std::move(model))
    , session_(new EnrollmentSession(this))
    , setup_(new QWidget(this))
    , device_(new QComboBox(this))
    , takes_(new QSpinBox(this))
    , held_back_(new QSpinBox(this))
    , others_(new QSpinBox(this))
    , others_held_back_(new QSpinBox(this))
    , speaker_(new QLineEdit(QStringLiteral("me"), this))
    , prompt_(new QLabel(this))
    , take_(new QLabel(this))
    , countdown_(new QLabel(this))
    , level_(new QProgressBar(this))
    , overall_(new QProgressBar(this))
    , waveform_(new TakeWaveform(this))
    , message_(new QLabel(this))
    , start_(new QPushButton(tr("Start"), this))
    , redo_(new QPushButton(tr("Redo take"), this))
    , next_(new QPushButton(tr("Next"), this))
    , save_(new QPushButton(tr("Save…"), this))
    , cancel_(new QPushButton(tr("Cancel"), this))
{
    setWindowTitle(tr("Enroll my voice"));
    device_->addItems(devices);
    setDevice(device);
    for (auto [box, lo, hi] : {std::tuple{takes_, 1, 100}, {held_back_, 1, 100}, {others_, 0, 1000}, {others_held_back_, 0, 1000}})
        box->setRange(lo, hi);
    takes_->setToolTip(tr("Takes of each keyword that train the personalised model."));
    held_back_->setToolTip(tr("Further takes of each keyword held back: they stop training and score before/after."));
    others_->setToolTip(tr("Takes of other words (not keywords) that train: the model learns what not to accept."));
    others_held_back_->setToolTip(tr("Further non-keyword takes held back to count false accepts."));
    speaker_->setToolTip(tr("Your name in the file names (letters, digits, '-' or '_')."));
    setPlan(EnrollmentPlan{});

    auto* form = new QGridLayout(setup_);
    form->setContentsMargins(0, 0, 0, 0);
    form->addWidget(new QLabel(tr("Microphone:"), this), 0, 0);
    form->addWidget(device_, 0, 1, 1, 5);
    form->addWidget(new QLabel(tr("Takes per keyword:"), this), 1, 0);
    form->addWidget(takes_, 1, 1);
    form->addWidget(new QLabel(tr("+ held back:"), this), 1, 2);
    form->addWidget(held_back_, 1, 3);
    form->addWidget(new QLabel(tr("Speaker:"), this), 1, 4);
    form->addWidget(speaker_, 1, 5);
    form->addWidget(new QLabel(tr("Other words:"), this), 2, 0);
    form->addWidget(others_, 2, 1);
    form->addWidget(new QLabel(tr("+ held back:"), this), 2, 2);
    form->addWidget(others_held_back_, 2, 3);
    form->setColumnStretch(5, 1);

    QFont big = prompt_->font();
    big.setPointSizeF(big.pointSizeF() * 2.0);
    big.setBold(true);
    prompt_->setFont(big);
    prompt_->setAlignment(Qt::AlignCenter);
    prompt_->setMinimumHeight(prompt_->fontMetrics().height() + 8);
    take_->setAlignment(Qt::AlignCenter);
    QFont mid = countdown_->font();
    mid.setPointSizeF(mid.pointSizeF() * 1.3);
    countdown_->setFont(mid);
    countdown_->setAlignment(Qt::AlignCenter);
    level_->setRange(-60, 0);
    level_->setValue(-60);
    level_->setFormat(tr("level %v dBFS"));
    level_->setToolTip(tr("Input level: the peak of the last chunk of audio. Speak so that it reaches about -20 dBFS; 0 is clipping."));
    overall_->setFormat(tr("%v of %m steps"));
    message_->setWordWrap(true);
    message_->setMinimumHeight(message_->fontMetrics().height() * 2 + 4);
    message_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    redo_->setToolTip(tr("Record the last take again (while it is shown, or while the next prompt counts down)."));
    next_->setToolTip(tr("Keep this take and go on now."));
    save_->setToolTip(tr("Write the takes as a Speech-Commands-layout folder (for Personalise… and `sparsescope-cli train --init`)."));
    cancel_->setToolTip(tr("Stop and discard every take: nothing is written."));

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(start_);
    buttons->addWidget(redo_);
    buttons->addWidget(next_);
    buttons->addStretch();
    buttons->addWidget(save_);
    buttons->addWidget(cancel_);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(setup_);
    layout->addWidget(prompt_);
    layout->addWidget(take_);
    layout->addWidget(countdown_);
    layout->addWidget(level_);
    layout->addWidget(waveform_, 1);
    layout->addWidget(message_);
    layout->addWidget(overall_);
    layout->addLayout(buttons);

    connect(start_, &QPushButton::clicked, this, &EnrollDialog::startSession);
    connect(redo_, &QPushButton::clicked, session_, &EnrollmentSession::redo);
    connect(next_, &QPushButton::clicked, session_, &EnrollmentSession::keep);
    connect(save_, &QPushButton::clicked, this, &EnrollDialog::saveDialog);
    connect(cancel_, &QPushButton::clicked, this, &EnrollDialog::reject);
    connect(session_, &EnrollmentSession::stateChanged, this, &EnrollDialog::onStateChanged);
    connect(session_, &EnrollmentSession::stepChanged, this, &EnrollDialog::onStep);
    connect(session_, &EnrollmentSession::takeRecorded, this, &EnrollDialog::onTake);
    connect(session_, &EnrollmentSession::tick, this, &EnrollDialog::onTick);
    connect(session_, &EnrollmentSession::level, this, [this](float db) { level_->setValue(int(std::clamp(db, -60.0f, 0.0f))); });
    connect(session_, &EnrollmentSession::failed, this, [this](const QString& s) {
        error_ = s;
        showMessage(s, true);
    });

    prompt_->setText(tr("Ready when you are"));
    take_->setText(model_ ? tr("Keywords of %1: %2").arg(QString::fromStdString(model_->name), plan().keywords.join(QStringLiteral(", ")))
                          : tr("Open a model first."));
    countdown_->setText(tr("Press Start: first %1 s of quiet, then one prompt at a time.").arg(fixed1(extra_.background_seconds)));
    updateButtons();
    resize(640, 520);
}

EnrollDialog::~EnrollDialog() { session_->cancel(); }

void EnrollDialog::setPlan(const EnrollmentPlan& plan)
{
    extra_ = plan;
    takes_->setValue(plan.takes);
    held_back_->setValue(plan.held_back);
    others_->setValue(plan.others);
    others_held_back_->setValue(plan.others_held_back);
}

EnrollmentPlan EnrollDialog::plan() const
{
    EnrollmentPlan p = extra_;
    p.takes = takes_->value();
    p.held_back = held_back_->value();
    p.others = others_->value();
    p.others_held_back = others_held_back_->value();
    if (p.keywords.isEmpty() && model_)
        for (const auto& c : model_->classes)
            if (c != ss::kSilenceClass && c != ss::kUnknownClass)
                p.keywords << QString::fromStdString(c);
    return p;
}

void EnrollDialog::setDevice(const QString& description)
{
    if (const int i = device_->findText(description); i >= 0)
        device_->setCurrentIndex(i);
}

bool EnrollDialog::startSession()
{
    error_.clear();
    if (!model_) {
        error_ = tr("Open a model first: the enrollment records its keywords at its sample rate.");
        showMessage(error_, true);
        return false;
    }
    if (device_->currentText().isEmpty()) {
        error_ = tr("There is no capture device: connect a microphone (or start a sound server) and open this again.");
        showMessage(error_, true);
        return false;
    }
    waveform_->clear();
    showMessage(QString(), false);
    const EnrollmentPlan p = plan();
    overall_->setRange(0, int(EnrollmentSession::stepsFor(p).size()));
    overall_->setValue(0);
    if (!session_->start(device_->currentText(), p, model_->audio.sample_rate, ss::clipSamples(model_->audio))) {
        error_ = session_->lastError();
        showMessage(error_, true);
        updateButtons();
        return false;
    }
    return true;
}

QString EnrollDialog::promptText() const { return prompt_->text(); }
QString EnrollDialog::takeText() const { return take_->text(); }
QString EnrollDialog::messageText() const { return message_->text(); }

void EnrollDialog::showMessage(const QString& text, bool error)
{
    message_->setStyleSheet(error ? QStringLiteral("color:#b00020") : QString());
    message_->setText(text);
}

void EnrollDialog::onStep(int step)
{
    const EnrollmentStep& s = session_->steps()[size_t(step)];
    prompt_->setText(s.prompt());
    if (s.kind == EnrollmentStep::Kind::Background)
        take_->setText(tr("%1 s of the room's background, so that the model learns your silence").arg(fixed1(session_->plan().background_seconds)));
    else if (s.kind == EnrollmentStep::Kind::Other)
        take_->setText(tr("take %1 of %2 — any word or short phrase that is not a keyword").arg(s.index).arg(s.count));
    else
        take_->setText(tr("take %1 of %2").arg(s.index).arg(s.count));
    overall_->setValue(step);
    onTick();
}

void EnrollDialog::onTake(int step, bool kept)
{
    const auto& t = session_->lastTake();
    if (!t)
        return;
    waveform_->setTake(t->recording, t->span, t->clip_samples, model_->audio.sample_rate);
    if (kept)
        showMessage(tr("Kept %1 (take %2 of %3). Redo if it is not the word.")
                        .arg(session_->steps()[size_t(step)].word)
                        .arg(session_->steps()[size_t(step)].index)
                        .arg(session_->steps()[size_t(step)].count),
                    false);
    else
        showMessage(tr("%1 Once more, please.").arg(QString::fromStdString(t->span.why)), true);
}

void EnrollDialog::onTick()
{
    switch (session_->state()) {
    case EnrollmentSession::State::Countdown:
        countdown_->setText(tr("get ready… %1 s").arg(fixed1(session_->secondsLeft())));
        break;
    case EnrollmentSession::State::Recording:
        countdown_->setText(tr("● recording — %1 s left").arg(fixed1(session_->secondsLeft())));
        break;
    case EnrollmentSession::State::Background:
        countdown_->setText(tr("● recording the room — %1 s left").arg(fixed1(session_->secondsLeft())));
        break;
    case EnrollmentSession::State::Review:
        countdown_->setText(session_->plan().review_seconds < 0 ? tr("Next to keep it, Redo to record it again") : tr("kept"));
        break;
    default:
        break;
    }
    updateButtons();
}

void EnrollDialog::onStateChanged(EnrollmentSession::State s)
{
    switch (s) {
    case EnrollmentSession::State::Finished:
        prompt_->setText(tr("Done: %1 takes").arg(session_->takesKept()));
        take_->setText(tr("Save writes them as a folder; Redo records the last take again."));
        countdown_->clear();
        overall_->setValue(overall_->maximum());
        break;
    case EnrollmentSession::State::Failed:
        prompt_->setText(tr("Stopped"));
        countdown_->clear();
        level_->setValue(-60);
        break;
    case EnrollmentSession::State::Saved:
        prompt_->setText(tr("Saved"));
        level_->setValue(-60);
        break;
    default:
        onTick();
        break;
    }
    updateButtons();
}

void EnrollDialog::updateButtons()
{
    using S = EnrollmentSession::State;
    const S s = session_->state();
    const bool idle = s == S::Idle || s == S::Cancelled || s == S::Failed || s == S::Saved;
    setup_->setEnabled(idle);
    start_->setEnabled(idle && model_ && device_->count() > 0);
    start_->setText(s == S::Idle ? tr("Start") : tr("Start again"));
    start_->setToolTip(device_->count() == 0 ? tr("There is no capture device to record from.") : tr("Begin the session on the chosen microphone."));
    redo_->setEnabled(session_->canRedo());
    next_->setEnabled(s == S::Review);
    save_->setEnabled(s == S::Finished);
    cancel_->setText(s == S::Saved ? tr("Close") : tr("Cancel"));
}

bool EnrollDialog::saveTo(const QString& dir)
{
    QString summary;
    const QString note = model_ ? tr("model %1").arg(QString::fromStdString(model_->name)) : QString();
    if (auto st = session_->save(dir, speaker_->text().trimmed(), note, &summary); !st) {
        error_ = QString::fromStdString(st.message());
        showMessage(error_, true);
        return false;
    }
    saved_ = QFileInfo(dir).absoluteFilePath();
    showMessage(tr("Enrolled %1 in %2. Personalise… fine-tunes the model on them.").arg(summary, saved_), false);
    emit saved(saved_);
    return true;
}

void EnrollDialog::saveDialog()
{
    QSettings settings;
    const QString last = settings.value(kFolderKey).toString();
    const QString parent = last.isEmpty() ? QDir::homePath() : QFileInfo(last).absolutePath();
    const QString suggested = QDir(parent).filePath(QStringLiteral("enrollment-%1").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmm"))));
    const QString dir = QFileDialog::getSaveFileName(this, tr("New enrollment folder"), suggested, QString(), nullptr,
                                                     QFileDialog::DontConfirmOverwrite);
    if (dir.isEmpty())
        return;
    if (saveTo(dir))
        settings.setValue(kFolderKey, saved_);
}

void EnrollDialog::reject()
{
    session_->cancel();
    QDialog::reject();
}

} // namespace gui
