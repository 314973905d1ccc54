// The Live tab headless: LiveController (guicore) through the shipped model, the LiveView's
// displays, a missing device reported while the view keeps working, and the app's real capture
// path: a private PulseAudio server whose virtual microphone hears the words paplay plays.
#include "audio/wav.h"
#include "audiocapture.h"
#include "datasets/gsc.h"
#include "guicore/enrollmentsession.h"
#include "guicore/livecontroller.h"
#include "guicore/personaliserunner.h"
#include "widgets/enrolldialog.h"
#include "widgets/liveview.h"
#include "widgets/personalisedialog.h"

#include "model/model_io.h"

#include <QDir>
#include <QSettings>
#include <QTableWidget>

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
    const QString m_model_path = QStringLiteral(SS_SOURCE_DIR "/resources/models/gsc-cs.safetensors");
    QTemporaryDir m_runtime;
    QTemporaryDir m_work;
    QString m_enrolled; // the folder enrollThroughPulseAudio wrote

    // Pictures for a reader to look at: written when SPARSESCOPE_TEST_SCREENSHOTS names a folder.
    static void keepPicture(QWidget& w, const QString& name)
    {
        const QString dir = qEnvironmentVariable("SPARSESCOPE_TEST_SCREENSHOTS");
        if (!dir.isEmpty())
            QVERIFY(w.grab().save(QDir(dir).filePath(name)));
    }
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
        QCoreApplication::setOrganizationName("SparseScopeTests"); // never the user's settings
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_work.path());
        auto m = ss::loadModel(m_model_path.toStdString());
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
        // int8 vs fp32: nearly always the same class. The 118 windows overlap (hop 64 ms, 1 s each),
        // so a disagreement at a word's edge spans several of them: one window is 0.85 points here,
        // and the per-channel weight scales of c71ca72 give 112 where one scale per layer gave 113, while
        // raising agreement on the 3,926 clips of the test split from 95.1% to 96.7%
        // (docs/fpga-model.md §1). 90% keeps the check on "nearly always" without testing one window.
        qInfo("int8 vs fp32: %d of %d windows agree", int(st[1].agreed), int(st[1].compared));
        QVERIFY2(double(st[1].agreed) >= 0.90 * double(st[1].compared),
                 qPrintable(QString("%1 of %2 windows agree").arg(st[1].agreed).arg(st[1].compared)));
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

    // The enrollment session: plan, steps and what a session without a device says.
    void enrollmentSteps()
    {
        EnrollmentPlan plan;
        plan.keywords = {"yes", "no"};
        plan.takes = 2;
        plan.held_back = 1;
        plan.others = 1;
        plan.others_held_back = 1;
        const auto steps = EnrollmentSession::stepsFor(plan);
        QCOMPARE(steps.size(), size_t(1 + 2 * 3 + 2));
        QCOMPARE(steps[0].prompt(), QString("Stay quiet: recording the room"));
        QCOMPARE(steps[1].prompt(), QString("Say 'yes'"));
        QCOMPARE(steps[3].index, 3);
        QCOMPARE(steps[4].word, QString("no"));
        QCOMPARE(steps[7].prompt(), QString("Say any other word (not a keyword)"));
        QCOMPARE(steps[8].count, 2);
        EnrollmentSession s;
        QVERIFY(!s.start("No Such Microphone 42", plan, 16000, 16000));
        QCOMPARE(s.state(), EnrollmentSession::State::Failed);
        QVERIFY2(s.lastError().contains("No Such Microphone 42") || s.lastError().contains("No audio input device"), qPrintable(s.lastError()));
        QVERIFY(!s.save(m_work.filePath("never"), "me", {}).isOk());
        QVERIFY(!QFileInfo::exists(m_work.filePath("never")));
        // The before/after JSON the trainer writes, as the Personalise dialog's table reads it.
        QString engine;
        const auto rows = parseBeforeAfter(R"({"engine":"dense","held_back":{"base":{"accuracy":0.5,"keyword_recall":0.4,)"
                                           R"("non_keyword_false_accept":0.25,"clips":9},"personalised":{"accuracy":1,"keyword_recall":1,)"
                                           R"("non_keyword_false_accept":0,"clips":9}}})",
                                           &engine);
        QCOMPARE(engine, QString("dense"));
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows[0].clips, 9);
        QCOMPARE(rows[0].base_recall, 0.4);
        QCOMPARE(rows[0].personal_false, 0.0);
        QVERIFY(parseBeforeAfter("not json").isEmpty());
    }

    // "Enroll my voice…" end to end through the virtual microphone while words play back to back:
    // prompts in order, takes trimmed and shown, Redo, Save writes a folder the GSC reader opens.
    void enrollThroughPulseAudio()
    {
        if (!m_pulse)
            QSKIP("pulseaudio/paplay are not installed or the private server did not start (make deps)");
        QTRY_VERIFY_WITH_TIMEOUT(LiveController::inputDevices(200).join('|').contains("Remapped Monitor"), 5000);
        // Continuous speech: the bundled words (no, stop, yes; 1 s clips) back to back, 40 s.
        std::vector<float> speech;
        for (int i = 0; i < 14; ++i)
            for (const char* w : {"no", "stop", "yes"}) {
                auto c = ss::readWav(SS_SOURCE_DIR "/resources/audio/" + std::string(w) + ".wav");
                QVERIFY(c.isOk());
                speech.insert(speech.end(), c->samples.begin(), c->samples.end());
            }
        const QString wav = m_work.filePath("speech.wav");
        QVERIFY(ss::writeWav(wav.toStdString(), speech, 16000).isOk());

        LiveView v;
        v.resize(1024, 700);
        v.setModel(m_model, m_model_path);
        v.refreshInputs(2000);
        QVERIFY2(v.selectInput("device:Remapped Monitor of Null Output"), qPrintable(v.inputIds().join(", ")));
        keepPicture(v, "live-tab-1024x700.png");
        // The Live tab with its new row still fits a 1024 px window (tab frame and margins aside).
        QVERIFY2(v.minimumSizeHint().width() <= 1000, qPrintable(QString::number(v.minimumSizeHint().width())));
        EnrollDialog* d = v.openEnrollDialog();
        QVERIFY(d && d->isVisible());
        EnrollmentPlan plan;
        plan.keywords = {"yes", "no"};
        plan.takes = 1;
        plan.held_back = 1;
        plan.others = 1;
        plan.others_held_back = 0;
        plan.take_seconds = 1.5;
        plan.background_seconds = 1;
        plan.countdown_seconds = 0;
        plan.review_seconds = 0.3;
        d->setPlan(plan);
        QStringList prompts;
        EnrollmentSession* s = d->session();
        connect(s, &EnrollmentSession::stepChanged, this, [&] { prompts << d->promptText() + " / " + d->takeText(); });
        int takes = 0, refused = 0;
        bool pictured = false;
        connect(s, &EnrollmentSession::takeRecorded, this, [&](int, bool kept) {
            (kept ? takes : refused) += 1;
            QVERIFY(d->waveform()->hasTake());
            QVERIFY(s->lastTake()->recording.size() == size_t(1.5 * 16000));
            if (kept && !pictured) { // the first take as the user sees it: prompt, waveform, word marked
                pictured = true;
                keepPicture(*d, "enroll-take.png");
            }
        });
        // Nothing plays at first: the first take of 'yes' hears silence, says why and asks again.
        QVERIFY2(d->startSession(), qPrintable(d->lastError()));
        QTRY_VERIFY_WITH_TIMEOUT(refused >= 1, 10000);
        QCOMPARE(takes, 0);
        QVERIFY2(d->messageText().endsWith("Once more, please.") && d->messageText().size() > 30, qPrintable(d->messageText()));
        QCOMPARE(d->promptText(), QString("Say 'yes'"));
        QCOMPARE(d->takeText(), QString("take 1 of 2"));
        keepPicture(*d, "enroll-refused.png");
        QProcess play;
        play.start("paplay", {"-d", "virt", wav});
        QVERIFY(play.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(s->state() == EnrollmentSession::State::Finished || s->state() == EnrollmentSession::State::Failed, 40000);
        QVERIFY2(s->state() == EnrollmentSession::State::Finished, qPrintable(d->messageText()));
        QVERIFY2(prompts.size() >= 7, qPrintable(prompts.join(" | ")));
        QCOMPARE(prompts[2], QString("Say 'yes' / take 1 of 2")); // asked again after the silent take
        QCOMPARE(prompts[0].section(" / ", 0, 0), QString("Stay quiet: recording the room"));
        QCOMPARE(prompts[1], QString("Say 'yes' / take 1 of 2"));
        QVERIFY2(prompts.contains("Say 'yes' / take 2 of 2") && prompts.contains("Say 'no' / take 2 of 2"), qPrintable(prompts.join(" | ")));
        QVERIFY2(prompts.last().startsWith("Say any other word (not a keyword) / take 1 of 1"), qPrintable(prompts.join(" | ")));
        QCOMPARE(takes, 5);
        QCOMPARE(s->takesKept(), 5);
        QVERIFY(d->promptText().startsWith("Done: 5 takes"));

        // Redo the last take: it is recorded again and the count stays.
        QVERIFY(s->canRedo());
        s->redo();
        QVERIFY(s->state() == EnrollmentSession::State::Countdown || s->state() == EnrollmentSession::State::Recording);
        QTRY_VERIFY_WITH_TIMEOUT(s->state() == EnrollmentSession::State::Finished, 15000);
        QCOMPARE(s->takesKept(), 5);
        QCOMPARE(takes, 6);
        keepPicture(*d, "enroll-done.png");

        // Every take trimmed to the word: a 1 s clip around a span shorter than the take.
        const ss::Enrollment e = s->enrollment();
        QCOMPARE(e.takes.at("yes").size(), size_t(2));
        QCOMPARE(e.takes.at("other").size(), size_t(1));
        for (const auto& [word, list] : e.takes)
            for (const auto& t : list) {
                QCOMPARE(t.clip.size(), size_t(16000));
                QVERIFY(t.span.found && t.span.end > t.span.begin && t.span.end - t.span.begin < size_t(1.5 * 16000));
            }
        QCOMPARE(e.background.size(), size_t(16000));
        play.kill();
        play.waitForFinished();

        const QString folder = m_work.filePath("mic");
        QVERIFY2(d->saveTo(folder), qPrintable(d->lastError()));
        QCOMPARE(s->state(), EnrollmentSession::State::Saved);
        QCOMPARE(v.lastEnrollment(), QFileInfo(folder).absoluteFilePath());
        for (const char* f : {"yes/me_nohash_0.wav", "yes/me_nohash_1.wav", "no/me_nohash_1.wav", "other/me_nohash_0.wav",
                              "_background_noise_/room.wav", "enrollment.json"})
            QVERIFY2(QFile::exists(QDir(folder).filePath(f)), f);
        auto ds = ss::openGsc(folder.toStdString(), ss::ClassPreset::Commands, m_model->classes);
        QVERIFY2(ds.isOk(), ds.isOk() ? "" : ds.message().c_str());
        QVERIFY(ds->train.size() >= 3 && ds->test.size() >= 2);
        m_enrolled = folder;
        // A second save of the same folder is refused; nothing changes.
        EnrollDialog* again = v.openEnrollDialog();
        again->setPlan(plan);
        QVERIFY(again->startSession());
        again->reject(); // Cancel: nothing written
        QCOMPARE(again->session()->state(), EnrollmentSession::State::Cancelled);
        QVERIFY(!again->session()->save(folder, "me", {}).isOk());
    }

    // "Personalise…": a one-epoch fine-tune of the shipped model on the folder just enrolled, the
    // before/after table, and the Live tab switching between base and personalised models.
    void personaliseOnEnrollment()
    {
        QString why;
        if (!PersonaliseRunner::available(&why))
            QSKIP(qPrintable(why));
        if (m_enrolled.isEmpty())
            QSKIP("enrollThroughPulseAudio did not write a folder (no PulseAudio)");
        LiveView v;
        v.setModel(m_model, m_model_path);
        QCOMPARE(v.modelChoices().size(), 1);
        PersonaliseDialog* d = v.openPersonaliseDialog();
        const QString out = m_work.filePath("gsc-cs-personal.safetensors");
        d->setEnrollment(m_enrolled);
        d->setMix({});
        d->setOutput(out);
        d->setEpochs(1);
        QSignalSpy done(d->runner(), &PersonaliseRunner::finished);
        QVERIFY2(d->startTraining(), qPrintable(d->lastError()));
        QVERIFY(d->runner()->isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 1, 300000);
        QVERIFY2(done[0][0].toBool(), qPrintable(d->runner()->lastError()));
        QVERIFY(QFileInfo::exists(out));
        QVERIFY(d->table()->item(0, 0) && d->table()->item(0, 1)); // held-back takes: recall, base and personalised
        keepPicture(*d, "personalise-done.png");
        QVERIFY(v.usingPersonalModel());
        QCOMPARE(v.modelChoices(), QStringList({"base: " + QString::fromStdString(m_model->name), "personalised: gsc-cs-personal.safetensors"}));
        QCOMPARE(v.controller()->model()->name, ss::loadModel(out.toStdString())->name);
        QVERIFY(v.usePersonalModel(false));
        QCOMPARE(v.controller()->model(), m_model.get());
        QVERIFY(v.playDemo(false)); // the base model still runs after the switch
        QVERIFY(v.detectionRows() >= 2);
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
        // An enrollment session on the same microphone at the same time.
        EnrollDialog enroll(m_model, LiveController::inputDevices(1000), "Remapped Monitor of Null Output");
        EnrollmentPlan plan;
        plan.keywords = {"yes"};
        plan.background_seconds = 60; // still recording the room when the device goes
        enroll.setPlan(plan);
        QVERIFY2(enroll.startSession(), qPrintable(enroll.lastError()));
        QTest::qWait(1500);
        QCOMPARE(tool("pulseaudio", {"--kill"}), 0);
        m_pulse = false;
        QTRY_VERIFY_WITH_TIMEOUT(!v.controller()->isRunning(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(enroll.session()->state(), EnrollmentSession::State::Failed, 10000);
        QVERIFY2(enroll.messageText().contains("stopped working") && enroll.messageText().contains("nothing was written"),
                 qPrintable(enroll.messageText()));
        enroll.reject();
        QCOMPARE(enroll.session()->state(), EnrollmentSession::State::Cancelled);
        QTest::qWait(300); // the app's event loop runs on: the stopped capture is deleted (deleteLater) before the dialog
        QVERIFY2(v.lastError().contains("stopped working"), qPrintable(v.lastError()));
        QVERIFY(v.playDemo(false));
        QVERIFY(v.detectionRows() >= 2 && v.detectionRows() <= 3);
    }
};

QTEST_MAIN(TestLiveView)
#include "tst_liveview.moc"
