// Model files and what is computed from a model alone: the safetensors container and the
// architecture header (round trip and every refusal), .npy feature files, summarize() and the
// scalar reference forward pass on a network small enough to evaluate by hand.
#include "engines/engine.h"
#include "model/model.h"
#include "model/model_io.h"
#include "model/npy.h"
#include "model/reference.h"
#include "model/summary.h"
#include "model/synth.h"

#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <random>

#include <sys/stat.h>

using namespace ss;
using nlohmann::json;

namespace {

// ---- a raw safetensors writer that the code under test does not share ---------------------------
// Tensors keep their bytes and dtype, so a test can write what SparseScope's own writer never does
// (F32 or F16 masks, I64 counters, overlapping or out-of-range offsets).

struct RawTensor {
    std::string dtype = "F32";
    Shape shape;
    std::vector<uint8_t> bytes;
};

struct RawFile {
    std::map<std::string, std::string> metadata;
    std::map<std::string, RawTensor> tensors;
    // Applied to the finished header before it is written: corrupt offsets, shapes, dtypes.
    std::function<void(json&)> edit_header;
    // Lay the data out in reverse name order with an 8-byte gap before each tensor (legal: the
    // format only requires offsets to be inside the data and not to overlap).
    bool reverse_with_gaps = false;

    json arch() const { return json::parse(metadata.at("sparsescope")); }
    void setArch(const json& a) { metadata["sparsescope"] = a.dump(); }
    // Float view of a tensor (F32 only), to edit values in place.
    std::vector<float> floats(const std::string& name) const
    {
        const auto& t = tensors.at(name);
        std::vector<float> v(t.bytes.size() / 4);
        std::memcpy(v.data(), t.bytes.data(), t.bytes.size());
        return v;
    }
    void setFloats(const std::string& name, const std::vector<float>& v, Shape shape = {})
    {
        auto& t = tensors[name];
        t.dtype = "F32";
        if (!shape.empty())
            t.shape = std::move(shape);
        t.bytes.resize(v.size() * 4);
        std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
    }
};

RawTensor f32(const Tensor& t)
{
    RawTensor r;
    r.shape = t.shape;
    r.bytes.resize(t.data.size() * 4);
    std::memcpy(r.bytes.data(), t.data.data(), r.bytes.size());
    return r;
}

std::vector<uint8_t> withLength(const std::string& header, const std::vector<uint8_t>& data = {})
{
    std::vector<uint8_t> out(8);
    const uint64_t n = header.size();
    for (int i = 0; i < 8; ++i)
        out[size_t(i)] = uint8_t(n >> (8 * i));
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

std::vector<uint8_t> write(const RawFile& f)
{
    json header = json::object();
    header["__metadata__"] = f.metadata;
    std::vector<uint8_t> data;
    std::vector<const std::pair<const std::string, RawTensor>*> order;
    for (const auto& entry : f.tensors)
        order.push_back(&entry);
    if (f.reverse_with_gaps)
        std::reverse(order.begin(), order.end());
    for (const auto* entry : order) {
        const auto& [name, t] = *entry;
        if (f.reverse_with_gaps)
            data.insert(data.end(), 8, 0xab);
        header[name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {data.size(), data.size() + t.bytes.size()}}};
        data.insert(data.end(), t.bytes.begin(), t.bytes.end());
    }
    if (f.edit_header)
        f.edit_header(header);
    return withLength(header.dump(), data);
}

// Every tensor of a model as F32 (masks included), through the code's own parser of its own writer.
RawFile rawOf(const Model& m)
{
    auto st = parseSafeTensors(modelToBytes(m), "model");
    RawFile f;
    if (!st)
        return f;
    f.metadata = st->metadata;
    for (const auto& [name, t] : st->tensors)
        f.tensors[name] = f32(t);
    return f;
}

// A small model of the GSC architecture (16 channels, 60 hidden): fast to write and parse, and
// conv2's P = 10 does not divide its 16 outputs, so its last group is padded.
const Model& smallModel()
{
    static const Model m = [] {
        SynthOptions o;
        o.conv_channels = 16;
        o.hidden = 60;
        o.act_density = {0.1, 0.125, 0.1};
        o.seed = 7;
        auto r = synthModel(o);
        return r ? *r : Model{};
    }();
    return m;
}

const Model& gscModel()
{
    static const Model m = [] {
        auto r = synthModel(SynthOptions{});
        return r ? *r : Model{};
    }();
    return m;
}

using Maker = std::function<std::vector<uint8_t>()>;

// One mutation of the small model's raw file.
Maker mutated(std::function<void(RawFile&)> change)
{
    return [change] {
        RawFile f = rawOf(smallModel());
        change(f);
        return write(f);
    };
}

Maker archChange(std::function<void(json&)> change)
{
    return mutated([change](RawFile& f) {
        json a = f.arch();
        change(a);
        f.setArch(a);
    });
}

json& archLayer(json& a, const std::string& name)
{
    for (auto& l : a["layers"])
        if (l["name"] == name)
            return l;
    static json none;
    return none;
}

QByteArray describe(const Error& e) { return QByteArray::fromStdString("'" + e.message + "' (where: '" + e.where + "')"); }

bool sameTensor(const Tensor& a, const Tensor& b)
{
    return a.shape == b.shape && a.data.size() == b.data.size() &&
           (a.data.empty() || std::memcmp(a.data.data(), b.data.data(), a.data.size() * 4) == 0);
}

void compareModels(const Model& a, const Model& b)
{
    QCOMPARE(b.name, a.name);
    QCOMPARE(b.input, a.input);
    QCOMPARE(b.classes, a.classes);
    QCOMPARE(b.info, a.info);
    QCOMPARE(b.audio.sample_rate, a.audio.sample_rate);
    QCOMPARE(b.audio.clip_seconds, a.audio.clip_seconds);
    QCOMPARE(b.audio.n_mels, a.audio.n_mels);
    QCOMPARE(b.audio.n_fft, a.audio.n_fft);
    QCOMPARE(b.audio.hop_length, a.audio.hop_length);
    QCOMPARE(b.audio.f_min, a.audio.f_min);
    QCOMPARE(b.audio.f_max, a.audio.f_max);
    QCOMPARE(b.audio.center, a.audio.center);
    QCOMPARE(b.audio.top_db, a.audio.top_db);
    QCOMPARE(b.layers.size(), a.layers.size());
    for (size_t i = 0; i < a.layers.size(); ++i) {
        const Layer& x = a.layers[i];
        const Layer& y = b.layers[i];
        const QByteArray at = QByteArray::fromStdString("layer " + x.name);
        QVERIFY2(y.name == x.name, at.constData());
        QVERIFY2(y.kind == x.kind, at.constData());
        QVERIFY2(y.in_channels == x.in_channels && y.out_channels == x.out_channels && y.kernel_h == x.kernel_h &&
                     y.kernel_w == x.kernel_w && y.stride == x.stride && y.padding == x.padding,
                 at.constData());
        QVERIFY2(y.in_features == x.in_features && y.out_features == x.out_features, at.constData());
        QVERIFY2(y.pool_kernel == x.pool_kernel && y.pool_stride == x.pool_stride, at.constData());
        QVERIFY2(y.num_features == x.num_features && y.eps == x.eps && y.affine == x.affine, at.constData());
        QVERIFY2(y.percent_on == x.percent_on && y.k_inference_factor == x.k_inference_factor &&
                     y.boost_strength == x.boost_strength && y.local == x.local && y.k == x.k && y.k_inference == x.k_inference,
                 at.constData());
        QVERIFY2(y.weight_density == x.weight_density && y.group_size == x.group_size, at.constData());
        QVERIFY2(y.in_shape == x.in_shape && y.out_shape == x.out_shape, at.constData());
        QVERIFY2(sameTensor(x.weight, y.weight), (at + " weight").constData());
        QVERIFY2(sameTensor(x.bias, y.bias), (at + " bias").constData());
        QVERIFY2(sameTensor(x.mask, y.mask), (at + " mask").constData());
        QVERIFY2(sameTensor(x.running_mean, y.running_mean), (at + " running_mean").constData());
        QVERIFY2(sameTensor(x.running_var, y.running_var), (at + " running_var").constData());
        QVERIFY2(sameTensor(x.bn_weight, y.bn_weight), (at + " bn weight").constData());
        QVERIFY2(sameTensor(x.bn_bias, y.bn_bias), (at + " bn bias").constData());
        QVERIFY2(sameTensor(x.duty_cycles, y.duty_cycles), (at + " duty_cycles").constData());
    }
}

// A hand-computable network: 1x3x3 input, conv 2x2 (3 channels), max-pool 2, KWinners k=1,
// linear 3->2, log-softmax.
Model tinyModel(double boost_strength)
{
    Model m;
    m.name = "tiny";
    m.input = {1, 3, 3};
    m.classes = {"a", "b"};
    Layer conv;
    conv.kind = LayerKind::Conv2d;
    conv.name = "conv";
    conv.in_channels = 1;
    conv.out_channels = 3;
    conv.kernel_h = conv.kernel_w = 2;
    conv.weight = Tensor({3, 1, 2, 2});
    conv.weight.data = {1, 0, 0, 1,               // channel 0: x[y][x] + x[y+1][x+1]
                        0.5f, 0.5f, 0.5f, 0.5f,   // channel 1: half the window's sum - 1
                        -1, 0, 0, 0};             // channel 2: 4.5 - x[y][x]
    conv.bias = Tensor({3});
    conv.bias.data = {0, -1, 4.5f};
    Layer pool;
    pool.kind = LayerKind::MaxPool2d;
    pool.name = "pool";
    Layer flat;
    flat.kind = LayerKind::Flatten;
    flat.name = "flat";
    Layer kw;
    kw.kind = LayerKind::KWinners;
    kw.name = "kw";
    kw.k = 1;
    kw.percent_on = 1.0 / 3;
    kw.boost_strength = boost_strength;
    kw.duty_cycles = Tensor({3});
    kw.duty_cycles.data = {0.1f, 0.5f, 0.6f};
    Layer lin;
    lin.kind = LayerKind::Linear;
    lin.name = "lin";
    lin.in_features = 3;
    lin.out_features = 2;
    lin.weight = Tensor({2, 3});
    lin.weight.data = {1, 2, -1, 0.5f, 0, 1};
    lin.bias = Tensor({2});
    lin.bias.data = {0.5f, -0.5f};
    Layer sm;
    sm.kind = LayerKind::LogSoftmax;
    sm.name = "sm";
    m.layers = {conv, pool, flat, kw, lin, sm};
    return m;
}

std::vector<uint8_t> npyBytes(int major, const std::string& dict, const std::vector<uint8_t>& data)
{
    std::string header = dict;
    const size_t pre = major == 1 ? 10 : 12;
    while ((pre + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(major), 0};
    const uint32_t n = uint32_t(header.size());
    out.push_back(uint8_t(n));
    out.push_back(uint8_t(n >> 8));
    if (major != 1) {
        out.push_back(uint8_t(n >> 16));
        out.push_back(uint8_t(n >> 24));
    }
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

std::vector<uint8_t> floatBytes(const std::vector<float>& v)
{
    std::vector<uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

bool writeBytes(const QString& path, const std::vector<uint8_t>& b)
{
    std::ofstream f(path.toStdString(), std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
    return bool(f);
}

} // namespace

Q_DECLARE_METATYPE(Maker)
Q_DECLARE_METATYPE(std::shared_ptr<ss::SynthOptions>)

class TestModel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(!smallModel().layers.empty());
        QVERIFY(!gscModel().layers.empty());
    }

    // ---- safetensors round trip ----------------------------------------------------------------

    void roundTrip_data()
    {
        QTest::addColumn<std::shared_ptr<SynthOptions>>("options");
        auto row = [](const char* name, auto change) {
            auto o = std::make_shared<SynthOptions>();
            change(*o);
            QTest::newRow(name) << o;
        };
        row("gsc", [](SynthOptions&) {});
        row("gsc kwta-pool independent", [](SynthOptions& o) {
            o.order = KwtaOrder::KwtaThenPool;
            o.routes = RouteLayout::Independent;
            o.seed = 3;
        });
        row("gsc random masks", [](SynthOptions& o) { o.complementary = false; });
        row("supersparse small", [](SynthOptions& o) {
            o.preset = "gsc-supersparse";
            o.conv_channels = 12;
            o.hidden = 40;
            o.act_density = {0.05, 0.1, 0.1};
            o.classes = {"x", "y", "z"};
            o.name = "tiny-named";
        });
    }
    void roundTrip()
    {
        QFETCH(std::shared_ptr<SynthOptions>, options);
        auto made = synthModel(*options);
        QVERIFY2(made.isOk(), made.isOk() ? "" : made.message().c_str());
        Model m = *made;
        // Settings synth leaves at their defaults must travel too.
        m.audio.sample_rate = 8000;
        m.audio.clip_seconds = 1.25;
        m.audio.n_mels = 40;
        m.audio.n_fft = 512;
        m.audio.hop_length = 160;
        m.audio.f_min = 20;
        m.audio.f_max = 3900.5;
        m.audio.center = false;
        m.audio.top_db = 0;
        m.info["accuracy"] = "0.9123";
        m.info["training_data"] = "unit test \"quoted\" \xc3\xa9";
        const auto bytes = modelToBytes(m);
        auto back = modelFromBytes(bytes, "rt.safetensors");
        QVERIFY2(back.isOk(), back.isOk() ? "" : describe(back.error()).constData());
        compareModels(m, *back);
        if (QTest::currentTestFailed())
            return;
        // Writing what was read gives the same bytes: nothing is lost or reordered.
        QVERIFY(modelToBytes(*back) == bytes);
    }

    void synthOutputLoads_data()
    {
        QTest::addColumn<QList<double>>("weightDensity");
        QTest::addColumn<bool>("complementary");
        // Published variants whose densities are 1/P (DESIGN.md section 2).
        QTest::newRow("conv 0.5, 0.2, linear 0.1") << QList<double>{0.5, 0.2, 0.1} << true;
        QTest::newRow("dense convs, linear 0.1") << QList<double>{1, 1, 0.1} << true;
        QTest::newRow("supersparse 0.5, 0.05, 0.05") << QList<double>{0.5, 0.05, 0.05} << true;
        QTest::newRow("sparse output 0.25") << QList<double>{0.5, 0.1, 0.1, 0.25} << true;
        QTest::newRow("random masks, linear 0.4") << QList<double>{1, 1, 0.4} << false;
        QTest::newRow("random masks 0.3, 0.3, 0.3") << QList<double>{0.3, 0.3, 0.3} << false;
    }
    void synthOutputLoads()
    {
        QFETCH(QList<double>, weightDensity);
        QFETCH(bool, complementary);
        SynthOptions o;
        o.weight_density = std::vector<double>(weightDensity.begin(), weightDensity.end());
        o.complementary = complementary;
        o.conv_channels = 16;
        o.hidden = 60;
        o.act_density = {0.1, 0.125, 0.1};
        auto m = synthModel(o);
        QVERIFY2(m.isOk(), m.isOk() ? "" : m.message().c_str());
        QVERIFY2(validateModel(*m).isOk(), validateModel(*m).isOk() ? "" : validateModel(*m).message().c_str());
        auto back = modelFromBytes(modelToBytes(*m), "synth.safetensors");
        QVERIFY2(back.isOk(), back.isOk() ? "" : back.message().c_str());
        for (const auto& L : back->layers)
            if (L.hasWeights() && L.group_size > 1)
                QVERIFY(checkComplementary(L.mask.ptr(), L.outputs(), L.fanIn(), L.group_size).complementary());
    }

    void saveAndLoadOnDisk()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath("m.safetensors").toStdString();
        Status s = saveModel(smallModel(), path);
        QVERIFY2(s.isOk(), s.isOk() ? "" : s.message().c_str());
        s = saveModel(smallModel(), path); // overwriting an existing model works too
        QVERIFY2(s.isOk(), s.isOk() ? "" : s.message().c_str());
        auto back = loadModel(path);
        QVERIFY2(back.isOk(), back.isOk() ? "" : back.message().c_str());
        compareModels(smallModel(), *back);
        // Nothing but the model is left behind (no temporary file).
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
                 QStringList{"m.safetensors"});
    }

    void saveIntoMissingFolderFails()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath("no-such-folder/m.safetensors").toStdString();
        const Status s = saveModel(smallModel(), path);
        QVERIFY(!s.isOk());
        QCOMPARE(s.error().code, ErrorCode::BadInput);
        QVERIFY2(s.message().find(path) != std::string::npos, s.message().c_str());
        QVERIFY2(s.message().ends_with("."), s.message().c_str());
        QVERIFY2(s.message().find('\n') == std::string::npos, s.message().c_str());
        QVERIFY(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty());
    }

    void loadMissingFileFails_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("missing file") << "absent.safetensors";
        QTest::newRow("a folder") << "folder";
    }
    void loadMissingFileFails()
    {
        QFETCH(QString, name);
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir("folder"));
        const std::string path = dir.filePath(name).toStdString();
        auto m = loadModel(path);
        QVERIFY(!m.isOk());
        QCOMPARE(m.error().code, ErrorCode::BadInput);
        QVERIFY2(m.message().find(path) != std::string::npos, m.message().c_str());
    }

    // ---- refusals ------------------------------------------------------------------------------

    void refusesBadFiles_data()
    {
        QTest::addColumn<Maker>("make");
        QTest::addColumn<QString>("expect"); // part of the message
        QTest::addColumn<QString>("where");  // the file, tensor or layer it names

        const QString file = "bad.safetensors";
        QTest::newRow("shorter than 8 bytes") << Maker([] { return std::vector<uint8_t>{1, 2, 3, 4, 5}; })
                                              << "too short" << file;
        QTest::newRow("empty file") << Maker([] { return std::vector<uint8_t>{}; }) << "too short" << file;
        QTest::newRow("header length past the end") << Maker([] {
            auto b = withLength("{}");
            b[0] = 0xe8; // claims 1000 bytes, has 2
            b[1] = 0x03;
            return b;
        }) << "header claims 1000 bytes" << file;
        QTest::newRow("huge header length") << Maker([] {
            std::vector<uint8_t> b(16, 0xff);
            return b;
        }) << "header claims" << file;
        QTest::newRow("header not JSON") << Maker([] { return withLength("{abc: 1}"); }) << "not valid JSON" << file;
        QTest::newRow("header not an object") << Maker([] { return withLength("[1, 2]"); }) << "not a JSON object" << file;
        QTest::newRow("tensor without dtype") << Maker([] {
            return withLength(R"({"t": {"shape": [1], "data_offsets": [0, 4]}})", {0, 0, 0, 0});
        }) << "lacks dtype" << "t";
        QTest::newRow("tensor offsets past the end") << mutated([](RawFile& f) {
            f.edit_header = [](json& h) {
                // cnn1.bias is 16 floats: move it so that it ends 60 bytes past the data
                uint64_t size = 0;
                for (auto it = h.begin(); it != h.end(); ++it)
                    if (it.key() != "__metadata__")
                        size = std::max(size, (*it)["data_offsets"][1].get<uint64_t>());
                h["cnn1.bias"]["data_offsets"] = {size - 4, size - 4 + 64};
            };
        }) << "points outside the file" << "cnn1.bias";
        QTest::newRow("begin after end") << mutated([](RawFile& f) {
            f.edit_header = [](json& h) {
                const auto off = h["cnn1.bias"]["data_offsets"];
                h["cnn1.bias"]["data_offsets"] = {off[1], off[0]};
            };
        }) << "points outside the file" << "cnn1.bias";
        QTest::newRow("byte count not matching shape") << mutated([](RawFile& f) {
            f.edit_header = [](json& h) { h["cnn1.bias"]["shape"] = {17}; };
        }) << "holds 64 bytes but its shape [17] of F32 needs 68" << "cnn1.bias";
        QTest::newRow("overlapping tensors") << mutated([](RawFile& f) {
            // running_mean (16 floats) made to share cnn1.bias's bytes
            f.edit_header = [](json& h) { h["cnn1_batchnorm.running_mean"]["data_offsets"] = h["cnn1.bias"]["data_offsets"]; };
        }) << "overlapping tensor data" << file;
        QTest::newRow("unsupported dtype") << mutated([](RawFile& f) {
            f.edit_header = [](json& h) { h["cnn1.bias"]["dtype"] = "F8_E5M2"; };
        }) << "unsupported dtype F8_E5M2" << "cnn1.bias";
        QTest::newRow("no sparsescope metadata") << mutated([](RawFile& f) { f.metadata.erase("sparsescope"); })
                                                 << "without a SparseScope architecture" << file;
        QTest::newRow("no metadata at all") << mutated([](RawFile& f) { f.metadata.clear(); })
                                            << "without a SparseScope architecture" << file;
        QTest::newRow("architecture not JSON") << mutated([](RawFile& f) { f.metadata["sparsescope"] = "{layers: ["; })
                                               << "not valid JSON" << file;
        QTest::newRow("wrong format_version") << archChange([](json& a) { a["format_version"] = 2; })
                                              << "format version 2" << file;
        QTest::newRow("unknown layer type") << archChange([](json& a) { archLayer(a, "cnn2")["type"] = "Conv3d"; })
                                            << "unknown type 'Conv3d'" << "cnn2";
        QTest::newRow("conv without in_channels") << archChange([](json& a) { archLayer(a, "cnn2").erase("in_channels"); })
                                                  << "lacks 'in_channels'" << "cnn2";
        QTest::newRow("missing cnn2.weight") << mutated([](RawFile& f) { f.tensors.erase("cnn2.weight"); })
                                             << "Tensor 'cnn2.weight' is missing" << "cnn2.weight";
        QTest::newRow("missing mask of a sparse layer") << mutated([](RawFile& f) { f.tensors.erase("linear1.weight_mask"); })
                                                        << "Tensor 'linear1.weight_mask' is missing" << "linear1.weight_mask";
        QTest::newRow("missing running_var") << mutated([](RawFile& f) { f.tensors.erase("cnn2_batchnorm.running_var"); })
                                             << "Tensor 'cnn2_batchnorm.running_var' is missing" << "cnn2_batchnorm.running_var";
        QTest::newRow("wrong shape cnn1.weight") << mutated([](RawFile& f) {
            auto w = f.floats("cnn1.weight");
            w.resize(16 * 20);
            f.setFloats("cnn1.weight", w, {16, 1, 5, 4});
        }) << "Tensor 'cnn1.weight' has shape [16, 1, 5, 4] but layer 'cnn1' needs [16, 1, 5, 5]" << "cnn1.weight";
        QTest::newRow("conv weight as 2-d") << mutated([](RawFile& f) { f.tensors["cnn1.weight"].shape = {16, 25}; })
                                            << "Tensor 'cnn1.weight' has shape [16, 25] but layer 'cnn1' needs [16, 1, 5, 5]" << "cnn1.weight";
        QTest::newRow("dtype not a string") << mutated([](RawFile& f) {
            f.edit_header = [](json& h) { h["cnn1.bias"]["dtype"] = 3; };
        }) << "malformed safetensors header" << file;
        QTest::newRow("group_size 0") << archChange([](json& a) { archLayer(a, "cnn1")["group_size"] = 0; })
                                      << "group_size 0; it must be between 1 and 255" << "cnn1";
        QTest::newRow("weight_density 0") << archChange([](json& a) { archLayer(a, "linear1")["weight_density"] = 0; })
                                          << "it must be in (0, 1]" << "linear1";
        QTest::newRow("negative padding") << archChange([](json& a) { archLayer(a, "cnn1")["padding"] = -1; })
                                          << "has padding -1; it must be between 0 and 65536" << "cnn1";
        // Issue 20: what the loader does not implement or cannot represent is refused, not bent.
        QTest::newRow("padding 2147483647") << archChange([](json& a) { archLayer(a, "cnn1")["padding"] = 2147483647; })
                                            << "has padding 2147483647; it must be between 0 and 65536" << "cnn1";
        QTest::newRow("padding 30000 (activations)") << archChange([](json& a) { archLayer(a, "cnn1")["padding"] = 30000; })
                                                     << "values per item" << "cnn1";
        QTest::newRow("padding 1e9 as a float") << archChange([](json& a) { archLayer(a, "cnn1")["padding"] = 1e9; })
                                                << "'padding' must be a whole number" << "cnn1";
        QTest::newRow("kernel_size 2^32+5") << archChange([](json& a) { archLayer(a, "cnn1")["kernel_size"] = {(int64_t(1) << 32) + 5, 5}; })
                                            << "kernel_size 4294967301" << "cnn1";
        QTest::newRow("kernel_size 2^64-1") << archChange([](json& a) { archLayer(a, "cnn1")["kernel_size"] = UINT64_MAX; })
                                            << "kernel_size 18446744073709551615" << "cnn1";
        QTest::newRow("k_inference 2^32+50") << archChange([](json& a) { archLayer(a, "linear1_kwinners")["k_inference"] = (int64_t(1) << 32) + 50; })
                                             << "k_inference 4294967346" << "linear1_kwinners";
        QTest::newRow("out_channels 16.5") << archChange([](json& a) { archLayer(a, "cnn1")["out_channels"] = 16.5; })
                                           << "'out_channels' must be a whole number" << "cnn1";
        QTest::newRow("kernel_size [5.5, 5]") << archChange([](json& a) { archLayer(a, "cnn1")["kernel_size"] = {5.5, 5}; })
                                              << "'kernel_size' must be a whole number" << "cnn1";
        QTest::newRow("input_shape [1, 32.5, 32]") << archChange([](json& a) { a["input_shape"] = {1, 32.5, 32}; })
                                                   << "must be a whole number" << "input_shape";
        QTest::newRow("eps 1e300") << archChange([](json& a) { archLayer(a, "cnn1_batchnorm")["eps"] = 1e300; })
                                   << "has eps 1e+300; it must be between" << "cnn1_batchnorm";
        QTest::newRow("conv dilation 2") << archChange([](json& a) { archLayer(a, "cnn1")["dilation"] = 2; })
                                         << "uses dilation 2, which SparseScope does not implement" << "cnn1";
        QTest::newRow("conv groups 4") << archChange([](json& a) { archLayer(a, "cnn2")["groups"] = 4; })
                                       << "uses groups 4, which SparseScope does not implement" << "cnn2";
        QTest::newRow("unknown layer key") << archChange([](json& a) { archLayer(a, "cnn1")["padding_mode"] = "reflect"; })
                                           << "has key 'padding_mode', which SparseScope does not know" << "cnn1";
        QTest::newRow("unknown architecture key") << archChange([](json& a) { a["quantisation"] = "int8"; })
                                                  << "has key 'quantisation'" << file;
        QTest::newRow("boost_strength 1024") << archChange([](json& a) { archLayer(a, "linear1_kwinners")["boost_strength"] = 1024; })
                                             << "has boost_strength 1024; it must be between 0 and 20" << "linear1_kwinners";
        QTest::newRow("duty cycle 1e9") << mutated([](RawFile& f) {
            auto d = f.floats("linear1_kwinners.duty_cycles");
            d[0] = 1e9f;
            f.setFloats("linear1_kwinners.duty_cycles", d);
        }) << "duty cycles must be between 0 and 1" << "linear1_kwinners.duty_cycles";
        QTest::newRow("tensor name with an ANSI escape") << mutated([](RawFile& f) {
            auto t = f.tensors.extract("cnn1.weight");
            t.key() = "\x1b[31mcnn1.weight";
            f.tensors.insert(std::move(t));
        }) << "holds control characters" << file;
        QTest::newRow("weight FLT_MAX") << mutated([](RawFile& f) {
            auto w = f.floats("cnn1.weight");
            *std::find_if(w.begin(), w.end(), [](float v) { return v != 0.0f; }) = std::numeric_limits<float>::max();
            f.setFloats("cnn1.weight", w);
        }) << "past what float32 holds safely" << "cnn1";
        QTest::newRow("batch-norm mean 1e30") << mutated([](RawFile& f) {
            auto m = f.floats("cnn1_batchnorm.running_mean");
            m[0] = 1e30f;
            f.setFloats("cnn1_batchnorm.running_mean", m);
        }) << "could carry an input of magnitude 10000" << "cnn1_batchnorm";
        QTest::newRow("audio sample_rate 0") << archChange([](json& a) { a["audio"]["sample_rate"] = 0; })
                                             << "sample_rate 0; it must be between 1000 and 192000" << file;
        QTest::newRow("audio sample_rate 2e9") << archChange([](json& a) { a["audio"]["sample_rate"] = 2000000000; })
                                               << "sample_rate 2000000000" << file;
        QTest::newRow("audio n_fft 0") << archChange([](json& a) { a["audio"]["n_fft"] = 0; }) << "n_fft 0" << file;
        QTest::newRow("audio hop_length 0") << archChange([](json& a) { a["audio"]["hop_length"] = 0; }) << "hop_length 0" << file;
        QTest::newRow("audio clip_seconds 3600") << archChange([](json& a) { a["audio"]["clip_seconds"] = 3600; })
                                                 << "clip_seconds 3600; it must be between 0 and 10" << file;
        QTest::newRow("audio 10 s, hop 1, 1024 mels") << archChange([](json& a) {
            a["audio"]["clip_seconds"] = 10;
            a["audio"]["hop_length"] = 1;
            a["audio"]["n_mels"] = 1024;
        }) << "features per clip" << file;
        QTest::newRow("audio unknown key") << archChange([](json& a) { a["audio"]["preemphasis"] = 0.97; })
                                           << "has key 'preemphasis'" << file;
        QTest::newRow("header nested 100000 deep") << Maker([] {
            return withLength(std::string(100000, '[') + std::string(100000, ']'));
        }) << "nests arrays or objects more than 64 levels deep" << file;
        QTest::newRow("architecture nested 100000 deep in info") << mutated([](RawFile& f) {
            std::string& arch = f.metadata["sparsescope"];
            const size_t at = arch.find("\"info\":");
            if (at != std::string::npos)
                arch.insert(at + 7, "{\"deep\":" + std::string(100000, '[') + std::string(100000, ']') + "},\"x\":");
        }) << "the architecture JSON nests arrays or objects more than 64 levels deep" << file;
        QTest::newRow("input shape not positive") << archChange([](json& a) { a["input_shape"] = {0, 32, 32}; })
                                                  << "input shape 0x32x32 is not positive" << "input_shape";
        QTest::newRow("k_inference above n") << archChange([](json& a) { archLayer(a, "linear1_kwinners")["k_inference"] = 61; })
                                             << "keeps k=61 winners of 60 units" << "linear1_kwinners";
        QTest::newRow("declared P on masks that collide") << archChange([](json& a) { archLayer(a, "cnn1")["group_size"] = 3; })
                                                          << "declares complementary groups of 3" << "cnn1.weight_mask";
        QTest::newRow("mask value 0.5") << mutated([](RawFile& f) {
            auto m = f.floats("cnn1.weight_mask");
            *std::find(m.begin(), m.end(), 1.0f) = 0.5f;
            f.setFloats("cnn1.weight_mask", m);
        }) << "a mask must be 0 or 1" << "cnn1.weight_mask";
        QTest::newRow("weight where mask is 0") << mutated([](RawFile& f) {
            const auto m = f.floats("cnn2.weight_mask");
            auto w = f.floats("cnn2.weight");
            const size_t i = size_t(std::find(m.begin(), m.end(), 0.0f) - m.begin());
            w[i] = 0.25f;
            f.setFloats("cnn2.weight", w);
        }) << "non-zero weight at output" << "cnn2.weight";
        QTest::newRow("declared density far from mask's") << archChange([](json& a) { archLayer(a, "cnn2")["weight_density"] = 0.3; })
                                                          << "declares weight_density 0.3" << "cnn2.weight_mask";
        QTest::newRow("complementary masks collide") << mutated([](RawFile& f) {
            // cnn1: P = 2, fan-in 25. Give output 0 one position that output 1 owns.
            auto m = f.floats("cnn1.weight_mask");
            for (int n = 0; n < 25; ++n)
                if (m[size_t(n)] == 0.0f) {
                    m[size_t(n)] = 1.0f;
                    break;
                }
            f.setFloats("cnn1.weight_mask", m);
        }) << "declares complementary groups of 2 but 1 input positions are owned by more than one output" << "cnn1.weight_mask";
        QTest::newRow("NaN weight") << mutated([](RawFile& f) {
            const auto m = f.floats("cnn2.weight_mask");
            auto w = f.floats("cnn2.weight");
            w[size_t(std::find(m.begin(), m.end(), 1.0f) - m.begin())] = std::numeric_limits<float>::quiet_NaN();
            f.setFloats("cnn2.weight", w);
        }) << "Layer 'cnn2' holds a non-finite parameter" << "cnn2";
        QTest::newRow("infinite running_mean") << mutated([](RawFile& f) {
            auto v = f.floats("linear1_bn.running_mean");
            v[3] = std::numeric_limits<float>::infinity();
            f.setFloats("linear1_bn.running_mean", v);
        }) << "Layer 'linear1_bn' holds a non-finite parameter" << "linear1_bn";
        QTest::newRow("negative running_var") << mutated([](RawFile& f) {
            auto v = f.floats("cnn1_batchnorm.running_var");
            v[0] = -1;
            f.setFloats("cnn1_batchnorm.running_var", v);
        }) << "negative running_var" << "cnn1_batchnorm.running_var";
        QTest::newRow("tensor of no layer") << mutated([](RawFile& f) { f.tensors["decoder.weight"] = f32(Tensor({3}, 1.0f)); })
                                            << "Tensor 'decoder.weight' in 'bad.safetensors' belongs to no layer" << "decoder.weight";
        QTest::newRow("linear in_features off the chain") << archChange([](json& a) { archLayer(a, "linear1")["in_features"] = 401; })
                                                          << "Layer 'linear1' (Linear) expects 401 input features but gets 400" << "linear1";
        QTest::newRow("conv in_channels off the chain") << archChange([](json& a) { archLayer(a, "cnn2")["in_channels"] = 15; })
                                                        << "Layer 'cnn2' (Conv2d) expects 15 input channels but gets 16" << "cnn2";
        QTest::newRow("classes not matching last layer") << archChange([](json& a) { a["classes"].erase(a["classes"].size() - 1); })
                                                         << "ends with 12 outputs but the model names 11 classes" << "softmax";
        QTest::newRow("duplicate layer name") << archChange([](json& a) { archLayer(a, "cnn2_maxpool")["name"] = "cnn1_maxpool"; })
                                              << "appears twice" << "cnn1_maxpool";
    }
    void refusesBadFiles()
    {
        QFETCH(Maker, make);
        QFETCH(QString, expect);
        QFETCH(QString, where);
        const auto bytes = make();
        auto m = modelFromBytes(bytes, "bad.safetensors");
        QVERIFY2(!m.isOk(), "a bad file was accepted");
        QVERIFY2(m.error().code == ErrorCode::BadInput, describe(m.error()).constData());
        QVERIFY2(m.message().find(expect.toStdString()) != std::string::npos, describe(m.error()).constData());
        QVERIFY2(m.error().where == where.toStdString(), describe(m.error()).constData());
        // The sentence names what is at fault: the file, or the layer the tensor belongs to. (The
        // classes-count and input-shape sentences name neither; their `where` is checked above.)
        const std::string named = where.endsWith(".safetensors") ? where.toStdString() : where.section('.', 0, 0).toStdString();
        if (where != "softmax" && where != "input_shape")
            QVERIFY2(m.message().find("'" + named) != std::string::npos, describe(m.error()).constData());
        // ... and is one sentence.
        QVERIFY2(m.message().ends_with(".") || m.message().ends_with(")."), describe(m.error()).constData());
        QVERIFY2(m.message().find('\n') == std::string::npos, describe(m.error()).constData());
    }

    void refusesOverflowingShapes_data()
    {
        QTest::addColumn<Maker>("make");
        // Element counts that wrap around 2^64 when multiplied: must be refused, never allocated.
        QTest::newRow("2^62 x 4, no bytes") << mutated([](RawFile& f) {
            f.tensors["cnn1.bias"].shape = {int64_t(1) << 62, 4};
            f.tensors["cnn1.bias"].bytes.clear();
        });
        QTest::newRow("2^62 x 2, no bytes") << mutated([](RawFile& f) {
            f.tensors["cnn1.bias"].shape = {int64_t(1) << 62, 2};
            f.tensors["cnn1.bias"].bytes.clear();
        });
        QTest::newRow("2^31 x 2^31 x 4") << mutated([](RawFile& f) {
            f.tensors["cnn1.bias"].shape = {int64_t(1) << 31, int64_t(1) << 31, 4};
            f.tensors["cnn1.bias"].bytes.clear();
        });
    }
    void refusesOverflowingShapes()
    {
        QFETCH(Maker, make);
        auto m = modelFromBytes(make(), "bad.safetensors");
        QVERIFY2(!m.isOk(), "a tensor with an overflowing element count was accepted");
        QCOMPARE(m.error().code, ErrorCode::BadInput);
    }

    void unmodifiedRawFileLoads()
    {
        // The control for refusesBadFiles: the test's own writer, with no change, gives a valid file.
        auto m = modelFromBytes(write(rawOf(smallModel())), "ok.safetensors");
        QVERIFY2(m.isOk(), m.isOk() ? "" : describe(m.error()).constData());
        compareModels(smallModel(), *m);
    }

    void everyTruncationRefused()
    {
        const auto bytes = modelToBytes(smallModel());
        uint64_t hlen = 0;
        for (int i = 7; i >= 0; --i)
            hlen = (hlen << 8) | bytes[size_t(i)];
        std::vector<size_t> cuts;
        for (size_t c = 0; c < 8 + hlen + 64; c += 3) // length field, all through the header, first data
            cuts.push_back(c);
        for (size_t c = 8 + hlen; c < bytes.size(); c += std::max<size_t>(1, bytes.size() / 97))
            cuts.push_back(c);
        for (size_t d = 1; d <= 16; ++d) // the last bytes
            cuts.push_back(bytes.size() - d);
        int refused = 0;
        for (size_t c : cuts) {
            const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + int64_t(c));
            auto m = modelFromBytes(cut, "cut.safetensors");
            QVERIFY2(!m.isOk(), qPrintable(QString("a file cut to %1 of %2 bytes was accepted").arg(c).arg(bytes.size())));
            QCOMPARE(m.error().code, ErrorCode::BadInput);
            QVERIFY2(!m.message().empty(), qPrintable(QString("cut at %1").arg(c)));
            ++refused;
        }
        QVERIFY(refused > 200);
    }

    void garbageRefused_data()
    {
        QTest::addColumn<int>("seed");
        QTest::addColumn<int>("size");
        QTest::addColumn<bool>("plausibleLength"); // a header length that fits the file
        for (int s = 1; s <= 6; ++s) {
            QTest::addRow("random %d", s) << s << 100 * s * s << false;
            QTest::addRow("random %d with plausible length", s) << s << 100 * s * s << true;
        }
    }
    void garbageRefused()
    {
        QFETCH(int, seed);
        QFETCH(int, size);
        QFETCH(bool, plausibleLength);
        std::mt19937 rng{uint32_t(seed)};
        std::vector<uint8_t> b(static_cast<size_t>(size));
        for (auto& v : b)
            v = uint8_t(rng());
        if (plausibleLength) {
            const uint64_t h = uint64_t(size) / 2;
            for (int i = 0; i < 8; ++i)
                b[size_t(i)] = uint8_t(h >> (8 * i));
            b[8] = '{';
        }
        auto m = modelFromBytes(b, "garbage.safetensors");
        QVERIFY(!m.isOk());
        QCOMPARE(m.error().code, ErrorCode::BadInput);
        QVERIFY2(m.message().find("garbage.safetensors") != std::string::npos, m.message().c_str());
    }

    // ---- what other writers produce -------------------------------------------------------------

    void acceptsOtherWriters_data()
    {
        QTest::addColumn<Maker>("make");
        QTest::newRow("nupic.torch duty_cycle spelling") << mutated([](RawFile& f) {
            for (const char* n : {"cnn1_kwinner", "cnn2_kwinner", "linear1_kwinners"}) {
                auto node = f.tensors.extract(std::string(n) + ".duty_cycles");
                node.key() = std::string(n) + ".duty_cycle";
                f.tensors.insert(std::move(node));
            }
        });
        QTest::newRow("duty cycles as [C]") << mutated([](RawFile& f) { f.tensors["cnn1_kwinner.duty_cycles"].shape = {16}; });
        QTest::newRow("U8 masks") << mutated([](RawFile& f) {
            for (auto& [name, t] : f.tensors)
                if (name.ends_with(".weight_mask")) {
                    const auto v = f.floats(name);
                    t.dtype = "U8";
                    t.bytes.assign(v.begin(), v.end());
                }
        });
        QTest::newRow("BOOL masks") << mutated([](RawFile& f) {
            for (auto& [name, t] : f.tensors)
                if (name.ends_with(".weight_mask")) {
                    const auto v = f.floats(name);
                    t.dtype = "BOOL";
                    t.bytes.assign(v.begin(), v.end());
                }
        });
        QTest::newRow("F16 masks") << mutated([](RawFile& f) {
            for (auto& [name, t] : f.tensors)
                if (name.ends_with(".weight_mask")) {
                    const auto v = f.floats(name);
                    t.dtype = "F16";
                    t.bytes.clear();
                    for (float x : v) { // 1.0 = 0x3c00, 0.0 = 0x0000 (little-endian)
                        t.bytes.push_back(0);
                        t.bytes.push_back(x != 0.0f ? 0x3c : 0);
                    }
                }
        });
        QTest::newRow("num_batches_tracked") << mutated([](RawFile& f) {
            for (const char* n : {"cnn1_batchnorm", "cnn2_batchnorm", "linear1_bn"}) {
                RawTensor t;
                t.dtype = "I64";
                t.shape = {};
                t.bytes = {0x39, 0x30, 0, 0, 0, 0, 0, 0}; // 12345
                f.tensors[std::string(n) + ".num_batches_tracked"] = t;
            }
        });
        QTest::newRow("boost_strength buffer") << mutated([](RawFile& f) {
            f.tensors["linear1_kwinners.boost_strength"] = f32(Tensor({}, 0.1f));
        });
        QTest::newRow("tensors stored out of order with gaps") << mutated([](RawFile& f) { f.reverse_with_gaps = true; });
    }
    void acceptsOtherWriters()
    {
        QFETCH(Maker, make);
        auto m = modelFromBytes(make(), "other.safetensors");
        QVERIFY2(m.isOk(), m.isOk() ? "" : describe(m.error()).constData());
        // The same model as written by SparseScope, whatever the spelling or dtype.
        compareModels(smallModel(), *m);
    }

    // ---- .npy ----------------------------------------------------------------------------------

    void npyRoundTrip_data()
    {
        QTest::addColumn<QList<qint64>>("shape");
        QTest::newRow("1x32x32") << QList<qint64>{1, 32, 32};
        QTest::newRow("vector") << QList<qint64>{7};
        QTest::newRow("2x3x4") << QList<qint64>{2, 3, 4};
        QTest::newRow("column") << QList<qint64>{3, 1};
        QTest::newRow("empty") << QList<qint64>{0};
    }
    void npyRoundTrip()
    {
        QFETCH(QList<qint64>, shape);
        QTemporaryDir dir;
        Tensor t(Shape(shape.begin(), shape.end()));
        for (size_t i = 0; i < t.data.size(); ++i)
            t.data[i] = float(i) * 0.37f - 3.0f;
        if (!t.data.empty())
            t.data[0] = -0.0f;
        const std::string path = dir.filePath("x.npy").toStdString();
        Status s = writeNpy(path, t);
        QVERIFY2(s.isOk(), s.isOk() ? "" : s.message().c_str());
        auto back = readNpy(path);
        QVERIFY2(back.isOk(), back.isOk() ? "" : back.message().c_str());
        QVERIFY(sameTensor(t, *back));
        // The header is what NumPy writes: version 1.0, 64-byte aligned data, a newline before it.
        std::ifstream f(path, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        QVERIFY(bytes.starts_with(std::string("\x93NUMPY\x01\x00", 8)));
        const size_t data = bytes.size() - t.data.size() * 4;
        QCOMPARE(data % 64, size_t(0));
        QCOMPARE(bytes[data - 1], '\n');
    }

    void npyReadsNumpyVariants_data()
    {
        QTest::addColumn<int>("major");
        QTest::addColumn<QString>("dict");
        QTest::newRow("numpy 1.0") << 1 << "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        QTest::newRow("no trailing comma") << 1 << "{'descr':'<f4','fortran_order':False,'shape':(2,3)}";
        QTest::newRow("version 2.0") << 2 << "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        QTest::newRow("version 3.0") << 3 << "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        QTest::newRow("shape first") << 1 << "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}";
        // std::regex overflowed the stack on this (issue 20); the hand-written parser reads it.
        QTest::newRow("30000 spaces") << 2 << ("{'descr': '<f4', 'fortran_order': False, 'shape': (2," + QString(30000, ' ') + "3), }");
    }
    void npyReadsNumpyVariants()
    {
        QFETCH(int, major);
        QFETCH(QString, dict);
        QTemporaryDir dir;
        const std::vector<float> v = {1, 2, 3, 4, 5, 6.5f};
        QVERIFY(writeBytes(dir.filePath("x.npy"), npyBytes(major, dict.toStdString(), floatBytes(v))));
        auto t = readNpy(dir.filePath("x.npy").toStdString());
        QVERIFY2(t.isOk(), t.isOk() ? "" : t.message().c_str());
        QCOMPARE(t->shape, (Shape{2, 3}));
        QCOMPARE(t->data, v);
    }

    void npyRefusals_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expect");
        auto qb = [](const std::vector<uint8_t>& b) { return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size())); };
        const auto six = floatBytes({1, 2, 3, 4, 5, 6});
        QTest::newRow("float64") << qb(npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                                                std::vector<uint8_t>(24, 0)))
                                 << "holds dtype <f8";
        QTest::newRow("big-endian float32") << qb(npyBytes(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }", six))
                                            << "holds dtype >f4";
        QTest::newRow("fortran order") << qb(npyBytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", six))
                                       << "Fortran order";
        auto cut = six;
        cut.resize(20);
        QTest::newRow("truncated data") << qb(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", cut))
                                        << "holds 20 data bytes but its shape [2, 3] needs 24";
        auto longer = six;
        longer.resize(28);
        QTest::newRow("trailing data") << qb(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", longer))
                                       << "holds 28 data bytes";
        auto header_cut = npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", {});
        header_cut.resize(40);
        QTest::newRow("truncated header") << qb(header_cut) << "truncated";
        QTest::newRow("no magic") << QByteArray("PK\x03\x04 this is a zip file, not an array") << "not a .npy file";
        QTest::newRow("empty") << QByteArray() << "not a .npy file";
        QTest::newRow("version 9") << qb([&] {
            auto b = npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", six);
            b[6] = 9;
            return b;
        }()) << "unsupported .npy version 9";
        QTest::newRow("no descr") << qb(npyBytes(1, "{'fortran_order': False, 'shape': (6,), }", six)) << "without 'descr'";
        // Issue 20: shapes that used to abort (stoll) or be bent, and a header that overflowed std::regex.
        const auto dict = [](const std::string& shape) { return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }"; };
        const char* not_whole = "dimensions are not all non-negative whole numbers";
        QTest::newRow("shape (abc,)") << qb(npyBytes(1, dict("(abc,)"), six)) << not_whole;
        QTest::newRow("shape (1024.7,)") << qb(npyBytes(1, dict("(1024.7,)"), six)) << not_whole;
        QTest::newRow("shape (-1, -1024)") << qb(npyBytes(1, dict("(-1, -1024)"), six)) << not_whole;
        QTest::newRow("30-digit dimension") << qb(npyBytes(1, dict("(123456789012345678901234567890,)"), six)) << "above 2^40";
        QTest::newRow("product past 1 GiB") << qb(npyBytes(1, dict("(1099511627776, 1099511627776)"), six)) << "more than the 1 GiB";
        QTest::newRow("unknown key") << qb(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}", six))
                                     << "unknown key 'x'";
        QTest::newRow("no shape") << qb(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, }", six)) << "without 'shape'";
    }
    void npyRefusals()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expect);
        QTemporaryDir dir;
        const QString path = dir.filePath("bad.npy");
        QVERIFY(writeBytes(path, std::vector<uint8_t>(bytes.begin(), bytes.end())));
        auto t = readNpy(path.toStdString());
        QVERIFY2(!t.isOk(), "a bad .npy was accepted");
        QCOMPARE(t.error().code, ErrorCode::BadInput);
        QVERIFY2(t.message().find(expect.toStdString()) != std::string::npos, t.message().c_str());
        QVERIFY2(t.message().find(path.toStdString()) != std::string::npos, t.message().c_str());
    }

    // A folder named x.npy used to abort (std::ios_failure); a FIFO blocked forever.
    void npySpecialFilesRefused()
    {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir("folder.npy"));
        auto t = readNpy(dir.filePath("folder.npy").toStdString());
        QVERIFY(!t.isOk());
        QVERIFY2(t.message().find("is not a regular file but a folder") != std::string::npos, t.message().c_str());
        const std::string fifo = dir.filePath("fifo.npy").toStdString();
        QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
        QElapsedTimer timer;
        timer.start();
        t = readNpy(fifo);
        QVERIFY(!t.isOk());
        QVERIFY2(t.message().find("is not a regular file") != std::string::npos, t.message().c_str());
        QVERIFY(timer.elapsed() < 5000);
    }

    // Boosting at the edges of what the loader accepts (duty cycles 0 and 1, boost_strength 20):
    // every boost factor is a normal float, so the engines pick the reference's winners (issue 20:
    // duty cycles of 1e9 underflowed the boost to 0 and dense and reference disagreed).
    void boostAtTheLimitsAgreesWithReference()
    {
        Model m = smallModel();
        int boosted = 0;
        for (auto& L : m.layers)
            if (L.kind == LayerKind::KWinners || L.kind == LayerKind::KWinners2d) {
                L.boost_strength = kMaxBoostStrength;
                QVERIFY(!L.duty_cycles.empty());
                for (size_t i = 0; i < L.duty_cycles.data.size(); ++i)
                    L.duty_cycles.data[i] = float(i % 3) / 2.0f; // 0, 0.5, 1
                ++boosted;
            }
        QVERIFY(boosted >= 2);
        auto loaded = modelFromBytes(modelToBytes(m), "boosted.safetensors");
        QVERIFY2(loaded.isOk(), loaded.isOk() ? "" : loaded.message().c_str());
        const int items = 8, K = loaded->numClasses();
        std::mt19937_64 rng(11);
        std::normal_distribution<float> nd(0.0f, 3.0f);
        std::vector<float> x(size_t(items) * size_t(loaded->input.size()));
        for (auto& v : x)
            v = nd(rng);
        std::vector<float> ref(size_t(items * K));
        QVERIFY(referenceForward(*loaded, x.data(), items, ref.data()).isOk());
        for (const char* name : {"dense", "csr", "sparse-dense", "sparse-sparse"}) {
            auto engine = createEngine(name);
            QVERIFY(engine);
            QVERIFY2(engine->prepare(*loaded, EngineOptions{}).isOk(), name);
            std::vector<float> got(size_t(items * K));
            QVERIFY2(engine->infer(x.data(), items, got.data()).isOk(), name);
            for (int i = 0; i < items; ++i) {
                const float* r = ref.data() + size_t(i) * K;
                const float* g = got.data() + size_t(i) * K;
                QVERIFY2(std::max_element(r, r + K) - r == std::max_element(g, g + K) - g, name);
                for (int c = 0; c < K; ++c)
                    QVERIFY2(std::abs(r[c] - g[c]) <= 1e-3f * std::max(1.0f, std::abs(r[c])), name);
            }
        }
    }

    void npyMissingFile()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("absent.npy").toStdString();
        auto t = readNpy(path);
        QVERIFY(!t.isOk());
        QCOMPARE(t.error().code, ErrorCode::BadInput);
        QVERIFY2(t.message().find(path) != std::string::npos, t.message().c_str());
        QVERIFY(!writeNpy(dir.filePath("no/such/dir.npy").toStdString(), Tensor({2})).isOk());
    }

    // ---- summarize ------------------------------------------------------------------------------

    void summaryOfGscModel()
    {
        const Model& m = gscModel();
        const ModelSummary s = summarize(m);
        QCOMPARE(s.layers.size(), m.layers.size());
        std::map<std::string, LayerSummary> by;
        for (const auto& l : s.layers)
            by[l.name] = l;
        QCOMPARE(by["cnn1"].macs_dense, 64.0 * 28 * 28 * 25);     // 1.2544 M
        QCOMPARE(by["cnn2"].macs_dense, 64.0 * 10 * 10 * 1600);   // 10.24 M
        QCOMPARE(by["linear1"].macs_dense, 1600.0 * 1000);        // 1.6 M
        QCOMPARE(by["output"].macs_dense, 1000.0 * 12);           // 12 k
        QCOMPARE(s.macs_dense, 1254400.0 + 10240000.0 + 1600000.0 + 12000.0);
        QVERIFY(std::abs(s.macs_dense - 13.1e6) < 0.01e6);
        QCOMPARE(s.macs_dense, m.macsDense());
        for (const char* n : {"cnn1_batchnorm", "cnn1_maxpool", "cnn1_kwinner", "flatten", "softmax"})
            QCOMPARE(by[n].macs_dense, 0.0);

        // Shapes, P, k
        QCOMPARE(by["cnn1"].out, (ActShape{64, 28, 28}));
        QCOMPARE(by["cnn2"].in, (ActShape{64, 14, 14}));
        QCOMPARE(by["flatten"].out, (ActShape{1600, 1, 1}));
        QCOMPARE(by["cnn1"].P, 2);
        QCOMPARE(by["cnn2"].P, 10);
        QCOMPARE(by["linear1"].P, 10);
        QCOMPARE(by["output"].P, 1);
        QCOMPARE(by["cnn1_kwinner"].k_inference, 1200);
        QCOMPARE(by["cnn2_kwinner"].k_inference, 200);
        QCOMPARE(by["linear1_kwinners"].k_inference, 100);
        for (const char* n : {"cnn1", "cnn2", "linear1"}) {
            QCOMPARE(by[n].routes, std::string("shared"));
            QVERIFY(by[n].complementarity.complementary());
            QVERIFY(std::abs(by[n].mask_density - by[n].weight_density) < 1e-9);
        }
        QCOMPARE(by["output"].routes, std::string());

        // The bound: dense * a * w with a = k/n of the k-WTA feeding the layer (1 for the input).
        const double a2 = 1200.0 / 12544, a3 = 200.0 / 1600, a4 = 100.0 / 1000;
        QCOMPARE(by["cnn1"].input_density, 1.0);
        QCOMPARE(by["cnn2"].input_density, a2);
        QCOMPARE(by["linear1"].input_density, a3);
        QCOMPARE(by["output"].input_density, a4);
        QCOMPARE(by["cnn1"].macs_bound, 1254400.0 * 1.0 * 0.5);
        QCOMPARE(by["cnn2"].macs_bound, 10240000.0 * a2 * 0.1);
        QCOMPARE(by["linear1"].macs_bound, 1600000.0 * a3 * 0.1);
        QCOMPARE(by["output"].macs_bound, 12000.0 * a4 * 1.0);
        for (const char* n : {"cnn1", "cnn2", "linear1", "output"})
            QVERIFY(by[n].input_density_exact);
        QVERIFY(std::abs(s.macs_bound - (627200.0 + 10240000.0 * a2 * 0.1 + 20000.0 + 1200.0)) < 1e-6);

        // Parameters: weights + biases of the four weighted layers; non-zero = masked-in + biases.
        const int64_t params = (64 * 25 + 64) + (64 * 1600 + 64) + (1600 * 1000 + 1000) + (1000 * 12 + 12);
        QCOMPARE(s.parameters, params);
        QVERIFY(s.nonzero_parameters < params);
        QVERIFY(s.nonzero_parameters <= int64_t(64 * 25 / 2 + 64 + 64 * 160 + 64 + 160000 + 1000 + 12000 + 12));
    }

    void summaryBoundThroughPool()
    {
        // k-WTA before max-pool: a after the pool is only estimated (at most 4x the k/n before it).
        SynthOptions o;
        o.order = KwtaOrder::KwtaThenPool;
        o.conv_channels = 16;
        o.hidden = 60;
        o.act_density = {0.05, 0.125, 0.1};
        auto m = synthModel(o);
        QVERIFY2(m.isOk(), m.isOk() ? "" : m.message().c_str());
        const ModelSummary s = summarize(*m);
        std::map<std::string, LayerSummary> by;
        for (const auto& l : s.layers)
            by[l.name] = l;
        const Layer* k1 = m->find("cnn1_kwinner");
        QVERIFY(k1);
        QCOMPARE(k1->in_shape, (ActShape{16, 28, 28}));
        QCOMPARE(k1->k_inference, int(std::lround(16 * 28 * 28 * 0.05)));
        const double a = std::min(1.0, 4.0 * k1->k_inference / (16.0 * 28 * 28));
        QVERIFY(std::abs(by["cnn2"].input_density - a) < 1e-12);
        QVERIFY(!by["cnn2"].input_density_exact);
        QVERIFY(std::abs(by["cnn2"].macs_bound - by["cnn2"].macs_dense * a * 0.1) < 1e-6);
        QVERIFY(by["linear1"].input_density_exact == false);
        QVERIFY(by["output"].input_density_exact);
        double total = 0;
        for (const auto& l : s.layers) {
            QVERIFY(std::abs(l.macs_bound - l.macs_dense * l.input_density * l.weight_density) <= 1e-9 * std::max(1.0, l.macs_dense));
            total += l.macs_bound;
        }
        QVERIFY(std::abs(total - s.macs_bound) < 1e-6);
    }

    // ---- the reference, by hand ----------------------------------------------------------------

    void referenceByHand_data()
    {
        QTest::addColumn<double>("boost");
        QTest::addColumn<QList<float>>("afterKwta");
        QTest::addColumn<QList<float>>("linear");
        // Pooled [5, 1, 5.5]; duty cycles [0.1, 0.5, 0.6], target 1/3:
        // boosted 5*e^(0.2333) = 6.31 > 5.5*e^(-0.2667) = 4.21 > 1*e^(-0.1667) = 0.85 -> channel 0 wins.
        QTest::newRow("boosted: channel 0 wins") << 1.0 << QList<float>{5, 0, 0} << QList<float>{5.5f, 2.0f};
        // Without boosting the largest raw value wins.
        QTest::newRow("no boost: channel 2 wins") << 0.0 << QList<float>{0, 0, 5.5f} << QList<float>{-5.0f, 5.0f};
    }
    void referenceByHand()
    {
        QFETCH(double, boost);
        QFETCH(QList<float>, afterKwta);
        QFETCH(QList<float>, linear);
        Model m = tinyModel(boost);
        Status s = m.inferShapes();
        QVERIFY2(s.isOk(), s.isOk() ? "" : s.message().c_str());
        QVERIFY2(validateModel(m).isOk(), "the hand-made model is valid");
        QCOMPARE(m.layers[3].k_inference, 1);
        // Also through a file: what is saved is what is run.
        auto loaded = modelFromBytes(modelToBytes(m), "tiny.safetensors");
        QVERIFY2(loaded.isOk(), loaded.isOk() ? "" : loaded.message().c_str());

        const std::vector<float> x = {1, 2, 0,
                                      0, -1, 3,
                                      2, 1, 1};
        // conv, by hand: ch0 = x[y][x] + x[y+1][x+1]; ch1 = half the window sum - 1; ch2 = 4.5 - x[y][x]
        const std::vector<float> conv = {0, 5, 1, 0,   // channel 0, max 5
                                         0, 1, 0, 1,   // channel 1, max 1
                                         3.5f, 2.5f, 4.5f, 5.5f}; // channel 2, max 5.5
        const std::vector<float> pooled = {5, 1, 5.5f};
        const double y0 = linear[0], y1 = linear[1];
        const double lse = std::max(y0, y1) + std::log1p(std::exp(-std::abs(y0 - y1)));
        const std::vector<float> logits = {float(y0 - lse), float(y1 - lse)};

        for (const Model* model : {&m, &*loaded}) {
            std::vector<std::vector<float>> trace;
            s = referenceForwardTrace(*model, x.data(), &trace);
            QVERIFY2(s.isOk(), s.isOk() ? "" : s.message().c_str());
            QCOMPARE(trace.size(), size_t(6));
            QCOMPARE(trace[0], conv);
            QCOMPARE(trace[1], pooled);
            QCOMPARE(trace[2], pooled); // flatten
            QCOMPARE(trace[3], std::vector<float>(afterKwta.begin(), afterKwta.end()));
            QCOMPARE(trace[4], std::vector<float>(linear.begin(), linear.end()));
            QCOMPARE(trace[5].size(), size_t(2));
            for (int i = 0; i < 2; ++i)
                QVERIFY2(std::abs(trace[5][size_t(i)] - logits[size_t(i)]) < 1e-6f,
                         qPrintable(QString("logit %1: %2 vs %3").arg(i).arg(trace[5][size_t(i)]).arg(logits[size_t(i)])));

            // referenceForward gives the last layer's output, item by item in a batch.
            std::vector<float> batch_in = x;
            batch_in.insert(batch_in.end(), x.begin(), x.end());
            std::vector<float> out(4, NAN);
            QVERIFY(referenceForward(*model, batch_in.data(), 2, out.data()).isOk());
            for (int b = 0; b < 2; ++b)
                for (int i = 0; i < 2; ++i)
                    QCOMPARE(out[size_t(b * 2 + i)], trace[5][size_t(i)]);
        }
    }
};

QTEST_GUILESS_MAIN(TestModel)
#include "tst_model.moc"
