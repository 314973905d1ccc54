// The FPGA plan view's pipeline bars (issue 18): the planner gives one exploration per engine with
// FPGA kernels (others left out), the bars show them, the Benchmark view shows the tab for FPGA
// devices only. With SS_SHOT_DIR set, the view is also written as PNGs there (to look at).
#include "guicore/fpgaintervals.h"
#include "model/synth.h"
#include "widgets/fpgaintervalview.h"

#include <QImage>
#include <QtTest>

using namespace gui;

class TestFpgaIntervalView : public QObject {
    Q_OBJECT
private slots:
    void plannerAndView()
    {
        ss::SynthOptions so;
        so.seed = 3;
        auto m = ss::synthModel(so);
        QVERIFY(m.isOk());
        auto model = std::make_shared<const ss::Model>(std::move(*m));
        FpgaIntervalPlanner planner;
        const auto plan = planner.plan(model, QStringLiteral("u250"), {QStringLiteral("dense"), QStringLiteral("csr"),
                                                                       QStringLiteral("sparse-dense"), QStringLiteral("sparse-sparse")});
        QVERIFY2(plan.error.isEmpty(), qPrintable(plan.error));
        QCOMPARE(plan.explorations.size(), size_t(3)); // csr has no FPGA kernels
        for (const auto& x : plan.explorations) {
            QVERIFY(x.found);
            QVERIFY(x.chosen.interval_cycles <= x.baseline.interval_cycles);
            QVERIFY(x.chosen.bottleneck >= 0 && x.baseline.bottleneck >= 0);
            QCOMPARE(x.chosen.stages.size(), x.baseline.stages.size());
        }
        // bad part: one sentence, nothing drawn
        const auto bad = planner.plan(model, QStringLiteral("u9"), {QStringLiteral("dense")});
        QVERIFY(bad.explorations.empty() && bad.error.contains(QStringLiteral("u9")));

        FpgaIntervalView view;
        view.setIntervals(plan);
        view.resize(view.sizeHint());
        QVERIFY(view.sizeHint().height() > 300);
        QImage img(view.size(), QImage::Format_ARGB32);
        view.render(&img);
        // the bottleneck outline is drawn
        bool red = false;
        for (int y = 70; y < img.height() && !red; ++y) // below the legend
            for (int x = 0; x < img.width() && !red; ++x)
                red = img.pixelColor(x, y) == FpgaIntervalView::kBottleneck;
        QVERIFY(red);
        const QByteArray dir = qgetenv("SS_SHOT_DIR");
        if (!dir.isEmpty())
            QVERIFY(img.save(QString::fromLocal8Bit(dir) + QStringLiteral("/fpga-intervals-u250.png")));
        view.setPlan(model, QStringLiteral("zu3eg"), {QStringLiteral("dense"), QStringLiteral("sparse-dense"), QStringLiteral("sparse-sparse")});
        QCOMPARE(view.intervals().explorations.size(), size_t(3));
        QVERIFY(!view.intervals().explorations[0].found); // dense does not fit the ZU3EG
        if (!dir.isEmpty()) {
            view.resize(view.sizeHint());
            QImage z(view.size(), QImage::Format_ARGB32);
            view.render(&z);
            QVERIFY(z.save(QString::fromLocal8Bit(dir) + QStringLiteral("/fpga-intervals-zu3eg.png")));
        }
        view.setPlan(nullptr, {}, {});
        QVERIFY(view.intervals().explorations.empty());
    }
};

QTEST_MAIN(TestFpgaIntervalView)
#include "tst_fpgaintervalview.moc"
