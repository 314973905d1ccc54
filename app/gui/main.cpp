// sparsescope: the desktop app. `sparsescope [MODEL]` opens the main window; with
// `--screenshot FILE --view model|benchmark|visualiser|live` it renders that view to a PNG and exits.
#include "widgets/mainwindow.h"
#include "widgets/screenshot.h"

#include "engines/engine.h"
#include "engines/blas_env.h"

#include <QApplication>
#include <QCommandLineParser>

#include <algorithm>
#include <cstdio>
#include <string>

#ifndef SPARSESCOPE_VERSION
#define SPARSESCOPE_VERSION "unknown"
#endif

namespace {
int fail(const QString& sentence, int code)
{
    std::fprintf(stderr, "sparsescope: %s\n", qPrintable(sentence));
    return code;
}

// The options, shared by the display-free --help/--version path and the real start.
void addOptions(QCommandLineParser& p)
{
    p.setApplicationDescription(QStringLiteral(
        "See and measure what sparse weights and k-WTA-sparse activations buy a neural network.\n"
        "With no MODEL the last model is opened, else the bundled default model."));
    p.addHelpOption();
    p.addVersionOption();
    p.addPositionalArgument(QStringLiteral("MODEL"), QStringLiteral("Model file (.safetensors) to open."), QStringLiteral("[MODEL]"));
    p.addOption({QStringLiteral("screenshot"), QStringLiteral("Render a view to the PNG FILE and exit."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("view"), QStringLiteral("The view to show: model, benchmark, visualiser or live."), QStringLiteral("VIEW"), QStringLiteral("model")});
    p.addOption({QStringLiteral("bench-seconds"),
                 QStringLiteral("With --screenshot --view benchmark: measured seconds per engine of the run shown."),
                 QStringLiteral("S"), QStringLiteral("1")});
    p.addOption({QStringLiteral("phase"),
                 QStringLiteral("With --screenshot --view visualiser: kernels, combine, select, multiply, route or sum."),
                 QStringLiteral("PHASE"), QStringLiteral("sum")});
    p.addOption({QStringLiteral("layer"),
                 QStringLiteral("With --screenshot --view visualiser: the layer to show (default: the smallest fan-in); a layer "
                                "fed by a k-WTA is shown sparse-sparse."),
                 QStringLiteral("NAME")});
    p.addOption({QStringLiteral("engines"), QStringLiteral("With --screenshot: comma-separated engines to run (default: all)."),
                 QStringLiteral("LIST")});
    p.addOption({QStringLiteral("device"),
                 QStringLiteral("With --screenshot --view benchmark: the device to run on (cpu, fpga-sim:u250, fpga-sim:zu3eg, xrt:<index>)."),
                 QStringLiteral("DEVICE")});
    p.addOption({QStringLiteral("input"), QStringLiteral("With --screenshot --view visualiser: a WAV clip to feed the network; "
                                                         "--view live: a WAV played as the microphone (default: the bundled words)."),
                 QStringLiteral("WAV")});
}

} // namespace

int main(int argc, char** argv)
{
    ss::fixBlasCoreType(argv); // may re-exec: before anything else
    // --help and --version need no display: a QApplication aborts without one, so they are answered
    // on a QCoreApplication first (process() prints and exits).
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h" || a == "-?" || a == "--help-all" || a == "--version" || a == "-v") {
            QCoreApplication core(argc, argv);
            QCoreApplication::setApplicationName(QStringLiteral("sparsescope"));
            QCoreApplication::setApplicationVersion(QStringLiteral(SPARSESCOPE_VERSION));
            QCommandLineParser p;
            addOptions(p);
            p.process(core);
            return 0;
        }
    }
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("SparseScope"));
    QApplication::setApplicationName(QStringLiteral("SparseScope"));
    QApplication::setApplicationVersion(QStringLiteral(SPARSESCOPE_VERSION));

    QCommandLineParser p;
    addOptions(p);
    p.process(app);
    if (p.positionalArguments().size() > 1)
        return fail(QStringLiteral("Give at most one MODEL file (see --help)."), 2);
    const QString model = p.positionalArguments().value(0);
    const QString view = p.value(QStringLiteral("view"));
    if (view != QLatin1String("model") && view != QLatin1String("benchmark") && view != QLatin1String("visualiser") &&
        view != QLatin1String("live"))
        return fail(QStringLiteral("--view must be 'model', 'benchmark', 'visualiser' or 'live' (got '%1').").arg(view), 2);

    if (p.isSet(QStringLiteral("screenshot"))) {
        gui::ScreenshotOptions o;
        o.file = p.value(QStringLiteral("screenshot"));
        o.view = view;
        o.phase = p.value(QStringLiteral("phase"));
        o.device = p.value(QStringLiteral("device"));
        o.input = p.value(QStringLiteral("input"));
        o.layer = p.value(QStringLiteral("layer"));
        bool ok = false;
        o.bench_seconds = p.value(QStringLiteral("bench-seconds")).toDouble(&ok);
        if (!ok || !(o.bench_seconds >= 0.2) || o.bench_seconds > 600)
            return fail(QStringLiteral("--bench-seconds must be a number of seconds from 0.2 to 600."), 2);
        if (p.isSet(QStringLiteral("engines"))) {
            auto names = ss::parseEngineList(p.value(QStringLiteral("engines")).toStdString());
            if (!names)
                return fail(QString::fromStdString(names.message()), 2);
            const auto choosable = ss::engineNames(true);
            for (const auto& n : *names) {
                if (std::find(choosable.begin(), choosable.end(), n) == choosable.end())
                    return fail(QStringLiteral("Engine '%1' is not offered in the Benchmark view (it offers the default set: "
                                               "see sparsescope-cli bench --help).")
                                    .arg(QString::fromStdString(n)),
                                2);
                o.engines << QString::fromStdString(n);
            }
        }
        // Reproducible pictures: no remembered layout or choices, errors on stderr instead of dialogs.
        gui::MainWindow window(gui::MainWindow::Options{false, false});
        window.openInitialModel(model);
        const QString error = gui::renderScreenshot(window, o);
        if (!error.isEmpty())
            return fail(error, 1);
        return 0;
    }

    gui::MainWindow window;
    window.openInitialModel(model);
    if (p.isSet(QStringLiteral("view")))
        window.showView(view == QLatin1String("benchmark")    ? gui::MainWindow::View::Benchmark
                        : view == QLatin1String("visualiser") ? gui::MainWindow::View::Visualiser
                        : view == QLatin1String("live")       ? gui::MainWindow::View::Live
                                                              : gui::MainWindow::View::Model);
    window.show();
    return app.exec();
}
