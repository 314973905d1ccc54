// `sparsescope-cli import`: PyTorch state dicts written by libtorch (no Python on the build machines)
// -> the real CLI binary -> model file. Checks that weights, masks and k-WTA state arrive unchanged,
// that complementarity is measured (P found, collisions and holes per group reported), that every
// engine then gives the source model's logits, and that bad input is refused with one sentence
// naming the tensor, exit 2 and no output file.
#include "common/cli_run.h"
#include "common/test_models.h"
#include "engines/engine.h"
#include "model/model_io.h"
#include "model/reference.h"
#include "model/synth.h"
#include "model/torch_import.h"
#include "state_dict_writer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <random>

using namespace ss;
using sstest::Tensors;

namespace {

using sstest::runCli;
using Run = sstest::CliRun;

enum class Naming { SparseScope, Nupic };

// The state dict a PyTorch module of this model would have. Nupic: nupic.torch's GSCSparseCNN names,
// sparse layers wrapped by SparseWeights/SparseWeights2d (".module.weight" + a float16 zero_mask),
// "linear"/"linear_bn"/"linear_kwinner", duty cycles as "duty_cycle".
Tensors stateDictOf(const Model& m, Naming naming)
{
    Tensors sd;
    auto rename = [&](const std::string& n) -> std::string {
        if (naming == Naming::SparseScope)
            return n;
        if (n == "linear1")
            return "linear";
        if (n == "linear1_bn")
            return "linear_bn";
        if (n == "linear1_kwinners")
            return "linear_kwinner";
        return n;
    };
    for (const auto& L : m.layers) {
        const std::string p = rename(L.name);
        if (L.hasWeights()) {
            const bool wrap = naming == Naming::Nupic && L.weight_density < 1.0;
            const std::string base = wrap ? p + ".module" : p;
            sd.emplace_back(base + ".weight", L.weight);
            if (!L.bias.empty())
                sd.emplace_back(base + ".bias", L.bias);
            if (wrap) {
                Tensor zm(L.mask.shape);
                for (size_t i = 0; i < zm.data.size(); ++i)
                    zm.data[i] = L.mask.data[i] != 0.0f ? 0.0f : 1.0f;
                sd.emplace_back(p + ".zero_mask", zm);
            }
        } else if (L.kind == LayerKind::BatchNorm) {
            sd.emplace_back(p + ".running_mean", L.running_mean);
            sd.emplace_back(p + ".running_var", L.running_var);
            sd.emplace_back(p + ".num_batches_tracked", Tensor({}, 1234.0f));
        } else if (L.kind == LayerKind::KWinners || L.kind == LayerKind::KWinners2d) {
            sd.emplace_back(p + (naming == Naming::Nupic ? ".duty_cycle" : ".duty_cycles"), L.duty_cycles);
            sd.emplace_back(p + ".boost_strength", Tensor({}, float(L.boost_strength)));
        }
    }
    return sd;
}

Model synth(SynthOptions o)
{
    auto m = synthModel(o);
    if (!m)
        qFatal("synthModel: %s", m.message().c_str());
    // The state dict stores boost strength as float32: make the source model's exactly that value.
    for (auto& L : m->layers)
        L.boost_strength = double(float(L.boost_strength));
    return *m;
}

QJsonObject layerReport(const QJsonObject& report, const QString& layer)
{
    for (const auto& v : report["layers"].toArray())
        if (v.toObject()["layer"].toString() == layer)
            return v.toObject();
    return {};
}

} // namespace

class TestImport : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    // Imports `file` with the CLI (--json), loads the result; fails the test on any error.
    static void importOk(const QStringList& args, QJsonObject* report, Model* model)
    {
        const Run r = runCli(QStringList { "import" } + args + QStringList { "--json" });
        QVERIFY2(r.exit == 0, qPrintable("exit " + QString::number(r.exit) + ": " + r.err));
        QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
        const auto doc = QJsonDocument::fromJson(r.out.toUtf8());
        QVERIFY2(doc.isObject(), qPrintable(r.out));
        *report = doc.object();
        auto m = loadModel(report->value("output").toString().toStdString());
        QVERIFY2(m.isOk(), m.isOk() ? "" : m.message().c_str());
        *model = *m;
    }

    // Every fp32 engine on the imported model gives the *source* model's reference logits and class.
    static void enginesMatchSource(const Model& imported, const Model& source)
    {
        const int batch = 3, K = imported.numClasses();
        const auto x = sstest::randomInputs(source, batch, 7);
        std::vector<float> ref(size_t(batch) * K), ref_imported(size_t(batch) * K);
        QVERIFY(referenceForward(source, x.data(), batch, ref.data()).isOk());
        QVERIFY(referenceForward(imported, x.data(), batch, ref_imported.data()).isOk());
        for (size_t i = 0; i < ref.size(); ++i) // same parameters, same semantics: bit-identical
            QCOMPARE(ref_imported[i], ref[i]);
        int engines = 0;
        for (const auto& info : engineRegistry()) {
            if (!info.fp32)
                continue;
            auto e = info.make();
            Status s = e->prepare(imported, EngineOptions {});
            QVERIFY2(s.isOk(), (info.name + ": " + (s.isOk() ? "" : s.message())).c_str());
            std::vector<float> got(size_t(batch) * K, NAN);
            s = e->infer(x.data(), batch, got.data());
            QVERIFY2(s.isOk(), (info.name + ": " + (s.isOk() ? "" : s.message())).c_str());
            for (int b = 0; b < batch; ++b) {
                const float* r = ref.data() + size_t(b) * K;
                const float* g = got.data() + size_t(b) * K;
                const auto [err, scale] = sstest::logitsError(r, g, K);
                QVERIFY2(err <= 1e-4 * scale,
                    (info.name + " item " + std::to_string(b) + " error " + std::to_string(err)).c_str());
                QCOMPARE(sstest::argmax(g, K), sstest::argmax(r, K));
            }
            ++engines;
        }
        QVERIFY(engines >= 5); // dense, csr, sparse-dense, sparse-sparse, reference (+ torch)
    }

    static void sameParameters(const Model& a, const Model& b)
    {
        QCOMPARE(a.layers.size(), b.layers.size());
        for (size_t i = 0; i < a.layers.size(); ++i) {
            const Layer &x = a.layers[i], &y = b.layers[i];
            QCOMPARE(QString::fromStdString(x.name), QString::fromStdString(y.name));
            QVERIFY2(x.kind == y.kind, x.name.c_str());
            QVERIFY2(x.weight.data == y.weight.data, x.name.c_str());
            QVERIFY2(x.bias.data == y.bias.data, x.name.c_str());
            QVERIFY2(
                x.running_mean.data == y.running_mean.data && x.running_var.data == y.running_var.data, x.name.c_str());
            QVERIFY2(x.duty_cycles.data == y.duty_cycles.data, x.name.c_str());
            QCOMPARE(x.boost_strength, y.boost_strength);
            QCOMPARE(x.k_inference, y.k_inference);
            if (x.hasWeights() && x.weight_density < 1.0)
                QVERIFY2(x.mask.data == y.mask.data, x.name.c_str());
        }
    }

    // A refusal: exit 2, one sentence on stderr naming `tensor`, and no output file.
    void refused(const QString& file, const QString& tensor, const QStringList& extra = {})
    {
        const QString out = path("refused.safetensors");
        QFile::remove(out);
        const Run r = runCli(QStringList { "import", file, "-o", out } + extra);
        QCOMPARE(r.exit, 2);
        QVERIFY2(r.err.contains(tensor), qPrintable(r.err));
        QCOMPARE(r.err.trimmed().count('\n'), 0);
        QVERIFY2(r.err.trimmed().endsWith('.'), qPrintable(r.err));
        QVERIFY(!QFile::exists(out));
        QVERIFY(r.out.isEmpty());
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // libtorch's own writer (torch::pickle_save of a Dict[str, Tensor]), SparseScope's names, the
    // published complementary model: P found per layer, zero collisions, logits unchanged.
    void roundTripPickleSave_data()
    {
        QTest::addColumn<int>("routes");
        QTest::newRow("shared routes") << int(RouteLayout::Shared);
        QTest::newRow("independent routes") << int(RouteLayout::Independent);
    }
    void roundTripPickleSave()
    {
        QFETCH(int, routes);
        SynthOptions o;
        o.routes = RouteLayout(routes);
        o.seed = 11 + uint64_t(routes);
        const Model src = synth(o);
        const QString pt = path("cpp.pt"), out = path("cpp.safetensors");
        std::string err;
        QVERIFY2(
            sstest::writeWithPickleSave(pt.toStdString(), stateDictOf(src, Naming::SparseScope), &err), err.c_str());
        QJsonObject rep;
        Model m;
        importOk({ pt, "-o", out }, &rep, &m);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(rep["naming"].toString(), QString("plain"));
        const std::map<QString, int> wantP = { { "cnn1", 2 }, { "cnn2", 10 }, { "linear1", 10 }, { "output", 1 } };
        for (const auto& [name, P] : wantP) {
            const auto l = layerReport(rep, name);
            QCOMPARE(l["group_size"].toInt(), P);
            QCOMPARE(l["complementary"].toBool(), P > 1);
            QCOMPARE(l["collisions"].toInt(), 0);
            if (P > 1) {
                QCOMPARE(l["shared_routes"].toBool(), RouteLayout(routes) == RouteLayout::Shared);
                // Only a short last group (P not dividing M: conv2 has 64 outputs in groups of 10)
                // leaves positions uncovered: one balanced slot of N/P positions per missing output.
                const Layer* L = src.find(name.toStdString());
                const int M = L->outputs(), N = L->fanIn(), G = (M + P - 1) / P;
                QCOMPARE(l["groups"].toInt(), G);
                QCOMPARE(l["uncovered"].toInt(), (G * P - M) * N / P);
                const auto bad = l["bad_groups"].toArray();
                QCOMPARE(bad.size(), G * P == M ? 0 : 1);
                if (!bad.isEmpty())
                    QCOMPARE(bad[0].toObject()["group"].toInt(), G - 1);
                QVERIFY(std::abs(l["weight_density"].toDouble() - 1.0 / P) < 0.01);
            } else {
                QVERIFY(l["dense"].toBool());
            }
        }
        for (const auto& L : m.layers)
            if (L.hasWeights())
                QCOMPARE(L.group_size, wantP.at(QString::fromStdString(L.name)));
        QCOMPARE(rep["ignored"].toArray().size(), 3); // the num_batches_tracked counters
        sameParameters(m, src);
        enginesMatchSource(m, src);
    }

    // The layout Python's torch.save writes (OrderedDict + _metadata, strided views), with
    // nupic.torch's names: SparseWeights-wrapped weights with float16 zero_mask, "linear", duty_cycle
    // [1, C, 1, 1], k-WTA before max-pool (nupic.torch's current GSCSparseCNN).
    void nupicNamesPythonLayout()
    {
        SynthOptions o;
        o.order = KwtaOrder::KwtaThenPool;
        o.act_density = { 0.095, 0.125, 0.1 };
        o.seed = 5;
        const Model src = synth(o);
        const QString pt = path("nupic.pth"), out = path("nupic.safetensors");
        std::string err;
        QVERIFY2(sstest::writePythonStyle(pt.toStdString(), stateDictOf(src, Naming::Nupic), true, &err), err.c_str());
        // The core reader sees the file's keys in order, strided views made contiguous.
        const Tensors want = stateDictOf(src, Naming::Nupic);
        auto sd = readStateDict(pt.toStdString());
        QVERIFY2(sd.isOk(), sd.isOk() ? "" : sd.message().c_str());
        QCOMPARE(sd->tensors.size(), want.size());
        for (size_t i = 0; i < want.size(); ++i) {
            QCOMPARE(QString::fromStdString(sd->tensors[i].first), QString::fromStdString(want[i].first));
            QVERIFY(sd->tensors[i].second.shape == want[i].second.shape);
            QVERIFY2(sd->tensors[i].second.data == want[i].second.data, want[i].first.c_str());
        }
        QJsonObject rep;
        Model m;
        importOk({ pt, "--order", "kwta-pool", "-o", out }, &rep, &m);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(rep["naming"].toString(), QString("SparseWeights-wrapped (3 of 4 weighted layers)"));
        QCOMPARE(layerReport(rep, "linear1")["source"].toString(), QString("linear.module.weight"));
        QCOMPARE(layerReport(rep, "linear1")["group_size"].toInt(), 10);
        QCOMPARE(layerReport(rep, "cnn1")["group_size"].toInt(), 2);
        QVERIFY(rep["ignored"].toArray().contains(QJsonValue("linear.zero_mask")));
        QCOMPARE(QString::fromStdString(m.name), QString("nupic"));
        sameParameters(m, src);
        enginesMatchSource(m, src);
    }

    // The legacy (pre-1.6) torch.save stream, saved from an nn.DataParallel ("module." on every key).
    void legacyFormatDataParallel()
    {
        SynthOptions o;
        o.seed = 9;
        const Model src = synth(o);
        const QString pt = path("legacy.pt"), out = path("legacy.safetensors");
        std::string err;
        Tensors sd = stateDictOf(src, Naming::Nupic);
        for (auto& kv : sd)
            kv.first = "module." + kv.first;
        QVERIFY2(sstest::writeLegacy(pt.toStdString(), sd, &err), err.c_str());
        QJsonObject rep;
        Model m;
        importOk({ pt, "-o", out }, &rep, &m);
        if (QTest::currentTestFailed())
            return;
        QVERIFY(rep["container"].toString().contains("legacy"));
        QCOMPARE(layerReport(rep, "linear1")["source"].toString(), QString("linear.module.weight"));
        sameParameters(m, src);
    }

    // A training checkpoint holding the state dict under "state_dict".
    void checkpointWrapper()
    {
        SynthOptions o;
        o.seed = 8;
        const Model src = synth(o);
        const QString pt = path("checkpoint.pt"), out = path("checkpoint.safetensors");
        std::string err;
        QVERIFY2(sstest::writeCheckpoint(pt.toStdString(), stateDictOf(src, Naming::SparseScope), &err), err.c_str());
        QJsonObject rep;
        Model m;
        importOk({ pt, "-o", out }, &rep, &m);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(rep["container"].toString().contains("under 'state_dict'"), qPrintable(rep["container"].toString()));
        sameParameters(m, src);
    }

    // nupic.torch's own masks: independent random per output. Not complementary — reported with the
    // colliding and uncovered positions per group — yet imported and run by every engine.
    void independentMasksReportedNotComplementary()
    {
        SynthOptions o;
        o.complementary = false;
        o.seed = 3;
        const Model src = synth(o);
        const QString pt = path("random.pt"), out = path("random.safetensors");
        std::string err;
        QVERIFY2(sstest::writeWithPickleSave(pt.toStdString(), stateDictOf(src, Naming::Nupic), &err), err.c_str());
        QJsonObject rep;
        Model m;
        importOk({ pt, "-o", out }, &rep, &m);
        if (QTest::currentTestFailed())
            return;
        for (const QString name : { "cnn1", "cnn2", "linear1" }) {
            const auto l = layerReport(rep, name);
            QCOMPARE(l["group_size"].toInt(), 1);
            QCOMPARE(l["complementary"].toBool(), false);
            QVERIFY2(l["collisions"].toInt() > 0, qPrintable(name));
            const auto groups = l["bad_groups"].toArray();
            QVERIFY(!groups.isEmpty());
            int sum = 0;
            for (const auto& g : groups)
                sum += g.toObject()["collisions"].toInt();
            QCOMPARE(sum, l["collisions"].toInt()); // per group counts add up to the layer's
            QCOMPARE(l["checked_group_size"].toInt(), name == "cnn1" ? 2 : 10);
        }
        for (const auto& L : m.layers)
            if (L.hasWeights())
                QCOMPARE(L.group_size, 1);
        sameParameters(m, src);
        enginesMatchSource(m, src);
        // The table names the verdict and the groups too.
        const Run r = runCli({ "import", pt, "-o", path("random2.safetensors") });
        QCOMPARE(r.exit, 0);
        QVERIFY2(r.out.contains("NO (counts at P=10)"), qPrintable(r.out));
        QVERIFY2(r.out.contains("groups have colliding or uncovered positions"), qPrintable(r.out));
    }

    void classesAndAudioOptions()
    {
        SynthOptions o;
        o.classes = { "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "_silence_",
            "_unknown_", "extra" };
        o.seed = 4;
        const Model src = synth(o);
        const QString pt = path("classes.pt");
        std::string err;
        QVERIFY2(
            sstest::writeWithPickleSave(pt.toStdString(), stateDictOf(src, Naming::SparseScope), &err), err.c_str());
        refused(pt, "output.weight"); // 13 outputs, 12 default class names
        refused(pt, "output.weight", { "--classes", "a,b,c" });
        QJsonObject rep;
        Model m;
        importOk({ pt, "--classes", "zero,one,two,three,four,five,six,seven,eight,nine,_silence_,_unknown_,extra",
                     "--sample-rate", "8000", "--hop-length", "256", "--f-max", "4000", "--name", "digits", "-o",
                     path("classes.safetensors") },
            &rep, &m);
        if (QTest::currentTestFailed())
            return;
        QVERIFY(m.classes == src.classes);
        QCOMPARE(m.audio.sample_rate, 8000);
        QCOMPARE(m.audio.hop_length, 256);
        QCOMPARE(QString::fromStdString(m.name), QString("digits"));
        // 40 mel bands do not fit the 32x32 input
        const Run r = runCli(
            { "import", pt, "--classes", "a,b,c,d,e,f,g,h,i,j,k,l,m", "--n-mels", "40", "-o", path("x.safetensors") });
        QCOMPARE(r.exit, 2);
        QVERIFY2(r.err.contains("40 mel bands"), qPrintable(r.err));
    }

    void refusals()
    {
        SynthOptions o;
        o.seed = 2;
        const Model src = synth(o);
        std::string err;
        // wrong shape for the architecture: linear1 with 1500 inputs
        {
            Tensors sd = stateDictOf(src, Naming::SparseScope);
            for (auto& [k, t] : sd)
                if (k == "linear1.weight")
                    t = Tensor({ 1000, 1500 }, 0.5f);
            const QString pt = path("wrong_shape.pt");
            QVERIFY(sstest::writeWithPickleSave(pt.toStdString(), sd, &err));
            refused(pt, "'linear1.weight' has shape [1000, 1500]");
        }
        // wrong shape of a buffer, SparseWeights-wrapped names
        {
            Tensors sd = stateDictOf(src, Naming::Nupic);
            for (auto& [k, t] : sd)
                if (k == "cnn2_kwinner.duty_cycle")
                    t = Tensor({ 1, 32, 1, 1 }, 0.1f);
            const QString pt = path("wrong_duty.pth");
            QVERIFY(sstest::writePythonStyle(pt.toStdString(), sd, false, &err));
            refused(pt, "'cnn2_kwinner.duty_cycle' has shape [1, 32, 1, 1]");
        }
        // a missing tensor
        {
            Tensors sd = stateDictOf(src, Naming::SparseScope);
            sd.erase(std::remove_if(
                         sd.begin(), sd.end(), [](const auto& kv) { return kv.first == "cnn2_batchnorm.running_var"; }),
                sd.end());
            const QString pt = path("missing.pt");
            QVERIFY(sstest::writeWithPickleSave(pt.toStdString(), sd, &err));
            refused(pt, "'cnn2_batchnorm.running_var' is missing");
        }
        // a tensor of some other network
        {
            Tensors sd = stateDictOf(src, Naming::SparseScope);
            sd.emplace_back("fc3.weight", Tensor({ 4, 4 }, 1.0f));
            const QString pt = path("extra.pt");
            QVERIFY(sstest::writeWithPickleSave(pt.toStdString(), sd, &err));
            refused(pt, "'fc3.weight' belongs to no layer");
        }
        // not a state dict
        for (const char* what : { "list", "int", "mixed" }) {
            const QString pt = path(QString("not_sd_%1.pt").arg(what));
            QVERIFY(sstest::writeNotAStateDict(pt.toStdString(), what, &err));
            refused(pt, "not a state dict");
        }
        // not a torch.save file at all, truncated, missing
        {
            const QString pt = path("garbage.pt");
            QFile f(pt);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("this is not a checkpoint");
            f.close();
            refused(pt, "not a PyTorch file");
            const QString good = path("good.pt");
            QVERIFY(sstest::writeLegacy(good.toStdString(), stateDictOf(src, Naming::SparseScope), &err));
            QFile g(good);
            QVERIFY(g.open(QIODevice::ReadOnly));
            const QByteArray bytes = g.readAll();
            g.close();
            const QString cut = path("truncated.pt");
            QFile c(cut);
            QVERIFY(c.open(QIODevice::WriteOnly));
            c.write(bytes.left(bytes.size() / 2));
            c.close();
            refused(cut, "cannot be read as a torch.save file");
            refused(path("no_such_file.pt"), "no_such_file.pt");
        }
        // bad usage
        const Run r = runCli({ "import", path("good.pt") });
        QCOMPARE(r.exit, 2);
        QVERIFY(r.err.contains("-o FILE"));
    }
};

QTEST_GUILESS_MAIN(TestImport)
#include "tst_import.moc"
