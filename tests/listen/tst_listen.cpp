// listen and dataset stream through the real binary: a generated stream scored end to end, the
// words of a stream played into a virtual microphone recognised, and bad input refused.
#include "common/cli_run.h"

#include "audio/wav.h"

#include <QDir>
#include <QFileInfo>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <cmath>
#include <functional>
#include <csignal>
#include <cstring>

#include <signal.h>

using sstest::CliRun;

namespace {

struct Truth {
    QString word;
    double start, end;
};

QList<Truth> readTruth(const QString& path)
{
    QList<Truth> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return out;
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    for (int i = 1; i < lines.size(); ++i) {
        const QStringList c = lines[i].split(',');
        if (c.size() == 3)
            out.push_back({c[0], c[1].toDouble(), c[2].toDouble()});
    }
    return out;
}

QList<QJsonObject> jsonLines(const QString& out)
{
    QList<QJsonObject> objects;
    for (const QString& line : out.split('\n', Qt::SkipEmptyParts))
        objects.push_back(QJsonDocument::fromJson(line.toUtf8()).object());
    return objects;
}

QByteArray show(const QStringList& args, const CliRun& r)
{
    return "sparsescope-cli " + args.join(' ').toUtf8() + " -> exit " + QByteArray::number(r.exit) + "\nstderr: " + r.err.toUtf8() +
           "\nstdout: " + r.out.left(3000).toUtf8();
}

// A private PulseAudio server (its own XDG_RUNTIME_DIR) with a null sink `virt` whose monitor is
// remapped into the source `virtmic`, the virtual microphone that paplay -d virt feeds. The server
// daemonises: it is stopped when this goes out of scope, whatever happened.
class PulseServer {
public:
    PulseServer()
    {
        env_ = QProcessEnvironment::systemEnvironment();
        env_.insert("XDG_RUNTIME_DIR", runtime_.path());
        env_.remove("PULSE_SERVER");
    }
    ~PulseServer()
    {
        tool("pulseaudio", {"--kill"});
        // --kill returns before the daemon has gone; wait so that its runtime folder can be removed.
        for (int i = 0; i < 50 && tool("pulseaudio", {"--check"}) == 0; ++i)
            QThread::msleep(100);
    }
    static QString missing()
    {
        for (const char* p : {"pulseaudio", "pactl", "paplay"})
            if (QStandardPaths::findExecutable(p).isEmpty())
                return QString(p) + " is not installed (make deps)";
        return {};
    }
    // Starts the server and the virtual microphone; false if any step failed.
    bool start()
    {
        return runtime_.isValid() &&
               tool("pulseaudio", {"-D", "--exit-idle-time=-1", "-n", "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=virt"}) == 0 &&
               // Qt 6.4 lists no monitor sources: remap the sink's monitor into a source.
               tool("pactl", {"load-module", "module-remap-source", "master=virt.monitor", "source_name=virtmic"}) == 0 &&
               tool("pactl", {"set-default-source", "virtmic"}) == 0;
    }
    int tool(const QString& program, const QStringList& args, int timeout_ms = 20000) const
    {
        QProcess p;
        p.setProcessEnvironment(env_);
        p.start(program, args);
        if (!p.waitForFinished(timeout_ms)) {
            p.kill();
            p.waitForFinished();
            return -1;
        }
        return p.exitCode();
    }
    const QProcessEnvironment& env() const { return env_; }

private:
    QTemporaryDir runtime_;
    QProcessEnvironment env_;
};

} // namespace

class TestListen : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_model = QStringLiteral(SS_SOURCE_DIR "/resources/models/gsc-cs.safetensors");
    bool m_have_data = false;

    QString path(const QString& name) const { return m_dir.filePath(name); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFile::exists(m_model), qPrintable(m_model));
        if (QStandardPaths::findExecutable("espeak-ng").isEmpty())
            return; // the tests that need speech skip
        // Speakers of the test split never occur in training (datasets/synth.h).
        const QStringList args = {"dataset", "synth", "-o", path("synth"), "--clips", "1200", "--jobs", "2", "--seed", "14"};
        const CliRun r = sstest::runCli(args, 300000);
        QVERIFY2(r.exit == 0, show(args, r).constData());
        m_have_data = true;
    }

    // dataset stream: deterministic, truth consistent with the length, bad flags refused.
    void datasetStream()
    {
        if (!m_have_data)
            QSKIP("espeak-ng is not installed (make deps)");
        QStringList args = {"dataset", "stream", "--data", path("synth"), "--split", "test", "-o", path("a.wav"), "--truth", path("a.csv"),
                            "--minutes", "1", "--seed", "4"};
        CliRun r = sstest::runCli(args);
        QVERIFY2(r.exit == 0, show(args, r).constData());
        QVERIFY(r.out.contains("Wrote 1.0 minutes"));
        args[7] = path("b.wav");
        args[9] = path("b.csv");
        r = sstest::runCli(args);
        QVERIFY2(r.exit == 0, show(args, r).constData());
        QFile a(path("a.wav")), b(path("b.wav"));
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        const QByteArray bytes = a.readAll();
        QCOMPARE(bytes.size(), 44 + 16000 * 60 * 2);
        QVERIFY(bytes == b.readAll());
        const auto truth = readTruth(path("a.csv"));
        QVERIFY(truth.size() >= 8);
        const QStringList keywords = {"yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"};
        double prev = 0;
        for (const auto& t : truth) {
            QVERIFY2(keywords.contains(t.word), qPrintable(t.word));
            QVERIFY(t.start >= prev && t.end > t.start && t.end - t.start <= 1.0 && t.end + 1.0 <= 60.0);
            prev = t.end;
        }
    }

    // The end-to-end check: a generated stream through `listen --wav --truth --jsonl`.
    void listenScoresStream()
    {
        if (!m_have_data)
            QSKIP("espeak-ng is not installed (make deps)");
        QStringList args = {"dataset", "stream", "--data", path("synth"), "--split", "test", "-o", path("s.wav"), "--truth", path("s.csv"),
                            "--others", path("o.csv"), "--minutes", "3", "--seed", "6"};
        CliRun r = sstest::runCli(args);
        QVERIFY2(r.exit == 0, show(args, r).constData());
        const int others = readTruth(path("o.csv")).size();
        QVERIFY(others >= 3);
        args = QStringList{"listen", m_model, "--wav", path("s.wav"), "--truth", path("s.csv"), "--others", path("o.csv"), "--jsonl",
                           "--engines", "sparse-sparse,dense"};
        r = sstest::runCli(args, 300000);
        QVERIFY2(r.exit == 0, show(args, r).constData());
        const auto lines = jsonLines(r.out);
        QVERIFY(lines.size() >= 2);
        const QJsonObject summary = lines.last();
        QCOMPARE(summary["type"].toString(), QString("summary"));
        QCOMPARE(summary["stream_s"].toDouble(), 180.0);
        QCOMPARE(summary["hop_ms"].toDouble(), 64.0);
        const QJsonArray engines = summary["engines"].toArray();
        QCOMPARE(engines.size(), 2);
        const int keywords = readTruth(path("s.csv")).size();
        int detections[2] = {0, 0};
        for (int i = 0; i < lines.size() - 1; ++i) {
            const QJsonObject d = lines[i];
            QCOMPARE(d["type"].toString(), QString("detection"));
            QVERIFY(d["time_s"].toDouble() >= 1.0 && d["time_s"].toDouble() <= 180.0);
            QVERIFY(!d["word"].toString().startsWith('_')); // _silence_/_unknown_ never fire
            detections[d["engine"].toString() == "dense" ? 1 : 0]++;
        }
        for (int i = 0; i < 2; ++i) {
            const QJsonObject e = engines[i].toObject();
            QCOMPARE(e["engine"].toString(), QString(i == 0 ? "sparse-sparse" : "dense"));
            QCOMPARE(e["detections"].toInt(), detections[i]);
            QCOMPARE(e["decisions"].toInt() + e["dropped"].toInt(), summary["windows"].toInt());
            const QJsonObject lat = e["latency_ms"].toObject();
            QVERIFY(lat["p50"].toDouble() > 0 && lat["p50"].toDouble() <= lat["p90"].toDouble() && lat["p90"].toDouble() <= lat["p99"].toDouble());
            QVERIFY(e["cpu_share"].toDouble() > 0 && e["cpu_share"].toDouble() < 1);
            const QJsonObject sc = e["score"].toObject();
            const QJsonObject nk = e["non_keywords"].toObject();
            QCOMPARE(nk["utterances"].toInt(), others);
            QVERIFY(nk["false_accepts"].toInt() <= sc["false_positives"].toInt() && nk["false_accepts"].toInt() <= others);
            QCOMPARE(sc["keywords"].toInt(), keywords);
            int per_word_keywords = 0, per_word_detected = 0;
            for (const auto& w : sc["per_word"].toObject()) {
                per_word_keywords += w.toObject()["keywords"].toInt();
                per_word_detected += w.toObject()["detected"].toInt();
            }
            QCOMPARE(per_word_keywords, keywords);
            QCOMPARE(per_word_detected, sc["detected"].toInt());
            // The shipped model on unseen synthetic voices: most keywords found, few false alarms
            // (a model that heard nothing, or fired at random, fails this).
            QVERIFY2(sc["detection_rate"].toDouble() >= 0.5 && sc["fp_per_minute"].toDouble() <= 3.0,
                     qPrintable(QJsonDocument(sc).toJson(QJsonDocument::Compact)));
        }
        QCOMPARE(engines[1].toObject()["agreement_with_sparse-sparse"].toDouble(), 1.0);

        // Text mode prints the same detections, grouped per window, and the tables.
        args.removeAll("--jsonl");
        r = sstest::runCli(args, 300000);
        QVERIFY2(r.exit == 0, show(args, r).constData());
        QVERIFY(r.out.contains("Score (MLPerf Tiny streaming rules) over " + QString::number(keywords) + " keywords"));
        QVERIFY(r.out.contains("p99 ms"));
        QVERIFY(r.out.contains("Per word (sparse-sparse):"));
        QVERIFY(r.out.contains(QString("other words drew a false positive")));
        QCOMPARE(r.out.count("(sparse-sparse "), detections[0]);
    }

    void badInputs_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expect");
        const QString m = m_model;
        QTest::newRow("no source") << QStringList{"listen", m} << "exactly one of --wav FILE or --device NAME";
        QTest::newRow("two sources") << QStringList{"listen", m, "--wav", "x.wav", "--device", "d"} << "exactly one of";
        QTest::newRow("missing wav") << QStringList{"listen", m, "--wav", "/nonexistent/x.wav"} << "/nonexistent/x.wav";
        QTest::newRow("not a model") << QStringList{"listen", "/nonexistent/m.safetensors", "--wav", SS_SOURCE_DIR "/resources/audio/yes.wav"}
                                     << "m.safetensors";
        QTest::newRow("unknown engine") << QStringList{"listen", m, "--wav", SS_SOURCE_DIR "/resources/audio/yes.wav", "--engines", "warp"}
                                        << "Unknown engine 'warp'";
        QTest::newRow("hop 0") << QStringList{"listen", m, "--wav", SS_SOURCE_DIR "/resources/audio/yes.wav", "--hop-ms", "0"} << "--hop-ms";
        QTest::newRow("threshold 1") << QStringList{"listen", m, "--wav", SS_SOURCE_DIR "/resources/audio/yes.wav", "--threshold", "1"}
                                     << "--threshold";
        QTest::newRow("truth missing") << QStringList{"listen", m, "--wav", SS_SOURCE_DIR "/resources/audio/yes.wav", "--truth", "/nonexistent/t.csv"}
                                       << "truth file";
        QTest::newRow("realtime device") << QStringList{"listen", m, "--device", "x", "--realtime"} << "--realtime";
        QTest::newRow("others without truth") << QStringList{"listen", m, "--wav", SS_SOURCE_DIR "/resources/audio/yes.wav", "--others", "o.csv"}
                                              << "--others needs --truth";
        QTest::newRow("enroll without -o") << QStringList{"enroll", m, "--from", "/tmp"} << "-o DIR";
        QTest::newRow("enroll two sources") << QStringList{"enroll", m, "-o", "/tmp/e", "--from", "/tmp", "--device", "d"} << "exactly one of --from";
        QTest::newRow("enroll missing takes") << QStringList{"enroll", m, "-o", "/tmp/e", "--from", "/nonexistent/t"} << "/nonexistent/t";
        QTest::newRow("enroll takes 0") << QStringList{"enroll", m, "-o", "/tmp/e", "--from", "/tmp", "--takes", "0"} << "--takes";
        QTest::newRow("enroll unknown word") << QStringList{"enroll", m, "-o", "/tmp/e", "--device", "x", "--words", "yes,banana"}
                                             << "'banana' is not one of the model's keywords";
        QTest::newRow("stream without data") << QStringList{"dataset", "stream", "-o", "x.wav", "--truth", "x.csv"} << "--data DIR";
        QTest::newRow("stream bad folder") << QStringList{"dataset", "stream", "--data", "/nonexistent", "-o", "/tmp/x.wav", "--truth", "/tmp/x.csv"}
                                           << "/nonexistent";
        QTest::newRow("stream minutes") << QStringList{"dataset", "stream", "--data", "/tmp", "-o", "/tmp/x.wav", "--truth", "/tmp/x.csv", "--minutes", "-1"}
                                        << "--minutes";
    }

    void badInputs()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expect);
        const CliRun r = sstest::runCli(args);
        QVERIFY2(r.exit == 2, show(args, r).constData());
        const QString err = r.err.trimmed();
        QVERIFY2(err.startsWith("sparsescope-cli: ") && !err.contains('\n') && err.contains(expect), show(args, r).constData());
    }

    // A truth file that is not CSV: one sentence naming the line.
    void badTruthFile()
    {
        QFile f(path("bad.csv"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("word,start_s,end_s\nyes,1.0\n");
        f.close();
        const QStringList args = {"listen", m_model, "--wav", SS_SOURCE_DIR "/resources/audio/yes.wav", "--truth", path("bad.csv")};
        const CliRun r = sstest::runCli(args);
        QVERIFY2(r.exit == 2 && r.err.contains("line 2"), show(args, r).constData());
    }

    // Ctrl-C (SIGINT) during a real-time run ends it cleanly, with the summary.
    void ctrlCEndsWithSummary()
    {
        const QStringList args = {"listen", m_model, "--wav", SS_SOURCE_DIR "/resources/audio/yes.wav", "--realtime", "--jsonl",
                                  "--engines", "sparse-sparse"};
        // A 1 s clip is too short to interrupt: play a 20 s file.
        QFile in(SS_SOURCE_DIR "/resources/audio/yes.wav");
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray clip = in.readAll();
        QFile out(path("long.wav"));
        QVERIFY(out.open(QIODevice::WriteOnly));
        // The same 16-bit mono clip 20 times: header of the first, data sizes patched.
        const QByteArray pcm = clip.mid(44);
        QByteArray wav = clip.left(44);
        for (int i = 0; i < 20; ++i)
            wav += pcm;
        const quint32 data_bytes = quint32(pcm.size() * 20), riff = data_bytes + 36;
        memcpy(wav.data() + 4, &riff, 4);
        memcpy(wav.data() + 40, &data_bytes, 4);
        out.write(wav);
        out.close();
        QStringList a = args;
        a[3] = path("long.wav");
        QProcess p;
        p.start(QStringLiteral(SS_CLI_PATH), a);
        QVERIFY(p.waitForStarted());
        // Interrupt once it is streaming: the clip's word is detected about every second.
        QByteArray said;
        QTRY_VERIFY_WITH_TIMEOUT((said += p.readAllStandardOutput()).contains("\"detection\""), 30000);
        QCOMPARE(p.state(), QProcess::Running);
        ::kill(pid_t(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        const auto lines = jsonLines(QString::fromUtf8(said + p.readAllStandardOutput()));
        QVERIFY(!lines.isEmpty());
        const QJsonObject summary = lines.last();
        QCOMPARE(summary["type"].toString(), QString("summary"));
        QCOMPARE(summary["cancelled"].toBool(), true);
        QVERIFY2(summary["stream_s"].toDouble() > 1.0 && summary["stream_s"].toDouble() < 19, QJsonDocument(summary).toJson().constData());
        QCOMPARE(summary["clock"].toString(), QString("wall"));
    }

    // The sound server goes away while listening (as an unplugged USB microphone does): one
    // sentence, the summary of what was heard, exit 1.
    void deviceLost()
    {
        if (const QString why = PulseServer::missing(); !why.isEmpty())
            QSKIP(qPrintable(why));
        PulseServer pulse;
        QVERIFY(pulse.start());
        const auto& env = pulse.env();
        QProcess listen;
        listen.setProcessEnvironment(env);
        listen.start(QStringLiteral(SS_CLI_PATH), {"listen", m_model, "--device", "virtmic", "--seconds", "60", "--engines", "sparse-sparse"});
        QByteArray err;
        QTRY_VERIFY_WITH_TIMEOUT((err += listen.readAllStandardError()).contains("Listening to"), 20000);
        QTest::qWait(1500);
        QCOMPARE(pulse.tool("pulseaudio", {"--kill"}), 0);
        QVERIFY(listen.waitForFinished(20000));
        err += listen.readAllStandardError();
        const QString out = QString::fromUtf8(listen.readAllStandardOutput());
        // a crash reports its signal as the exit code: say which, with what the CLI said before it
        QVERIFY2(listen.exitStatus() == QProcess::NormalExit,
                 qPrintable(QString("the CLI crashed (signal %1); stderr: %2").arg(listen.exitCode()).arg(QString::fromUtf8(err))));
        QCOMPARE(listen.exitCode(), 1);
        QVERIFY2(err.contains("sparsescope-cli: The audio device 'Remapped Monitor of Null Output' stopped working"), err.constData());
        QVERIFY2(out.contains("s of audio") && out.contains("sparse-sparse"), qPrintable(out)); // the summary
    }

    // No sound server at all: one clear sentence, exit 2.
    void noDevice()
    {
        QTemporaryDir runtime;
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_RUNTIME_DIR", runtime.path()); // no PulseAudio socket here
        env.insert("PULSE_SERVER", "unix:" + runtime.filePath("nothing"));
        env.insert("PULSE_NO_SPAWN", "1"); // do not autospawn a server
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(SS_CLI_PATH), {"listen", m_model, "--device", "default", "--seconds", "1"});
        QVERIFY(p.waitForFinished(60000));
        const QString err = QString::fromUtf8(p.readAllStandardError()).trimmed();
        QVERIFY2(p.exitCode() == 2 && err == "sparsescope-cli: No audio input device was found (no sound server running, or no microphone).",
                 qPrintable(err));
    }

    // The real capture path: a private PulseAudio server, a virtual microphone fed by paplay, and
    // `listen --device` must recognise the words of the stream played into it.
    void captureThroughPulseAudio()
    {
        if (!m_have_data)
            QSKIP("espeak-ng is not installed (make deps)");
        if (const QString why = PulseServer::missing(); !why.isEmpty())
            QSKIP(qPrintable(why));
        PulseServer pulse;
        QVERIFY(pulse.start());
        const auto& env = pulse.env();

        QStringList args = {"dataset", "stream", "--data", path("synth"), "--split", "test", "-o", path("p.wav"), "--truth", path("p.csv"),
                            "--minutes", "0.5", "--seed", "8"};
        const CliRun made = sstest::runCli(args);
        QVERIFY2(made.exit == 0, show(args, made).constData());
        const auto truth = readTruth(path("p.csv"));
        QVERIFY(truth.size() >= 4);

        QProcess listen;
        listen.setProcessEnvironment(env);
        listen.start(QStringLiteral(SS_CLI_PATH), {"listen", m_model, "--device", "virtmic", "--seconds", "38", "--jsonl", "--engines",
                                                   "sparse-sparse,dense"});
        QVERIFY(listen.waitForStarted());
        // Play once listen is capturing (it says so on stderr).
        QByteArray said;
        QTRY_VERIFY_WITH_TIMEOUT((said += listen.readAllStandardError()).contains("Listening to"), 20000);
        QProcess play;
        play.setProcessEnvironment(env);
        play.start("paplay", {"-d", "virt", path("p.wav")});
        QVERIFY(play.waitForFinished(60000));
        QVERIFY(listen.waitForFinished(60000));
        QCOMPARE(listen.exitCode(), 0);
        const auto lines = jsonLines(QString::fromUtf8(listen.readAllStandardOutput()));
        QVERIFY(!lines.isEmpty() && lines.last()["type"].toString() == "summary");
        const QJsonObject summary = lines.last();
        QVERIFY2(summary["source"].toString() == "device virtmic" && summary["clock"].toString() == "wall",
                 QJsonDocument(summary).toJson().constData());
        // Real time on a shared machine: a window may be dropped when the process was not scheduled in
        // time, but every window is accounted for and most are decided.
        for (const auto& e : summary["engines"].toArray()) {
            const QJsonObject o = e.toObject();
            QVERIFY2(o["decisions"].toInt() + o["dropped"].toInt() == summary["windows"].toInt() &&
                         o["decisions"].toInt() >= summary["windows"].toInt() / 2,
                     QJsonDocument(summary).toJson().constData());
        }

        // The capture started before playback by an unknown delay: score at the best offset.
        QList<QPair<QString, double>> dets;
        for (const auto& o : lines)
            if (o["type"].toString() == "detection" && o["engine"].toString() == "sparse-sparse")
                dets.push_back({o["word"].toString(), o["time_s"].toDouble()});
        int best = 0;
        for (double off = 0; off < 8.0; off += 0.02) {
            int hits = 0;
            for (const auto& t : truth)
                for (const auto& d : dets)
                    if (d.first == t.word && d.second >= t.start + off && d.second <= t.end + off + 1.0) {
                        ++hits;
                        break;
                    }
            best = std::max(best, hits);
        }
        QVERIFY2(best >= int(std::ceil(0.6 * truth.size())) && dets.size() <= truth.size() + 3,
                 qPrintable(QString("%1 of %2 keywords recognised through the virtual microphone; %3 detections")
                                .arg(best).arg(truth.size()).arg(dets.size())));
    }

    // enroll --from: a folder of takes (here a synthetic set) becomes an enrollment the reader and
    // eval load; too few takes per keyword and an existing folder are refused.
    void enrollFromFolder()
    {
        if (!m_have_data)
            QSKIP("espeak-ng is not installed (make deps)");
        QStringList args = {"enroll", m_model, "--from", path("synth"), "-o", path("enr"), "--takes", "1", "--others", "2", "--speaker", "syn"};
        CliRun r = sstest::runCli(args);
        QVERIFY2(r.exit == 0 && r.out.startsWith("Enrolled ") && r.out.contains("train --init"), show(args, r).constData());
        QVERIFY(QFile::exists(path("enr/yes/syn_nohash_0.wav")) && QFile::exists(path("enr/enrollment.json")));
        const QJsonObject manifest = QJsonDocument::fromJson([&] {
                                         QFile f(path("enr/enrollment.json"));
                                         return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
                                     }()).object();
        QCOMPARE(manifest["speaker"].toString(), QString("syn"));
        QCOMPARE(manifest["train_takes"].toInt(), 1);
        args = {"eval", m_model, "--data", path("enr"), "--split", "test", "--engines", "sparse-sparse,dense", "--json", path("enr.json")};
        r = sstest::runCli(args);
        QVERIFY2(r.exit == 0 && r.out.contains("keyword recall"), show(args, r).constData());
        // The same folder again: refused, untouched.
        args = {"enroll", m_model, "--from", path("synth"), "-o", path("enr"), "--takes", "1"};
        r = sstest::runCli(args);
        QVERIFY2(r.exit == 2 && r.err.contains("already exists"), show(args, r).constData());
        // More takes asked for training than there are.
        args = {"enroll", m_model, "--from", path("synth"), "-o", path("enr2"), "--takes", "100"};
        r = sstest::runCli(args);
        QVERIFY2(r.exit == 2 && r.err.contains("too few for: yes") && !QFileInfo::exists(path("enr2")), show(args, r).constData());
    }

    // enroll --device through the virtual microphone: prompts on the terminal, every take recorded
    // and trimmed, the folder written and readable.
    void enrollThroughPulseAudio()
    {
        if (!m_have_data)
            QSKIP("espeak-ng is not installed (make deps)");
        if (const QString why = PulseServer::missing(); !why.isEmpty())
            QSKIP(qPrintable(why));
        // Continuous speech (clips back to back), so that every take hears a word.
        std::vector<float> speech;
        QStringList clips;
        for (const char* word : {"yes", "no"})
            for (const QString& name : QDir(path(QString("synth/") + word)).entryList({"*.wav"}))
                clips.push_back(path(QString("synth/") + word + "/" + name));
        for (const QString& clip : clips.mid(0, 40)) {
            auto c = ss::readWav(clip.toStdString());
            QVERIFY(c.isOk());
            speech.insert(speech.end(), c->samples.begin(), c->samples.end());
        }
        QVERIFY(speech.size() >= 30 * 16000);
        QVERIFY(ss::writeWav(path("speech.wav").toStdString(), speech, 16000).isOk());
        PulseServer pulse;
        QVERIFY(pulse.start());
        QProcess enroll;
        enroll.setProcessEnvironment(pulse.env());
        enroll.start(QStringLiteral(SS_CLI_PATH), {"enroll", m_model, "--device", "virtmic", "-o", path("mic"), "--words", "yes,no", "--takes", "1",
                                                   "--held-back", "1", "--others", "1", "--others-held-back", "0", "--take-seconds", "1.5",
                                                   "--background-seconds", "1", "--countdown", "0.2"});
        QVERIFY(enroll.waitForStarted());
        QByteArray said;
        QTRY_VERIFY_WITH_TIMEOUT((said += enroll.readAllStandardError()).contains("Enrolling on"), 20000);
        QProcess play;
        play.setProcessEnvironment(pulse.env());
        play.start("paplay", {"-d", "virt", path("speech.wav")});
        const bool finished = enroll.waitForFinished(60000);
        play.kill();
        play.waitForFinished();
        said += enroll.readAllStandardError();
        const QString out = QString::fromUtf8(enroll.readAllStandardOutput());
        QVERIFY2(finished && enroll.exitCode() == 0, said.constData());
        for (const char* prompt : {"Stay quiet for 1.0 s", "Say 'yes' (take 1 of 2)", "Say 'yes' (take 2 of 2)", "Say 'no' (take 2 of 2)",
                                   "Say any other word (not a keyword) (take 1 of 1)", "heard: word"})
            QVERIFY2(said.contains(prompt), said.constData());
        QVERIFY2(out.startsWith("Enrolled 5 takes of 3 words (3 train, 0 validation, 2 test)"), qPrintable(out));
        for (const char* f : {"mic/yes/me_nohash_0.wav", "mic/yes/me_nohash_1.wav", "mic/no/me_nohash_1.wav", "mic/other/me_nohash_0.wav",
                              "mic/_background_noise_/room.wav"})
            QVERIFY2(QFile::exists(path(f)), f);
        ss::WavInfo info;
        QVERIFY(ss::readWav(path("mic/no/me_nohash_0.wav").toStdString(), &info).isOk() && info.frames == 16000);
        const QStringList args = {"eval", m_model, "--data", path("mic"), "--split", "test", "--engines", "sparse-sparse"};
        const CliRun r = sstest::runCli(args);
        QVERIFY2(r.exit == 0, show(args, r).constData());
    }
};

QTEST_GUILESS_MAIN(TestListen)
#include "tst_listen.moc"
