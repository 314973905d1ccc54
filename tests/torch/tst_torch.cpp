// Tests of the 'torch' engine: small sparse CNNs with random weights, random 0/1 masks and boosted
// k-WTA, run by libtorch and by a plain scalar forward pass written here (PyTorch semantics,
// double accumulation, values stored as float between layers as PyTorch does). Checks behaviour,
// not speed (DESIGN.md §4).
#include "engines/torch_engine.h"
#include "model/model.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace ss;

namespace {

// ---- model builders --------------------------------------------------------------------------

struct Rng {
    std::mt19937_64 g;
    explicit Rng(uint64_t seed) : g(seed) {}
    float normal(float sd = 1.0f) { return std::normal_distribution<float>(0.0f, sd)(g); }
    float uniform(float a, float b) { return std::uniform_real_distribution<float>(a, b)(g); }
    bool bernoulli(double p) { return std::bernoulli_distribution(p)(g); }
};

void fillWeighted(Layer& L, Shape shape, double density, Rng& r)
{
    const int fan_in = L.fanIn();
    L.weight = Tensor(shape);
    for (float& w : L.weight.data)
        w = r.normal(1.0f / std::sqrt(float(fan_in) * float(density)));
    L.bias = Tensor({int64_t(L.outputs())});
    for (float& b : L.bias.data)
        b = r.normal(0.1f);
    L.weight_density = density;
    if (density < 1.0) {
        L.mask = Tensor(shape);
        for (float& m : L.mask.data)
            m = r.bernoulli(density) ? 1.0f : 0.0f;
    }
}

Layer conv(const std::string& name, int cin, int cout, int k, int pad, double density, Rng& r)
{
    Layer L;
    L.kind = LayerKind::Conv2d;
    L.name = name;
    L.in_channels = cin;
    L.out_channels = cout;
    L.kernel_h = L.kernel_w = k;
    L.padding = pad;
    fillWeighted(L, {cout, cin, k, k}, density, r);
    return L;
}

Layer linear(const std::string& name, int in, int out, double density, Rng& r)
{
    Layer L;
    L.kind = LayerKind::Linear;
    L.name = name;
    L.in_features = in;
    L.out_features = out;
    fillWeighted(L, {out, in}, density, r);
    return L;
}

Layer batchNorm(const std::string& name, int C, bool affine, Rng& r)
{
    Layer L;
    L.kind = LayerKind::BatchNorm;
    L.name = name;
    L.num_features = C;
    L.affine = affine;
    L.running_mean = Tensor({C});
    L.running_var = Tensor({C});
    for (int c = 0; c < C; ++c) {
        L.running_mean.data[size_t(c)] = r.normal(0.2f);
        L.running_var.data[size_t(c)] = r.uniform(0.3f, 2.0f);
    }
    if (affine) {
        L.bn_weight = Tensor({C});
        L.bn_bias = Tensor({C});
        for (int c = 0; c < C; ++c) {
            L.bn_weight.data[size_t(c)] = r.uniform(0.5f, 1.5f);
            L.bn_bias.data[size_t(c)] = r.normal(0.1f);
        }
    }
    return L;
}

Layer simple(LayerKind kind, const std::string& name)
{
    Layer L;
    L.kind = kind;
    L.name = name;
    return L;
}

// Duty cycles spread widely so that boosting really changes the winners.
Layer kwinners2d(const std::string& name, int C, double percent_on, double boost, bool local, Rng& r)
{
    Layer L = simple(LayerKind::KWinners2d, name);
    L.num_features = C;
    L.percent_on = percent_on;
    L.boost_strength = boost;
    L.local = local;
    L.duty_cycles = Tensor({1, C, 1, 1});
    for (float& d : L.duty_cycles.data)
        d = r.uniform(0.0f, 2.0f * float(percent_on));
    return L;
}

Layer kwinners(const std::string& name, int n, double percent_on, double boost, Rng& r)
{
    Layer L = simple(LayerKind::KWinners, name);
    L.percent_on = percent_on;
    L.boost_strength = boost;
    L.duty_cycles = Tensor({n});
    for (float& d : L.duty_cycles.data)
        d = r.uniform(0.0f, 2.0f * float(percent_on));
    return L;
}

// conv -> bn(affine=false) -> maxpool -> KWinners2d(global, boost) -> conv -> maxpool ->
// KWinners2d -> flatten -> linear -> KWinners -> linear
Model chainModel(uint64_t seed)
{
    Rng r(seed);
    Model m;
    m.name = "chain";
    m.input = {1, 14, 14};
    m.classes = {"a", "b", "c", "d", "e"};
    m.layers.push_back(conv("cnn1", 1, 8, 3, 1, 0.5, r));            // 8x14x14
    m.layers.push_back(batchNorm("cnn1_batchnorm", 8, false, r));
    m.layers.push_back(simple(LayerKind::MaxPool2d, "cnn1_maxpool")); // 8x7x7
    m.layers.push_back(kwinners2d("cnn1_kwinner", 8, 0.2, 1.5, false, r));
    m.layers.push_back(conv("cnn2", 8, 12, 3, 0, 0.3, r));            // 12x5x5
    m.layers.push_back(simple(LayerKind::MaxPool2d, "cnn2_maxpool")); // 12x2x2 (floor)
    m.layers.push_back(kwinners2d("cnn2_kwinner", 12, 0.25, 1.0, false, r));
    m.layers.push_back(simple(LayerKind::Flatten, "flatten"));        // 48
    m.layers.push_back(linear("linear1", 48, 32, 0.25, r));
    m.layers.push_back(kwinners("linear1_kwinners", 32, 0.25, 1.5, r));
    m.layers.push_back(linear("output", 32, 5, 1.0, r));              // no mask
    return m;
}

// Local k-WTA (per position over channels), k-WTA before max-pool, affine batch norm, ReLU,
// stride and log-softmax.
Model localModel(uint64_t seed)
{
    Rng r(seed);
    Model m;
    m.name = "local";
    m.input = {2, 13, 13};
    m.classes = {"a", "b", "c", "d"};
    Layer c1 = conv("cnn1", 2, 8, 3, 1, 0.5, r);                      // 8x13x13
    m.layers.push_back(std::move(c1));
    m.layers.push_back(batchNorm("cnn1_batchnorm", 8, true, r));
    m.layers.push_back(kwinners2d("cnn1_kwinner", 8, 0.375, 1.5, true, r)); // k = 3 of 8 per position
    m.layers.push_back(simple(LayerKind::MaxPool2d, "cnn1_maxpool")); // 8x6x6
    m.layers.push_back(simple(LayerKind::ReLU, "relu"));
    Layer c2 = conv("cnn2", 8, 10, 3, 1, 0.4, r);
    c2.stride = 2;                                                    // 10x3x3
    m.layers.push_back(std::move(c2));
    m.layers.push_back(kwinners2d("cnn2_kwinner", 10, 0.3, 0.0, true, r)); // no boosting
    m.layers.push_back(simple(LayerKind::Flatten, "flatten"));        // 90
    m.layers.push_back(linear("linear1", 90, 24, 0.3, r));
    m.layers.push_back(kwinners("linear1_kwinners", 24, 0.25, 1.0, r));
    m.layers.push_back(linear("output", 24, 4, 1.0, r));
    m.layers.push_back(simple(LayerKind::LogSoftmax, "log_softmax"));
    return m;
}

Model modelFor(const QString& variant, uint64_t seed)
{
    return variant == "local" ? localModel(seed) : chainModel(seed);
}

// ---- scalar reference (PyTorch semantics) -----------------------------------------------------

float boostFactor(double k, double n, float duty, double strength)
{
    return float(std::exp((k / n - double(duty)) * strength));
}

// Keeps the k largest of boosted[i] = x[i] * boost[i] (lower index first on ties).
void keepTopK(std::vector<float>& vals, const std::vector<float>& boost, int k)
{
    const size_t n = vals.size();
    std::vector<float> b(n);
    for (size_t i = 0; i < n; ++i)
        b[i] = vals[i] * boost[i];
    std::vector<size_t> idx(n);
    std::iota(idx.begin(), idx.end(), size_t{0});
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t c) { return b[a] > b[c]; });
    for (size_t j = size_t(k); j < n; ++j)
        vals[idx[j]] = 0.0f;
}

std::vector<float> referenceLayer(const Layer& L, const std::vector<float>& x)
{
    const ActShape in = L.in_shape, out = L.out_shape;
    std::vector<float> y(size_t(out.size()));
    auto w = [&](size_t i) { return double(L.weight.data[i]) * (L.mask.empty() ? 1.0 : double(L.mask.data[i])); };
    switch (L.kind) {
    case LayerKind::Conv2d:
        for (int o = 0; o < out.c; ++o)
            for (int oy = 0; oy < out.h; ++oy)
                for (int ox = 0; ox < out.w; ++ox) {
                    double acc = L.bias.empty() ? 0.0 : L.bias.data[size_t(o)];
                    for (int c = 0; c < in.c; ++c)
                        for (int dy = 0; dy < L.kernel_h; ++dy)
                            for (int dx = 0; dx < L.kernel_w; ++dx) {
                                const int iy = oy * L.stride - L.padding + dy, ix = ox * L.stride - L.padding + dx;
                                if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w)
                                    continue;
                                acc += w(((size_t(o) * in.c + c) * L.kernel_h + dy) * L.kernel_w + dx) *
                                       x[(size_t(c) * in.h + iy) * in.w + ix];
                            }
                    y[(size_t(o) * out.h + oy) * out.w + ox] = float(acc);
                }
        break;
    case LayerKind::Linear:
        for (int o = 0; o < L.out_features; ++o) {
            double acc = L.bias.empty() ? 0.0 : L.bias.data[size_t(o)];
            for (int i = 0; i < L.in_features; ++i)
                acc += w(size_t(o) * L.in_features + i) * x[size_t(i)];
            y[size_t(o)] = float(acc);
        }
        break;
    case LayerKind::MaxPool2d:
        for (int c = 0; c < out.c; ++c)
            for (int oy = 0; oy < out.h; ++oy)
                for (int ox = 0; ox < out.w; ++ox) {
                    float m = -std::numeric_limits<float>::infinity();
                    for (int dy = 0; dy < L.pool_kernel; ++dy)
                        for (int dx = 0; dx < L.pool_kernel; ++dx)
                            m = std::max(m, x[(size_t(c) * in.h + oy * L.pool_stride + dy) * in.w +
                                              ox * L.pool_stride + dx]);
                    y[(size_t(c) * out.h + oy) * out.w + ox] = m;
                }
        break;
    case LayerKind::BatchNorm: {
        const size_t hw = size_t(in.h) * in.w;
        for (int c = 0; c < in.c; ++c) {
            const double inv = 1.0 / std::sqrt(double(L.running_var.data[size_t(c)]) + double(L.eps));
            const double g = L.affine ? L.bn_weight.data[size_t(c)] : 1.0;
            const double b = L.affine ? L.bn_bias.data[size_t(c)] : 0.0;
            for (size_t i = 0; i < hw; ++i)
                y[c * hw + i] = float((x[c * hw + i] - double(L.running_mean.data[size_t(c)])) * inv * g + b);
        }
        break;
    }
    case LayerKind::ReLU:
        for (size_t i = 0; i < x.size(); ++i)
            y[i] = std::max(0.0f, x[i]);
        break;
    case LayerKind::KWinners: {
        const int n = int(in.size());
        std::vector<float> boost(size_t(n), 1.0f);
        if (L.boost_strength > 0)
            for (int i = 0; i < n; ++i)
                boost[size_t(i)] = boostFactor(L.k_inference, n, L.duty_cycles.data[size_t(i)], L.boost_strength);
        y = x;
        keepTopK(y, boost, L.k_inference);
        break;
    }
    case LayerKind::KWinners2d: {
        const size_t hw = size_t(in.h) * in.w;
        y = x;
        if (L.local) {
            std::vector<float> boost(size_t(in.c), 1.0f), v(size_t(in.c));
            if (L.boost_strength > 0)
                for (int c = 0; c < in.c; ++c)
                    boost[size_t(c)] = boostFactor(L.k_inference, in.c, L.duty_cycles.data[size_t(c)], L.boost_strength);
            for (size_t p = 0; p < hw; ++p) {
                for (int c = 0; c < in.c; ++c)
                    v[size_t(c)] = x[c * hw + p];
                keepTopK(v, boost, L.k_inference);
                for (int c = 0; c < in.c; ++c)
                    y[c * hw + p] = v[size_t(c)];
            }
        } else {
            const double n = double(in.size());
            std::vector<float> boost(size_t(in.size()), 1.0f);
            if (L.boost_strength > 0)
                for (int c = 0; c < in.c; ++c)
                    std::fill_n(boost.begin() + int64_t(c * hw), hw,
                                boostFactor(L.k_inference, n, L.duty_cycles.data[size_t(c)], L.boost_strength));
            keepTopK(y, boost, L.k_inference);
        }
        break;
    }
    case LayerKind::Flatten:
        y = x;
        break;
    case LayerKind::LogSoftmax: {
        double m = -std::numeric_limits<double>::infinity();
        for (float v : x)
            m = std::max(m, double(v));
        double s = 0;
        for (float v : x)
            s += std::exp(double(v) - m);
        const double lse = m + std::log(s);
        for (size_t i = 0; i < x.size(); ++i)
            y[i] = float(double(x[i]) - lse);
        break;
    }
    }
    return y;
}

// Also returns each layer's input non-zeros summed over the batch.
std::vector<float> referenceForward(const Model& m, const std::vector<float>& input, int batch,
                                    std::vector<int64_t>* nonzeros = nullptr)
{
    const size_t in_size = size_t(m.input.size()), out_size = size_t(m.layers.back().out_shape.size());
    std::vector<float> logits(out_size * size_t(batch));
    if (nonzeros)
        nonzeros->assign(m.layers.size(), 0);
    for (int b = 0; b < batch; ++b) {
        std::vector<float> x(input.begin() + int64_t(b * in_size), input.begin() + int64_t((b + 1) * in_size));
        for (size_t l = 0; l < m.layers.size(); ++l) {
            if (nonzeros)
                (*nonzeros)[l] += std::count_if(x.begin(), x.end(), [](float v) { return v != 0.0f; });
            x = referenceLayer(m.layers[l], x);
        }
        std::copy(x.begin(), x.end(), logits.begin() + int64_t(b * out_size));
    }
    return logits;
}

std::vector<float> randomInput(const Model& m, int batch, uint64_t seed)
{
    Rng r(seed);
    std::vector<float> x(size_t(m.input.size()) * size_t(batch));
    for (float& v : x)
        v = r.normal();
    return x;
}

int argmax(const float* v, int n)
{
    return int(std::max_element(v, v + n) - v);
}

} // namespace

class TestTorch : public QObject {
    Q_OBJECT

private slots:
    void identity();
    void matchesScalarForward_data();
    void matchesScalarForward();
    void layerStats();
    void inputIsNotModified();
    void refusesBadModels();
    void refusesBadCalls();
};

void TestTorch::identity()
{
    auto e = makeTorchEngine();
    QCOMPARE(QString::fromStdString(e->name()), QString("torch"));
    QCOMPARE(QString::fromStdString(e->isa()), QString("libtorch"));
}

void TestTorch::matchesScalarForward_data()
{
    QTest::addColumn<QString>("variant");
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("threads");
    for (const char* variant : {"chain", "local"})
        for (int batch : {1, 8})
            for (int threads : {1, 2})
                QTest::addRow("%s/batch%d/threads%d", variant, batch, threads) << QString(variant) << batch << threads;
}

void TestTorch::matchesScalarForward()
{
    QFETCH(QString, variant);
    QFETCH(int, batch);
    QFETCH(int, threads);

    for (uint64_t seed : {1u, 2u, 3u}) {
        Model m = modelFor(variant, seed);
        QVERIFY2(m.inferShapes().isOk(), "test model is inconsistent");
        const std::vector<float> input = randomInput(m, batch, 100 + seed);
        const std::vector<float> want = referenceForward(m, input, batch);

        auto engine = makeTorchEngine();
        EngineOptions opt;
        opt.threads = threads;
        Status st = engine->prepare(m, opt);
        QVERIFY2(st.isOk(), st.isOk() ? "" : st.message().c_str());
        const int classes = int(m.layers.back().out_shape.size());
        std::vector<float> got(size_t(batch) * classes, std::nanf(""));
        for (int rep = 0; rep < 2; ++rep) { // a second run reuses everything prepared
            st = engine->infer(input.data(), batch, got.data());
            QVERIFY2(st.isOk(), st.isOk() ? "" : st.message().c_str());
            for (int b = 0; b < batch; ++b) {
                const float* g = got.data() + size_t(b) * classes;
                const float* w = want.data() + size_t(b) * classes;
                double scale = 0;
                for (int i = 0; i < classes; ++i)
                    scale = std::max(scale, std::abs(double(w[i])));
                for (int i = 0; i < classes; ++i) {
                    const double err = std::abs(double(g[i]) - double(w[i]));
                    if (!(err <= 1e-4 * std::max(scale, 1e-3)))
                        QFAIL(qPrintable(QString("seed %1 item %2 logit %3: torch %4, reference %5")
                                             .arg(seed).arg(b).arg(i).arg(double(g[i]), 0, 'g', 9)
                                             .arg(double(w[i]), 0, 'g', 9)));
                }
                QCOMPARE(argmax(g, classes), argmax(w, classes));
            }
        }
    }
}

void TestTorch::layerStats()
{
    Model m = chainModel(7);
    QVERIFY(m.inferShapes().isOk());
    const int batch = 8;
    const std::vector<float> input = randomInput(m, batch, 70);
    std::vector<int64_t> nonzeros;
    referenceForward(m, input, batch, &nonzeros);

    auto engine = makeTorchEngine();
    QVERIFY(engine->prepare(m, EngineOptions{}).isOk());
    std::vector<float> logits(size_t(batch) * 5);
    QVERIFY(engine->infer(input.data(), batch, logits.data()).isOk());
    QVERIFY(engine->infer(input.data(), batch, logits.data()).isOk());

    const auto stats = engine->layerStats();
    QCOMPARE(stats.size(), m.layers.size());
    double total_seconds = 0;
    for (size_t l = 0; l < stats.size(); ++l) {
        const Layer& L = m.layers[l];
        const LayerStats& s = stats[l];
        QCOMPARE(QString::fromStdString(s.layer), QString::fromStdString(L.name));
        QVERIFY2(s.kernel.rfind("libtorch:aten::", 0) == 0, s.kernel.c_str());
        QVERIFY(!s.op.empty());
        QCOMPARE(s.items, int64_t(2 * batch));
        QCOMPARE(s.input_size, double(L.in_shape.size()));
        QCOMPARE(s.weighted, L.hasWeights());
        QCOMPARE(s.macs_dense, L.macsDense());
        QCOMPARE(s.macs_executed, 2 * batch * L.macsDense()); // torch runs dense
        QCOMPARE(s.weight_density, L.hasWeights() ? L.weight_density : 1.0);
        QCOMPARE(s.input_nonzeros, 2.0 * double(nonzeros[l])); // measured, not assumed
        QVERIFY(s.seconds >= 0);
        total_seconds += s.seconds;
    }
    QVERIFY(total_seconds > 0);
    QCOMPARE(QString::fromStdString(stats[0].op), QString("conv2d"));
    QCOMPARE(QString::fromStdString(stats[3].op), QString("kwinners2d"));
    QCOMPARE(QString::fromStdString(stats[8].op), QString("linear"));
    // After a k-WTA exactly k winners enter the next layer (random inputs: no zero winners).
    QCOMPARE(stats[4].input_nonzeros, double(2 * batch * m.layers[3].k_inference));
    QCOMPARE(stats[10].input_nonzeros, double(2 * batch * m.layers[9].k_inference));
    QCOMPARE(stats[4].inputDensity(), double(m.layers[3].k_inference) / double(m.layers[3].in_shape.size()));

    engine->resetStats();
    for (const LayerStats& s : engine->layerStats()) {
        QCOMPARE(s.items, int64_t(0));
        QCOMPARE(s.macs_executed, 0.0);
        QCOMPARE(s.input_nonzeros, 0.0);
        QCOMPARE(s.seconds, 0.0);
        QVERIFY(!s.kernel.empty()); // descriptions survive a reset
    }
}

void TestTorch::inputIsNotModified()
{
    for (const char* variant : {"chain", "local"}) {
        Model m = modelFor(variant, 11);
        QVERIFY(m.inferShapes().isOk());
        const int batch = 3;
        const std::vector<float> input = randomInput(m, batch, 5);
        std::vector<float> copy = input;
        auto engine = makeTorchEngine();
        QVERIFY(engine->prepare(m, EngineOptions{}).isOk());
        std::vector<float> logits(size_t(batch) * m.layers.back().out_shape.size());
        QVERIFY(engine->infer(copy.data(), batch, logits.data()).isOk());
        QVERIFY(copy == input);
    }
}

void TestTorch::refusesBadModels()
{
    auto engine = makeTorchEngine();
    {
        Model m = chainModel(1);
        m.layers[4].mask = Tensor({3, 3});
        Status st = engine->prepare(m, EngineOptions{});
        QVERIFY(!st.isOk());
        QCOMPARE(int(st.error().code), int(ErrorCode::BadInput));
        QVERIFY2(st.message().find("cnn2") != std::string::npos, st.message().c_str());
        QCOMPARE(QString::fromStdString(st.error().where), QString("cnn2"));
    }
    {
        Model m = chainModel(1);
        m.layers[8].weight.data.pop_back();
        Status st = engine->prepare(m, EngineOptions{});
        QVERIFY(!st.isOk());
        QVERIFY2(st.message().find("linear1") != std::string::npos, st.message().c_str());
    }
    {
        Model m = chainModel(1);
        m.layers[9].duty_cycles = Tensor(); // boosting needs duty cycles
        Status st = engine->prepare(m, EngineOptions{});
        QVERIFY(!st.isOk());
        QVERIFY2(st.message().find("linear1_kwinners") != std::string::npos, st.message().c_str());
    }
    {
        Model m = chainModel(1);
        m.layers[1].running_var = Tensor({3});
        Status st = engine->prepare(m, EngineOptions{});
        QVERIFY(!st.isOk());
        QVERIFY2(st.message().find("cnn1_batchnorm") != std::string::npos, st.message().c_str());
    }
    {
        Model m = chainModel(1);
        m.layers[8].in_features = 47; // inconsistent chain: refused by the model's own checks
        QVERIFY(!engine->prepare(m, EngineOptions{}).isOk());
    }
    {
        Model m;
        QVERIFY(!engine->prepare(m, EngineOptions{}).isOk());
    }
    // A refused model leaves the engine unprepared, with no half-built layers.
    QVERIFY(engine->layerStats().empty());
    std::vector<float> in(14 * 14), out(5);
    QVERIFY(!engine->infer(in.data(), 1, out.data()).isOk());
}

void TestTorch::refusesBadCalls()
{
    auto engine = makeTorchEngine();
    std::vector<float> in(14 * 14 * 2), out(10);
    Status st = engine->infer(in.data(), 1, out.data());
    QVERIFY(!st.isOk()); // not prepared
    Model m = chainModel(1);
    QVERIFY(engine->prepare(m, EngineOptions{}).isOk());
    st = engine->infer(in.data(), 0, out.data());
    QVERIFY(!st.isOk());
    QCOMPARE(int(st.error().code), int(ErrorCode::BadInput));
    QVERIFY(!engine->infer(nullptr, 1, out.data()).isOk());
    QVERIFY(!engine->infer(in.data(), 1, nullptr).isOk());
    EngineOptions zero;
    zero.threads = 0;
    QVERIFY(!engine->prepare(m, zero).isOk());
}

QTEST_GUILESS_MAIN(TestTorch)
#include "tst_torch.moc"
