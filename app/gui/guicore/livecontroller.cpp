#include "guicore/livecontroller.h"

#include "audio/wav.h"
#include "audiocapture.h"
#include "engines/engine.h"
#include "fpga/model/devices.h"
#include "guicore/modelloader.h"
#include "util/splitmix.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QMediaDevices>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace gui {

LiveController::LiveController(QObject* parent) : QObject(parent), devices_(new QMediaDevices(this))
{
    connect(devices_, &QMediaDevices::audioInputsChanged, this, &LiveController::inputsChanged);
    for (const auto& n : ss::engineNames(true))
        engines_ << QString::fromStdString(n);
}

LiveController::~LiveController() { stop(); }

void LiveController::setModel(std::shared_ptr<const ss::Model> model)
{
    stop();
    model_ = std::move(model);
    live_.reset();
}

void LiveController::setEngines(const QStringList& engines)
{
    stop();
    engines_ = engines;
}

QStringList LiveController::inputDevices(int wait_ms)
{
    QStringList names;
    for (const auto& d : AudioCapture::inputs(wait_ms))
        names << d.description();
    return names;
}

void LiveController::fail(const QString& sentence)
{
    last_error_ = sentence;
    emit failed(sentence);
}

void LiveController::setRunning(bool running)
{
    if (running_ == running)
        return;
    running_ = running;
    emit runningChanged(running);
}

bool LiveController::prepare(ss::DeadlineClock clock)
{
    stop();
    last_error_.clear();
    if (!model_) {
        fail(tr("Open a model first: live recognition runs the loaded model."));
        return false;
    }
    if (engines_.isEmpty()) {
        fail(tr("Choose at least one engine."));
        return false;
    }
    std::vector<ss::LiveRecognizer::NamedEngine> engines;
    for (const QString& name : engines_) {
        // "DEVICE/ENGINE" runs an engine on an FPGA device (fpga-sim:u250/sparse-sparse), as in the CLI.
        std::unique_ptr<ss::Engine> e;
        if (const int slash = int(name.indexOf(QLatin1Char('/'))); slash > 0) {
            auto device = ss::fpga::parseDevice(name.left(slash).toStdString());
            if (!device) {
                fail(QString::fromStdString(device.message()));
                return false;
            }
            auto made = ss::fpga::createEngineOn(*device, name.mid(slash + 1).toStdString(), "");
            if (!made) {
                fail(QString::fromStdString(made.message()));
                return false;
            }
            e = std::move(*made);
        } else {
            e = ss::createEngine(name.toStdString());
        }
        if (!e) {
            fail(tr("This build has no engine '%1'.").arg(name));
            return false;
        }
        if (auto s = e->prepare(*model_, {}); !s) {
            fail(tr("Engine '%1' cannot run this model: %2").arg(name, QString::fromStdString(s.message())));
            return false;
        }
        engines.push_back({name.toStdString(), std::move(e)});
    }
    ss::LiveSettings ls;
    ls.hop_ms = hop_ms_;
    ls.clock = clock;
    live_ = std::make_unique<ss::LiveRecognizer>(*model_, std::move(engines), ls);
    if (!live_->status()) {
        fail(QString::fromStdString(live_->status().message()));
        live_.reset();
        return false;
    }
    return true;
}

bool LiveController::startDevice(const QString& name)
{
    if (!prepare(ss::DeadlineClock::Wall))
        return false;
    auto device = AudioCapture::findInput(name);
    if (!device) {
        fail(QString::fromStdString(device.message()));
        return false;
    }
    capture_ = new AudioCapture(model_->audio.sample_rate, this);
    connect(capture_, &AudioCapture::samples, this, [this](const QList<float>& mono) { feed(mono.constData(), size_t(mono.size())); });
    connect(capture_, &AudioCapture::level, this, &LiveController::level);
    connect(capture_, &AudioCapture::failed, this, [this](const QString& sentence) {
        stop();
        fail(sentence);
    });
    if (auto s = capture_->start(*device); !s) {
        capture_->deleteLater();
        capture_ = nullptr;
        fail(QString::fromStdString(s.message()));
        return false;
    }
    source_ = tr("%1 (%2)").arg(device->description(), capture_->formatNote());
    setRunning(true);
    return true;
}

bool LiveController::startWav(const QString& path, bool realtime)
{
    if (!model_) {
        fail(tr("Open a model first: live recognition runs the loaded model."));
        return false;
    }
    auto clip = ss::readWav(path.toStdString());
    if (!clip) {
        fail(QString::fromStdString(clip.message()));
        return false;
    }
    auto audio = ss::resample(clip->samples, clip->sample_rate, model_->audio.sample_rate);
    return startSamples(std::move(audio), QFileInfo(path).fileName(), realtime);
}

bool LiveController::startSamples(std::vector<float> audio, const QString& description, bool realtime)
{
    if (!prepare(realtime ? ss::DeadlineClock::Wall : ss::DeadlineClock::Simulated))
        return false;
    if (audio.empty()) {
        fail(tr("'%1' holds no audio.").arg(description));
        return false;
    }
    wav_ = std::move(audio);
    wav_pos_ = 0;
    source_ = tr("%1, played as the microphone").arg(description);
    setRunning(true);
    if (!realtime) {
        while (running_ && wav_pos_ < wav_.size())
            playChunk(); // 20 ms per call, as fast as the engines go
        return true;
    }
    player_ = new QTimer(this);
    player_->setTimerType(Qt::PreciseTimer);
    connect(player_, &QTimer::timeout, this, &LiveController::playChunk);
    wav_started_ms_ = QDateTime::currentMSecsSinceEpoch();
    player_->start(10);
    return true;
}

void LiveController::playChunk()
{
    if (!running_ || !live_)
        return;
    const int rate = model_->audio.sample_rate;
    // Real time: everything up to "now" since the start (a late timer catches up in one go);
    // otherwise 20 ms per call.
    size_t due = wav_pos_ + size_t(rate / 50);
    if (player_)
        due = size_t(double(QDateTime::currentMSecsSinceEpoch() - wav_started_ms_) * rate / 1000.0);
    due = std::min(due, wav_.size());
    if (due > wav_pos_) {
        float peak = 0;
        for (size_t i = wav_pos_; i < due; ++i)
            peak = std::max(peak, std::fabs(wav_[i]));
        emit level(peak > 0 ? float(20 * std::log10(peak)) : -120.0f);
        const size_t from = wav_pos_;
        wav_pos_ = due;
        feed(wav_.data() + from, due - from);
    }
    if (wav_pos_ >= wav_.size()) {
        stop();
        emit finished();
    }
}

void LiveController::feed(const float* samples, size_t n)
{
    if (!live_)
        return;
    windows_.clear();
    detections_.clear();
    live_->push(samples, n, &windows_, &detections_);
    const int bands = live_->frontEnd().frontEnd().bands();
    const int frames = live_->frontEnd().frontEnd().frames();
    const int hop_frames = std::max(1, live_->frontEnd().hopSamples() / std::max(1, model_->audio.hop_length));
    for (auto& w : windows_) {
        LiveUpdate u;
        u.index = w.index;
        u.end_s = w.end_s;
        u.bands = bands;
        u.frames = frames;
        u.new_frames = w.index == 0 ? frames : std::min(frames, hop_frames);
        u.features = QVector<float>(w.features.begin(), w.features.end());
        for (size_t i = 0; i < w.decisions.size(); ++i) {
            const auto& d = w.decisions[i];
            LiveEngineDecision e;
            e.engine = QString::fromStdString(live_->engineName(i));
            e.ran = d.ran;
            e.wall_ms = d.wall_ms;
            e.posteriors = QVector<float>(d.posteriors.begin(), d.posteriors.end());
            u.engines.push_back(std::move(e));
        }
        emit windowDecided(u);
    }
    for (size_t i = 0; i < detections_.size(); ++i) {
        const auto& d = detections_[i];
        bool first = true;
        for (size_t k = 0; k < i; ++k)
            first = first && !(detections_[k].time_s == d.time_s && detections_[k].word == d.word);
        if (!first)
            continue;
        LiveDetection out;
        out.time_s = d.time_s;
        out.word = QString::fromStdString(d.word);
        out.score = d.score;
        for (size_t k = i; k < detections_.size(); ++k)
            if (detections_[k].time_s == d.time_s && detections_[k].word == d.word)
                out.engines << QString::fromStdString(detections_[k].engine_name);
        emit detected(out);
    }
}

void LiveController::stop()
{
    if (capture_) {
        capture_->stop();
        capture_->deleteLater();
        capture_ = nullptr;
    }
    if (player_) {
        player_->stop();
        player_->deleteLater();
        player_ = nullptr;
    }
    setRunning(false);
}

std::vector<float> LiveController::bundledDemo(int sample_rate, QString* error)
{
    std::vector<float> out(size_t(sample_rate), 0.0f); // a second of silence first
    for (const QString& path : ModelLoader::bundledAudioFiles()) {
        auto clip = ss::readWav(path.toStdString());
        if (!clip) {
            if (error)
                *error = QString::fromStdString(clip.message());
            continue;
        }
        const auto x = ss::resample(clip->samples, clip->sample_rate, sample_rate);
        out.insert(out.end(), x.begin(), x.end());
        out.insert(out.end(), size_t(sample_rate) * 3 / 2, 0.0f);
    }
    if (out.size() <= size_t(sample_rate) && error && error->isEmpty())
        *error = tr("The bundled words (resources/audio) were not found.");
    // A quiet room (about -60 dBFS) rather than digital silence, which no microphone gives and
    // which the features (dB re the window's maximum) show as a flat, loudest-possible image.
    ss::SplitMix64 rng(1);
    for (auto& v : out)
        v += float(rng.uniform(-1.0, 1.0) * 0.0017);
    return out;
}

} // namespace gui
