// explainGroup: one complementary group explained step by step (Combine, Select, Multiply, Route,
// Sum). The Sum must equal the reference forward pass's raw layer output and, after the batch norm
// the engines fold in, what the sparse-sparse engine computes for those channels at that position.
#include "common/test_models.h"
#include "engines/engine.h"
#include "model/model.h"
#include "model/reference.h"
#include "model/synth.h"
#include "sparsity/explain.h"

#include <QtTest>

#include <array>
#include <cmath>

using namespace ss;

namespace {

bool close(double a, double b, double rel)
{
    return std::abs(a - b) <= rel * std::max(1.0, std::max(std::abs(a), std::abs(b)));
}

Model gsc(RouteLayout routes)
{
    SynthOptions o;
    o.routes = routes;
    auto m = synthModel(o);
    return std::move(*m);
}

int layerIndex(const Model& m, const std::string& name)
{
    for (int i = 0; i < int(m.layers.size()); ++i)
        if (m.layers[size_t(i)].name == name)
            return i;
    return -1;
}

// The model cut after layer `idx` (and the batch norm that follows it), ending in a vector so that an
// engine accepts it: the engine's output is then the layer's (batch-normed) output in C,H,W order.
Model truncatedAfter(const Model& m, int idx)
{
    Model t = m;
    size_t keep = size_t(idx) + 1;
    if (keep < m.layers.size() && m.layers[keep].kind == LayerKind::BatchNorm)
        ++keep;
    t.layers.resize(keep);
    if (t.layers.back().out_shape.h != 1 || t.layers.back().out_shape.w != 1) {
        Layer f;
        f.name = "explain_flatten";
        f.kind = LayerKind::Flatten;
        t.layers.push_back(f);
    }
    // The engine's "logits" are then the whole map: one class name per value.
    t.classes.assign(size_t(t.layers[keep - 1].out_shape.size()), "v");
    const auto s = t.inferShapes();
    if (!s)
        qFatal("%s", s.message().c_str());
    return t;
}

// What the batch norm after layer idx (if any) makes of output channel o's raw value v.
double batchNormed(const Model& m, int idx, int o, double v)
{
    if (size_t(idx) + 1 >= m.layers.size() || m.layers[size_t(idx) + 1].kind != LayerKind::BatchNorm)
        return v;
    const Layer& B = m.layers[size_t(idx) + 1];
    double y = (v - B.running_mean.data[size_t(o)]) / std::sqrt(double(B.running_var.data[size_t(o)]) + B.eps);
    if (B.affine)
        y = y * B.bn_weight.data[size_t(o)] + B.bn_bias.data[size_t(o)];
    return y;
}

} // namespace

class TestExplain : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void explainableLayers();
    void sumEqualsReferenceAndEngine_data();
    void sumEqualsReferenceAndEngine();
    void combineHasNoCollision();
    void refusesWithSentence();
    void randomFeaturesAreReproducible();
};

void TestExplain::explainableLayers()
{
    const Model m = gsc(RouteLayout::Shared);
    const auto idx = ss::explainableLayers(m);
    QStringList names;
    for (int i : idx)
        names << QString::fromStdString(m.layers[size_t(i)].name);
    // The gsc preset: conv1 P=2, conv2 P=10, linear1 P=10; the output layer is dense.
    QCOMPARE(names, (QStringList{"cnn1", "cnn2", "linear1"}));
}

void TestExplain::sumEqualsReferenceAndEngine_data()
{
    QTest::addColumn<int>("routes"); // 0 shared, 1 independent, 2 odd model (padding, stride 2)
    QTest::newRow("gsc shared routes") << 0;
    QTest::newRow("gsc independent routes") << 1;
    QTest::newRow("odd model") << 2;
}

void TestExplain::sumEqualsReferenceAndEngine()
{
    QFETCH(int, routes);
    const Model m = routes == 2 ? sstest::oddModel(7, RouteLayout::Independent, true)
                                : gsc(routes == 0 ? RouteLayout::Shared : RouteLayout::Independent);
    const std::vector<float> input = sstest::randomInputs(m, 1, 11);
    const auto layers = ss::explainableLayers(m);
    QVERIFY(!layers.empty());
    for (int li : layers) {
        const Layer& L = m.layers[size_t(li)];
        const Model t = truncatedAfter(m, li);
        auto engine = createEngine("sparse-sparse");
        QVERIFY(engine);
        const auto prepared = engine->prepare(t, EngineOptions{});
        QVERIFY2(prepared.isOk(), prepared.isOk() ? "" : prepared.message().c_str());
        std::vector<float> engine_out(size_t(t.layers.back().out_shape.size()));
        QVERIFY(engine->infer(input.data(), 1, engine_out.data()).isOk());

        const int G = (L.outputs() + L.group_size - 1) / L.group_size;
        const bool conv = L.kind == LayerKind::Conv2d;
        const int H = L.out_shape.h, W = L.out_shape.w;
        const std::vector<std::array<int, 3>> cases = {{0, 0, 0}, {G - 1, H - 1, W - 1}, {G / 2, H / 2, W / 3}};
        for (const auto& [g, oy, ox] : cases) {
            auto e = explainGroup(m, li, g, input, oy, ox);
            QVERIFY2(e.isOk(), e.isOk() ? "" : e.message().c_str());
            const QByteArray where = QStringLiteral("%1 g=%2 (%3,%4)").arg(QString::fromStdString(L.name)).arg(g).arg(oy).arg(ox).toUtf8();
            QCOMPARE(e->P, L.group_size);
            QCOMPARE(e->N, L.fanIn());
            QCOMPARE(int(e->outputs.size()), e->P);
            QCOMPARE(e->macs_dense, double(e->P) * e->N);
            QCOMPARE(e->macs_sparse_dense, double(e->N));
            int nnz = 0;
            for (int n = 0; n < e->N; ++n) {
                QCOMPARE(e->products[size_t(n)], float(double(e->wc[size_t(n)]) * e->x[size_t(n)]));
                QCOMPARE(bool(e->winners[size_t(n)]), e->x[size_t(n)] != 0.0f);
                nnz += e->x[size_t(n)] != 0.0f;
            }
            QCOMPARE(e->nonzeros, nnz);
            QCOMPARE(e->macs_sparse_sparse, double(nnz));
            for (int r = 0; r < e->P; ++r) {
                const int o = e->owners[size_t(r)];
                if (o < 0)
                    continue;
                QCOMPARE(o, g * e->P + r);
                // Sum == the reference's raw layer output (its own accumulation order: exact to 1e-5).
                QVERIFY2(close(e->outputs[size_t(r)], e->reference[size_t(r)], 1e-5), where.constData());
                QVERIFY2(close(e->outputs[size_t(r)], double(e->partial_sums[size_t(r)]) + e->bias[size_t(r)], 1e-5), where.constData());
                // ... and, batch norm applied, what the sparse-sparse engine computes there.
                const size_t j = conv ? (size_t(o) * H + oy) * W + ox : size_t(o);
                const double want = batchNormed(m, li, o, e->outputs[size_t(r)]);
                QVERIFY2(close(engine_out[j], want, 1e-4),
                         qPrintable(QStringLiteral("%1 slot %2: engine %3, explained %4").arg(QString::fromUtf8(where)).arg(r)
                                        .arg(engine_out[j]).arg(want)));
            }
        }
    }
}

void TestExplain::combineHasNoCollision()
{
    const Model m = gsc(RouteLayout::Shared);
    const int li = layerIndex(m, "cnn2");
    auto e = explainGroup(m, li, 3, randomFeatures(m, 1), 2, 5);
    QVERIFY(e.isOk());
    QCOMPARE(e->collisions, 0);
    QCOMPARE(e->C * e->kh * e->kw, e->N);
    QCOMPARE(e->N, 64 * 5 * 5);
    QVERIFY(e->input_sparse);
    QVERIFY(e->outputs_note.find("cnn2_batchnorm") != std::string::npos);
    int routed = 0;
    for (int n = 0; n < e->N; ++n) {
        int owners = 0;
        for (int r = 0; r < e->P; ++r)
            owners += e->masks[size_t(r) * e->N + n];
        QVERIFY(owners <= 1);
        if (owners == 1) {
            const int r = e->route[size_t(n)];
            QVERIFY(r >= 0 && r < e->P);
            QVERIFY(e->masks[size_t(r) * e->N + n]);
            QCOMPARE(e->wc[size_t(n)], e->weights[size_t(r) * e->N + n]);
            ++routed;
        } else {
            QCOMPARE(int(e->route[size_t(n)]), -1);
        }
    }
    QCOMPARE(routed + e->uncovered, e->N);
    int per_slot = 0;
    for (int c : e->products_per_slot)
        per_slot += c;
    QCOMPARE(per_slot, routed);
}

void TestExplain::refusesWithSentence()
{
    Model m = gsc(RouteLayout::Shared);
    const auto x = randomFeatures(m, 1);
    auto out = explainGroup(m, layerIndex(m, "output"), 0, x);
    QVERIFY(!out.isOk());
    QVERIFY2(out.message().find("not complementary") != std::string::npos, out.message().c_str());
    auto pool = explainGroup(m, layerIndex(m, "cnn1_maxpool") >= 0 ? layerIndex(m, "cnn1_maxpool") : 1, 0, x);
    QVERIFY(!pool.isOk());
    QVERIFY(!explainGroup(m, 99, 0, x).isOk());
    auto g = explainGroup(m, layerIndex(m, "cnn2"), 7, x);
    QVERIFY(!g.isOk());
    QVERIFY2(g.message().find("0 to 6") != std::string::npos, g.message().c_str());
    QVERIFY(!explainGroup(m, layerIndex(m, "cnn2"), 0, x, 10, 0).isOk());
    QVERIFY(!explainGroup(m, layerIndex(m, "cnn2"), 0, std::vector<float>(5)).isOk());

    // Random (non-complementary) masks declared as a group of 10: collisions, refused.
    SynthOptions o;
    o.complementary = false;
    Model r = std::move(*synthModel(o));
    const int li = layerIndex(r, "cnn2");
    r.layers[size_t(li)].group_size = 10;
    auto c = explainGroup(r, li, 0, x);
    QVERIFY(!c.isOk());
    QVERIFY2(c.message().find("collide") != std::string::npos, c.message().c_str());
    QVERIFY(ss::explainableLayers(r).empty());
}

void TestExplain::randomFeaturesAreReproducible()
{
    const Model m = gsc(RouteLayout::Shared);
    const auto a = randomFeatures(m, 1), b = randomFeatures(m, 1), c = randomFeatures(m, 2);
    QCOMPARE(int64_t(a.size()), m.input.size());
    QCOMPARE(a, b);
    QVERIFY(a != c);
    for (float v : a)
        QVERIFY(v >= -80.0f && v <= 0.0f);
}

QTEST_GUILESS_MAIN(TestExplain)
#include "tst_explain.moc"
