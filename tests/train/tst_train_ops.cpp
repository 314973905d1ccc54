// The trainer's own k-WTA, max-pool and batch norm (datasets/train/torch_ops.h) against libtorch and the
// engines' semantics: same forward values, same gradients, ties broken the same way. Its optimiser
// update against libtorch's SGD, Adam and AdamW over several steps.
#include "datasets/train/torch_ops.h"

#include <QTest>

#include <algorithm>
#include <memory>
#include <numeric>
#include <vector>

using namespace ss;

class TstTrainOps : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { torch::manual_seed(7); }

    void maxPoolMatchesLibtorch_data()
    {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("c");
        QTest::addColumn<int>("h");
        QTest::addColumn<int>("w");
        QTest::addColumn<int>("k");
        QTest::newRow("gsc conv1 map") << 4 << 64 << 28 << 28 << 2;
        QTest::newRow("odd map, floor") << 2 << 3 << 7 << 9 << 2;
        QTest::newRow("kernel 3") << 1 << 2 << 9 << 10 << 3;
        QTest::newRow("kernel 1") << 1 << 1 << 3 << 3 << 1;
    }
    void maxPoolMatchesLibtorch()
    {
        QFETCH(int, n);
        QFETCH(int, c);
        QFETCH(int, h);
        QFETCH(int, w);
        QFETCH(int, k);
        // Rounded values make ties common: they must go to the same element as libtorch's.
        const torch::Tensor x0 = torch::round(torch::randn({n, c, h, w}) * 2);
        const torch::Tensor a = x0.clone().requires_grad_();
        const torch::Tensor b = x0.clone().requires_grad_();
        const torch::Tensor ya = trainops::maxPoolNonOverlapping(a, k);
        const torch::Tensor yb = torch::max_pool2d(b, {k, k}, {k, k});
        QCOMPARE(ya.sizes().vec(), yb.sizes().vec());
        QVERIFY(torch::equal(ya, yb));
        const torch::Tensor g = torch::randn(yb.sizes());
        ya.backward(g);
        yb.backward(g);
        QVERIFY(torch::equal(a.grad(), b.grad()));
        QVERIFY(a.grad().abs().sum().item<double>() > 0);
    }

    // Reference: per item, order by boosted value descending, then flat index ascending; keep k.
    void kwinnersKeepsTheEnginesWinners()
    {
        const int64_t B = 3, n = 2 * 4 * 5, k = 7;
        torch::Tensor x0 = torch::round(torch::randn({B, 2, 4, 5}) * 3); // many ties
        x0.index_put_({1}, 1.0);                                        // an item where everything ties
        const torch::Tensor boost = torch::rand({n}) + 0.5;
        for (const bool boosted : {false, true}) {
            const torch::Tensor x = x0.clone().requires_grad_();
            const torch::Tensor y = trainops::kwinners(x, k, boosted ? boost : torch::Tensor());
            const torch::Tensor flat = y.detach().reshape({B, n});
            const torch::Tensor xf = x0.reshape({B, n});
            const torch::Tensor bf = boosted ? (xf * boost) : xf;
            for (int64_t i = 0; i < B; ++i) {
                std::vector<int64_t> order(static_cast<size_t>(n));
                std::iota(order.begin(), order.end(), 0);
                const auto v = bf[i].contiguous();
                const float* p = v.data_ptr<float>();
                std::stable_sort(order.begin(), order.end(), [&](int64_t l, int64_t r) { return p[l] > p[r]; });
                std::vector<bool> win(static_cast<size_t>(n), false);
                for (int64_t j = 0; j < k; ++j)
                    win[size_t(order[size_t(j)])] = true;
                for (int64_t j = 0; j < n; ++j) {
                    const float expect = win[size_t(j)] ? xf[i][j].item<float>() : 0.0f;
                    QCOMPARE(flat[i][j].item<float>(), expect);
                }
            }
            // the gradient flows through the (non-zero) winners only
            const torch::Tensor g = torch::randn(y.sizes());
            y.backward(g);
            const torch::Tensor expect_grad = g * (y.detach() != 0).to(torch::kFloat);
            QVERIFY(torch::equal(x.grad(), expect_grad));
        }
    }

    void batchNormMatchesLibtorch_data()
    {
        QTest::addColumn<QVector<int>>("shape");
        QTest::newRow("gsc conv1 map") << QVector<int>{4, 64, 28, 28};
        QTest::newRow("odd map") << QVector<int>{3, 5, 7, 3};
        QTest::newRow("gsc linear1") << QVector<int>{32, 1000};
        QTest::newRow("two items") << QVector<int>{2, 7};
    }
    void batchNormMatchesLibtorch()
    {
        QFETCH(QVector<int>, shape);
        const std::vector<int64_t> sizes(shape.begin(), shape.end());
        const int64_t C = sizes[1];
        // Offset and scaled per channel, so that mean and variance matter.
        std::vector<int64_t> bshape(sizes.size(), 1);
        bshape[1] = C;
        const torch::Tensor x0 = torch::randn(sizes) * (torch::rand(bshape) * 3 + 0.1) + torch::randn(bshape) * 5;
        torch::Tensor rm_a = torch::randn({C}), rv_a = torch::rand({C}) + 0.5;
        torch::Tensor rm_b = rm_a.to(torch::kDouble), rv_b = rv_a.to(torch::kDouble);
        // The reference is libtorch in double precision; the forward and running statistics must match
        // it to float precision, and the gradient to float precision too (within 1e-5 of its largest value, or as close as libtorch's
        // own float batch norm gets).
        const torch::Tensor a = x0.clone().requires_grad_();
        const torch::Tensor b = x0.to(torch::kDouble).requires_grad_();
        const torch::Tensor f = x0.clone().requires_grad_();
        const torch::Tensor ya = trainops::batchNormTrain(a, rm_a, rv_a, 0.1, 1e-5);
        const torch::Tensor yb = torch::batch_norm(b, {}, {}, rm_b, rv_b, true, 0.1, 1e-5, false);
        torch::Tensor rm_f = rm_a.clone(), rv_f = rv_a.clone();
        const torch::Tensor yf = torch::batch_norm(f, {}, {}, rm_f, rv_f, true, 0.1, 1e-5, false);
        QCOMPARE(ya.sizes().vec(), yb.sizes().vec());
        QVERIFY2(torch::allclose(ya.to(torch::kDouble), yb, 1e-4, 1e-5), "forward");
        QVERIFY2(torch::allclose(rm_a.to(torch::kDouble), rm_b, 1e-5, 1e-6), "running mean");
        QVERIFY2(torch::allclose(rv_a.to(torch::kDouble), rv_b, 1e-5, 1e-6), "running variance");
        const torch::Tensor g = torch::randn(yb.sizes()) + torch::randn(bshape);
        ya.backward(g);
        yb.backward(g.to(torch::kDouble));
        yf.backward(g);
        const double ours = (a.grad().to(torch::kDouble) - b.grad()).abs().max().item<double>();
        const double theirs = (f.grad().to(torch::kDouble) - b.grad()).abs().max().item<double>();
        const double scale = b.grad().abs().max().item<double>();
        QVERIFY2(ours <= std::max(2 * theirs, 1e-5 * scale), qPrintable(QString("gradient error %1, libtorch float's %2").arg(ours).arg(theirs)));
        QVERIFY(a.grad().abs().sum().item<double>() > 0);
    }
    void optimiserMatchesLibtorch_data()
    {
        QTest::addColumn<QString>("optimizer");
        QTest::addColumn<double>("momentum");
        QTest::addColumn<double>("weightDecay");
        QTest::newRow("sgd") << "sgd" << 0.0 << 0.0;
        QTest::newRow("sgd, momentum, L2") << "sgd" << 0.9 << 0.01;
        QTest::newRow("adam") << "adam" << 0.0 << 0.0;
        QTest::newRow("adam, L2") << "adam" << 0.0 << 0.01;
        QTest::newRow("adamw") << "adamw" << 0.0 << 0.05;
    }
    void optimiserMatchesLibtorch()
    {
        QFETCH(QString, optimizer);
        QFETCH(double, momentum);
        QFETCH(double, weightDecay);
        const double lr = 0.003;
        const auto opts = torch::TensorOptions().dtype(torch::kDouble);
        const torch::Tensor p0 = torch::randn({5, 7}, opts);
        torch::Tensor ours = p0.clone(), m = torch::zeros_like(p0), v = torch::zeros_like(p0);
        torch::Tensor theirs = p0.clone().requires_grad_();
        std::unique_ptr<torch::optim::Optimizer> ref;
        auto parsed = parseOptimiser(optimizer.toStdString());
        QVERIFY(parsed.isOk());
        const Optimiser kind = *parsed;
        if (kind == Optimiser::Sgd)
            ref = std::make_unique<torch::optim::SGD>(std::vector<torch::Tensor>{theirs},
                                                      torch::optim::SGDOptions(lr).momentum(momentum).weight_decay(weightDecay));
        else if (kind == Optimiser::Adam)
            ref = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{theirs},
                                                       torch::optim::AdamOptions(lr).weight_decay(weightDecay));
        else
            ref = std::make_unique<torch::optim::AdamW>(std::vector<torch::Tensor>{theirs},
                                                        torch::optim::AdamWOptions(lr).weight_decay(weightDecay));
        for (int64_t step = 1; step <= 6; ++step) {
            const torch::Tensor g = torch::randn({5, 7}, opts) * (step % 2 ? 1.0 : 0.01); // moments must weigh both
            trainops::optimiserUpdate(kind, ours, g, m, v, lr, momentum, weightDecay, step);
            theirs.mutable_grad() = g.clone();
            ref->step();
            const double err = (ours - theirs.detach()).abs().max().item<double>();
            QVERIFY2(err <= 1e-12, qPrintable(QString("step %1: max difference %2").arg(step).arg(err)));
        }
        QVERIFY((ours - p0).abs().max().item<double>() > 1e-4); // it moved
    }
};

QTEST_APPLESS_MAIN(TstTrainOps)
#include "tst_train_ops.moc"
