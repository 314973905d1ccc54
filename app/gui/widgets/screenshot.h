// `sparsescope --screenshot FILE --view model|benchmark|visualiser`: renders one view of a window to a
// PNG. For the Benchmark view a short benchmark runs first so that the charts are not empty; the
// Visualiser shows its default scene (cnn2, group 0, random features seeded 1) at a chosen phase.
#pragma once

#include <QString>
#include <QStringList>

namespace gui {

class MainWindow;

struct ScreenshotOptions {
    QString file;
    QString view = QStringLiteral("model"); // model | benchmark | visualiser
    QString phase = QStringLiteral("sum");  // visualiser: kernels | combine | select | multiply | route | sum
    double bench_seconds = 1.0;             // per engine, for the benchmark view
    QStringList engines;                    // empty = the window's choice (all default engines)
    QString device;                         // benchmark: --device name ("" = cpu); an FPGA shows its resources tab
    QString input;                          // visualiser: a WAV to feed instead of the random features
    int width = 1400, height = 900;
};

// Returns "" on success, else one sentence saying what failed.
QString renderScreenshot(MainWindow& window, const ScreenshotOptions& options);

} // namespace gui
