// sparsescope-cli end to end: the real binary, run with QProcess in a temporary folder, on a model
// it synthesises, feature tensors, clips in odd formats and a tiny Speech-Commands-layout tree.
// Checks exit codes (0 ok, 2 bad input), the one-line error sentences and the JSON/CSV it writes.
#include "audio/wav.h"
#include "engines/engine.h"
#include "model/model_io.h"
#include "model/npy.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <sndfile.h>

#include <cmath>
#include <fstream>
#include <numbers>
#include <random>

namespace {

struct Run {
    int exit = -1;
    QByteArray out, err;
    bool finished = false;
};

std::vector<float> tone(double freq, double seconds, int rate, double amplitude = 0.4)
{
    std::vector<float> x(size_t(std::lround(seconds * rate)));
    for (size_t i = 0; i < x.size(); ++i)
        x[i] = float(amplitude * std::sin(2.0 * std::numbers::pi * freq * double(i) / rate));
    return x;
}

bool writeBytes(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

bool writeStereo(const QString& path, int rate, double seconds)
{
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = 2;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE* f = sf_open(path.toStdString().c_str(), SFM_WRITE, &info);
    if (!f)
        return false;
    const auto l = tone(440, seconds, rate), r = tone(660, seconds, rate);
    std::vector<float> inter(l.size() * 2);
    for (size_t i = 0; i < l.size(); ++i) {
        inter[2 * i] = l[i];
        inter[2 * i + 1] = r[i];
    }
    const bool ok = sf_writef_float(f, inter.data(), sf_count_t(l.size())) == sf_count_t(l.size());
    return sf_close(f) == 0 && ok;
}

// Every file below a folder, relative, sorted: "nothing was written" is this list not changing.
QStringList tree(const QString& dir)
{
    QStringList files;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << QDir(dir).relativeFilePath(it.next());
    files.sort();
    return files;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_model;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    Run run(const QStringList& args, int timeout_ms = 60000) const
    {
        QProcess p;
        p.setWorkingDirectory(m_dir.path());
        p.start(QStringLiteral(SS_CLI_PATH), args);
        Run r;
        if (!p.waitForStarted(10000))
            return r;
        r.finished = p.waitForFinished(timeout_ms);
        if (!r.finished) {
            p.kill();
            p.waitForFinished(5000);
            return r;
        }
        r.out = p.readAllStandardOutput();
        r.err = p.readAllStandardError();
        r.exit = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        return r;
    }

    static QByteArray show(const QStringList& args, const Run& r)
    {
        return "sparsescope-cli " + args.join(' ').toUtf8() + " -> exit " + QByteArray::number(r.exit) + "\nstderr: " + r.err +
               "\nstdout: " + r.out.left(2000);
    }

    static QJsonObject parseObject(const QByteArray& bytes, bool* ok)
    {
        QJsonParseError e{};
        const auto doc = QJsonDocument::fromJson(bytes, &e);
        *ok = e.error == QJsonParseError::NoError && doc.isObject();
        return doc.object();
    }

    // A tiny tree in Speech Commands layout: 5 keywords and 2 unknown words, 3 takes each
    // (2 listed for test, 1 for validation), and background noise for _silence_.
    bool makeDataset(const QString& root, bool with_lists = true)
    {
        const QStringList words = {"yes", "no", "up", "down", "left", "bird", "tree"};
        const QStringList speakers = {"aaaa1111", "bbbb2222", "cccc3333"};
        QDir().mkpath(root + "/_background_noise_");
        QString testing, validation;
        int w = 0;
        for (const auto& word : words) {
            QDir().mkpath(root + "/" + word);
            for (int s = 0; s < speakers.size(); ++s) {
                const QString rel = word + "/" + speakers[s] + "_nohash_0.wav";
                auto x = tone(200.0 + 150.0 * w + 40.0 * s, 1.0, 16000, 0.2 + 0.1 * s);
                if (!ss::writeWav((root + "/" + rel).toStdString(), x, 16000).isOk())
                    return false;
                (s == 2 ? validation : testing) += rel + "\n";
            }
            ++w;
        }
        std::mt19937 rng(3);
        std::uniform_real_distribution<float> u(-0.3f, 0.3f);
        std::vector<float> noise(16000 * 3);
        for (auto& v : noise)
            v = u(rng);
        if (!ss::writeWav((root + "/_background_noise_/white_noise.wav").toStdString(), noise, 16000).isOk())
            return false;
        if (!with_lists)
            return true;
        return writeBytes(root + "/testing_list.txt", testing.toUtf8()) && writeBytes(root + "/validation_list.txt", validation.toUtf8());
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFileInfo::exists(SS_CLI_PATH), SS_CLI_PATH);
        m_model = path("m.safetensors");
        const QStringList args = {"synth", "-o", "m.safetensors"};
        const Run r = run(args);
        QVERIFY2(r.exit == 0, show(args, r).constData());
        QVERIFY(r.out.contains("m.safetensors"));
        QVERIFY(QFileInfo(m_model).size() > 1000000);

        // Inputs: a feature tensor, and clips that must be resampled, downmixed, padded or cut.
        ss::Tensor x({1, 32, 32});
        std::mt19937 rng(1);
        std::normal_distribution<float> nd(0.0f, 1.0f);
        for (auto& v : x.data)
            v = nd(rng);
        QVERIFY(ss::writeNpy(path("x.npy").toStdString(), x).isOk());
        QVERIFY(ss::writeWav(path("tone8k.wav").toStdString(), tone(440, 0.7, 8000), 8000).isOk());
        QVERIFY(ss::writeWav(path("long16k.wav").toStdString(), tone(1000, 1.6, 16000), 16000).isOk());
        QVERIFY(writeStereo(path("stereo44k.wav"), 44100, 0.5));
        QVERIFY(makeDataset(path("gsc")));

        // Bad inputs.
        QFile model(m_model);
        QVERIFY(model.open(QIODevice::ReadOnly));
        const QByteArray bytes = model.readAll();
        QVERIFY(writeBytes(path("trunc.safetensors"), bytes.left(100)));
        QByteArray garbage(5000, '\0');
        for (auto& c : garbage)
            c = char(rng());
        QVERIFY(writeBytes(path("garbage.safetensors"), garbage));
        auto m = ss::loadModel(m_model.toStdString());
        QVERIFY(m.isOk());
        for (auto& L : m->layers)
            if (L.name == "cnn1") {
                L.weight.shape = {64, 1, 5, 4};
                L.weight.data.resize(64 * 20);
            }
        const auto shaped = ss::modelToBytes(*m);
        QVERIFY(writeBytes(path("shapes.safetensors"), QByteArray(reinterpret_cast<const char*>(shaped.data()), qsizetype(shaped.size()))));
        QVERIFY(writeBytes(path("text.wav"), "This is not a WAV file, only text with a .wav name.\n"));
        QVERIFY(ss::writeNpy(path("small.npy").toStdString(), ss::Tensor({10, 10}, 0.5f)).isOk());
        // Issue 20: inputs that used to abort, hang or overflow the stack.
        QVERIFY(QDir(m_dir.path()).mkdir("folder.npy"));
        QVERIFY(ss::writeWav(path("1hz.wav").toStdString(), std::vector<float>(2000, 0.1f), 1).isOk());
        QVERIFY(ss::writeWav(path("header-only.wav").toStdString(), {}, 16000).isOk());
        auto withArch = [&](const QString& name, const std::string& from, const std::string& to) {
            auto st = ss::parseSafeTensors(std::vector<uint8_t>(bytes.begin(), bytes.end()), "m");
            if (!st)
                return false;
            std::string& arch = st->metadata["sparsescope"];
            const size_t at = arch.find(from);
            if (at == std::string::npos)
                return false;
            arch.replace(at, from.size(), to);
            const auto out = ss::serializeSafeTensors(*st);
            return writeBytes(path(name), QByteArray(reinterpret_cast<const char*>(out.data()), qsizetype(out.size())));
        };
        QVERIFY(withArch("pad.safetensors", "\"padding\":0", "\"padding\":2147483647"));
        QVERIFY(withArch("deep.safetensors", "\"info\":",
                         "\"info\":{\"deep\":" + std::string(100000, '[') + std::string(100000, ']') + "},\"x\":"));
        QVERIFY(withArch("dilated.safetensors", "\"padding\":0", "\"dilation\":2,\"padding\":0"));
        QVERIFY(makeDataset(path("nolists"), false));
    }

    void help_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("top level") << QStringList{"--help"} << "Commands:";
        QTest::newRow("help word") << QStringList{"help"} << "Commands:";
        QTest::newRow("info") << QStringList{"info", "--help"} << "--json";
        QTest::newRow("synth") << QStringList{"synth", "--help"} << "--weight-density";
        QTest::newRow("infer") << QStringList{"infer", "--help"} << "--engine";
        QTest::newRow("eval") << QStringList{"eval", "--help"} << "--data";
        QTest::newRow("bench") << QStringList{"bench", "--help"} << "--seconds";
        QTest::newRow("version") << QStringList{"--version"} << "sparsescope-cli";
        QTest::newRow("dataset") << QStringList{"dataset", "--help"} << "synth";
        QTest::newRow("dataset synth") << QStringList{"dataset", "synth", "--help"} << "--clips";
    }
    void help()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        const Run r = run(args);
        QVERIFY2(r.exit == 0, show(args, r).constData());
        QVERIFY2(r.out.contains(mentions.toUtf8()), show(args, r).constData());
        QVERIFY2(r.err.isEmpty(), show(args, r).constData());
    }

    void noCommandIsUsageError()
    {
        const Run r = run({});
        QCOMPARE(r.exit, 2);
        QVERIFY(r.out.contains("Usage"));
    }

    void infoTable()
    {
        const QStringList args = {"info", "m.safetensors"};
        const Run r = run(args);
        QVERIFY2(r.exit == 0, show(args, r).constData());
        for (const char* s : {"cnn1", "cnn2", "linear1", "output", "UNTRAINED", "13.11M", "1200 (1200)", "shared"})
            QVERIFY2(r.out.contains(s), (QByteArray("missing ") + s + "\n" + show(args, r)).constData());
        QVERIFY(r.err.isEmpty());
    }

    void infoWarnings()
    {
        // independent random masks: weight-sparse layers with no complementary groups
        const QStringList synth = {"synth", "--masks", "random", "-o", "random-masks.safetensors"};
        const Run s = run(synth);
        QVERIFY2(s.exit == 0, show(synth, s).constData());
        const QStringList args = {"info", "random-masks.safetensors"};
        const Run r = run(args);
        QVERIFY2(r.exit == 0, show(args, r).constData());
        QVERIFY2(r.out.contains("Warnings:"), show(args, r).constData());
        for (const char* layer : {"'cnn2' is weight-sparse (w = 0.1) without complementary groups", "'linear1' is weight-sparse"})
            QVERIFY2(r.out.contains(layer), (QByteArray("missing ") + layer + "\n" + show(args, r)).constData());
        const Run j = run({"info", "--json", "random-masks.safetensors"});
        bool ok = false;
        const QJsonArray w = parseObject(j.out, &ok)["warnings"].toArray();
        QVERIFY(ok);
        QVERIFY(w.size() >= 4); // untrained + three sparse layers without groups
        QVERIFY(w.first().toString().startsWith("Untrained model"));
    }

    void infoJson()
    {
        const QStringList args = {"info", "--json", "m.safetensors"};
        const Run r = run(args);
        QVERIFY2(r.exit == 0, show(args, r).constData());
        bool ok = false;
        const QJsonObject j = parseObject(r.out, &ok);
        QVERIFY2(ok, r.out.left(500).constData());
        QVERIFY(std::abs(j["macs_dense"].toDouble() - 13.1e6) < 0.05e6);
        QCOMPARE(j["macs_dense"].toDouble(), 13106400.0);
        QVERIFY(j["macs_bound"].toDouble() > 0 && j["macs_bound"].toDouble() < j["macs_dense"].toDouble() / 10);
        QCOMPARE(j["trained"].toBool(true), false);
        QCOMPARE(j["classes"].toArray().size(), 12);
        const QJsonArray layers = j["layers"].toArray();
        QCOMPARE(layers.size(), 14);
        double sum = 0;
        for (const auto& l : layers) {
            const QJsonObject o = l.toObject();
            sum += o["macs_dense"].toDouble();
            if (o["name"].toString() == "cnn2") {
                QCOMPARE(o["group_size"].toInt(), 10);
                QCOMPARE(o["routes"].toString(), QString("shared"));
                QCOMPARE(o["macs_dense"].toDouble(), 10240000.0);
            }
        }
        QCOMPARE(sum, 13106400.0);
    }

    void inferEnginesAgree_data()
    {
        QTest::addColumn<QString>("input");
        QTest::newRow("npy features") << "x.npy";
        QTest::newRow("0.7 s at 8 kHz (resample, pad)") << "tone8k.wav";
        QTest::newRow("1.6 s at 16 kHz (cut)") << "long16k.wav";
        QTest::newRow("stereo 44.1 kHz (downmix)") << "stereo44k.wav";
    }
    void inferEnginesAgree()
    {
        QFETCH(QString, input);
        QString first_class;
        QList<double> first_logits;
        QStringList engines;
        // The fp32 engines ("all") and the scalar reference; approximate engines outside the default
        // set (int8 q8) are held to their own tolerances in tst_engines, not to "same class".
        for (const auto& e : ss::engineNames(true))
            engines << QString::fromStdString(e);
        if (ss::findEngine("reference"))
            engines << "reference";
        QVERIFY(engines.contains("dense") && engines.contains("sparse-sparse"));
        for (const auto& engine : engines) {
            const QStringList args = {"infer", "m.safetensors", input, "--engine", engine};
            const Run r = run(args);
            QVERIFY2(r.exit == 0, show(args, r).constData());
            bool ok = false;
            const QJsonObject j = parseObject(r.out, &ok);
            QVERIFY2(ok, show(args, r).constData());
            QCOMPARE(j["engine"].toString(), engine);
            QCOMPARE(j["model_trained"].toBool(true), false);
            const QJsonArray logits = j["logits"].toArray();
            QCOMPARE(logits.size(), 12);
            const QJsonArray classes = j["classes"].toArray();
            QCOMPARE(classes.size(), 12);
            const int idx = j["class_index"].toInt(-1);
            QVERIFY(idx >= 0 && idx < 12);
            QCOMPARE(j["class"].toString(), classes[idx].toString());
            // The class is the argmax, and the logits are log-probabilities (LogSoftmax).
            double best = -1e300, mass = 0;
            int argmax = -1;
            QList<double> values;
            for (int i = 0; i < 12; ++i) {
                const double v = logits[i].toDouble();
                values << v;
                mass += std::exp(v);
                if (v > best) {
                    best = v;
                    argmax = i;
                }
            }
            QCOMPARE(argmax, idx);
            QVERIFY2(std::abs(mass - 1.0) < 1e-4, show(args, r).constData());
            if (first_class.isEmpty()) {
                first_class = j["class"].toString();
                first_logits = values;
            } else {
                QVERIFY2(j["class"].toString() == first_class,
                         qPrintable(engine + " says " + j["class"].toString() + ", " + engines[0] + " says " + first_class));
                for (int i = 0; i < 12; ++i)
                    QVERIFY2(std::abs(values[i] - first_logits[i]) <= 1e-3 * std::max(1.0, std::abs(first_logits[i])),
                             qPrintable(engine + QString(": logit %1 is %2, %3 gives %4").arg(i).arg(values[i]).arg(engines[0]).arg(first_logits[i])));
            }
        }
    }

    void evalTinyDataset()
    {
        const QStringList args = {"eval", "m.safetensors", "--data", "gsc", "--engines", "dense,sparse-sparse", "--json", "r.json"};
        const Run r = run(args);
        QVERIFY2(r.exit == 0, show(args, r).constData());
        QVERIFY2(r.out.contains("untrained"), show(args, r).constData());
        QFile f(path("r.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        bool ok = false;
        const QJsonObject j = parseObject(f.readAll(), &ok);
        QVERIFY(ok);
        // 7 words x 2 test clips, plus _silence_ windows (10% of them, at least one).
        const int clips = j["clips"].toInt();
        QCOMPARE(clips, 14 + 2);
        QCOMPARE(j["split"].toString(), QString("test"));
        QCOMPARE(j["agreement"].toDouble(), 1.0);
        const QJsonArray classes = j["classes"].toArray();
        QCOMPARE(classes.size(), 12);
        const QJsonArray engines = j["engines"].toArray();
        QCOMPARE(engines.size(), 2);
        QCOMPARE(engines[0].toObject()["engine"].toString(), QString("dense"));
        QCOMPARE(engines[1].toObject()["engine"].toString(), QString("sparse-sparse"));
        auto classIndex = [&](const char* name) {
            for (int i = 0; i < classes.size(); ++i)
                if (classes[i].toString() == QLatin1String(name))
                    return i;
            return -1;
        };
        QList<QJsonArray> confusions;
        for (const auto& e : engines) {
            const QJsonObject o = e.toObject();
            const QJsonArray conf = o["confusion"].toArray();
            QCOMPARE(conf.size(), 12);
            int total = 0, correct = 0;
            QList<int> per_class;
            for (int t = 0; t < 12; ++t) {
                const QJsonArray row = conf[t].toArray();
                QCOMPARE(row.size(), 12);
                int row_sum = 0;
                for (int p = 0; p < 12; ++p)
                    row_sum += row[p].toInt();
                per_class << row_sum;
                total += row_sum;
                correct += row[t].toInt();
            }
            QCOMPARE(total, clips);
            QVERIFY(std::abs(o["accuracy"].toDouble() - double(correct) / clips) < 1e-12);
            // True labels: 2 per keyword, 4 unknown (bird, tree), the rest silence.
            for (const char* kw : {"yes", "no", "up", "down", "left"})
                QCOMPARE(per_class[classIndex(kw)], 2);
            QCOMPARE(per_class[classIndex("_unknown_")], 4);
            QCOMPARE(per_class[classIndex("_silence_")], 2);
            QCOMPARE(per_class[classIndex("go")], 0);
            confusions << conf;
        }
        // All engines agree, so their confusion matrices are the same.
        QCOMPARE(confusions[0], confusions[1]);
    }

    void bench()
    {
        const QStringList args = {"bench", "m.safetensors", "--engines", "dense,sparse-sparse", "--seconds", "0.5",
                                  "--json", "b.json", "--csv", "b.csv"};
        const Run r = run(args);
        QVERIFY2(r.exit == 0, show(args, r).constData());
        QFile f(path("b.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        bool ok = false;
        const QJsonObject j = parseObject(f.readAll(), &ok);
        QVERIFY(ok);
        QVERIFY(j["context"].isObject());
        QVERIFY(!j["context"].toObject().isEmpty());
        const QJsonArray benchmarks = j["benchmarks"].toArray();
        QCOMPARE(benchmarks.size(), 2);
        QStringList seen;
        for (const auto& b : benchmarks) {
            const QJsonObject o = b.toObject();
            for (const char* key : {"engine", "device", "batch", "threads", "items_per_second", "latency_ms", "macs_dense",
                                    "macs_executed", "macs_bound", "energy_j_per_item", "energy_source", "layers"})
                QVERIFY2(o.contains(key), qPrintable(QString("benchmark entry lacks '%1'").arg(key)));
            seen << o["engine"].toString();
            QCOMPARE(o["device"].toString(), QString("cpu"));
            QCOMPARE(o["batch"].toInt(), 1);
            QCOMPARE(o["threads"].toInt(), 1);
            QVERIFY(o["items_per_second"].toDouble() > 0);
            const QJsonObject lat = o["latency_ms"].toObject();
            const double p50 = lat["p50"].toDouble(-1), p90 = lat["p90"].toDouble(-1), p99 = lat["p99"].toDouble(-1);
            QVERIFY2(p50 > 0 && p50 <= p90 && p90 <= p99, qPrintable(QString("latency %1 %2 %3").arg(p50).arg(p90).arg(p99)));
            QCOMPARE(o["macs_dense"].toDouble(), 13106400.0);
            QVERIFY(o["macs_executed"].toDouble() > 0 && o["macs_executed"].toDouble() <= o["macs_dense"].toDouble());
            QVERIFY(o["macs_bound"].toDouble() > 0 && o["macs_bound"].toDouble() <= o["macs_executed"].toDouble());
            QVERIFY(o["energy_j_per_item"].toDouble() > 0);
            QVERIFY(QStringList({"measured", "estimated", "modelled"}).contains(o["energy_source"].toString()));
            QVERIFY(!o["layers"].toArray().isEmpty());
        }
        QCOMPARE(seen, (QStringList{"dense", "sparse-sparse"}));
        // The dense engine multiplies every weight; sparse-sparse does a small fraction of that.
        QCOMPARE(benchmarks[0].toObject()["macs_executed"].toDouble(), 13106400.0);
        QVERIFY(benchmarks[1].toObject()["macs_executed"].toDouble() < 0.2 * 13106400.0);

        QFile csv(path("b.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
        QVERIFY(lines.size() >= 3);
        QVERIFY(lines[0].contains("engine") && lines[0].contains("items_per_second"));
        const int columns = int(lines[0].count(',')) + 1;
        QVERIFY(columns > 5);
        int engine_rows = 0;
        for (const auto& l : lines.mid(1)) {
            engine_rows += l.startsWith("engine,");
            QVERIFY2(!l.isEmpty(), "empty CSV line");
        }
        QCOMPARE(engine_rows, 2);
    }

    void badInputs_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expect"); // part of the one-line error
        QTest::addColumn<int>("exitCode");

        const QStringList bench_out = {"--seconds", "0.2", "--json", "o.json", "--csv", "o.csv"};
        QTest::newRow("truncated model (info)") << QStringList{"info", "trunc.safetensors"} << "trunc.safetensors" << 2;
        QTest::newRow("truncated model (bench)") << (QStringList{"bench", "trunc.safetensors", "--engines", "dense"} + bench_out)
                                                 << "trunc.safetensors" << 2;
        QTest::newRow("garbage model (infer)") << QStringList{"infer", "garbage.safetensors", "x.npy"} << "garbage.safetensors" << 2;
        QTest::newRow("garbage model (eval)") << QStringList{"eval", "garbage.safetensors", "--data", "gsc", "--json", "o.json"}
                                              << "garbage.safetensors" << 2;
        QTest::newRow("wrong shapes (info)") << QStringList{"info", "shapes.safetensors"}
                                             << "Tensor 'cnn1.weight' has shape [64, 1, 5, 4] but layer 'cnn1' needs [64, 1, 5, 5]" << 2;
        QTest::newRow("wrong shapes (bench)") << (QStringList{"bench", "shapes.safetensors", "--engines", "dense"} + bench_out)
                                              << "cnn1.weight" << 2;
        QTest::newRow("missing model") << QStringList{"info", "absent.safetensors"} << "absent.safetensors" << 2;
        QTest::newRow("infer a text file named .wav") << QStringList{"infer", "m.safetensors", "text.wav"} << "text.wav" << 2;
        QTest::newRow("infer a .npy of the wrong size") << QStringList{"infer", "m.safetensors", "small.npy"}
                                                        << "holds 100 values" << 2;
        QTest::newRow("infer a missing input") << QStringList{"infer", "m.safetensors", "absent.wav"} << "absent.wav" << 2;
        QTest::newRow("infer unknown engine") << QStringList{"infer", "m.safetensors", "x.npy", "--engine", "warp"} << "warp" << 2;
        QTest::newRow("infer without input") << QStringList{"infer", "m.safetensors"} << "infer takes MODEL and INPUT" << 2;
        // Issue 20: each of these used to abort (134), segfault (139) or hang.
        QTest::newRow("infer --engine all") << QStringList{"infer", "m.safetensors", "x.npy", "--engine", "all"}
                                            << "infer runs one engine but --engine 'all' names" << 2;
        QTest::newRow("infer --engine dense,csr") << QStringList{"infer", "m.safetensors", "x.npy", "--engine", "dense,csr"}
                                                  << "infer runs one engine but --engine 'dense,csr' names 2" << 2;
        QTest::newRow("infer a folder named .npy") << QStringList{"infer", "m.safetensors", "folder.npy"} << "is not a regular file" << 2;
        QTest::newRow("infer a 1 Hz WAV") << QStringList{"infer", "m.safetensors", "1hz.wav"} << "declares a sample rate of 1 Hz" << 2;
        QTest::newRow("infer a header-only WAV") << QStringList{"infer", "m.safetensors", "header-only.wav"} << "holds no samples" << 2;
        QTest::newRow("infer padding 2147483647") << QStringList{"infer", "pad.safetensors", "x.npy", "--engine", "dense"}
                                                  << "has padding 2147483647" << 2;
        QTest::newRow("bench padding 2147483647") << (QStringList{"bench", "pad.safetensors", "--engines", "sparse-sparse"} + bench_out)
                                                  << "has padding 2147483647" << 2;
        QTest::newRow("info nested architecture") << QStringList{"info", "deep.safetensors"} << "nests arrays or objects more than 64" << 2;
        QTest::newRow("info dilation 2") << QStringList{"info", "dilated.safetensors"} << "does not implement" << 2;
        QTest::newRow("bench --json /dev/full") << QStringList{"bench", "m.safetensors", "--engines", "dense", "--seconds", "0.2", "--json", "/dev/full"}
                                                << "is not a regular file" << 2;
        QTest::newRow("eval missing dataset folder") << QStringList{"eval", "m.safetensors", "--data", "nowhere", "--json", "o.json"}
                                                     << "nowhere" << 2;
        QTest::newRow("eval dataset without lists") << QStringList{"eval", "m.safetensors", "--data", "nolists", "--json", "o.json"}
                                                    << "validation_list.txt" << 2;
        QTest::newRow("eval unknown split") << QStringList{"eval", "m.safetensors", "--data", "gsc", "--split", "dev", "--json", "o.json"}
                                            << "Unknown split 'dev'" << 2;
        QTest::newRow("bench unknown engine") << (QStringList{"bench", "m.safetensors", "--engines", "dense,warp"} + bench_out)
                                              << "Unknown engine 'warp'" << 2;
        QTest::newRow("bench --seconds -1") << QStringList{"bench", "m.safetensors", "--engines", "dense", "--seconds", "-1", "--json", "o.json"}
                                            << "--seconds" << 2;
        QTest::newRow("bench --seconds abc") << QStringList{"bench", "m.safetensors", "--engines", "dense", "--seconds", "abc", "--json", "o.json"}
                                             << "--seconds" << 2;
        QTest::newRow("bench --threads 0") << (QStringList{"bench", "m.safetensors", "--engines", "dense", "--threads", "0"} + bench_out)
                                           << "--threads" << 2;
        QTest::newRow("bench unknown device") << (QStringList{"bench", "m.safetensors", "--device", "tpu"} + bench_out)
                                              << "Unknown device 'tpu'" << 2;
        QTest::newRow("bench unknown option") << (QStringList{"bench", "m.safetensors", "--frobnicate"} + bench_out) << "frobnicate" << 2;
        QTest::newRow("unknown command") << QStringList{"frobnicate", "m.safetensors"} << "unknown command 'frobnicate'" << 2;
        QTest::newRow("synth into a missing folder") << QStringList{"synth", "-o", "nofolder/o.safetensors"} << "nofolder/o.safetensors" << 2;
        QTest::newRow("synth bad density list") << QStringList{"synth", "--weight-density", "0.5,x,0.1", "-o", "o.safetensors"}
                                                << "--weight-density" << 2;
        QTest::newRow("synth density out of range") << QStringList{"synth", "--weight-density", "0.5,0.1,1.5", "-o", "o.safetensors"}
                                                    << "Weight densities must be in (0, 1]" << 2;
        QTest::newRow("dataset synth into a non-empty folder") << QStringList{"dataset", "synth", "-o", "gsc", "--clips", "10"}
                                                               << "is not empty" << 2;
        QTest::newRow("dataset synth --clips 0") << QStringList{"dataset", "synth", "-o", "newset", "--clips", "0"} << "--clips" << 2;
        QTest::newRow("dataset synth without -o") << QStringList{"dataset", "synth"} << "-o DIR" << 2;
        QTest::newRow("dataset synth unknown word set") << QStringList{"dataset", "synth", "-o", "newset", "--words", "letters"}
                                                        << "--words" << 2;
        QTest::newRow("dataset unknown subcommand") << QStringList{"dataset", "frobnicate"} << "unknown dataset subcommand" << 2;
    }
    void badInputs()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expect);
        QFETCH(int, exitCode);
        const QStringList before = tree(m_dir.path());
        const Run r = run(args);
        QVERIFY2(r.finished, show(args, r).constData());
        QVERIFY2(r.exit == exitCode, show(args, r).constData());
        // One line on stderr, naming the problem.
        const QByteArray err = r.err.trimmed();
        QVERIFY2(!err.isEmpty(), show(args, r).constData());
        QVERIFY2(!err.contains('\n'), show(args, r).constData());
        QVERIFY2(err.startsWith("sparsescope-cli: "), show(args, r).constData());
        QVERIFY2(err.contains(expect.toUtf8()), show(args, r).constData());
        // Nothing written: no report, no model, no temporary file.
        QCOMPARE(tree(m_dir.path()), before);
    }

    // dataset synth end to end on a tiny set: it writes a tree that eval-style readers open, and
    // refuses to run without espeak-ng (PATH without it).
    void datasetSynthTiny()
    {
        if (QStandardPaths::findExecutable("espeak-ng").isEmpty())
            QSKIP("espeak-ng is not installed (make deps)");
        const QStringList args = {"dataset", "synth", "-o", "synthset", "--clips", "30", "--jobs", "2", "--seed", "5"};
        const Run r = run(args, 120000);
        QVERIFY2(r.finished && r.exit == 0, show(args, r).constData());
        QVERIFY2(r.out.contains("Wrote 30 clips"), show(args, r).constData());
        QVERIFY(QFileInfo::exists(path("synthset/testing_list.txt")));
        QVERIFY(QFileInfo::exists(path("synthset/validation_list.txt")));
        QVERIFY(QFileInfo::exists(path("synthset/_background_noise_/babble.wav")));

        QProcess p;
        p.setWorkingDirectory(m_dir.path());
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("PATH", m_dir.filePath("no-bin"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(SS_CLI_PATH), {"dataset", "synth", "-o", "noespeak", "--clips", "10"});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 2);
        const QByteArray err = p.readAllStandardError().trimmed();
        QVERIFY2(err.contains("espeak-ng is not installed; run `make deps` (Debian package espeak-ng)."), err.constData());
        QVERIFY(!err.contains('\n'));
        QVERIFY(!QFileInfo::exists(path("noespeak")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
