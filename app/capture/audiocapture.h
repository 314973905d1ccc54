// Audio capture for live recognition (issue 14): Qt Multimedia's QAudioSource, asked for 16 kHz
// mono Int16 and, where the device refuses that, opened in its preferred format and converted
// (downmix + StreamingResampler) to the model's rate. Qt Core + Multimedia only; used by the CLI's
// `listen --device` and the GUI's live view. Errors are one sentence (ss::Status / failed()).
#pragma once

#include "audio/resample_stream.h"
#include "util/status.h"

#include <QAudioDevice>
#include <QAudioFormat>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

class QAudioSource;
class QIODevice;

class AudioCapture : public QObject {
    Q_OBJECT
public:
    explicit AudioCapture(int target_rate = 16000, QObject* parent = nullptr);
    ~AudioCapture() override;

    // The capture devices. Qt fills the list from the sound server once an event loop runs: this
    // spins one for up to wait_ms while the list is still empty.
    static QList<QAudioDevice> inputs(int wait_ms = 1500);
    static QAudioDevice defaultInput(int wait_ms = 1500);
    // "default", a device's exact description or id, or a part of one description that names a
    // single device (case-insensitive). The error lists the devices there are.
    static ss::Result<QAudioDevice> findInput(const QString& name, int wait_ms = 1500);
    static QString describe(const QAudioFormat& f); // "48000 Hz, 2 channels, Float"

    // Open the device in this format instead of 16 kHz mono Int16 (tests the conversion path on
    // servers that would resample for us); start() refuses it with a sentence if the device does.
    void setRequestedFormat(const QAudioFormat& format) { requested_ = format; }
    ss::Status start(const QAudioDevice& device);
    void stop();
    bool isRunning() const { return source_ != nullptr; }
    QString deviceName() const { return device_.description(); }
    // "16000 Hz mono Int16", or what the device gives and that it is converted.
    QString formatNote() const { return format_note_; }
    int targetRate() const { return target_rate_; }

signals:
    void samples(const QList<float>& mono); // at targetRate(), in [-1, 1]
    void level(float peak_dbfs);            // of each chunk read
    void failed(const QString& sentence);   // the device went away or stopped with an error

private:
    void onReadyRead();
    void onStateChanged();

    int target_rate_;
    QAudioDevice device_;
    QAudioFormat format_;
    QAudioSource* source_ = nullptr;
    QIODevice* io_ = nullptr;
    std::unique_ptr<ss::StreamingResampler> resampler_;
    QString format_note_;
    QByteArray pending_; // a partial frame left from the last read
    std::vector<float> mono_, resampled_;
    bool stopping_ = false;
    QAudioFormat requested_;
};
