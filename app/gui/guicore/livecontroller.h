// The live view's Qt-Core side (issue 14): audio from a capture device (app/capture) or a WAV
// file played as the microphone, through core's LiveRecognizer (the same path as
// `sparsescope-cli listen`), reported window by window for the widgets to draw. No widgets here;
// tested headless. Decisions run in this object's thread; LiveRecognizer drops the windows an
// engine cannot start in time (wall clock), so a slow engine never makes the view lag.
#pragma once

#include "live/live.h"
#include "model/model.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <memory>
#include <vector>

class AudioCapture;
class QMediaDevices;
class QTimer;

namespace gui {

struct LiveEngineDecision {
    QString engine;
    bool ran = false;    // false: dropped (could not start in time) or failed
    double wall_ms = 0;
    QVector<float> posteriors; // of this window (empty when !ran)
};

struct LiveUpdate {
    quint64 index = 0;
    double end_s = 0;         // stream time of the window's end
    int bands = 0, frames = 0;
    int new_frames = 0;       // frames that are new since the previous window (the hop)
    QVector<float> features;  // [bands][frames], the model's input (dB re the window's maximum)
    QVector<LiveEngineDecision> engines;
};

struct LiveDetection {
    double time_s = 0;
    QString word;
    QStringList engines; // the engines that fired it in this window
    float score = 0;     // the first of them's averaged posterior
};

class LiveController : public QObject {
    Q_OBJECT
public:
    explicit LiveController(QObject* parent = nullptr);
    ~LiveController() override;

    void setModel(std::shared_ptr<const ss::Model> model);
    bool hasModel() const { return model_ != nullptr; }
    const ss::Model* model() const { return model_.get(); }
    // Engines to run: registry names, or DEVICE/ENGINE (fpga-sim:u250/sparse-sparse: int8 kernels
    // C-simulated on this CPU, so its times are the simulation's); default: the default CPU set.
    void setEngines(const QStringList& engines);
    QStringList engines() const { return engines_; }
    void setHopMs(double hop_ms) { hop_ms_ = hop_ms; }

    // Capture device descriptions (empty when there is no sound server or no input).
    static QStringList inputDevices(int wait_ms = 1500);

    // Each start* stops what runs, prepares the engines and starts; false with lastError() (and
    // failed()) when it cannot.
    bool startDevice(const QString& name);
    // A WAV file played as the microphone: at real time (20 ms chunks on a timer), or when
    // realtime is false, all at once before returning (tests, screenshots).
    bool startWav(const QString& path, bool realtime = true);
    bool startSamples(std::vector<float> audio, const QString& description, bool realtime);
    void stop();

    bool isRunning() const { return running_; }
    const QString& lastError() const { return last_error_; }
    const QString& sourceDescription() const { return source_; }
    const ss::LiveRecognizer* recognizer() const { return live_.get(); }
    double streamSeconds() const { return live_ ? live_->streamSeconds() : 0.0; }

    // The bundled words (resources/audio) one after another with 1.5 s gaps over quiet noise: a
    // demo without a microphone.
    static std::vector<float> bundledDemo(int sample_rate, QString* error = nullptr);

signals:
    void runningChanged(bool running);
    void windowDecided(const gui::LiveUpdate& update);
    void detected(const gui::LiveDetection& detection);
    void level(float peak_dbfs);
    void failed(const QString& sentence);
    void finished(); // a WAV reached its end
    void inputsChanged(); // the sound server's list of capture devices changed (it fills after start-up)

private:
    bool prepare(ss::DeadlineClock clock);
    void feed(const float* samples, size_t n);
    void fail(const QString& sentence);
    void setRunning(bool running);
    void playChunk();

    std::shared_ptr<const ss::Model> model_;
    QStringList engines_;
    double hop_ms_ = 64;
    std::unique_ptr<ss::LiveRecognizer> live_;
    AudioCapture* capture_ = nullptr;
    QMediaDevices* devices_ = nullptr;
    QTimer* player_ = nullptr;
    std::vector<float> wav_;
    size_t wav_pos_ = 0;
    qint64 wav_started_ms_ = 0;
    bool running_ = false;
    QString last_error_, source_;
    std::vector<ss::LiveWindow> windows_;
    std::vector<ss::Detection> detections_;
};

} // namespace gui

Q_DECLARE_METATYPE(gui::LiveUpdate)
Q_DECLARE_METATYPE(gui::LiveDetection)
