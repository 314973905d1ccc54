// Tests of app/gui, headless (offscreen): the Qt-Core layer (loader, item models, benchmark
// controller) without widgets where possible, then the main window's error path, shortcuts and
// settings, and the executable's --screenshot mode. They check behaviour, not speed.
#include "guicore/benchmarkcontroller.h"
#include "guicore/benchresultmodel.h"
#include "guicore/layerbenchmodel.h"
#include "guicore/layertablemodel.h"
#include "guicore/modelloader.h"
#include "guicore/throughputseriesmodel.h"
#include "model/model_io.h"
#include "model/summary.h"
#include "model/synth.h"
#include "report/report.h"
#include "widgets/benchmarkview.h"
#include "widgets/charts.h"
#include "widgets/exportmenu.h"
#include "widgets/liveview.h"
#include "widgets/mainwindow.h"
#include "widgets/modelview.h"
#include "widgets/visualiserview.h"
#include "sparsity/explain.h"
#include "datasets/gsc.h"
#include "engines/quantised.h"
#include "fpga/model/devices.h"
#include "fpga/model/perf_model.h"
#include "guicore/devicelist.h"
#include "guicore/fpgaplanmodel.h"
#include "guicore/runlistmodel.h"

#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QBarSet>
#include <QAbstractAxis>
#include <QApplication>
#include <QChart>
#include <QCheckBox>
#include <QHeaderView>
#include <QLegend>
#include <QScrollBar>
#include <QComboBox>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QStatusBar>
#include <QStyleFactory>
#include <QTableView>
#include <QValueAxis>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QLineSeries>
#include <QMessageBox>
#include <QMimeData>
#include <QProcess>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <functional>
#include <memory>

using namespace gui;

namespace {

int rowOfLayer(const QAbstractItemModel& m, const QString& name)
{
    for (int r = 0; r < m.rowCount(); ++r)
        if (m.index(r, LayerTableModel::NameColumn).data().toString() == name)
            return r;
    return -1;
}

// A request for the controller: the given engines on the test model, batch 1, one thread.
BenchmarkRequest request(const LoadedModel& m, const QStringList& engines, double seconds)
{
    BenchmarkRequest r;
    r.model = m.model;
    r.model_path = m.path;
    r.engines = engines;
    r.seconds = seconds;
    return r;
}

// A finished two-engine run, made by hand, for the model testers.
std::vector<ss::BenchResult> fakeResults()
{
    std::vector<ss::BenchResult> rs;
    for (const char* name : {"dense", "sparse-sparse"}) {
        ss::BenchResult r;
        r.engine = name;
        r.device = "cpu";
        r.items = 100;
        r.iterations = 100;
        r.seconds = 1;
        r.items_per_second = std::string(name) == "dense" ? 100 : 400;
        r.macs_dense = 1000;
        r.macs_executed = std::string(name) == "dense" ? 1000 : 100;
        r.macs_bound = 50;
        r.energy_j_per_item = 0.01;
        r.energy_source = ss::FigureSource::Estimated;
        r.isa = "scalar";
        ss::LayerResult l;
        l.stats.layer = "fc1";
        l.stats.op = "linear";
        l.stats.kernel = "linear.f32.fake.scalar";
        l.stats.macs_dense = 1000;
        l.stats.weight_density = 0.25;
        l.stats.weighted = true;
        l.stats.items = 100;
        l.macs_executed_per_item = r.macs_executed;
        l.macs_bound_per_item = 50;
        l.input_density = 0.2;
        l.seconds_per_item = 1.0 / r.items_per_second;
        r.layers.push_back(l);
        rs.push_back(r);
    }
    return rs;
}

// Distinct colours on a coarse grid: a blank or single-colour picture has one or two.
int distinctColours(const QImage& img)
{
    QSet<QRgb> colours;
    for (int y = 0; y < img.height(); y += 7)
        for (int x = 0; x < img.width(); x += 7)
            colours.insert(img.pixel(x, y));
    return int(colours.size());
}

} // namespace

class TestGui : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void loaderReadsModel();
    void layerTable_data();
    void layerTable();
    void layerTableTooltips();
    void modelsPassTester();
    void benchmarkSeriesGetPoints();
    void stopCancelsPromptly();
    void shortcutsStartAndStop();
    void closingWhileRunningIsPrompt();
    void dropOpensModelAndReport();
    void badModelFileShowsSentence();
    void settingsRememberLastModel();
    void emptyWindowWithoutModel();
    void aboutNamesVersions();
    void screenshot_data();
    void screenshot();
    void screenshotFailsWithSentence();
    void visualiserOpensOnModel();
    void visualiserStepsToEngineNumbers();
    void visualiserScreenshot();
    void deviceComboListsFpgaSim();
    void fpgaSimBenchmarkIsModelled();
    void resourcesChartHasEveryEngine();
    void visualiserBundledWavReachesSum();
    void fpgaScreenshot();
    // Issue 16: results tied to their model, run list, empty charts, layout and theme.
    void reportOpensItsModel();
    void reportOfAbsentModelSaysSo();
    void chartsEmptyBeforeRun();
    void runListKeepsRunsAcrossModels();
    void metadataWholeAfterModelSwitch();
    void recipeIsATable();
    void fpgaSimUnticksEnginesWithoutKernels();
    void statusBarShowsRunningBenchmark();
    void jsonOnCommandLineOpensReport();
    void badPathStillOpensAModel();
    void notAModelSentence();
    void darkThemeIsReadable();
    void tablesFitAt1024();
    void modelTabJumpsToVisualiser();
    void tablesExportCsvAndChartsPng();
    void visualiserSumColumnInsideAt1024();
    void issue16Screenshots();
    void visualiserStartsOnSmallestFanIn();
    void visualiserColoursMeanOneThing();
    void visualiserProductsPerAccumulator();
    void visualiserBreadcrumbClicks();
    void visualiserP20FitsAt1024();
    void visualiserDarkCanvas();
    void visualiserShowsCollisionsOfRandomMasks();
    void csimSpeedIsNotThroughput();
    void boundIsTheSameOnEveryDevice();
    void badInputsGetTheCoresSentence();
    void visualiserNothingCollidesAtAnyZoom();
    void windowFitsAt1024();
    void visualiserScreenshots();

private:
    QString writeReport(const QString& file, const QString& model_path, const std::string& model_name);
    QString shippedModel(const QString& name) const;
    QTemporaryDir dir_;
    QString model_path_, bad_path_;
    std::optional<LoadedModel> loaded_;
};

void TestGui::initTestCase()
{
    QVERIFY(dir_.isValid());
    // Keep the user's settings out of it.
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir_.filePath(QStringLiteral("settings")));
    QCoreApplication::setOrganizationName(QStringLiteral("SparseScopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_gui"));

    ss::SynthOptions o; // the published GSC CNN with the gsc preset's densities
    auto model = ss::synthModel(o);
    QVERIFY2(model.isOk(), model.isOk() ? "" : model.message().c_str());
    model_path_ = dir_.filePath(QStringLiteral("gsc.safetensors"));
    auto saved = ss::saveModel(*model, model_path_.toStdString());
    QVERIFY2(saved.isOk(), saved.isOk() ? "" : saved.message().c_str());

    bad_path_ = dir_.filePath(QStringLiteral("garbage.safetensors"));
    QFile bad(bad_path_);
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(QByteArray("\x13\x37 this is not a safetensors file \xff\xfe", 40));
    bad.close();

    auto r = ModelLoader::load(model_path_);
    QVERIFY2(r.ok(), qPrintable(r.error));
    loaded_ = *r.loaded;
}

void TestGui::loaderReadsModel()
{
    QCOMPARE(loaded_->path, QFileInfo(model_path_).absoluteFilePath());
    QVERIFY(loaded_->model);
    QCOMPARE(loaded_->model->numClasses(), 12);
    QVERIFY(!loaded_->warnings.isEmpty());
    QVERIFY(loaded_->warnings.first().startsWith(QStringLiteral("Untrained model")));
    bool has_classes = false;
    for (const ModelFact& f : modelFacts(*loaded_))
        has_classes = has_classes || (f.label == QLatin1String("Classes") && f.value.startsWith(QStringLiteral("12: yes, no")));
    QVERIFY(has_classes);
}

void TestGui::layerTable_data()
{
    QTest::addColumn<QString>("layer");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("display");
    QTest::addColumn<double>("raw"); // NaN: not applicable (no raw value)

    const double na = std::nan("");
    using C = LayerTableModel;
    QTest::newRow("cnn1 type") << "cnn1" << int(C::TypeColumn) << "Conv2d" << na;
    QTest::newRow("cnn1 in") << "cnn1" << int(C::InputShapeColumn) << "1x32x32" << na;
    QTest::newRow("cnn1 out") << "cnn1" << int(C::OutputShapeColumn) << "64x28x28" << na;
    QTest::newRow("cnn1 w") << "cnn1" << int(C::WeightDensityColumn) << "0.5" << 0.5;
    QTest::newRow("cnn1 P") << "cnn1" << int(C::GroupSizeColumn) << "2" << 2.0;
    QTest::newRow("cnn1 dense MACs") << "cnn1" << int(C::DenseMacsColumn) << "1.25 M" << 1254400.0;
    QTest::newRow("cnn1 a (dense input)") << "cnn1" << int(C::InputDensityColumn) << "1" << 1.0;
    QTest::newRow("cnn1_kwinner k") << "cnn1_kwinner" << int(C::KColumn) << "1200" << 1200.0;
    QTest::newRow("cnn1_kwinner k inference") << "cnn1_kwinner" << int(C::KInferenceColumn) << "1200" << 1200.0;
    QTest::newRow("cnn1_kwinner no MACs") << "cnn1_kwinner" << int(C::DenseMacsColumn) << "" << na;
    QTest::newRow("cnn2 dense MACs") << "cnn2" << int(C::DenseMacsColumn) << "10.24 M" << 10240000.0;
    QTest::newRow("cnn2 w") << "cnn2" << int(C::WeightDensityColumn) << "0.1" << 0.1;
    QTest::newRow("cnn2 P") << "cnn2" << int(C::GroupSizeColumn) << "10" << 10.0;
    QTest::newRow("cnn2 a = 1200/12544") << "cnn2" << int(C::InputDensityColumn) << "0.0957" << 1200.0 / 12544.0;
    QTest::newRow("cnn2 bound MACs") << "cnn2" << int(C::BoundMacsColumn) << "98.0 k" << 10240000.0 * 0.1 * 1200.0 / 12544.0;
    QTest::newRow("cnn2 1/(a*w)") << "cnn2" << int(C::BoundSpeedupColumn) << "105×" << 12544.0 / 1200.0 / 0.1;
    QTest::newRow("cnn2_kwinner k") << "cnn2_kwinner" << int(C::KColumn) << "200" << 200.0;
    QTest::newRow("linear1 dense MACs") << "linear1" << int(C::DenseMacsColumn) << "1.60 M" << 1600000.0;
    QTest::newRow("linear1 a = 200/1600") << "linear1" << int(C::InputDensityColumn) << "0.125" << 0.125;
    QTest::newRow("linear1_kwinners k") << "linear1_kwinners" << int(C::KColumn) << "100" << 100.0;
    QTest::newRow("output type") << "output" << int(C::TypeColumn) << "Linear" << na;
    QTest::newRow("softmax shape") << "softmax" << int(C::OutputShapeColumn) << "12" << na;
}

void TestGui::layerTable()
{
    QFETCH(QString, layer);
    QFETCH(int, column);
    QFETCH(QString, display);
    QFETCH(double, raw);

    LayerTableModel m;
    m.setData(loaded_->summary);
    QCOMPARE(m.rowCount(), 14); // conv,bn,pool,kwta x2, flatten, linear, bn, kwta, output, softmax
    QCOMPARE(m.columnCount(), int(LayerTableModel::ColumnCount));
    const int row = rowOfLayer(m, layer);
    QVERIFY2(row >= 0, qPrintable(layer));
    const QModelIndex i = m.index(row, column);
    QCOMPARE(i.data().toString(), display);
    const QVariant v = i.data(LayerTableModel::RawValueRole);
    if (std::isnan(raw)) {
        QVERIFY(!v.isValid());
    } else {
        QVERIFY(v.isValid());
        QVERIFY2(std::abs(v.toDouble() - raw) <= 1e-9 * std::max(1.0, std::abs(raw)),
                 qPrintable(QStringLiteral("%1 != %2").arg(v.toDouble(), 0, 'g', 12).arg(raw, 0, 'g', 12)));
    }
}

void TestGui::layerTableTooltips()
{
    LayerTableModel m;
    m.setData(loaded_->summary);
    for (int c = 0; c < m.columnCount(); ++c)
        QVERIFY2(!m.headerData(c, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty(), qPrintable(QString::number(c)));
    const QString bound = m.headerData(LayerTableModel::BoundMacsColumn, Qt::Horizontal, Qt::ToolTipRole).toString();
    QVERIFY2(bound.contains(QStringLiteral("a × w")), qPrintable(bound));
    // The cell explains its own figure.
    const QString cell = m.index(rowOfLayer(m, QStringLiteral("cnn2")), LayerTableModel::BoundMacsColumn).data(Qt::ToolTipRole).toString();
    QVERIFY2(cell.contains(QStringLiteral("10.24 M")) && cell.contains(QStringLiteral("98.0 k")), qPrintable(cell));
}

void TestGui::modelsPassTester()
{
    using Mode = QAbstractItemModelTester::FailureReportingMode;
    {
        LayerTableModel m;
        QAbstractItemModelTester t(&m, Mode::QtTest);
        m.setData(loaded_->summary);
        m.clear();
        m.setData(loaded_->summary);
    }
    {
        BenchResultModel m;
        QAbstractItemModelTester t(&m, Mode::QtTest);
        m.setEngines({QStringLiteral("dense"), QStringLiteral("sparse-sparse")});
        ss::BenchProgress p;
        p.engine_index = 1;
        p.engine = "sparse-sparse";
        p.engine_seconds = 0.5;
        p.items = 100;
        p.items_per_second = 200;
        m.updateProgress(p);
        p.engine_index = 0;
        p.engine = "dense";
        p.items = 25;
        m.updateProgress(p);
        QCOMPARE(m.speedupVsDense(1), 4.0); // live: 200/s over 50/s
        m.setResults(fakeResults());
        QCOMPARE(m.speedupVsDense(1), 4.0); // final: core's speedupVs
        QCOMPARE(m.index(1, BenchResultModel::EnergyColumn).data(BenchResultModel::EnergyEstimatedRole).toBool(), true);
        QVERIFY(m.index(1, BenchResultModel::EnergyColumn).data().toString().contains(QStringLiteral("(estimated)")));
        m.clear();
    }
    {
        LayerBenchModel m;
        QAbstractItemModelTester t(&m, Mode::QtTest);
        m.setResults(fakeResults());
        m.setEngine(QStringLiteral("sparse-sparse"));
        QCOMPARE(m.rowCount(), 2); // fc1 + network
        // a*w = 0.2*0.25: bound 20x; achieved 4x dense's layer time: 20% of the bound.
        QCOMPARE(m.index(0, LayerBenchModel::BoundSpeedupColumn).data(LayerBenchModel::RawValueRole).toDouble(), 20.0);
        QCOMPARE(m.index(0, LayerBenchModel::AchievedSpeedupColumn).data(LayerBenchModel::RawValueRole).toDouble(), 4.0);
        QCOMPARE(m.index(0, LayerBenchModel::PercentOfBoundColumn).data().toString(), QStringLiteral("20.0%"));
        m.setEngine(QStringLiteral("dense"));
        m.clear();
    }
    {
        ThroughputSeriesModel m(QStringLiteral("dense"));
        QAbstractItemModelTester t(&m, Mode::QtTest);
        m.appendPoint(0.1, 10);
        m.appendPoint(0.2, 30);
        QCOMPARE(m.maxItemsPerSecond(), 30.0);
        m.clear();
    }
}

void TestGui::benchmarkSeriesGetPoints()
{
    BenchmarkController c;
    QSignalSpy finished(&c, &BenchmarkController::runFinished);
    QSignalSpy failed(&c, &BenchmarkController::failed);
    const QStringList engines{QStringLiteral("dense"), QStringLiteral("sparse-sparse")};
    QVERIFY(c.start(request(*loaded_, engines, 1.0)));
    QVERIFY(c.isRunning());
    QCOMPARE(c.seriesModels().size(), 2);
    // Points must arrive while the run goes on (live), not only at the end.
    int live_points = 0;
    for (ThroughputSeriesModel* s : c.seriesModels())
        connect(s, &QAbstractItemModel::rowsInserted, this, [&] { live_points += c.isRunning() ? 1 : 0; });

    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 120000);
    QCOMPARE(failed.count(), 0);
    QCOMPARE(finished.first().first().toBool(), false); // not cancelled
    QVERIFY(!c.isRunning());
    QVERIFY(live_points > 0);
    for (const QString& e : engines) {
        ThroughputSeriesModel* s = c.seriesModel(e);
        QVERIFY2(s, qPrintable(e));
        QVERIFY2(s->rowCount() > 0, qPrintable(e + QStringLiteral(" has no points")));
        for (const QPointF& p : s->points())
            QVERIFY(p.y() > 0 && p.x() >= 0);
    }
    BenchResultModel* r = c.resultModel();
    QCOMPARE(r->rowCount(), 2);
    for (int row = 0; row < 2; ++row) {
        QCOMPARE(r->index(row, 0).data(BenchResultModel::StateRole).toInt(), int(BenchResultModel::Done));
        QVERIFY(r->itemsPerSecond(row) > 0);
    }
    QCOMPARE(r->speedupVsDense(r->rowOf(QStringLiteral("dense"))), 1.0);
    QVERIFY(c.layerModel()->rowCount() > 1);
    QVERIFY(!c.isaInUse().isEmpty());

    // The same JSON schema as `sparsescope-cli bench --json`: core's reader takes it back.
    QVERIFY(c.canSave());
    auto back = ss::benchFromJsonText(c.resultsJson().toStdString(), "copied");
    QVERIFY2(back.isOk(), back.isOk() ? "" : back.message().c_str());
    QCOMPARE(int(back->second.size()), 2);
    QCOMPARE(QString::fromStdString(back->second[1].engine), QStringLiteral("sparse-sparse"));
    const QString json_path = dir_.filePath(QStringLiteral("bench.json"));
    QString error;
    QVERIFY2(c.saveJson(json_path, &error), qPrintable(error));
    auto read = ss::readBenchReport(json_path.toStdString());
    QVERIFY2(read.isOk(), read.isOk() ? "" : read.message().c_str());
    QCOMPARE(QString::fromStdString(read->first.model_path), loaded_->path);

    // A report opens back into the models.
    BenchmarkController other;
    QVERIFY2(other.loadJson(json_path, &error), qPrintable(error));
    QCOMPARE(other.resultModel()->rowCount(), 2);
}

void TestGui::stopCancelsPromptly()
{
    BenchmarkController c;
    QSignalSpy finished(&c, &BenchmarkController::runFinished);
    QVERIFY(c.start(request(*loaded_, {QStringLiteral("dense"), QStringLiteral("sparse-sparse")}, 60.0)));
    // Well into the measured phase: both engines have points.
    QTRY_VERIFY_WITH_TIMEOUT(c.seriesModels().size() == 2 && c.seriesModels()[0]->rowCount() > 0 &&
                                 c.seriesModels()[1]->rowCount() > 0,
                             60000);
    QVERIFY(c.isRunning());

    QElapsedTimer timer;
    qint64 stopped_after_ms = -1;
    connect(&c, &BenchmarkController::runFinished, this, [&] { stopped_after_ms = timer.elapsed(); });
    timer.start();
    c.stop();
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 5000);
    qInfo("Stop took %lld ms.", stopped_after_ms);
    QVERIFY2(stopped_after_ms >= 0 && stopped_after_ms < 200,
             qPrintable(QStringLiteral("stop took %1 ms").arg(stopped_after_ms)));
    QCOMPARE(finished.first().first().toBool(), true); // cancelled
    QVERIFY(!c.isRunning());
    QCOMPARE(c.resultModel()->index(0, 0).data(BenchResultModel::StateRole).toInt(), int(BenchResultModel::Cancelled));
    // A stopped run is kept in the run list and can be saved, marked partial (issue 16, point 1).
    QVERIFY(c.isPartial());
    QCOMPARE(c.runModel()->rowCount(), 1);
    QVERIFY(c.runModel()->index(0, 0).data(RunListModel::PartialRole).toBool());
    QVERIFY(c.canSave());
    const QString partial_path = dir_.filePath(QStringLiteral("partial.json"));
    QString error;
    QVERIFY2(c.saveJson(partial_path, &error), qPrintable(error));
    auto partial = ss::readBenchReport(partial_path.toStdString());
    QVERIFY2(partial.isOk(), partial.isOk() ? "" : partial.message().c_str());
    QVERIFY(!partial->first.warnings.empty());
    QVERIFY(QString::fromStdString(partial->first.warnings.front()).startsWith(QStringLiteral("partial run")));
    QVERIFY(reportIsPartial(partial->first, partial->second));
    BenchmarkController reopened;
    QVERIFY2(reopened.loadJson(partial_path, &error), qPrintable(error));
    QVERIFY(reopened.isPartial());
    QCOMPARE(reopened.resultModel()->index(0, 0).data(BenchResultModel::StateRole).toInt(), int(BenchResultModel::Cancelled));
    QVERIFY(reopened.runModel()->index(0, RunListModel::StateColumn).data().toString().contains(QStringLiteral("partial")));
    // Partial figures still compare (the engines ran interleaved), and say they are partial.
    QVERIFY(c.resultModel()->speedupVsDense(1) > 0);
    QVERIFY(c.resultModel()->index(1, BenchResultModel::SpeedupColumn).data().toString().contains(QStringLiteral("partial")));

    // The controller runs again after a stop.
    QSignalSpy again(&c, &BenchmarkController::runFinished);
    QVERIFY(c.start(request(*loaded_, {QStringLiteral("dense")}, 0.3)));
    QTRY_VERIFY_WITH_TIMEOUT(again.count() == 1, 60000);
    QCOMPARE(again.first().first().toBool(), false);
}

void TestGui::shortcutsStartAndStop()
{
    MainWindow w(MainWindow::Options{false, false});
    QVERIFY(w.openModel(model_path_));
    w.benchmarkView()->setChosenEngines({QStringLiteral("dense"), QStringLiteral("sparse-sparse")});
    w.benchmarkView()->setSeconds(60);
    w.show();
    w.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    QSignalSpy finished(w.controller(), &BenchmarkController::runFinished);

    QTest::keyClick(&w, Qt::Key_R, Qt::ControlModifier); // Ctrl+R: run
    QVERIFY(w.controller()->isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(!w.controller()->seriesModels().isEmpty() && w.controller()->seriesModels()[0]->rowCount() > 0, 60000);
    QCOMPARE(w.benchmarkView()->throughputChart()->lineSeries().size(), 2);

    QElapsedTimer timer;
    timer.start();
    QTest::keyClick(&w, Qt::Key_Escape); // Esc: stop
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 5000);
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(finished.first().first().toBool(), true);
}

void TestGui::closingWhileRunningIsPrompt()
{
    auto* w = new MainWindow(MainWindow::Options{false, false});
    QVERIFY(w->openModel(model_path_));
    w->benchmarkView()->setChosenEngines({QStringLiteral("dense"), QStringLiteral("sparse-dense")});
    w->benchmarkView()->setSeconds(60);
    w->show();
    QVERIFY(w->startBenchmark());
    QTRY_VERIFY_WITH_TIMEOUT(w->controller()->seriesModels()[0]->rowCount() > 0, 60000);
    QElapsedTimer timer;
    timer.start();
    w->close();
    delete w; // stops the run and joins the worker thread
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
}

void TestGui::dropOpensModelAndReport()
{
    MainWindow w(MainWindow::Options{false, false});
    w.show();
    auto drop = [&](const QString& path) {
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(path)});
        QDragEnterEvent enter(QPoint(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&w, &enter);
        if (!enter.isAccepted())
            return false;
        QDropEvent dropped(QPointF(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&w, &dropped);
        return true;
    };
    QVERIFY(drop(model_path_));
    QVERIFY(w.loadedModel());
    QCOMPARE(w.modelView()->layerModel()->rowCount(), 14);

    // A JSON report (the CLI's schema) dropped on the window shows in the Benchmark view.
    const QString report = dir_.filePath(QStringLiteral("fake-report.json"));
    ss::BenchContext ctx = ss::makeContext(model_path_.toStdString(), *loaded_->model);
    QVERIFY(ss::writeTextFileAtomic(report.toStdString(), ss::benchToJson(ctx, fakeResults()).dump(2)).isOk());
    QVERIFY(drop(report));
    QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
    QCOMPARE(w.controller()->resultModel()->rowCount(), 2);
    QCOMPARE(w.controller()->resultModel()->speedupVsDense(1), 4.0);

    // Another model: the results measured on the previous one go.
    const QString copy = dir_.filePath(QStringLiteral("copy.safetensors"));
    QFile::remove(copy);
    QVERIFY(QFile::copy(model_path_, copy));
    QVERIFY(drop(copy));
    QCOMPARE(w.loadedModel()->path, QFileInfo(copy).absoluteFilePath());
    QCOMPARE(w.controller()->resultModel()->rowCount(), 0);
}

void TestGui::badModelFileShowsSentence()
{
    const ModelLoadResult r = ModelLoader::load(bad_path_);
    QVERIFY(!r.ok());
    QVERIFY2(r.error.contains(bad_path_), qPrintable(r.error)); // the sentence names the file
    QVERIFY(r.error.endsWith(QLatin1Char('.')));

    MainWindow w(MainWindow::Options{false, true});
    w.show();
    QVERIFY(w.openModel(model_path_));
    QVERIFY(!w.openModel(bad_path_));
    QCOMPARE(w.lastError(), r.error);
    // The previous model stays.
    QVERIFY(w.loadedModel());
    QCOMPARE(w.loadedModel()->path, QFileInfo(model_path_).absoluteFilePath());

    // A non-blocking message box carries the loader's sentence.
    auto* box = w.findChild<QMessageBox*>(QStringLiteral("errorMessageBox"));
    QVERIFY(box);
    QTRY_VERIFY(box->isVisible());
    QCOMPARE(box->text(), r.error);
    box->accept();
    QTRY_VERIFY(!w.findChild<QMessageBox*>(QStringLiteral("errorMessageBox")));

    // The window still works.
    QVERIFY(w.openModel(model_path_));
    QVERIFY(w.lastError().isEmpty());
    QCOMPARE(w.modelView()->layerModel()->rowCount(), 14);
    QVERIFY(w.modelView()->showsModel());
}

void TestGui::settingsRememberLastModel()
{
    {
        MainWindow w;
        w.show();
        QVERIFY(w.openModel(model_path_));
        w.benchmarkView()->setChosenEngines({QStringLiteral("csr"), QStringLiteral("sparse-dense")});
        w.benchmarkView()->setBatch(8);
        w.close(); // writes the settings
    }
    MainWindow w;
    QVERIFY(w.openInitialModel());
    QCOMPARE(w.loadedModel()->path, QFileInfo(model_path_).absoluteFilePath());
    QVERIFY(w.recentModels().contains(QFileInfo(model_path_).absoluteFilePath()));
    QCOMPARE(w.benchmarkView()->chosenEngines(), (QStringList{QStringLiteral("csr"), QStringLiteral("sparse-dense")}));
    QCOMPARE(w.benchmarkView()->request().batch, 8);
}

void TestGui::emptyWindowWithoutModel()
{
    MainWindow w(MainWindow::Options{false, false});
    const bool opened = w.openInitialModel();
    QCOMPARE(opened, !ModelLoader::defaultModelPath().isEmpty());
    if (!opened) {
        QVERIFY(!w.modelView()->showsModel());
        QVERIFY(!w.benchmarkView()->canStart());
        QVERIFY(!w.startBenchmark());
    }
}

void TestGui::aboutNamesVersions()
{
    const QString about = MainWindow::aboutText();
    QVERIFY(about.contains(QStringLiteral(SPARSESCOPE_VERSION)));
    QVERIFY(about.contains(QString::fromLatin1(qVersion())));
    QVERIFY(about.contains(QStringLiteral(SPARSESCOPE_BUILD_TYPE)));
}

void TestGui::screenshot_data()
{
    QTest::addColumn<QString>("view");
    QTest::newRow("model") << QStringLiteral("model");
    QTest::newRow("benchmark") << QStringLiteral("benchmark");
}

void TestGui::screenshot()
{
    QFETCH(QString, view);
    const QString png = dir_.filePath(view + QStringLiteral(".png"));
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(SPARSESCOPE_GUI_EXE),
            {QStringLiteral("--screenshot"), png, QStringLiteral("--view"), view, QStringLiteral("--bench-seconds"),
             QStringLiteral("0.5"), QStringLiteral("--engines"), QStringLiteral("dense,sparse-sparse"), model_path_});
    QVERIFY(p.waitForFinished(180000));
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, p.readAllStandardError().constData());
    QImage img(png);
    QVERIFY(!img.isNull());
    QVERIFY(img.width() >= 800 && img.height() >= 600);
    QVERIFY2(distinctColours(img) > 20, qPrintable(QString::number(distinctColours(img))));
}

void TestGui::screenshotFailsWithSentence()
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    p.setProcessEnvironment(env);
    const QString png = dir_.filePath(QStringLiteral("never.png"));
    p.start(QStringLiteral(SPARSESCOPE_GUI_EXE), {QStringLiteral("--screenshot"), png, bad_path_});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 1);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(err.contains(ModelLoader::load(bad_path_).error), qPrintable(err));
    QVERIFY(!QFile::exists(png));

    p.start(QStringLiteral(SPARSESCOPE_GUI_EXE), {QStringLiteral("--screenshot"), png, QStringLiteral("--view"), QStringLiteral("nope"), model_path_});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QStringLiteral("--view must be")));
}

void TestGui::visualiserOpensOnModel()
{
    MainWindow w(MainWindow::Options{false, false});
    QVERIFY(w.openModel(model_path_));
    VisualiserView* v = w.visualiserView();
    QVERIFY(v);
    // Only complementary layers are offered; the default scene is cnn1 (the smallest fan-in), group 0,
    // seed 1, sparse-dense (its input, the spectrogram, is dense).
    QCOMPARE(v->layerNames(), (QStringList{QStringLiteral("cnn1 (P = 2)"), QStringLiteral("cnn2 (P = 10)"), QStringLiteral("linear1 (P = 10)")}));
    QVERIFY(v->explanation());
    QCOMPARE(QString::fromStdString(v->explanation()->layer), QStringLiteral("cnn1"));
    QCOMPARE(v->explanation()->group, 0);
    QCOMPARE(v->phase(), VisPhase::Kernels);
    QVERIFY(!v->phases().contains(VisPhase::Select));
    QVERIFY(w.showLayerInVisualiser(QStringLiteral("cnn2")));
    v->setSparseSparse(true);
    QVERIFY(v->phases().contains(VisPhase::Select));
    w.resize(1400, 900);
    w.show();
    w.showView(MainWindow::View::Visualiser);
    QTest::keyClick(&w, Qt::Key_3, Qt::ControlModifier); // Ctrl+3 also shows it
    // A refused choice keeps the scene and says why.
    QVERIFY(!v->setGroup(99));
    QVERIFY(v->error().contains(QStringLiteral("out of range")));
    QCOMPARE(v->explanation()->group, 0);
    QVERIFY(v->setGroup(2));
    QVERIFY(v->setPosition(9, 9));
    QVERIFY(!v->setPosition(10, 0));
    // Sparse-dense has no Select phase.
    v->setSparseSparse(false);
    QVERIFY(!v->phases().contains(VisPhase::Select));
}

void TestGui::visualiserStepsToEngineNumbers()
{
    MainWindow w(MainWindow::Options{false, false});
    QVERIFY(w.openModel(model_path_));
    w.resize(1400, 900);
    w.show();
    w.showView(MainWindow::View::Visualiser);
    QVERIFY(QTest::qWaitForWindowActive(&w));
    VisualiserView* v = w.visualiserView();
    QWidget* keys = v->canvas(); // the shortcuts act while the visualiser has the focus
    keys->setFocus();
    const ss::Model& m = *w.loadedModel()->model;
    for (const QString& layer : {QStringLiteral("cnn2"), QStringLiteral("linear1")}) {
        int li = -1;
        for (int i = 0; i < int(m.layers.size()); ++i)
            if (QString::fromStdString(m.layers[size_t(i)].name) == layer)
                li = i;
        QVERIFY(v->setLayer(li));
        QVERIFY(v->setGroup(3));
        if (layer == QStringLiteral("cnn2"))
            QVERIFY(v->setPosition(4, 7));
        QVERIFY(v->useRandomInput(5));
        // Step through every phase with the keyboard (Right), finishing each animation.
        v->jumpTo(VisPhase::Kernels);
        int steps = 0;
        while (v->phase() != VisPhase::Sum && steps < 10) {
            QTest::keyClick(keys, Qt::Key_Right);
            v->finishAnimation();
            ++steps;
        }
        QCOMPARE(v->phase(), VisPhase::Sum);
        QCOMPARE(steps, int(v->phases().size()) - 1);
        // What the Sum shows == explainGroup's numbers for that group, which equal the reference
        // forward pass (and, through tests/explain, the sparse-sparse engine).
        auto want = ss::explainGroup(m, li, 3, ss::randomFeatures(m, 5), layer == QStringLiteral("cnn2") ? 4 : 0,
                                     layer == QStringLiteral("cnn2") ? 7 : 0);
        QVERIFY(want.isOk());
        const ss::GroupExplanation* got = v->explanation();
        QVERIFY(got);
        QCOMPARE(got->outputs, want->outputs);
        const QStringList shown = v->canvas()->outputTexts();
        QCOMPARE(int(shown.size()), want->P);
        for (int r = 0; r < want->P; ++r) {
            QCOMPARE(shown[r], VisualiserCanvas::number(want->outputs[size_t(r)]));
            QVERIFY(std::abs(shown[r].toDouble() - want->reference[size_t(r)]) <= 1e-5 * std::max(1.0f, std::abs(want->reference[size_t(r)])));
        }
        // Back and Play work from the end.
        QTest::keyClick(keys, Qt::Key_Left);
        QVERIFY(v->phase() == VisPhase::Route);
        QTest::keyClick(keys, Qt::Key_Space);
        QVERIFY(v->playing());
        QTest::keyClick(keys, Qt::Key_Space);
        QVERIFY(!v->playing());
    }
}

void TestGui::visualiserScreenshot()
{
    const QString png = dir_.filePath(QStringLiteral("visualiser.png"));
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(SPARSESCOPE_GUI_EXE), {QStringLiteral("--screenshot"), png, QStringLiteral("--view"), QStringLiteral("visualiser"), model_path_});
    QVERIFY(p.waitForFinished(120000));
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, p.readAllStandardError().constData());
    QImage img(png);
    QVERIFY(!img.isNull());
    QVERIFY(img.width() >= 800 && img.height() >= 600);
    QVERIFY2(distinctColours(img) > 20, qPrintable(QString::number(distinctColours(img))));
}

// ---- FPGA devices in the Benchmark view; bundled inputs in the visualiser ------------------------

void TestGui::deviceComboListsFpgaSim()
{
    MainWindow w(MainWindow::Options{false, false});
    QVERIFY(w.openModel(model_path_));
    BenchmarkView* v = w.benchmarkView();
    const QStringList ids = v->deviceIds();
    QCOMPARE(ids.value(0), QStringLiteral("cpu"));
    QVERIFY(ids.contains(QStringLiteral("fpga-sim:u250")));
    QVERIFY(ids.contains(QStringLiteral("fpga-sim:zu3eg")));
    // xrt:<i> exactly for the boards XRT reports; with none, the tooltip says why.
    std::string why;
    const auto boards = ss::fpga::xrtDeviceNames(&why);
    for (const auto& b : boards)
        QVERIFY(ids.contains(QString::fromStdString(b)));
    QCOMPARE(int(ids.filter(QStringLiteral("xrt")).size()), int(boards.size()));
    if (boards.empty())
        QVERIFY2(v->deviceCombo()->toolTip().contains(QString::fromStdString(why)), qPrintable(v->deviceCombo()->toolTip()));
    // On an FPGA only the engines with kernels are chosen; csr stays ticked for the CPU.
    v->setChosenEngines({QStringLiteral("dense"), QStringLiteral("csr"), QStringLiteral("sparse-sparse")});
    QVERIFY(v->setDevice(QStringLiteral("fpga-sim:zu3eg")));
    QCOMPARE(v->request().device, QStringLiteral("fpga-sim:zu3eg"));
    QCOMPARE(v->chosenEngines(), (QStringList{QStringLiteral("dense"), QStringLiteral("sparse-sparse")}));
    QVERIFY(v->setDevice(QStringLiteral("cpu")));
    QVERIFY(v->chosenEngines().contains(QStringLiteral("csr")));
    QVERIFY(!v->setDevice(QStringLiteral("fpga-sim:nope")));
    // The worker refuses what the CLI refuses, with its sentence.
    BenchmarkRequest r = request(*loaded_, {QStringLiteral("csr")}, 1.0);
    r.device = QStringLiteral("fpga-sim:u250");
    QVERIFY(BenchmarkWorker::check(r).contains(QStringLiteral("no FPGA kernels")));
    r.device = QStringLiteral("fpga-sim:vu9p");
    QVERIFY(BenchmarkWorker::check(r).contains(QStringLiteral("Unknown FPGA part")));
}

void TestGui::fpgaSimBenchmarkIsModelled()
{
    BenchmarkController c;
    QSignalSpy finished(&c, &BenchmarkController::runFinished);
    QSignalSpy failed(&c, &BenchmarkController::failed);
    BenchmarkRequest r = request(*loaded_, {QStringLiteral("sparse-sparse")}, 1.0);
    r.device = QStringLiteral("fpga-sim:zu3eg");
    QVERIFY(c.start(r));
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() + failed.count() == 1, 180000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
    BenchResultModel* m = c.resultModel();
    QCOMPARE(m->rowCount(), 1);
    QCOMPARE(m->index(0, 0).data(BenchResultModel::StateRole).toInt(), int(BenchResultModel::Done));
    QCOMPARE(m->index(0, 0).data(BenchResultModel::EnergySourceRole).toString(), QStringLiteral("modelled"));
    QCOMPARE(m->index(0, 0).data(BenchResultModel::ThroughputSourceRole).toString(), QStringLiteral("modelled"));
    QVERIFY(m->index(0, BenchResultModel::ItemsPerSecondColumn).data().toString().contains(QStringLiteral("(modelled)")));
    QCOMPARE(m->index(0, BenchResultModel::DeviceColumn).data().toString(), QStringLiteral("fpga-sim:zu3eg"));

    // The figures are the model's, as `sparsescope-cli bench --device fpga-sim:zu3eg` reports them.
    auto net = ss::q8::quantise(*loaded_->model);
    QVERIFY(net.isOk());
    const auto est = ss::fpga::estimate(*net, ss::fpga::Variant::SparseSparse, *ss::fpga::findPart("zu3eg"));
    const ss::BenchResult& res = m->results().front();
    QCOMPARE(res.items_per_second, est.items_per_s_instance);
    QCOMPARE(res.energy_j_per_item, est.energy_j_per_item_instance);
    QCOMPARE(QString::fromStdString(res.isa), QStringLiteral("hls-csim"));

    const auto j = nlohmann::json::parse(c.resultsJson().toStdString());
    QCOMPARE(QString::fromStdString(j["benchmarks"][0]["energy_source"].get<std::string>()), QStringLiteral("modelled"));
    bool warned = false;
    for (const auto& wj : j["context"]["warnings"])
        warned = warned || QString::fromStdString(wj.get<std::string>()).contains(QStringLiteral("MODELLED"));
    QVERIFY(warned);

    // The throughput bar is hatched and says so.
    EngineBarChartView bars(EngineBarChartView::Metric::Throughput);
    bars.setModel(m);
    QCOMPARE(int(bars.barSets().size()), 1);
    QVERIFY(bars.barSets().first()->label().endsWith(QStringLiteral("(modelled)")));
    QCOMPARE(bars.barSets().first()->brush().style(), Qt::TexturePattern);
}

void TestGui::resourcesChartHasEveryEngine()
{
    MainWindow w(MainWindow::Options{false, false});
    QVERIFY(w.openModel(model_path_));
    BenchmarkView* v = w.benchmarkView();
    const QStringList engines{QStringLiteral("dense"), QStringLiteral("sparse-dense"), QStringLiteral("sparse-sparse")};
    v->setChosenEngines(engines);
    QVERIFY(v->setDevice(QStringLiteral("fpga-sim:u250")));
    FpgaPlanModel* plan = w.controller()->planModel();
    QAbstractItemModelTester tester(plan, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(plan->engines(), engines);
    QCOMPARE(v->resourceChart()->categories().size(), engines.size());
    for (int i = 0; i < engines.size(); ++i)
        QVERIFY2(v->resourceChart()->categories()[i].startsWith(engines[i] + QLatin1Char(':')), qPrintable(v->resourceChart()->categories()[i]));
    QVERIFY(v->resourceChart()->chart()->title().contains(QStringLiteral("modelled")));
    QCOMPARE(v->resourceChart()->barSets().size(), 5); // LUT, FF, BRAM36, URAM, DSP
    // The numbers of `sparsescope-cli fpga-plan --part u250`.
    auto net = ss::q8::quantise(*loaded_->model);
    QVERIFY(net.isOk());
    const ss::fpga::Part& part = *ss::fpga::findPart("u250");
    for (int row = 0; row < engines.size(); ++row) {
        ss::fpga::Variant var;
        QVERIFY(ss::fpga::variantFromEngine(engines[row].toStdString(), &var));
        const auto e = ss::fpga::estimate(*net, var, part);
        QCOMPARE(plan->index(row, FpgaPlanModel::InstancesColumn).data().toInt(), e.instances);
        QCOMPARE(plan->index(row, FpgaPlanModel::LimitingColumn).data().toString(), QString::fromStdString(e.limiting));
        QCOMPARE(plan->share(row, FpgaPlanModel::DspColumn), e.instance.dsp / part.total.dsp);
        QCOMPARE(plan->index(row, FpgaPlanModel::SourceColumn).data().toString(), QStringLiteral("modelled"));
        // The chart's bars are those shares, in percent (the axis runs bottom-up).
        QCOMPARE(v->resourceChart()->barSets()[4]->at(int(engines.size()) - 1 - row), 100.0 * e.instance.dsp / part.total.dsp);
    }
    // One engine fewer, one entry fewer; the CPU has no resources tab.
    v->setChosenEngines({QStringLiteral("dense"), QStringLiteral("sparse-sparse")});
    QCOMPARE(v->resourceChart()->categories().size(), 2);
    QVERIFY(v->setDevice(QStringLiteral("cpu")));
    QCOMPARE(plan->rowCount(), 0);
}

void TestGui::visualiserBundledWavReachesSum()
{
    const QStringList bundled = ModelLoader::bundledAudioFiles();
    QVERIFY2(bundled.size() >= 2, qPrintable(bundled.join(QLatin1Char(','))));
    for (const QString& f : bundled)
        QVERIFY2(QFileInfo(f).size() <= 40 * 1024, qPrintable(f));
    MainWindow w(MainWindow::Options{false, false});
    QVERIFY(w.openModel(model_path_));
    w.resize(1400, 900);
    w.show();
    w.showView(MainWindow::View::Visualiser);
    VisualiserView* v = w.visualiserView();
    const QStringList names = v->inputNames();
    QCOMPARE(names.first(), QStringLiteral("Random features"));
    QCOMPARE(names.last(), QStringLiteral("Test clip from dataset…"));
    const QString wav = bundled.first();
    const int entry = int(names.indexOf(QStringLiteral("Bundled: ") + QFileInfo(wav).fileName()));
    QVERIFY(entry > 0);
    // Choosing the combo entry feeds the clip (as a user would).
    auto* combo = v->findChildren<QComboBox*>().value(0);
    for (QComboBox* c : v->findChildren<QComboBox*>())
        if (c->count() == names.size() && c->itemText(0) == names.first())
            combo = c;
    combo->setCurrentIndex(entry);
    QVERIFY2(v->error().isEmpty(), qPrintable(v->error()));
    v->jumpTo(VisPhase::Sum);
    QCOMPARE(v->phase(), VisPhase::Sum);
    const ss::Model& m = *w.loadedModel()->model;
    auto features = ss::featuresFromWav(m, wav.toStdString());
    QVERIFY2(features.isOk(), features.isOk() ? "" : features.message().c_str());
    const ss::GroupExplanation* got = v->explanation();
    QVERIFY(got);
    auto want = ss::explainGroup(m, got->layer_index, got->group, *features, got->oy, got->ox);
    QVERIFY(want.isOk());
    QCOMPARE(got->outputs, want->outputs);
    const QStringList shown = v->canvas()->outputTexts();
    QCOMPARE(int(shown.size()), want->P);
    for (int r = 0; r < want->P; ++r)
        QCOMPARE(shown[r], VisualiserCanvas::number(want->outputs[size_t(r)]));
    // A dataset folder that is not one is refused with a sentence, and the scene stays.
    QVERIFY(!v->useTestClip(dir_.filePath(QStringLiteral("no-such-dataset")), 0));
    QVERIFY(!v->error().isEmpty());
    QCOMPARE(v->explanation()->outputs, want->outputs);

    // A test clip of a GSC-layout folder (made here from the bundled words): its word is shown and
    // its features are loadClipFeatures'.
    const QString gsc = dir_.filePath(QStringLiteral("gsc-mini"));
    QStringList listed;
    for (const QString& f : bundled) {
        const QString word = QFileInfo(f).completeBaseName();
        QVERIFY(QDir().mkpath(gsc + QLatin1Char('/') + word));
        QVERIFY(QFile::copy(f, gsc + QLatin1Char('/') + word + QStringLiteral("/speaker1_nohash_0.wav")));
        listed << word + QStringLiteral("/speaker1_nohash_0.wav");
    }
    QFile tl(gsc + QStringLiteral("/testing_list.txt"));
    QVERIFY(tl.open(QIODevice::WriteOnly));
    tl.write((listed.join(QLatin1Char('\n')) + QLatin1Char('\n')).toUtf8());
    tl.close();
    QFile vl(gsc + QStringLiteral("/validation_list.txt"));
    QVERIFY(vl.open(QIODevice::WriteOnly));
    vl.close();
    auto data = ss::openGsc(gsc.toStdString(), ss::ClassPreset::Commands, m.classes);
    QVERIFY2(data.isOk(), data.isOk() ? "" : data.message().c_str());
    const auto& test = data->split(ss::Split::Test);
    QVERIFY(test.size() >= 2);
    QVERIFY2(v->useTestClip(gsc, 1), qPrintable(v->error()));
    QCOMPARE(v->testClipWord(), QString::fromStdString(test[1].word));
    auto clip = ss::loadClipFeatures(*data, test[1], m.audio);
    QVERIFY(clip.isOk());
    auto want_clip = ss::explainGroup(m, got->layer_index, got->group, *clip, got->oy, got->ox);
    QVERIFY(want_clip.isOk());
    QCOMPARE(v->explanation()->outputs, want_clip->outputs);
    QCOMPARE(combo->currentText(), QStringLiteral("Test clip from dataset…"));
    QVERIFY(!v->useTestClip(gsc, int(test.size())));
    QVERIFY(v->error().contains(QStringLiteral("out of range")));
    // The folder is remembered.
    QSettings settings;
    v->saveSettings(settings);
    QCOMPARE(settings.value(QStringLiteral("visualiser/gsc_dir")).toString(), gsc);
}

void TestGui::fpgaScreenshot()
{
    const QString png = dir_.filePath(QStringLiteral("benchmark-fpga.png"));
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(SPARSESCOPE_GUI_EXE),
            {QStringLiteral("--screenshot"), png, QStringLiteral("--view"), QStringLiteral("benchmark"), QStringLiteral("--device"),
             QStringLiteral("fpga-sim:zu3eg"), QStringLiteral("--bench-seconds"), QStringLiteral("0.5"), QStringLiteral("--engines"),
             QStringLiteral("dense,sparse-sparse"), model_path_});
    QVERIFY(p.waitForFinished(180000));
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, p.readAllStandardError().constData());
    QImage img(png);
    QVERIFY(!img.isNull());
    QVERIFY2(distinctColours(img) > 20, qPrintable(QString::number(distinctColours(img))));
    // A device the view does not offer is refused with a sentence.
    p.start(QStringLiteral(SPARSESCOPE_GUI_EXE), {QStringLiteral("--screenshot"), png, QStringLiteral("--view"), QStringLiteral("benchmark"),
                                                  QStringLiteral("--device"), QStringLiteral("fpga-sim:nope"), model_path_});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 1);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QStringLiteral("does not offer the device")));
}

// ---- Issue 16 ------------------------------------------------------------------------------------

QString TestGui::writeReport(const QString& file, const QString& model_path, const std::string& model_name)
{
    const QString report = dir_.filePath(file);
    ss::BenchContext ctx = ss::makeContext(model_path.toStdString(), *loaded_->model);
    ctx.model_name = model_name;
    if (!ss::writeTextFileAtomic(report.toStdString(), ss::benchToJson(ctx, fakeResults()).dump(2)).isOk())
        return {};
    return report;
}

QString TestGui::shippedModel(const QString& name) const
{
    const QString p = QStringLiteral(SS_SOURCE_DIR "/resources/models/") + name + QStringLiteral(".safetensors");
    return QFileInfo(p).isFile() ? p : QString();
}

void TestGui::reportOpensItsModel()
{
    // A second model with its own name, and a report measured on it.
    ss::SynthOptions o;
    auto other = ss::synthModel(o);
    QVERIFY(other.isOk());
    other->name = "gsc-other";
    const QString other_path = dir_.filePath(QStringLiteral("gsc-other.safetensors"));
    QVERIFY(ss::saveModel(*other, other_path.toStdString()).isOk());
    const QString report = writeReport(QStringLiteral("other-report.json"), other_path, "gsc-other");
    QVERIFY(!report.isEmpty());

    MainWindow w(MainWindow::Options{false, false});
    w.resize(1280, 860);
    w.show();
    QVERIFY(w.openModel(model_path_));
    QVERIFY(w.openResults(report));
    // Title, status and metadata switch to the report's model; the results stay.
    QCOMPARE(w.loadedModel()->path, QFileInfo(other_path).absoluteFilePath());
    QVERIFY2(w.windowTitle().startsWith(QStringLiteral("gsc-other.safetensors")), qPrintable(w.windowTitle()));
    QVERIFY(!w.windowTitle().contains(QStringLiteral("showing results of")));
    QCOMPARE(w.controller()->resultModel()->rowCount(), 2);
    QVERIFY(w.statusBar()->currentMessage().contains(QStringLiteral("gsc-other")));
    bool names_it = false;
    for (QLabel* l : w.modelView()->factValues())
        names_it = names_it || l->text() == QStringLiteral("gsc-other");
    QVERIFY(names_it);
    QLabel* banner = w.benchmarkView()->resultsBanner();
    QVERIFY(banner->isVisible());
    QVERIFY(banner->text().contains(QStringLiteral("gsc-other")));
    QVERIFY(!banner->property("otherModel").toBool());
    QVERIFY(banner->text().contains(QStringLiteral("other-report.json")));
}

void TestGui::reportOfAbsentModelSaysSo()
{
    const QString report = writeReport(QStringLiteral("ghost-report.json"), QStringLiteral("/nonexistent/ghost.safetensors"), "ghost");
    MainWindow w(MainWindow::Options{false, false});
    w.show();
    QVERIFY(w.openModel(model_path_));
    const QString loaded_name = QString::fromStdString(w.loadedModel()->model->name);
    QVERIFY(w.openResults(report));
    QCOMPARE(w.loadedModel()->path, QFileInfo(model_path_).absoluteFilePath()); // nothing to switch to
    QVERIFY2(w.windowTitle().contains(QStringLiteral("showing results of ghost")), qPrintable(w.windowTitle()));
    QLabel* banner = w.benchmarkView()->resultsBanner();
    QVERIFY(banner->isVisible());
    QVERIFY(banner->property("otherModel").toBool());
    QVERIFY(banner->text().contains(QStringLiteral("ghost")) && banner->text().contains(loaded_name));
    QVERIFY(w.statusBar()->currentMessage().contains(QStringLiteral("while")));
    // A report has no time series: the line chart says so instead of drawing empty axes.
    ThroughputChartView* line = w.benchmarkView()->throughputChart();
    QVERIFY(line->isEmptyState());
    QVERIFY2(line->emptyMessage().contains(QStringLiteral("no time series")), qPrintable(line->emptyMessage()));
    for (QAbstractAxis* a : line->chart()->axes())
        QVERIFY(!a->isVisible());
    QVERIFY(!w.benchmarkView()->throughputBars()->isEmptyState());
    QVERIFY(!w.benchmarkView()->energyBars()->isEmptyState());
}

void TestGui::chartsEmptyBeforeRun()
{
    MainWindow w(MainWindow::Options{false, false});
    w.resize(1024, 700);
    w.show();
    QVERIFY(w.openModel(model_path_));
    w.showView(MainWindow::View::Benchmark);
    QCoreApplication::processEvents();
    BenchmarkView* v = w.benchmarkView();
    for (EmptyStateChartView* c : QList<EmptyStateChartView*>{v->throughputChart(), v->throughputBars(), v->energyBars()}) {
        QVERIFY(c->isEmptyState());
        QVERIFY(!c->emptyMessage().isEmpty());
        // No axes, no ticks, no legend: nothing to overlap the title or to show "1 1 1 0 0".
        for (QAbstractAxis* a : c->chart()->axes())
            QVERIFY(!a->isVisible());
        QVERIFY(!c->chart()->legend()->isVisible());
    }
    // The idle progress bar is hidden (it looked like a text field).
    QVERIFY(!v->progressBar()->isVisible());
    // After a model change too.
    const QString copy = dir_.filePath(QStringLiteral("copy2.safetensors"));
    QFile::remove(copy);
    QVERIFY(QFile::copy(model_path_, copy));
    QVERIFY(w.openModel(copy));
    QVERIFY(v->throughputChart()->isEmptyState());
    QVERIFY(v->energyBars()->isEmptyState());
}

void TestGui::runListKeepsRunsAcrossModels()
{
    MainWindow w(MainWindow::Options{false, false});
    w.show();
    QVERIFY(w.openModel(model_path_));
    BenchmarkView* v = w.benchmarkView();
    v->setChosenEngines({QStringLiteral("dense"), QStringLiteral("sparse-sparse")});
    v->setSeconds(0.3);
    QSignalSpy finished(w.controller(), &BenchmarkController::runFinished);
    QVERIFY(w.startBenchmark());
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 120000);
    QVERIFY(!v->throughputChart()->isEmptyState());
    // The x axis ends at the data (plus a sliver so the last marker is whole), not at a planned range.
    double last = 0;
    for (ThroughputSeriesModel* s : w.controller()->seriesModels())
        last = std::max(last, s->lastSeconds());
    QVERIFY(v->throughputChart()->xAxis()->max() >= last);
    QVERIFY(v->throughputChart()->xAxis()->max() <= last * 1.1 + 0.05);
    // The per-layer table opens on the technique's engine, not on the last one ticked.
    QCOMPARE(w.controller()->layerModel()->engine(), QStringLiteral("sparse-sparse"));
    RunListModel* runs = w.controller()->runModel();
    QCOMPARE(runs->rowCount(), 1);
    QCOMPARE(runs->index(0, RunListModel::EnginesColumn).data().toString(), QStringLiteral("dense, sparse-sparse"));
    QVERIFY(v->resultsBanner()->text().contains(QStringLiteral("Run 1")));

    // Another model: the shown results go, the list keeps the run.
    const QString copy = dir_.filePath(QStringLiteral("copy3.safetensors"));
    QFile::remove(copy);
    QVERIFY(QFile::copy(model_path_, copy));
    QVERIFY(w.openModel(copy));
    QCOMPARE(w.controller()->resultModel()->rowCount(), 0);
    QCOMPARE(runs->rowCount(), 1);
    QVERIFY(!v->resultsBanner()->isVisible());
    v->selectRuns({0}); // the earlier run shows again, named as another model's if it is one
    QCOMPARE(w.controller()->resultModel()->rowCount(), 2);
    QVERIFY(v->resultsBanner()->text().contains(QStringLiteral("Run 1")));
    v->setChosenEngines({QStringLiteral("dense"), QStringLiteral("sparse-dense")});
    QVERIFY(w.startBenchmark());
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 2, 120000);
    QCOMPARE(runs->rowCount(), 2);
    const QString report = writeReport(QStringLiteral("third.json"), model_path_, QString::fromStdString(loaded_->model->name).toStdString());
    QVERIFY(w.openResults(report));
    QCOMPARE(runs->rowCount(), 3);

    // Choosing one run shows it (its time series too); choosing several compares them side by side.
    v->selectRuns({0});
    QCOMPARE(w.controller()->shownRun(), 0);
    QCOMPARE(w.controller()->resultModel()->engines(), (QStringList{QStringLiteral("dense"), QStringLiteral("sparse-sparse")}));
    QCOMPARE(w.controller()->seriesModels().size(), 2);
    QVERIFY(w.controller()->seriesModels()[0]->rowCount() > 0);
    v->selectRuns({0, 1, 2});
    RunCompareModel* cmp = w.controller()->compareModel();
    QCOMPARE(cmp->rowCount(), 6);
    QAbstractItemModelTester t1(runs, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t2(cmp, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(cmp->index(0, RunCompareModel::RunColumn).data().toString(), QStringLiteral("#1"));
    QCOMPARE(cmp->index(2, RunCompareModel::EngineColumn).data().toString(), QStringLiteral("dense"));
    QCOMPARE(cmp->index(3, RunCompareModel::EngineColumn).data().toString(), QStringLiteral("sparse-dense"));
    QVERIFY(cmp->index(3, RunCompareModel::SpeedupColumn).data(RunCompareModel::RawValueRole).toDouble() > 0);
    QCOMPARE(cmp->index(5, RunCompareModel::SpeedupColumn).data(RunCompareModel::RawValueRole).toDouble(), 4.0);
    // % of bound is one definition everywhere: × dense over the bound's speed-up, dense MACs / bound
    // MACs with the model's a (the report's context records its layers), not the engine's own a.
    const ss::ModelSummary sum = ss::summarize(*loaded_->model);
    QCOMPARE(cmp->index(5, RunCompareModel::PercentOfBoundColumn).data(RunCompareModel::RawValueRole).toDouble(),
             4.0 / (sum.macs_dense / sum.macs_bound));
}

void TestGui::metadataWholeAfterModelSwitch()
{
    const QString cs = shippedModel(QStringLiteral("gsc-cs")), dense = shippedModel(QStringLiteral("gsc-dense"));
    if (cs.isEmpty() || dense.isEmpty())
        QSKIP("the shipped models are not in resources/models");
    for (const QSize size : {QSize(1024, 700), QSize(1280, 860)})
    for (const bool cs_first : {true, false}) {
        MainWindow w(MainWindow::Options{false, false});
        w.resize(size);
        w.show();
        QVERIFY(w.openModel(cs_first ? cs : dense));
        QTest::qWait(50);
        QVERIFY(w.openModel(cs_first ? dense : cs));
        QTest::qWait(50);
        QCoreApplication::processEvents();
        const QList<QLabel*> values = w.modelView()->factValues();
        QVERIFY(values.size() > 8);
        for (QLabel* l : values) {
            // Whole: the label is as tall as its text needs at its width, and no wider than the panel.
            const int need = l->heightForWidth(l->width());
            QVERIFY2(l->height() >= need, qPrintable(QStringLiteral("%1: %2 < %3 px at %4 px wide (%5×%6)")
                                                          .arg(l->text().left(40))
                                                          .arg(l->height())
                                                          .arg(need)
                                                          .arg(l->width())
                                                          .arg(size.width())
                                                          .arg(size.height())));
            // Inside the visible panel (the scroll area's viewport), not only inside a wider inner widget.
            const QWidget* viewport = w.modelView()->factsWidget()->parentWidget();
            QVERIFY2(l->mapTo(viewport, QPoint(l->width(), 0)).x() <= viewport->width(),
                     qPrintable(QStringLiteral("%1 ends at %2 of %3 px")
                                    .arg(l->text().left(40))
                                    .arg(l->mapTo(viewport, QPoint(l->width(), 0)).x())
                                    .arg(viewport->width())));
        }
    }
}

void TestGui::recipeIsATable()
{
    const QString cs = shippedModel(QStringLiteral("gsc-cs"));
    if (cs.isEmpty())
        QSKIP("the shipped models are not in resources/models");
    MainWindow w(MainWindow::Options{false, false});
    QVERIFY(w.openModel(cs));
    bool table = false;
    for (QLabel* l : w.modelView()->factValues()) {
        QVERIFY2(!l->text().startsWith(QLatin1Char('{')), qPrintable(l->text().left(60))); // no raw JSON
        table = table || (l->text().contains(QStringLiteral("<table")) && l->text().contains(QStringLiteral("augmentation")));
    }
    QVERIFY(table);
}

void TestGui::fpgaSimUnticksEnginesWithoutKernels()
{
    MainWindow w(MainWindow::Options{false, false});
    QVERIFY(w.openModel(model_path_));
    BenchmarkView* v = w.benchmarkView();
    v->setChosenEngines({QStringLiteral("dense"), QStringLiteral("csr"), QStringLiteral("sparse-sparse")});
    QVERIFY(v->setDevice(QStringLiteral("fpga-sim:u250")));
    QCheckBox* csr = v->engineBox(QStringLiteral("csr"));
    QVERIFY(csr);
    QVERIFY(!csr->isChecked());
    QVERIFY(!csr->isEnabled());
    QVERIFY(!v->kernelsCombo()->isEnabled());
    QCOMPARE(v->chosenEngines(), (QStringList{QStringLiteral("dense"), QStringLiteral("sparse-sparse")}));
    QVERIFY(v->setDevice(QStringLiteral("cpu")));
    QVERIFY(csr->isChecked()); // the user's choice comes back
    QVERIFY(v->kernelsCombo()->isEnabled());
}

void TestGui::statusBarShowsRunningBenchmark()
{
    MainWindow w(MainWindow::Options{false, false});
    w.show();
    QVERIFY(w.openModel(model_path_));
    w.showView(MainWindow::View::Model); // another tab
    w.benchmarkView()->setChosenEngines({QStringLiteral("dense")});
    w.benchmarkView()->setSeconds(60);
    QSignalSpy finished(w.controller(), &BenchmarkController::runFinished);
    QVERIFY(w.controller()->start(w.benchmarkView()->request()));
    QVERIFY(w.runningStatus().startsWith(QStringLiteral("Benchmark running")));
    QTRY_VERIFY_WITH_TIMEOUT(w.runningStatus().contains(QStringLiteral("dense")), 60000);
    w.stopBenchmark();
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 60000);
    QVERIFY(w.runningStatus().isEmpty());
    QVERIFY(w.controller()->canSave()); // stopped: saved marked partial
}

void TestGui::jsonOnCommandLineOpensReport()
{
    const QString report = writeReport(QStringLiteral("cmdline.json"), model_path_, loaded_->model->name);
    MainWindow w(MainWindow::Options{false, false});
    QVERIFY(w.openInitialModel(report));
    QVERIFY(w.lastError().isEmpty());
    QCOMPARE(w.controller()->resultModel()->rowCount(), 2);
    QVERIFY(w.loadedModel()); // the report's model
    QCOMPARE(w.loadedModel()->path, QFileInfo(model_path_).absoluteFilePath());
}

void TestGui::badPathStillOpensAModel()
{
    {
        MainWindow w;
        QVERIFY(w.openModel(model_path_)); // remembered as the last model
        w.close();
    }
    MainWindow w(MainWindow::Options{true, true});
    QVERIFY(!w.openInitialModel(dir_.filePath(QStringLiteral("no-such.safetensors"))));
    QVERIFY(!w.lastError().isEmpty());
    QVERIFY(w.loadedModel()); // not an empty window
    QCOMPARE(w.loadedModel()->path, QFileInfo(model_path_).absoluteFilePath());
    if (auto* box = w.findChild<QMessageBox*>(QStringLiteral("errorMessageBox")))
        box->accept();
}

void TestGui::notAModelSentence()
{
    const ModelLoadResult r = ModelLoader::load(bad_path_);
    QVERIFY(!r.ok());
    QVERIFY2(r.error.contains(QStringLiteral("is not a SparseScope model")), qPrintable(r.error));
    QVERIFY(!r.error.contains(QStringLiteral("header claims")));
}

namespace {
QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    p.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    p.setColor(QPalette::AlternateBase, QColor(0x2a, 0x2a, 0x2a));
    p.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
    p.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::PlaceholderText, QColor(0xa0, 0xa0, 0xa0));
    p.setColor(QPalette::ToolTipBase, QColor(0x35, 0x35, 0x35));
    p.setColor(QPalette::ToolTipText, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x6e, 0xa8));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x80, 0x80, 0x80));
    return p;
}

double contrast(QColor a, QColor b)
{
    auto lum = [](QColor c) {
        auto ch = [](double v) { v /= 255.0; return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * ch(c.red()) + 0.7152 * ch(c.green()) + 0.0722 * ch(c.blue());
    };
    double l1 = lum(a), l2 = lum(b);
    if (l1 < l2)
        std::swap(l1, l2);
    return (l1 + 0.05) / (l2 + 0.05);
}
} // namespace

void TestGui::darkThemeIsReadable()
{
    const QPalette old = QApplication::palette();
    QApplication::setPalette(darkPalette());
    {
        MainWindow w(MainWindow::Options{false, false});
        w.show();
        QVERIFY(w.openModel(model_path_));
        BenchmarkView* v = w.benchmarkView();
        // Charts take the theme: dark background, light text (not white boxes).
        for (QChartView* c : QList<QChartView*>{v->throughputChart(), v->throughputBars(), v->energyBars()}) {
            const QColor bg = c->chart()->backgroundBrush().color();
            QVERIFY2(bg.lightness() < 100, qPrintable(bg.name()));
            QVERIFY(contrast(c->chart()->titleBrush().color(), bg) >= 4.5);
        }
        // The Live tab's chart too.
        auto* live_chart = w.liveView()->findChild<QChartView*>();
        QVERIFY(live_chart);
        QVERIFY(live_chart->chart()->backgroundBrush().color().lightness() < 100);
        // Engine check boxes keep the theme's text colour (their colour is a swatch).
        QCheckBox* box = v->engineBox(QStringLiteral("dense"));
        QVERIFY(contrast(box->palette().color(QPalette::WindowText), w.palette().color(QPalette::Window)) >= 4.5);
        QVERIFY(!box->icon().isNull());
    }
    QApplication::setPalette(old);
}

void TestGui::tablesFitAt1024()
{
    MainWindow w(MainWindow::Options{false, false});
    w.resize(1024, 700);
    w.show();
    QVERIFY(w.openModel(model_path_));
    w.showView(MainWindow::View::Model);
    QCoreApplication::processEvents();
    QTableView* t = w.modelView()->layerTable();
    QTRY_VERIFY(t->isVisible());
    QVERIFY2(!t->horizontalScrollBar()->isVisible(),
             qPrintable(QStringLiteral("the layer table scrolls sideways at 1024×700 (%1 of %2 px)")
                            .arg(t->viewport()->width())
                            .arg(t->horizontalHeader()->length())));
}

void TestGui::modelTabJumpsToVisualiser()
{
    MainWindow w(MainWindow::Options{false, false});
    w.show();
    QVERIFY(w.openModel(model_path_));
    QTableView* t = w.modelView()->layerTable();
    const int row = rowOfLayer(*t->model(), QStringLiteral("linear1"));
    QVERIFY(row >= 0);
    Q_EMIT t->activated(t->model()->index(row, 0)); // what a double-click emits
    QCOMPARE(w.visualiserView()->isVisible(), true);
    QVERIFY(w.visualiserView()->explanation());
    QCOMPARE(QString::fromStdString(w.visualiserView()->explanation()->layer), QStringLiteral("linear1"));
    // A layer without groups says why and stays on the Model tab.
    w.showView(MainWindow::View::Model);
    QVERIFY(!w.showLayerInVisualiser(QStringLiteral("flatten")));
    QVERIFY(w.modelView()->isVisible());
}

void TestGui::tablesExportCsvAndChartsPng()
{
    MainWindow w(MainWindow::Options{false, false});
    w.show();
    QVERIFY(w.openModel(model_path_));
    QVERIFY(w.openResults(writeReport(QStringLiteral("export.json"), model_path_, loaded_->model->name)));
    const QString csv = tableToCsv(w.benchmarkView()->resultTable());
    const QStringList lines = csv.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 3); // header + dense + sparse-sparse
    QVERIFY(lines[0].startsWith(QStringLiteral("Engine,Status,Items/s")));
    QVERIFY(!lines[0].contains(QStringLiteral("Energy source"))); // hidden columns stay out
    QVERIFY(lines[2].startsWith(QStringLiteral("sparse-sparse,")));
    QVERIFY(lines[2].contains(QStringLiteral("4.00×")));
    QCOMPARE(tableToCsv(w.benchmarkView()->resultTable(), {1}).trimmed().split(QLatin1Char('\n')).size(), 2);
    // Multi-line headers become one line; every layer is a row.
    const QStringList layers = tableToCsv(w.modelView()->layerTable()).trimmed().split(QLatin1Char('\n'));
    QCOMPARE(layers.size(), 15);
    QVERIFY(layers[0].contains(QStringLiteral("Dense MACs")));
    // A chart saves as a PNG that is a picture, not a blank.
    const QString png = dir_.filePath(QStringLiteral("energy.png"));
    QString error;
    QVERIFY2(saveWidgetPng(w.benchmarkView()->energyBars(), png, &error), qPrintable(error));
    QImage img(png);
    QVERIFY(!img.isNull());
    QVERIFY(distinctColours(img) > 4);
    QVERIFY(!saveWidgetPng(w.benchmarkView()->energyBars(), QStringLiteral("/nonexistent-dir/x.png"), &error));
    QVERIFY(error.contains(QStringLiteral("/nonexistent-dir/x.png")));
    // The glossary names every term the tables use.
    for (const char* term : {"<b>w</b>", "<b>P</b>", "<b>k</b>", "<b>a</b>", "<b>bound</b>", "sparse-dense", "sparse-sparse"})
        QVERIFY2(MainWindow::glossaryText().contains(QLatin1String(term)), term);
}

void TestGui::visualiserSumColumnInsideAt1024()
{
    const QString cs = shippedModel(QStringLiteral("gsc-cs"));
    MainWindow w(MainWindow::Options{false, false});
    w.resize(1024, 700);
    w.show();
    QVERIFY(w.openModel(cs.isEmpty() ? model_path_ : cs));
    w.showView(MainWindow::View::Visualiser);
    VisualiserView* v = w.visualiserView();
    QTRY_VERIFY(v->viewportWidth() > 500);
    QVERIFY(v->fitsWidth());
    const QStringList layers = v->layerNames();
    QVERIFY(!layers.isEmpty());
    for (const QString& name : layers) {
        QVERIFY(w.showLayerInVisualiser(name.section(QLatin1Char(' '), 0, 0)));
        v->jumpTo(VisPhase::Sum);
        v->finishAnimation();
        QCoreApplication::processEvents();
        // The whole scene, the accumulators and their "= value" column included, is as wide as the view.
        QVERIFY2(v->canvas()->sizeHint().width() <= v->viewportWidth(),
                 qPrintable(QStringLiteral("%1: %2 px wide in a %3 px view").arg(name).arg(v->canvas()->sizeHint().width()).arg(v->viewportWidth())));
    }
}

// Pictures for the README and for looking at: with SPARSESCOPE_SHOTS=DIR, the Model, Benchmark (after
// a short run) and Runs views at 1024×700 and 1920×1080, light and dark.
void TestGui::issue16Screenshots()
{
    const QString out = qEnvironmentVariable("SPARSESCOPE_SHOTS");
    if (out.isEmpty())
        QSKIP("set SPARSESCOPE_SHOTS=DIR to write the screenshots");
    QDir().mkpath(out);
    const QString cs = shippedModel(QStringLiteral("gsc-cs"));
    const QString model = cs.isEmpty() ? model_path_ : cs;
    const QPalette light = QApplication::palette();
    for (const bool dark : {false, true}) {
        QApplication::setPalette(dark ? darkPalette() : light);
        for (const QSize size : {QSize(1024, 700), QSize(1920, 1080)}) {
            MainWindow w(MainWindow::Options{false, false});
            w.resize(size);
            w.show();
            QVERIFY(w.openModel(shippedModel(QStringLiteral("gsc-dense")).isEmpty() ? model : shippedModel(QStringLiteral("gsc-dense"))));
            QVERIFY(w.openModel(model));
            const QString tag = QStringLiteral("%1x%2-%3").arg(size.width()).arg(size.height()).arg(dark ? QStringLiteral("dark") : QStringLiteral("light"));
            auto shot = [&](const QString& name) {
                for (int i = 0; i < 5; ++i)
                    QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
                QVERIFY(w.grab().save(QDir(out).filePath(name + QLatin1Char('-') + tag + QStringLiteral(".png"))));
            };
            w.showView(MainWindow::View::Model);
            shot(QStringLiteral("model"));
            w.showView(MainWindow::View::Benchmark);
            shot(QStringLiteral("benchmark-empty"));
            BenchmarkView* v = w.benchmarkView();
            v->setChosenEngines({QStringLiteral("dense"), QStringLiteral("csr"), QStringLiteral("sparse-dense"), QStringLiteral("sparse-sparse")});
            v->setSeconds(1.0);
            QSignalSpy finished(w.controller(), &BenchmarkController::runFinished);
            QVERIFY(w.startBenchmark());
            QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 120000);
            shot(QStringLiteral("benchmark"));
            v->showRunsTab();
            shot(QStringLiteral("runs"));
            // fpga-sim: mid-run (C-simulation speed in the line chart, no bars yet), then modelled bars.
            QVERIFY(v->setDevice(QStringLiteral("fpga-sim:u250")));
            v->setChosenEngines({QStringLiteral("dense"), QStringLiteral("sparse-dense"), QStringLiteral("sparse-sparse")});
            v->setSeconds(1.0);
            QSignalSpy sim_finished(w.controller(), &BenchmarkController::runFinished);
            QVERIFY(w.startBenchmark());
            QTRY_VERIFY_WITH_TIMEOUT(w.controller()->fractionDone() > 0.6 || sim_finished.count() == 1, 120000);
            if (sim_finished.isEmpty())
                shot(QStringLiteral("fpga-sim-running"));
            QTRY_VERIFY_WITH_TIMEOUT(sim_finished.count() == 1, 120000);
            shot(QStringLiteral("fpga-sim"));
            QVERIFY(v->setDevice(QStringLiteral("cpu")));
            w.showView(MainWindow::View::Visualiser);
            w.visualiserView()->jumpTo(VisPhase::Sum);
            w.visualiserView()->finishAnimation();
            shot(QStringLiteral("visualiser"));
            w.showView(MainWindow::View::Live);
            shot(QStringLiteral("live"));
        }
    }
    QApplication::setPalette(light);
}

// ---- issue 16: the Visualiser teaches at any size; C-sim speed apart from modelled figures -------

void TestGui::visualiserStartsOnSmallestFanIn()
{
    const QString cs = shippedModel(QStringLiteral("gsc-cs"));
    MainWindow w(MainWindow::Options{false, false});
    QVERIFY(w.openModel(cs.isEmpty() ? model_path_ : cs));
    VisualiserView* v = w.visualiserView();
    QVERIFY(v->explanation());
    QCOMPARE(QString::fromStdString(v->explanation()->layer), QStringLiteral("cnn1"));
    QCOMPARE(v->explanation()->P, 2);
    QCOMPARE(v->explanation()->N, 25);
    QVERIFY(!v->showsOverlay());
}

void TestGui::visualiserColoursMeanOneThing()
{
    // Slot colours keep away from the value colours (red > 0, blue < 0) and from each other.
    const QColor zero(Qt::white);
    const QColor pos = valueColor(1, zero), neg = valueColor(-1, zero);
    auto dist = [](QColor a, QColor b) {
        return std::sqrt(std::pow(a.redF() - b.redF(), 2) + std::pow(a.greenF() - b.greenF(), 2) + std::pow(a.blueF() - b.blueF(), 2));
    };
    for (int P : {2, 10, 20}) {
        for (int r = 0; r < P; ++r) {
            const QColor c = slotColor(r, P);
            QVERIFY2(dist(c, pos) > 0.25 && dist(c, neg) > 0.25, qPrintable(QStringLiteral("slot %1 of %2: %3").arg(r).arg(P).arg(c.name())));
            const int hue = c.hslHue();
            QVERIFY2(!(hue >= 195 && hue <= 235), qPrintable(QStringLiteral("slot %1 of %2 is blue: %3").arg(r).arg(P).arg(c.name())));
            for (int q = 0; q < r; ++q)
                QVERIFY2(dist(c, slotColor(q, P)) > 0.11,
                         qPrintable(QStringLiteral("slots %1 and %2 of %3 look alike: %4").arg(q).arg(r).arg(P).arg(c.name())));
        }
    }
    // One legend names every colour on the canvas.
    MainWindow w(MainWindow::Options{false, false});
    QVERIFY(w.openModel(model_path_));
    const QStringList legend = w.visualiserView()->canvas()->legendTexts();
    QVERIFY(legend.contains(QStringLiteral("< 0")));
    QVERIFY(legend.contains(QStringLiteral("> 0")));
    QCOMPARE(int(legend.size()), w.visualiserView()->explanation()->P + 3);
}

void TestGui::visualiserProductsPerAccumulator()
{
    MainWindow w(MainWindow::Options{false, false});
    QVERIFY(w.openModel(model_path_));
    VisualiserView* v = w.visualiserView();
    QVERIFY(w.showLayerInVisualiser(QStringLiteral("cnn2")));
    v->setSparseSparse(true);
    const ss::GroupExplanation* e = v->explanation();
    QVERIFY(e && e->input_sparse);
    int total = 0;
    for (int r = 0; r < e->P; ++r) {
        int want = 0;
        for (int n = 0; n < e->N; ++n)
            want += e->route[size_t(n)] == r && e->winners[size_t(n)];
        QCOMPARE(v->canvas()->productsInto(r), want);
        QVERIFY(want <= e->products_per_slot[size_t(r)]);
        total += want;
    }
    QVERIFY(total > 0);
    QVERIFY(total <= e->nonzeros);
    v->setSparseSparse(false); // sparse-dense: every owned position sends its product
    for (int r = 0; r < e->P; ++r)
        QCOMPARE(v->canvas()->productsInto(r), e->products_per_slot[size_t(r)]);
}

void TestGui::visualiserBreadcrumbClicks()
{
    MainWindow w(MainWindow::Options{false, false});
    w.resize(1024, 700);
    w.show();
    QVERIFY(w.openModel(model_path_));
    w.showView(MainWindow::View::Visualiser);
    VisualiserView* v = w.visualiserView();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const QList<QAbstractButton*> steps = v->stepButtons();
    QCOMPARE(int(steps.size()), int(v->phases().size()));
    QCOMPARE(v->phase(), VisPhase::Kernels);
    QVERIFY(steps.first()->isChecked());
    QTest::mouseClick(steps.last(), Qt::LeftButton);
    QCOMPARE(v->phase(), VisPhase::Sum);
    QVERIFY(steps.last()->isChecked());
    QVERIFY(!steps.first()->isChecked());
    QTest::mouseClick(steps[1], Qt::LeftButton);
    QCOMPARE(v->phase(), v->phases()[1]);
    // Zooming leaves the fit; Fit comes back to it.
    const double fitted = v->canvas()->zoom();
    v->canvas()->setFocus();
    QTest::keyClick(v->canvas(), Qt::Key_Plus);
    QVERIFY(!v->fitsWidth());
    QVERIFY(v->canvas()->zoom() > fitted);
    auto* fit = v->findChild<QPushButton*>(QStringLiteral("visualiserFit"));
    QVERIFY(fit);
    QTest::mouseClick(fit, Qt::LeftButton);
    QVERIFY(v->fitsWidth());
    QCOMPARE(v->canvas()->zoom(), fitted);
}

void TestGui::visualiserP20FitsAt1024()
{
    const QString super = shippedModel(QStringLiteral("gsc-cs-supersparse"));
    if (super.isEmpty())
        QSKIP("the shipped gsc-cs-supersparse model (P = 20) is not here");
    MainWindow w(MainWindow::Options{false, false});
    w.resize(1024, 700);
    w.show();
    QVERIFY(w.openModel(super));
    w.showView(MainWindow::View::Visualiser);
    VisualiserView* v = w.visualiserView();
    QTRY_VERIFY(v->viewportWidth() > 500);
    int p20 = 0;
    for (const QString& name : v->layerNames()) {
        QVERIFY(w.showLayerInVisualiser(name.section(QLatin1Char(' '), 0, 0)));
        v->jumpTo(VisPhase::Sum);
        v->finishAnimation();
        QCoreApplication::processEvents();
        const ss::GroupExplanation* e = v->explanation();
        QVERIFY(e);
        p20 += e->P == 20;
        const QRect view(QPoint(0, 0), v->viewportSize());
        for (int r = 0; r < e->P; ++r)
            QVERIFY2(view.contains(v->canvas()->accumulatorRect(r)),
                     qPrintable(QStringLiteral("%1: accumulator %2 at %3,%4 %5×%6 outside the %7×%8 view")
                                    .arg(name)
                                    .arg(r)
                                    .arg(v->canvas()->accumulatorRect(r).x())
                                    .arg(v->canvas()->accumulatorRect(r).y())
                                    .arg(v->canvas()->accumulatorRect(r).width())
                                    .arg(v->canvas()->accumulatorRect(r).height())
                                    .arg(view.width())
                                    .arg(view.height())));
        QVERIFY(v->canvas()->textScale() >= 0.8); // text stays readable when the scene shrinks
        QCOMPARE(int(v->canvas()->outputTexts().size()), e->P);
    }
    QVERIFY(p20 >= 1);
}

void TestGui::visualiserDarkCanvas()
{
    const QPalette old = QApplication::palette();
    QApplication::setPalette(darkPalette());
    {
        MainWindow w(MainWindow::Options{false, false});
        w.resize(1024, 700);
        w.show();
        QVERIFY(w.openModel(model_path_));
        w.showView(MainWindow::View::Visualiser);
        w.visualiserView()->jumpTo(VisPhase::Sum);
        QCoreApplication::processEvents();
        const QImage img = w.visualiserView()->canvas()->grab().toImage();
        QVERIFY(!img.isNull());
        int dark = 0, samples = 0;
        for (int y = 0; y < img.height(); y += 11)
            for (int x = 0; x < img.width(); x += 11, ++samples)
                dark += QColor(img.pixel(x, y)).lightness() < 90;
        QVERIFY2(dark * 2 > samples, qPrintable(QStringLiteral("%1 of %2 samples dark").arg(dark).arg(samples)));
    }
    QApplication::setPalette(old);
}

void TestGui::visualiserShowsCollisionsOfRandomMasks()
{
    const QString sparse = shippedModel(QStringLiteral("gsc-sparse"));
    if (sparse.isEmpty())
        QSKIP("the shipped gsc-sparse model is not here");
    MainWindow w(MainWindow::Options{false, false});
    QVERIFY(w.openModel(sparse));
    VisualiserView* v = w.visualiserView();
    QVERIFY(!v->layerNames().isEmpty());
    QVERIFY(v->layerNames().first().contains(QStringLiteral("what-if")));
    QVERIFY(v->showsOverlay());
    QCOMPARE(v->phases(), (QList<VisPhase>{VisPhase::Kernels, VisPhase::Combine}));
    for (const QString& name : v->layerNames()) {
        QVERIFY(w.showLayerInVisualiser(name.section(QLatin1Char(' '), 0, 0)));
        const ss::GroupExplanation* e = v->explanation();
        QVERIFY(e);
        QVERIFY2(e->collisions > 0, qPrintable(name)); // random masks overlap
        // The overlay's counts are the masks': a collision is a position two or more of the P outputs use.
        const ss::Model& m = *w.loadedModel()->model;
        const ss::Layer& L = m.layers[size_t(e->layer_index)];
        int collide = 0;
        for (int n = 0; n < e->N; ++n) {
            int owners = 0;
            for (int r = 0; r < e->P; ++r)
                owners += L.mask.data[size_t(e->group * e->P + r) * e->N + n] != 0.0f;
            collide += owners > 1;
        }
        QCOMPARE(e->collisions, collide);
    }
    v->jumpTo(VisPhase::Combine);
    QVERIFY(v->canvas()->legendTexts().join(QLatin1Char(' ')).contains(QStringLiteral("collision")));
    QVERIFY(v->canvas()->outputTexts().isEmpty()); // no input, no sums
}

void TestGui::csimSpeedIsNotThroughput()
{
    // A live fpga-sim row: its rate is the C-simulation's, shown as such, never as a throughput bar.
    BenchResultModel m;
    m.setEngines({QStringLiteral("dense"), QStringLiteral("sparse-sparse")}, true);
    ss::BenchProgress p;
    p.engine_index = 0;
    p.items = 40;
    p.engine_seconds = 1.0;
    m.updateProgress(p);
    p.engine_index = 1;
    p.items = 90;
    m.updateProgress(p);
    QVERIFY(m.liveIsCsim());
    QCOMPARE(m.index(0, BenchResultModel::ItemsPerSecondColumn).data().toString(), QStringLiteral("40.0 C-sim"));
    QVERIFY(!m.index(0, BenchResultModel::ItemsPerSecondColumn).data(BenchResultModel::RawValueRole).isValid());
    QVERIFY(m.index(1, BenchResultModel::ItemsPerSecondColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("not the FPGA")));
    QCOMPARE(m.speedupVsDense(1), 0.0);
    EngineBarChartView bars(EngineBarChartView::Metric::Throughput);
    bars.setModel(&m);
    QVERIFY(bars.isEmptyState());
    QVERIFY(bars.emptyMessage().contains(QStringLiteral("Modelled")));
    // The same on a CPU run is a measured throughput.
    m.setEngines({QStringLiteral("dense")}, false);
    p.engine_index = 0;
    m.updateProgress(p);
    QVERIFY(!m.liveIsCsim());
    QVERIFY(m.index(0, BenchResultModel::ItemsPerSecondColumn).data(BenchResultModel::RawValueRole).isValid());
    QVERIFY(!bars.isEmptyState());

    // The line chart names the C-simulation on its title, axis and lines.
    MainWindow w(MainWindow::Options{false, false});
    QVERIFY(w.openModel(model_path_));
    BenchmarkView* v = w.benchmarkView();
    QVERIFY(v->setDevice(QStringLiteral("fpga-sim:zu3eg")));
    QVERIFY(v->throughputChart()->isCsim());
    QVERIFY(v->throughputChart()->yAxisTitle().contains(QStringLiteral("C-sim")));
    QVERIFY(v->throughputChart()->chart()->title().contains(QStringLiteral("not the FPGA")));
    QVERIFY(v->setDevice(QStringLiteral("cpu")));
    QVERIFY(!v->throughputChart()->isCsim());
    QCOMPARE(v->throughputChart()->yAxisTitle(), QStringLiteral("items/s"));
}

// ---- issue 20, point 5: the GUI shares the core's refusals ----------------------------------------

namespace {
// A copy of a model file with its header's metadata changed by `edit` (tensor data untouched: the
// offsets are relative to the data, which follows the header).
QByteArray editedModel(const QString& path, const std::function<void(nlohmann::json&)>& edit)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray all = f.readAll();
    quint64 n = 0;
    std::memcpy(&n, all.constData(), 8);
    auto header = nlohmann::json::parse(all.mid(8, int(n)).toStdString());
    auto meta = nlohmann::json::parse(header["__metadata__"]["sparsescope"].get<std::string>());
    edit(meta);
    header["__metadata__"]["sparsescope"] = meta.dump();
    const std::string h = header.dump();
    quint64 len = h.size();
    QByteArray out(reinterpret_cast<const char*>(&len), 8);
    out += QByteArray::fromStdString(h);
    out += all.mid(8 + int(n));
    return out;
}
} // namespace

void TestGui::boundIsTheSameOnEveryDevice()
{
    // One definition: a·w per layer with the model's a (summarize, as the Model tab and `info` show it).
    const ss::ModelSummary sum = ss::summarize(*loaded_->model);
    const double want = sum.macs_dense / sum.macs_bound;
    QList<double> bounds;
    for (const QString& device : {QStringLiteral("cpu"), QStringLiteral("fpga-sim:zu3eg")}) {
        BenchmarkController c;
        QSignalSpy finished(&c, &BenchmarkController::runFinished);
        QSignalSpy failed(&c, &BenchmarkController::failed);
        BenchmarkRequest r = request(*loaded_, {QStringLiteral("dense"), QStringLiteral("sparse-sparse")}, 0.3);
        r.device = device;
        QVERIFY(c.start(r));
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() + failed.count() == 1, 180000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        BenchResultModel* m = c.resultModel();
        for (int row = 0; row < m->rowCount(); ++row) {
            const QVariant b = m->index(row, BenchResultModel::BoundSpeedupColumn).data(BenchResultModel::RawValueRole);
            QVERIFY2(b.isValid(), qPrintable(device));
            QVERIFY2(std::abs(b.toDouble() - want) <= 1e-9 * want, qPrintable(QStringLiteral("%1: %2 vs %3").arg(device).arg(b.toDouble()).arg(want)));
            bounds << b.toDouble();
            // % of bound is × dense over that bound.
            const QVariant of = m->index(row, BenchResultModel::PercentOfBoundColumn).data(BenchResultModel::RawValueRole);
            if (of.isValid())
                QVERIFY(std::abs(of.toDouble() - m->speedupVsDense(row) / want) <= 1e-9);
        }
        // Per layer: the bound's MACs use the model's a, whatever a the engine measured.
        LayerBenchModel* layers = c.layerModel();
        layers->setEngine(QStringLiteral("sparse-sparse"));
        const ss::BenchResult& ss_result = m->results().back();
        for (int row = 0; row < int(ss_result.layers.size()); ++row) {
            const ss::LayerResult& l = ss_result.layers[size_t(row)];
            if (!l.stats.weighted)
                continue;
            const std::string first = l.stats.layer.substr(0, l.stats.layer.find('+'));
            double a = -1;
            for (const ss::LayerSummary& ls : sum.layers)
                if (ls.name == first)
                    a = ls.input_density;
            QVERIFY(a > 0);
            const double got = layers->index(row, LayerBenchModel::BoundMacsColumn).data(LayerBenchModel::RawValueRole).toDouble();
            QVERIFY2(std::abs(got - l.stats.macs_dense * l.stats.weight_density * a) <= 1e-6 * std::max(1.0, got),
                     qPrintable(QString::fromStdString(device.toStdString() + " " + l.stats.layer)));
        }
    }
    QCOMPARE(int(bounds.size()), 4);
}

// Pictures of the Visualiser for looking at: with SPARSESCOPE_SHOTS=DIR, gsc-cs's cnn1 (Sum) and cnn2
// (sparse-sparse, mid-Route), gsc-cs-supersparse's linear1 (P = 20, Sum) and gsc-sparse's what-if
// overlay (Combine), at 1024×700 and 1920×1080, light and dark.
void TestGui::visualiserScreenshots()
{
    const QString out = qEnvironmentVariable("SPARSESCOPE_SHOTS");
    if (out.isEmpty())
        QSKIP("set SPARSESCOPE_SHOTS=DIR to write the screenshots");
    QDir().mkpath(out);
    const QPalette light = QApplication::palette();
    for (const bool dark : {false, true}) {
        QApplication::setPalette(dark ? darkPalette() : light);
        for (const QSize size : {QSize(1024, 700), QSize(1920, 1080)}) {
            MainWindow w(MainWindow::Options{false, false});
            w.resize(size);
            w.show();
            w.showView(MainWindow::View::Visualiser);
            VisualiserView* v = w.visualiserView();
            const QString tag = QStringLiteral("%1x%2-%3").arg(size.width()).arg(size.height()).arg(dark ? QStringLiteral("dark") : QStringLiteral("light"));
            auto shot = [&](const QString& name) {
                for (int i = 0; i < 5; ++i)
                    QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
                QVERIFY(w.grab().save(QDir(out).filePath(QStringLiteral("vis-") + name + QLatin1Char('-') + tag + QStringLiteral(".png"))));
            };
            const QString cs = shippedModel(QStringLiteral("gsc-cs"));
            QVERIFY(w.openModel(cs.isEmpty() ? model_path_ : cs));
            v->jumpTo(VisPhase::Sum);
            shot(QStringLiteral("cnn1-sum"));
            QVERIFY(w.showLayerInVisualiser(QStringLiteral("cnn2")));
            v->setSparseSparse(true);
            v->jumpTo(VisPhase::Route);
            v->canvas()->setPhase(VisPhase::Route, 0.55);
            shot(QStringLiteral("cnn2-route"));
            v->jumpTo(VisPhase::Sum);
            v->canvas()->setFocus();
            for (int i = 0; i < 6; ++i) // zoomed far out: text shrinks to its minimum, labels shorten, nothing collides
                QTest::keyClick(v->canvas(), Qt::Key_Minus);
            shot(QStringLiteral("cnn2-zoomed-out"));
            for (int i = 0; i < 10; ++i)
                QTest::keyClick(v->canvas(), Qt::Key_Plus);
            shot(QStringLiteral("cnn2-zoomed-in"));
            v->setFitWidth(true);
            if (const QString super = shippedModel(QStringLiteral("gsc-cs-supersparse")); !super.isEmpty()) {
                QVERIFY(w.openModel(super));
                QVERIFY(w.showLayerInVisualiser(QStringLiteral("linear1")));
                v->setSparseSparse(true);
                v->jumpTo(VisPhase::Sum);
                shot(QStringLiteral("supersparse-linear1-sum"));
            }
            if (const QString sparse = shippedModel(QStringLiteral("gsc-sparse")); !sparse.isEmpty()) {
                QVERIFY(w.openModel(sparse));
                QVERIFY(w.showLayerInVisualiser(QStringLiteral("cnn2")));
                v->jumpTo(VisPhase::Combine);
                shot(QStringLiteral("gsc-sparse-overlay"));
            }
        }
    }
    QApplication::setPalette(light);
}

// At 1024×700 the window is 1024 px wide, whatever the tab and the device: no view asks for more.
void TestGui::windowFitsAt1024()
{
    const QString cs = shippedModel(QStringLiteral("gsc-cs"));
    MainWindow w(MainWindow::Options{false, false});
    w.resize(1024, 700);
    w.show();
    QVERIFY(w.openModel(cs.isEmpty() ? model_path_ : cs));
    for (const QString& device : {QStringLiteral("cpu"), QStringLiteral("fpga-sim:u250")}) {
        QVERIFY(w.benchmarkView()->setDevice(device));
        for (MainWindow::View view : {MainWindow::View::Model, MainWindow::View::Benchmark, MainWindow::View::Visualiser, MainWindow::View::Live}) {
            w.showView(view);
            QCoreApplication::processEvents();
            QStringList wide;
            for (QWidget* tab : {static_cast<QWidget*>(w.modelView()), static_cast<QWidget*>(w.benchmarkView()),
                                 static_cast<QWidget*>(w.visualiserView()), static_cast<QWidget*>(w.liveView())})
                if (tab->minimumSizeHint().width() > tab->parentWidget()->width())
                    wide << QStringLiteral("%1 %2 px").arg(QString::fromLatin1(tab->metaObject()->className())).arg(tab->minimumSizeHint().width());
            QVERIFY2(w.width() == 1024 && wide.isEmpty(),
                     qPrintable(QStringLiteral("%1: the window is %2 px wide; %3").arg(device).arg(w.width()).arg(wide.join(QStringLiteral(", ")))));
        }
    }
}

// Zoomed from far out to far in, on every layer of gsc-cs and gsc-cs-supersparse (P up to 20), no
// block of the Visualiser (labels, panels, captions, accumulators) overlaps another.
void TestGui::visualiserNothingCollidesAtAnyZoom()
{
    QStringList models;
    for (const char* name : {"gsc-cs", "gsc-cs-supersparse", "gsc-sparse"})
        if (const QString p = shippedModel(QString::fromLatin1(name)); !p.isEmpty())
            models << p;
    if (models.isEmpty())
        models << model_path_;
    MainWindow w(MainWindow::Options{false, false});
    w.resize(1024, 700);
    w.show();
    VisualiserView* v = w.visualiserView();
    for (const QString& model : models) {
        QVERIFY(w.openModel(model));
        for (const QString& name : v->layerNames()) {
            QVERIFY(w.showLayerInVisualiser(name.section(QLatin1Char(' '), 0, 0)));
            v->jumpTo(v->phases().last());
            for (double zoom : {0.25, 0.4, 0.6, 0.8, 1.0, 1.5, 2.5, 5.0}) {
                v->canvas()->setZoom(zoom);
                const QList<QRect> regions = v->canvas()->layoutRegions();
                QVERIFY(regions.size() > 8);
                for (int i = 0; i < regions.size(); ++i)
                    for (int j = i + 1; j < regions.size(); ++j)
                        QVERIFY2(!regions[i].intersects(regions[j]),
                                 qPrintable(QStringLiteral("%1 %2 at zoom %3: blocks %4 and %5 overlap")
                                                .arg(QFileInfo(model).baseName(), name)
                                                .arg(zoom)
                                                .arg(i)
                                                .arg(j)));
            }
        }
    }
}

void TestGui::badInputsGetTheCoresSentence()
{
    auto write = [&](const QString& name, const QByteArray& bytes) {
        const QString p = dir_.filePath(name);
        QFile f(p);
        if (!f.open(QIODevice::WriteOnly))
            return QString();
        f.write(bytes);
        return p;
    };
    QFile good(model_path_);
    QVERIFY(good.open(QIODevice::ReadOnly));
    const QByteArray model = good.readAll();
    // Deep nesting inside the header JSON (a stack overflow in a recursive printer or parser).
    const std::string deep = "{\"__metadata__\":{\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}}";
    quint64 deep_len = deep.size();
    QByteArray deep_file(reinterpret_cast<const char*>(&deep_len), 8);
    deep_file += QByteArray::fromStdString(deep);
    const QString dir_model = dir_.filePath(QStringLiteral("folder.safetensors"));
    QVERIFY(QDir().mkpath(dir_model));

    const QList<QPair<QString, QString>> models = {
        {QStringLiteral("truncated"), write(QStringLiteral("truncated.safetensors"), model.left(model.size() * 6 / 10))},
        {QStringLiteral("deeply nested header"), write(QStringLiteral("deep.safetensors"), deep_file)},
        {QStringLiteral("conv padding 2^31-1"), write(QStringLiteral("padding.safetensors"), editedModel(model_path_, [](nlohmann::json& m) {
                                                          m["layers"][0]["padding"] = 2147483647;
                                                      }))},
        {QStringLiteral("sample rate 2e9"), write(QStringLiteral("rate.safetensors"), editedModel(model_path_, [](nlohmann::json& m) {
                                                      m["audio"]["sample_rate"] = 2000000000;
                                                  }))},
        {QStringLiteral("a directory"), dir_model},
    };
    MainWindow w(MainWindow::Options{false, true}); // dialogs on: they must not block
    w.show();
    QVERIFY(w.openModel(model_path_));
    const QString kept = w.loadedModel()->path;
    auto expectDialog = [&](const QString& what, const QString& sentence) {
        QVERIFY2(!sentence.isEmpty(), qPrintable(what));
        QVERIFY2(sentence.endsWith(QLatin1Char('.')), qPrintable(what + QStringLiteral(": ") + sentence));
        QVERIFY2(!sentence.contains(QLatin1Char('\n')), qPrintable(what + QStringLiteral(": ") + sentence));
        auto* box = w.findChild<QMessageBox*>(QStringLiteral("errorMessageBox"));
        QVERIFY2(box, qPrintable(what));
        QCOMPARE(box->text(), sentence);
        box->accept();
        QTRY_VERIFY(!w.findChild<QMessageBox*>(QStringLiteral("errorMessageBox")));
    };
    for (const auto& [what, path] : models) {
        QVERIFY2(!path.isEmpty(), qPrintable(what));
        const ModelLoadResult r = ModelLoader::load(path); // the core's sentence
        QVERIFY2(!r.ok(), qPrintable(what));
        QVERIFY(!w.openModel(path));
        QCOMPARE(w.lastError(), r.error);
        expectDialog(what, r.error);
        QCOMPARE(w.loadedModel()->path, kept); // the previous model stays
    }
    // A report that is garbage, and one that is nested too deeply.
    for (const auto& [name, bytes] : QList<QPair<QString, QByteArray>>{
             {QStringLiteral("garbage.json"), QByteArray("\x89PNG\r\n\x1a\n this is no report \xff", 24)},
             {QStringLiteral("deep.json"), QByteArray(50000, '[') + QByteArray(50000, ']')}}) {
        const QString path = write(name, bytes);
        QVERIFY(!w.openResults(path));
        QVERIFY2(w.lastError().contains(path), qPrintable(w.lastError()));
        expectDialog(name, w.lastError());
        QCOMPARE(w.loadedModel()->path, kept);
    }
    // A WAV that is no audio, in the Visualiser and in the Live tab.
    const QString bad_wav = write(QStringLiteral("bad.wav"), QByteArray("RIFF\x10\0\0\0WAVEfmt nothing here", 28));
    QVERIFY(!w.visualiserView()->useWav(bad_wav));
    QVERIFY(w.visualiserView()->explanation()); // the scene stays
    expectDialog(QStringLiteral("visualiser wav"), w.visualiserView()->error());
    QVERIFY(!w.liveView()->playWav(bad_wav, false));
    QTRY_VERIFY(!w.liveView()->lastError().isEmpty());
    expectDialog(QStringLiteral("live wav"), w.liveView()->lastError());
    // The app still works.
    QCOMPARE(w.loadedModel()->path, kept);
    QVERIFY(w.modelView()->showsModel());
    QVERIFY(w.openModel(model_path_));
}

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
