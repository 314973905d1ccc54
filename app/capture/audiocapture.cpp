#include "audiocapture.h"

#include <QAudioSource>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QMediaDevices>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <cstring>

AudioCapture::AudioCapture(int target_rate, QObject* parent) : QObject(parent), target_rate_(std::max(1, target_rate)) {}

AudioCapture::~AudioCapture() { stop(); }

QList<QAudioDevice> AudioCapture::inputs(int wait_ms)
{
    QList<QAudioDevice> list = QMediaDevices::audioInputs();
    QElapsedTimer t;
    t.start();
    while (list.isEmpty() && t.elapsed() < wait_ms) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        QThread::msleep(20);
        list = QMediaDevices::audioInputs();
    }
    return list;
}

QAudioDevice AudioCapture::defaultInput(int wait_ms)
{
    if (inputs(wait_ms).isEmpty())
        return {};
    return QMediaDevices::defaultAudioInput();
}

ss::Result<QAudioDevice> AudioCapture::findInput(const QString& name, int wait_ms)
{
    const QList<QAudioDevice> all = inputs(wait_ms);
    if (all.isEmpty())
        return ss::unsupported("No audio input device was found (no sound server running, or no microphone).");
    if (name.isEmpty() || name.compare("default", Qt::CaseInsensitive) == 0) {
        QAudioDevice d = QMediaDevices::defaultAudioInput();
        return d.isNull() ? all.first() : d;
    }
    QList<QAudioDevice> partial;
    for (const auto& d : all) {
        if (d.description() == name || QString::fromUtf8(d.id()) == name)
            return d;
        if (d.description().contains(name, Qt::CaseInsensitive) || QString::fromUtf8(d.id()).contains(name, Qt::CaseInsensitive))
            partial.push_back(d);
    }
    if (partial.size() == 1)
        return partial.first();
    QStringList names;
    for (const auto& d : all)
        names << "'" + d.description() + "'";
    const QString why = partial.isEmpty() ? "No audio input device is called '" + name + "'"
                                          : "'" + name + "' names " + QString::number(partial.size()) + " audio input devices";
    return ss::badInput((why + " (there are: " + names.join(", ") + ").").toStdString());
}

QString AudioCapture::describe(const QAudioFormat& f)
{
    static const char* kinds[] = {"unknown", "UInt8", "Int16", "Int32", "Float"};
    const int k = int(f.sampleFormat());
    return QString("%1 Hz, %2 channel%3, %4").arg(f.sampleRate()).arg(f.channelCount()).arg(f.channelCount() == 1 ? "" : "s")
        .arg(k >= 0 && k < 5 ? kinds[k] : "unknown");
}

ss::Status AudioCapture::start(const QAudioDevice& device)
{
    stop();
    if (device.isNull())
        return ss::unsupported("No audio input device was found (no sound server running, or no microphone).");
    QAudioFormat wanted;
    wanted.setSampleRate(target_rate_);
    wanted.setChannelCount(1);
    wanted.setSampleFormat(QAudioFormat::Int16);
    QAudioFormat f = wanted;
    if (requested_.isValid()) {
        if (!device.isFormatSupported(requested_))
            return ss::unsupported(("The audio device '" + device.description() + "' refuses " + describe(requested_) + ".").toStdString());
        f = requested_;
    } else if (!device.isFormatSupported(wanted)) {
        f = device.preferredFormat();
        if (!f.isValid() || f.sampleFormat() == QAudioFormat::Unknown)
            return ss::unsupported(("The audio device '" + device.description() + "' offers neither " + describe(wanted) +
                                    " nor any format of its own.").toStdString());
    }
    device_ = device;
    format_ = f;
    format_note_ = f == wanted ? describe(f) : describe(f) + ", converted to " + QString::number(target_rate_) + " Hz mono";
    resampler_ = std::make_unique<ss::StreamingResampler>(f.sampleRate(), target_rate_);
    pending_.clear();
    stopping_ = false;
    source_ = new QAudioSource(device, f, this);
    // About 100 ms of buffer: enough to ride out a slow decision, short enough to stay live.
    source_->setBufferSize(f.bytesForDuration(100000));
    connect(source_, &QAudioSource::stateChanged, this, &AudioCapture::onStateChanged);
    io_ = source_->start();
    if (!io_ || source_->error() != QAudio::NoError) {
        const bool refused = source_->error() == QAudio::OpenError;
        delete source_;
        source_ = nullptr;
        io_ = nullptr;
        return ss::unsupported(("The audio device '" + device.description() + "' " +
                                (refused ? "refused to open with " + describe(f) : QString("could not be started")) + ".")
                                   .toStdString());
    }
    connect(io_, &QIODevice::readyRead, this, &AudioCapture::onReadyRead);
    return ss::Status::ok();
}

void AudioCapture::stop()
{
    if (!source_)
        return;
    stopping_ = true;
    source_->stop();
    source_->deleteLater();
    source_ = nullptr;
    io_ = nullptr;
}

void AudioCapture::onReadyRead()
{
    if (!io_)
        return;
    pending_ += io_->readAll();
    const int frame_bytes = format_.bytesPerFrame();
    if (frame_bytes <= 0)
        return;
    const qsizetype frames = pending_.size() / frame_bytes;
    if (frames == 0)
        return;
    const int channels = std::max(1, format_.channelCount());
    mono_.resize(size_t(frames));
    const char* p = pending_.constData();
    for (qsizetype i = 0; i < frames; ++i) {
        double sum = 0;
        for (int c = 0; c < channels; ++c)
            sum += format_.normalizedSampleValue(p + i * frame_bytes + c * format_.bytesPerSample());
        mono_[size_t(i)] = float(sum / channels);
    }
    pending_.remove(0, frames * frame_bytes);
    resampled_.clear();
    resampler_->push(mono_.data(), mono_.size(), &resampled_);
    float peak = 0;
    for (float v : mono_)
        peak = std::max(peak, std::fabs(v));
    emit level(peak > 0 ? float(20.0 * std::log10(peak)) : -120.0f);
    if (!resampled_.empty())
        emit samples(QList<float>(resampled_.begin(), resampled_.end()));
}

void AudioCapture::onStateChanged()
{
    if (!source_ || stopping_)
        return;
    const QAudio::Error e = source_->error();
    if (source_->state() == QAudio::StoppedState && e != QAudio::NoError) {
        const QString name = device_.description();
        stop();
        emit failed(e == QAudio::FatalError || e == QAudio::OpenError
                        ? "The audio device '" + name + "' stopped working (unplugged, or taken by another program)."
                        : "Reading from the audio device '" + name + "' failed.");
    }
}
