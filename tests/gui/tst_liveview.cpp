// The Live tab headless: LiveController (guicore) through the shipped model, the LiveView's
// displays, a missing device reported while the view keeps working, and the app's real capture
// path: a private PulseAudio server whose virtual microphone hears the words paplay plays.
#include "audio/wav.h"
#include "audiocapture.h"
#include "guicore/livecontroller.h"
#include "widgets/liveview.h"

#include "model/model_io.h"

#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>

using namespace gui;

namespace {
// The bundled words are "no", "stop", "yes" (resources/audio, played in name order). Models may be
// retrained: at least two of them must be found, in order, and nothing else.
bool bundledWordsFound(const QStringList& words)
{
    const QStringList expected = {"no", "stop", "yes"};
    int at = 0;
    for (const QString& w : words) {
        while (at < expected.size() && expected[at] != w)
            ++at;
        if (at == expected.size())
            return false; // another word, or out of order, or twice
        ++at;
    }
    return words.size() >= 2;
}
} // namespace

class TestLiveView : public QObject {
    Q_OBJECT

    std::shared_ptr<const ss::Model> m_model;
    QTemporaryDir m_runtime;
    bool m_pulse = false;

    int tool(const QString& program, const QStringList& args)
    {
        QProcess p;
        p.start(program, args);
        if (!p.waitForFinished(20000)) {
            p.kill();
            p.waitForFinished();
            return -1;
        }
        return p.exitCode();
    }

private slots:
    void initTestCase()
    {
        auto m = ss::loadModel(SS_SOURCE_DIR "/resources/models/gsc-cs.safetensors");
        QVERIFY(m.isOk());
        m_model = std::make_shared<const ss::Model>(std::move(*m));
        // A private sound server for this process (Qt Multimedia connects to it on first use).
        QVERIFY(m_runtime.isValid());
        qputenv("XDG_RUNTIME_DIR", m_runtime.path().toUtf8());
        qunsetenv("PULSE_SERVER");
        if (QStandardPaths::findExecutable("pulseaudio").isEmpty() || QStandardPaths::findExecutable("paplay").isEmpty())
            return;
        m_pulse = tool("pulseaudio", {"-D", "--exit-idle-time=-1", "-n", "--load=module-native-protocol-unix",
                                      "--load=module-null-sink sink_name=virt"}) == 0 &&
                  tool("pactl", {"load-module", "module-remap-source", "master=virt.monitor", "source_name=virtmic"}) == 0 &&
                  tool("pactl", {"set-default-source", "virtmic"}) == 0;
    }

    void cleanupTestCase()
    {
        if (m_pulse)
            tool("pulseaudio", {"--kill"});
    }

    // The bundled words through every default engine, as fast as they go: each word found once,
    // in order, by all engines; every window decided by every engine.
    void controllerRecognisesBundledWords()
    {
        LiveController c;
        c.setModel(m_model);
        c.setEngines({"sparse-sparse", "dense"});
        QSignalSpy windows(&c, &LiveController::windowDecided);
        QSignalSpy detections(&c, &LiveController::detected);
        QSignalSpy finished(&c, &LiveController::finished);
        QString error;
        auto audio = LiveController::bundledDemo(16000, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(c.startSamples(audio, "demo", false));
        QVERIFY(!c.isRunning());
        QCOMPARE(finished.count(), 1);
        QCOMPARE(windows.count(), int((audio.size() - 16000) / 1024 + 1));
        for (const auto& args : windows) {
            const auto u = args[0].value<LiveUpdate>();
            QCOMPARE(u.engines.size(), 2);
            QCOMPARE(u.features.size(), 32 * 32);
            for (const auto& e : u.engines)
                QVERIFY(e.ran && e.posteriors.size() == 12);
        }
        QStringList words;
        for (const auto& args : detections) {
            const auto d = args[0].value<LiveDetection>();
            QCOMPARE(d.engines, QStringList({"sparse-sparse", "dense"}));
            words << d.word;
        }
        QVERIFY2(bundledWordsFound(words), qPrintable(words.join(", ")));
    }

    // The FPGA's int8 kernels (C-simulated) side by side with a CPU engine, as in the CLI.
    void controllerRunsFpgaSim()
    {
        LiveController c;
        c.setModel(m_model);
        c.setEngines({"sparse-sparse", "fpga-sim:u250/sparse-sparse"});
        QSignalSpy detections(&c, &LiveController::detected);
        QVERIFY2(c.startSamples(LiveController::bundledDemo(16000), "demo", false), qPrintable(c.lastError()));
        const auto& st = c.recognizer()->stats();
        QCOMPARE(st.size(), size_t(2));
        QCOMPARE(st[1].name, std::string("fpga-sim:u250/sparse-sparse"));
        QVERIFY(st[1].decisions > 50 && st[1].detections >= 2 && st[1].detections <= 3);
        QVERIFY(double(st[1].agreed) >= 0.95 * double(st[1].compared)); // int8 vs fp32: nearly always the same class
    }

    void controllerRefuses()
    {
        LiveController c;
        QVERIFY(!c.startWav(SS_SOURCE_DIR "/resources/audio/yes.wav"));
        QVERIFY(c.lastError().contains("Open a model first"));
        c.setModel(m_model);
        QVERIFY(!c.startWav("/nonexistent/x.wav"));
        QVERIFY(c.lastError().contains("/nonexistent/x.wav"));
        c.setEngines({"warp"});
        QVERIFY(!c.startSamples(std::vector<float>(32000, 0.0f), "x", false));
        QVERIFY(c.lastError().contains("warp"));
        c.setEngines({"fpga-sim:nope/sparse-sparse"});
        QVERIFY(!c.startSamples(std::vector<float>(32000, 0.0f), "x", false));
        QVERIFY2(c.lastError().contains("nope"), qPrintable(c.lastError()));
        QVERIFY(!c.isRunning());
    }

    // At real time the words arrive as they are played; Stop ends it.
    void realTimePlayback()
    {
        LiveController c;
        c.setModel(m_model);
        c.setEngines({"sparse-sparse"});
        QSignalSpy detections(&c, &LiveController::detected);
        QSignalSpy running(&c, &LiveController::runningChanged);
        QVERIFY(c.startSamples(LiveController::bundledDemo(16000), "demo", true));
        QVERIFY(c.isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(detections.count() >= 1, 8000); // "no" ends at about 2 s
        QCOMPARE(detections[0][0].value<LiveDetection>().word, QString("no"));
        QVERIFY(c.streamSeconds() < 6); // real time, not as fast as possible
        c.stop();
        QVERIFY(!c.isRunning());
        QCOMPARE(running.count(), 2);
        QCOMPARE(c.recognizer()->stats()[0].dropped, uint64_t(0));
    }

    void viewShowsEverything()
    {
        LiveView v;
        v.resize(1200, 800);
        v.setModel(m_model);
        v.setEngines({"sparse-sparse", "dense"});
        QCOMPARE(v.controller()->engines(), QStringList({"dense", "sparse-sparse"})); // registry order
        QVERIFY(v.inputIds().mid(0, 2) == QStringList({"demo", "wav"}));
        QVERIFY(v.playDemo(false));
        QStringList rows;
        for (int r = 0; r < v.detectionRows(); ++r)
            rows << v.detectionText(r).section(QStringLiteral("  "), 1, 1);
        QVERIFY2(bundledWordsFound(rows), qPrintable(rows.join(", ")));
        QVERIFY2(v.detectionText(0).contains("dense, sparse-sparse"), qPrintable(v.detectionText(0)));
        const int rows_first = v.detectionRows();
        QVERIFY(v.latencyPoints("sparse-sparse") > 50 && v.latencyPoints("dense") == v.latencyPoints("sparse-sparse"));
        QCOMPARE(v.latencyPoints("csr"), -1);
        QVERIFY(v.spectrogram()->columns() > 200);
        QVERIFY2(v.topClasses().startsWith("_silence_"), qPrintable(v.topClasses())); // the demo ends in silence
        QVERIFY2(v.agreementText() == "Same top class as dense: sparse-sparse 100.0%. Every engine kept up (no window dropped).",
                 qPrintable(v.agreementText()));

        // A device that is not there: one sentence, and the view keeps working.
        QVERIFY(!v.controller()->startDevice("No Such Microphone 42"));
        QVERIFY2(v.lastError().contains("No Such Microphone 42") || v.lastError().contains("No audio input device"),
                 qPrintable(v.lastError()));
        QVERIFY(v.playDemo(false));
        QCOMPARE(v.detectionRows(), rows_first); // the same again
    }

    // The app's capture path: QAudioSource on the virtual microphone while paplay plays the words.
    void captureThroughPulseAudio()
    {
        if (!m_pulse)
            QSKIP("pulseaudio/paplay are not installed or the private server did not start (make deps)");
        QTRY_VERIFY_WITH_TIMEOUT(LiveController::inputDevices(200).join('|').contains("Remapped Monitor"), 5000);
        QTemporaryDir dir;
        const QString wav = dir.filePath("words.wav");
        QVERIFY(ss::writeWav(wav.toStdString(), LiveController::bundledDemo(16000), 16000).isOk());

        LiveView v;
        v.setModel(m_model);
        v.controller()->setEngines({"sparse-sparse", "dense"});
        v.refreshInputs(2000);
        QVERIFY2(v.selectInput("device:Remapped Monitor of Null Output"), qPrintable(v.inputIds().join(", ")));
        QVERIFY2(v.start(), qPrintable(v.lastError()));
        QVERIFY(v.controller()->isRunning());
        QProcess play;
        play.start("paplay", {"-d", "virt", wav});
        QTRY_VERIFY_WITH_TIMEOUT(play.state() == QProcess::NotRunning, 30000);
        QTest::qWait(1500); // the last word's detection comes after it ends
        v.stop();
        QStringList words;
        for (int r = 0; r < v.detectionRows(); ++r)
            words << v.detectionText(r);
        const QString all = words.join(" | ");
        int found = 0;
        for (const char* w : {"no", "stop", "yes"})
            found += all.contains(QString("  %1  ").arg(w)) ? 1 : 0;
        QVERIFY2(found >= 2 && v.detectionRows() <= 4, qPrintable(all));
        const auto& st = v.controller()->recognizer()->stats();
        QVERIFY(st[0].decisions > 50);
    }

    // A device format other than 16 kHz mono (48 kHz stereo float): the capture downmixes and
    // resamples, and the words are still recognised.
    void captureConvertsFormats()
    {
        if (!m_pulse)
            QSKIP("pulseaudio/paplay are not installed or the private server did not start (make deps)");
        auto device = AudioCapture::findInput("Remapped Monitor", 5000);
        QVERIFY2(device.isOk(), device.isOk() ? "" : device.message().c_str());
        QTemporaryDir dir;
        const QString wav = dir.filePath("words.wav");
        QVERIFY(ss::writeWav(wav.toStdString(), LiveController::bundledDemo(16000), 16000).isOk());
        AudioCapture capture(16000);
        QAudioFormat f;
        f.setSampleRate(48000);
        f.setChannelCount(2);
        f.setSampleFormat(QAudioFormat::Float);
        capture.setRequestedFormat(f);
        std::vector<float> got;
        connect(&capture, &AudioCapture::samples, this, [&](const QList<float>& x) { got.insert(got.end(), x.begin(), x.end()); });
        QVERIFY(capture.start(*device).isOk());
        QVERIFY2(capture.formatNote() == "48000 Hz, 2 channels, Float, converted to 16000 Hz mono", qPrintable(capture.formatNote()));
        QProcess play;
        play.start("paplay", {"-d", "virt", wav});
        QTRY_VERIFY_WITH_TIMEOUT(play.state() == QProcess::NotRunning, 30000);
        QTest::qWait(1000);
        capture.stop();
        QVERIFY2(got.size() > 16000 * 8, qPrintable(QString::number(got.size()))); // ~9.5 s at 16 kHz
        LiveController c;
        c.setModel(m_model);
        c.setEngines({"sparse-sparse"});
        QSignalSpy detections(&c, &LiveController::detected);
        QVERIFY(c.startSamples(got, "captured", false));
        QStringList words;
        for (const auto& a : detections)
            words << a[0].value<LiveDetection>().word;
        QVERIFY2(bundledWordsFound(words), qPrintable(words.join(", ")));
    }

    // Last (it stops the server): the device goes away while listening; the view says so in one
    // sentence, stops, and keeps working.
    void deviceLostKeepsViewWorking()
    {
        if (!m_pulse)
            QSKIP("pulseaudio is not installed or the private server did not start (make deps)");
        LiveView v;
        v.setModel(m_model);
        v.setEngines({"sparse-sparse"});
        v.refreshInputs(2000);
        QVERIFY(v.selectInput("device:Remapped Monitor of Null Output"));
        QVERIFY2(v.start(), qPrintable(v.lastError()));
        QTest::qWait(1500);
        QCOMPARE(tool("pulseaudio", {"--kill"}), 0);
        m_pulse = false;
        QTRY_VERIFY_WITH_TIMEOUT(!v.controller()->isRunning(), 10000);
        QVERIFY2(v.lastError().contains("stopped working"), qPrintable(v.lastError()));
        QVERIFY(v.playDemo(false));
        QVERIFY(v.detectionRows() >= 2 && v.detectionRows() <= 3);
    }
};

QTEST_MAIN(TestLiveView)
#include "tst_liveview.moc"
