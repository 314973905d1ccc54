#include "widgets/screenshot.h"

#include "guicore/benchmarkcontroller.h"
#include "guicore/modelloader.h"
#include "widgets/benchmarkview.h"
#include "widgets/liveview.h"
#include "widgets/mainwindow.h"
#include "widgets/visualiserview.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QFileInfo>
#include <QImageWriter>
#include <QPixmap>
#include <QTimer>

namespace gui {

namespace {
void settle()
{
    // Layouts, chart geometry and deferred deletes need a few turns of the event loop.
    for (int i = 0; i < 5; ++i)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
}
} // namespace

QString renderScreenshot(MainWindow& window, const ScreenshotOptions& o)
{
    if (o.view != QLatin1String("model") && o.view != QLatin1String("benchmark") && o.view != QLatin1String("visualiser") &&
        o.view != QLatin1String("live"))
        return QCoreApplication::translate("Screenshot", "--view must be 'model', 'benchmark', 'visualiser' or 'live' (got '%1').").arg(o.view);
    if (!window.loadedModel()) {
        if (!window.lastError().isEmpty())
            return window.lastError(); // the loader's sentence
        return QCoreApplication::translate("Screenshot", "No model to show: pass a model file, or put the default model at %1.")
            .arg(ModelLoader::defaultModelCandidates().value(0));
    }
    window.resize(o.width, o.height);
    window.show();
    settle();
    if (o.view == QLatin1String("model")) {
        window.showView(MainWindow::View::Model);
    } else if (o.view == QLatin1String("live")) {
        window.showView(MainWindow::View::Live);
        LiveView* live = window.liveView();
        if (!o.engines.isEmpty())
            live->setEngines(o.engines);
        settle();
        const bool ok = o.input.isEmpty() ? live->playDemo(false) : live->playWav(o.input, false);
        if (!ok)
            return live->lastError();
    } else if (o.view == QLatin1String("visualiser")) {
        window.showView(MainWindow::View::Visualiser);
        VisualiserView* vis = window.visualiserView();
        vis->resetToDefault();
        if (!vis->explanation())
            return vis->error();
        if (!o.input.isEmpty() && !vis->useWav(o.input))
            return vis->error();
        if (!o.layer.isEmpty()) {
            if (!window.showLayerInVisualiser(o.layer))
                return QCoreApplication::translate("Screenshot", "The visualiser cannot show the layer '%1' (it offers: %2).")
                    .arg(o.layer, vis->layerNames().join(QStringLiteral(", ")));
            if (vis->explanation() && vis->explanation()->input_sparse)
                vis->setSparseSparse(true);
        }
        static const QList<QPair<QString, VisPhase>> names = {
            {QStringLiteral("kernels"), VisPhase::Kernels}, {QStringLiteral("combine"), VisPhase::Combine},
            {QStringLiteral("select"), VisPhase::Select},   {QStringLiteral("multiply"), VisPhase::Multiply},
            {QStringLiteral("route"), VisPhase::Route},     {QStringLiteral("sum"), VisPhase::Sum}};
        bool found = false;
        for (const auto& [name, ph] : names)
            if (name == o.phase) {
                vis->jumpTo(ph);
                found = vis->phase() == ph;
            }
        if (!found)
            return QCoreApplication::translate("Screenshot", "The visualiser cannot show the phase '%1' here.").arg(o.phase);
    } else {
        window.showView(MainWindow::View::Benchmark);
        BenchmarkView* view = window.benchmarkView();
        if (!o.device.isEmpty() && !view->setDevice(o.device))
            return QCoreApplication::translate("Screenshot", "The Benchmark view does not offer the device '%1' (it offers: %2).")
                .arg(o.device, view->deviceIds().join(QStringLiteral(", ")));
        if (!o.engines.isEmpty())
            view->setChosenEngines(o.engines);
        view->setSeconds(o.bench_seconds);
        BenchmarkController* c = window.controller();
        QString failure;
        QEventLoop loop;
        QObject::connect(c, &BenchmarkController::runFinished, &loop, &QEventLoop::quit);
        QObject::connect(c, &BenchmarkController::failed, &loop, [&](const QString& s) {
            failure = s;
            loop.quit();
        });
        if (!window.startBenchmark())
            return window.lastError().isEmpty() ? QCoreApplication::translate("Screenshot", "The benchmark could not start.")
                                                : window.lastError();
        // Generous: warm-up and preparation on a loaded machine; the runner never hangs.
        const int timeout_ms = int(1000 * (o.bench_seconds + 1.0) * std::max<qsizetype>(1, view->chosenEngines().size())) + 60000;
        QTimer::singleShot(timeout_ms, &loop, [&] {
            failure = QCoreApplication::translate("Screenshot", "The benchmark did not finish within %1 s.").arg(timeout_ms / 1000);
            c->stop();
            loop.quit();
        });
        if (c->isRunning())
            loop.exec();
        if (!failure.isEmpty())
            return failure;
        view->showResources(); // FPGA devices: the modelled resources per engine
    }
    settle();
    const QPixmap pixmap = window.grab();
    if (pixmap.isNull())
        return QCoreApplication::translate("Screenshot", "The window could not be rendered.");
    QImageWriter writer(o.file, "png");
    if (!writer.write(pixmap.toImage()))
        return QCoreApplication::translate("Screenshot", "Cannot write '%1': %2.").arg(o.file, writer.errorString());
    return {};
}

} // namespace gui
