// The backbone of the suite: every engine, on every kernel ISA this CPU has, at batch 1, 3 and 8 (and
// 10 where a batch runs in tasks) and 1 and 2 threads, gives the scalar reference's logits (within 1e-4 relative) and its argmax.
#include "common/test_models.h"
#include "engines/engine.h"
#include "kernels/kernels.h"
#include "model/reference.h"
#include "model/synth.h"
#include "util/thread_pool.h"

#include <QtTest>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

using namespace ss;

Q_DECLARE_METATYPE(std::shared_ptr<ss::Model>)
Q_DECLARE_METATYPE(std::vector<double>)

class TestEngines : public QObject {
    Q_OBJECT

private:
    // sparseSparseConvMacsAreExact on one kernel ISA
    static void checkConvMacs(const Model& m, const std::vector<float>& x, const std::vector<std::vector<float>>& trace,
                              const std::string& isa)
    {
        auto e = createEngine("sparse-sparse");
        EngineOptions opt;
        opt.isa = isa;
        QVERIFY(e->prepare(m, opt).isOk());
        std::vector<float> logits(size_t(m.layers.back().out_shape.size()));
        QVERIFY(e->infer(x.data(), 1, logits.data()).isOk());
        const auto stats = e->layerStats();
        int checked = 0;
        for (size_t i = 1; i < m.layers.size(); ++i) {
            const Layer& L = m.layers[i];
            if (L.kind != LayerKind::Conv2d)
                continue;
            const auto st = std::find_if(stats.begin(), stats.end(), [&](const LayerStats& s) {
                return s.layer == L.name || s.layer.rfind(L.name + "+", 0) == 0;
            });
            QVERIFY(st != stats.end());
            if (st->kernel.find("scatter") == std::string::npos)
                continue; // a dense-input conv: gathered, all of its packed MACs
            const std::vector<float>& a = trace[i - 1]; // (C, H, W)
            const Tensor& wm = L.mask.empty() ? L.weight : L.mask;
            const int C = L.in_channels, H = L.in_shape.h, W = L.in_shape.w, kh = L.kernel_h, kw = L.kernel_w;
            std::vector<int> users(size_t(C) * kh * kw, 0); // outputs whose weight (c, dy, dx) is in the mask
            for (int o = 0; o < L.out_channels; ++o)
                for (size_t j = 0; j < users.size(); ++j)
                    users[j] += wm.ptr()[size_t(o) * users.size() + j] != 0.0f;
            int64_t expected = 0;
            for (int c = 0; c < C; ++c)
                for (int iy = 0; iy < H; ++iy)
                    for (int ix = 0; ix < W; ++ix) {
                        if (a[(size_t(c) * H + iy) * W + ix] == 0.0f)
                            continue;
                        for (int dy = 0; dy < kh; ++dy)
                            for (int dx = 0; dx < kw; ++dx) {
                                const int ty = iy + L.padding - dy, tx = ix + L.padding - dx;
                                if (ty >= 0 && tx >= 0 && ty % L.stride == 0 && tx % L.stride == 0 &&
                                    ty / L.stride < L.out_shape.h && tx / L.stride < L.out_shape.w)
                                    expected += users[(size_t(c) * kh + dy) * kw + dx];
                            }
                    }
            QVERIFY(expected > 0);
            QVERIFY2(int64_t(st->macs_executed) == expected,
                     qPrintable(QString("%1 %2: %3 MACs counted, %4 expected").arg(QString::fromStdString(isa), QString::fromStdString(st->layer))
                                    .arg(st->macs_executed).arg(expected)));
            ++checked;
        }
        QVERIFY(checked > 0);
    }

    static void compareToReference(const Model& model, const std::string& engine_name, const std::string& isa,
                                   int batch, int threads, uint64_t seed)
    {
        auto engine = createEngine(engine_name);
        QVERIFY(engine);
        EngineOptions opt;
        opt.threads = threads;
        opt.isa = isa;
        Status s = engine->prepare(model, opt);
        QVERIFY2(s.isOk(), s.isOk() ? "" : s.message().c_str());
        const auto x = sstest::randomInputs(model, batch, seed);
        const int K = int(model.layers.back().out_shape.size());
        std::vector<float> ref(size_t(batch) * K), got(size_t(batch) * K, NAN);
        QVERIFY(referenceForward(model, x.data(), batch, ref.data()).isOk());
        // run twice: the second run checks that no state leaks between calls
        for (int rep = 0; rep < 2; ++rep) {
            s = engine->infer(x.data(), batch, got.data());
            QVERIFY2(s.isOk(), s.isOk() ? "" : s.message().c_str());
        }
        for (int b = 0; b < batch; ++b) {
            const float* r = ref.data() + size_t(b) * K;
            const float* g = got.data() + size_t(b) * K;
            const auto [err, scale] = sstest::logitsError(r, g, K);
            const QByteArray where = QByteArray::fromStdString(engine_name + " isa=" + isa + " batch=" + std::to_string(batch) +
                                                               " threads=" + std::to_string(threads) + " item=" + std::to_string(b));
            QVERIFY2(err <= 1e-4 * scale, (where + " max error " + QByteArray::number(err) + " vs scale " + QByteArray::number(scale)).constData());
            QVERIFY2(sstest::argmax(r, K) == sstest::argmax(g, K), (where + " argmax differs").constData());
        }
        // Stats: one entry per step, MACs counted, time measured
        const auto stats = engine->layerStats();
        QVERIFY(!stats.empty());
        for (const auto& st : stats) {
            QCOMPARE(st.items, int64_t(2 * batch));
            if (st.weighted) {
                QVERIFY2(st.macs_executed > 0, st.layer.c_str());
                QVERIFY(st.inputDensity() > 0 && st.inputDensity() <= 1.0);
            }
        }
    }

private slots:
    void allEnginesMatchReference_data()
    {
        QTest::addColumn<std::shared_ptr<Model>>("model");
        QTest::addColumn<QString>("engine");
        QTest::addColumn<QString>("isa");
        QTest::addColumn<int>("batch");
        QTest::addColumn<int>("threads");

        std::vector<std::pair<QString, std::shared_ptr<Model>>> models;
        auto synth = [&](const QString& name, SynthOptions o) {
            auto m = synthModel(o);
            QVERIFY2(m.isOk(), m.isOk() ? "" : m.message().c_str());
            models.emplace_back(name, std::make_shared<Model>(*m));
        };
        SynthOptions o;
        synth("gsc-shared", o);
        o.seed = 2;
        o.weight_density = {0.5, 0.0625, 0.05};
        o.act_density = {0.05, 0.1, 0.15};
        o.routes = RouteLayout::Independent;
        synth("gsc-independent", o);
        o = {};
        o.seed = 3;
        o.order = KwtaOrder::KwtaThenPool;
        o.weight_density = {0.25, 0.125, 0.2, 1.0};
        synth("gsc-kwta-then-pool", o);
        o = {};
        o.seed = 4;
        o.complementary = false;
        synth("gsc-random-masks", o);
        o = {};
        o.seed = 9;
        o.weight_density = {1.0, 1.0, 0.4}; // the published dense-conv variant: conv2 dense after a k-WTA
        synth("gsc-dense-convs", o);
        o = {};
        o.seed = 15;
        o.weight_density = {0.5, 0.125, 1.0}; // linear1 dense after a k-WTA: one 1,000-output row held
        synth("gsc-dense-linear1", o);        // in registers 8 vectors at a time, the last vector partial
        models.emplace_back("odd-shared", std::make_shared<Model>(sstest::oddModel(5, RouteLayout::Shared, true)));
        models.emplace_back("odd-independent", std::make_shared<Model>(sstest::oddModel(6, RouteLayout::Independent, true)));
        models.emplace_back("odd-random", std::make_shared<Model>(sstest::oddModel(7, RouteLayout::Shared, false)));
        models.emplace_back("pooled", std::make_shared<Model>(sstest::pooledModel(8)));
        models.emplace_back("pooled-wide", std::make_shared<Model>(sstest::pooledModel(10, 1, 40, 2)));
        // 3 pooled windows a row: AVX-512 takes two windows per register tile and then one, with
        // full vectors (2 slots of 32 outputs, as the GSC conv1) and with partial ones (pooled, -wide)
        models.emplace_back("pooled-full", std::make_shared<Model>(sstest::pooledModel(14, 1, 64, 2)));
        models.emplace_back("pooled-banded", std::make_shared<Model>(sstest::pooledModel(11, 4, 12, 1)));
        // a scatter conv that pools in its rows: stride 1 with 16-float rows (40 outputs in 4 slots),
        // stride 2 with 8-float rows (12 in 3); the GSC models cover stride 1 with 8-float rows
        models.emplace_back("sparse-pooled", std::make_shared<Model>(sstest::sparsePooledModel(12, 1, 40, 4)));
        models.emplace_back("sparse-pooled-s2", std::make_shared<Model>(sstest::sparsePooledModel(13, 2, 12, 3)));

        std::vector<std::string> isas;
        for (auto isa : kernels::allIsas())
            if (kernels::cpuSupports(isa))
                isas.push_back(kernels::isaName(isa));
        for (const auto& [mname, model] : models)
            for (const auto& e : engineNames())
                for (const auto& isa : isas) {
                    if (e == "reference" || !findEngine(e)->fp32 || (e == "torch" && isa != isas.back()))
                        continue;
                    for (int batch : {1, 3, 8, 10})
                        for (int threads : {1, 2, 3}) {
                            if (batch == 10 && (e != "sparse-dense" || threads == 1 || isa != isas.back()))
                                continue; // sparse-dense runs tasks of 4 items from batch 8: 4 + 4 + a short 2
                            if (threads == 3 && (batch == 1 || mname.startsWith("gsc") || isa != isas.back()))
                                continue; // 3 workers (more than this 2-core CI has) on the small models: uneven shares
                            if (isa != isas.back() && (threads == 2 || batch != 1) && mname.startsWith("gsc"))
                                continue; // lower ISAs: one configuration per big model keeps the suite fast
                            if (batch == 3 && threads != 2)
                                continue; // 3 items on 2 threads: engines that run a batch in passes end on a short one
                            const QString tag = QString("%1/%2/%3/b%4/t%5").arg(mname, QString::fromStdString(e), QString::fromStdString(isa)).arg(batch).arg(threads);
                            QTest::newRow(tag.toUtf8().constData()) << model << QString::fromStdString(e) << QString::fromStdString(isa) << batch << threads;
                        }
                }
    }
    void allEnginesMatchReference()
    {
        QFETCH(std::shared_ptr<Model>, model);
        QFETCH(QString, engine);
        QFETCH(QString, isa);
        QFETCH(int, batch);
        QFETCH(int, threads);
        compareToReference(*model, engine.toStdString(), engine == "torch" ? "" : isa.toStdString(), batch, threads,
                           uint64_t(batch * 131 + threads));
    }

    void threadPoolCoversEveryIndexOnce_data()
    {
        QTest::addColumn<int>("threads");
        QTest::addColumn<int>("n");
        for (int threads : {2, 3})
            for (int n : {1, 2, 3, 7, 100})
                QTest::addRow("t%d n%d", threads, n) << threads << n;
    }
    void threadPoolCoversEveryIndexOnce()
    {
        // Back-to-back calls (the workers are still spinning) and calls after a pause (they have
        // blocked): every index runs exactly once, on a worker number below threads, and no call hangs.
        QFETCH(int, threads);
        QFETCH(int, n);
        ThreadPool pool(threads);
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        for (int call = 0; call < 300; ++call) {
            for (auto& h : hits)
                h = 0;
            std::atomic<bool> bad_worker{false};
            pool.parallelFor(n, [&](int b, int e, int w) {
                if (w < 0 || w >= threads)
                    bad_worker = true;
                for (int i = b; i < e; ++i)
                    ++hits[size_t(i)];
            });
            QVERIFY(!bad_worker);
            for (int i = 0; i < n; ++i)
                QCOMPARE(hits[size_t(i)].load(), 1);
            if (call % 50 == 49)
                std::this_thread::sleep_for(std::chrono::milliseconds(2)); // longer than the spin
        }
    }

    void tiesAgree_data()
    {
        QTest::addColumn<QString>("engine");
        for (const auto& e : engineNames())
            if (e != "reference" && findEngine(e)->fp32)
                QTest::newRow(e.c_str()) << QString::fromStdString(e);
    }
    void tiesAgree()
    {
        // Padded silence: a clip shorter than 1 s gives constant feature columns, so convs give
        // equal values at many positions and k-WTA must break exact ties. Every engine must pick
        // the reference's winners (lowest PyTorch flat index).
        QFETCH(QString, engine);
        auto m = synthModel({});
        QVERIFY(m.isOk());
        auto x = sstest::randomInputs(*m, 1, 77);
        for (int h = 0; h < 32; ++h)
            for (int w = 12; w < 32; ++w)
                x[size_t(h) * 32 + w] = -80.0f;
        std::vector<float> ref(12), got(12);
        QVERIFY(referenceForward(*m, x.data(), 1, ref.data()).isOk());
        auto e = createEngine(engine.toStdString());
        QVERIFY(e->prepare(*m, {}).isOk());
        QVERIFY(e->infer(x.data(), 1, got.data()).isOk());
        const auto [err, scale] = sstest::logitsError(ref.data(), got.data(), 12);
        QVERIFY2(err <= 1e-4 * scale, qPrintable(QString("max error %1 vs scale %2").arg(err).arg(scale)));
    }

    void sparseSparseDoesBoundedWork_data()
    {
        QTest::addColumn<std::vector<double>>("density");
        QTest::newRow("gsc") << std::vector<double>{};
        QTest::newRow("dense convs") << std::vector<double>{1.0, 1.0, 0.4}; // conv2: w = 1, only a is sparse
    }
    void sparseSparseDoesBoundedWork()
    {
        // On the GSC net, sparse-sparse must issue about a*w of dense MACs on conv2 and linear1,
        // and sparse-dense about w; the dense engine all of them.
        QFETCH(std::vector<double>, density);
        SynthOptions so;
        so.weight_density = density;
        auto m = synthModel(so);
        QVERIFY(m.isOk());
        const auto x = sstest::randomInputs(*m, 4, 9);
        std::vector<float> logits(size_t(4) * 12);
        auto run = [&](const std::string& name) {
            auto e = createEngine(name);
            e->prepare(*m, {});
            e->infer(x.data(), 4, logits.data());
            return e->layerStats();
        };
        for (const auto& st : run("sparse-sparse")) {
            if (!st.weighted || (st.layer.rfind("cnn2", 0) != 0 && st.layer.rfind("output", 0) != 0))
                continue;
            const double executed = st.macsExecutedPerItem();
            const double bound = st.macsBoundPerItem();
            // P=10 does not divide 64 (one group of 4): executed is within 25% of the bound
            QVERIFY2(executed >= bound * 0.75 && executed <= bound * 1.25,
                     qPrintable(QString("%1: executed %2 bound %3").arg(QString::fromStdString(st.layer)).arg(executed).arg(bound)));
            QVERIFY(st.inputDensity() > 0.05 && st.inputDensity() < 0.15);
        }
        for (const auto& st : run("dense"))
            if (st.weighted)
                QCOMPARE(st.macsExecutedPerItem(), st.macs_dense);
        for (const auto& st : run("sparse-dense"))
            if (st.weighted && st.weight_density < 1)
                QVERIFY(std::abs(st.macsExecutedPerItem() - st.macs_dense * st.weight_density) <= 0.01 * st.macs_dense);
    }

    void sparseSparseConvMacsAreExact_data()
    {
        QTest::addColumn<std::shared_ptr<ss::Model>>("model");
        auto gsc = synthModel(SynthOptions{});
        QVERIFY(gsc.isOk());
        QTest::newRow("gsc synth") << std::make_shared<Model>(std::move(*gsc));
        QTest::newRow("stride 2, odd maps") << std::make_shared<Model>(sstest::sparsePooledModel(21, 2, 12, 3));
        QTest::newRow("stride 1") << std::make_shared<Model>(sstest::sparsePooledModel(5, 1, 40, 4));
    }
    void sparseSparseConvMacsAreExact()
    {
        // The MACs sparse-sparse reports for a conv fed by a k-WTA are the useful products of its
        // winners, counted here from scratch on the reference's own activations: for each non-zero
        // input (c, iy, ix) and each tap through which it reaches an output, the outputs whose
        // mask holds that weight (CS: the G_r lanes of its packed row).
        QFETCH(std::shared_ptr<ss::Model>, model);
        const Model& m = *model;
        const auto x = sstest::randomInputs(m, 1, 17);
        std::vector<std::vector<float>> trace;
        QVERIFY(referenceForwardTrace(m, x.data(), &trace).isOk());
        for (kernels::Isa isa : kernels::allIsas()) {
            if (kernels::cpuSupports(isa))
                checkConvMacs(m, x, trace, kernels::isaName(isa));
            if (QTest::currentTestFailed())
                return;
        }
    }
    void scatterConvPoolsInItsRows_data()
    {
        QTest::addColumn<int>("stride");
        QTest::newRow("stride 1") << 1;
        QTest::newRow("stride 2") << 2;
    }
    void scatterConvPoolsInItsRows()
    {
        // sparse-sparse takes the pool after its k-WTA-fed conv into the conv step (one row, the
        // pooled map out); the gather engines keep the pool as its own step. allEnginesMatchReference
        // checks the values; this checks that the fused path is the one that ran.
        QFETCH(int, stride);
        const Model m = sstest::sparsePooledModel(21, stride, 12, 3);
        QVERIFY(m.layers.back().out_shape.size() == 4);
        const auto x = sstest::randomInputs(m, 2, 3);
        std::vector<float> logits(8);
        auto layers = [&](const std::string& name) {
            auto e = createEngine(name);
            [&] { QVERIFY(e->prepare(m, {}).isOk()); QVERIFY(e->infer(x.data(), 2, logits.data()).isOk()); }();
            std::vector<std::string> names;
            for (const auto& st : e->layerStats())
                names.push_back(st.layer + " " + st.kernel);
            return names;
        };
        const auto ss_layers = layers("sparse-sparse");
        const bool fused = std::any_of(ss_layers.begin(), ss_layers.end(), [](const std::string& l) {
            return l.rfind("c2+bn2+p2 conv+maxpool.f32.cs-sparse-row-scatter.", 0) == 0;
        });
        QVERIFY2(fused, qPrintable(QString::fromStdString(ss_layers[2])));
        const auto dense_layers = layers("dense");
        QVERIFY(std::any_of(dense_layers.begin(), dense_layers.end(), [](const std::string& l) { return l.rfind("p2 ", 0) == 0; }));
    }

    void registryAndErrors()
    {
        QVERIFY(createEngine("no-such-engine") == nullptr);
        auto list = parseEngineList("dense,sparse-sparse,dense");
        QVERIFY(list.isOk());
        QCOMPARE(list->size(), size_t(2));
        auto bad = parseEngineList("dense,warp-drive");
        QVERIFY(!bad.isOk());
        QVERIFY(bad.message().find("warp-drive") != std::string::npos);
        auto e = createEngine("dense");
        std::vector<float> out(12);
        QVERIFY(!e->infer(out.data(), 1, out.data()).isOk()); // not prepared: an error, not a crash
        EngineOptions opt;
        opt.isa = "sse9";
        auto m = synthModel({});
        QVERIFY(!e->prepare(*m, opt).isOk());
    }
};

QTEST_APPLESS_MAIN(TestEngines)
#include "tst_engines.moc"
