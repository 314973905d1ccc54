// `sparsescope --screenshot FILE --view model|benchmark|visualiser|live`: renders one view of a window to a
// PNG. The Live view plays its input through the live path (as fast as the engines go) first. For the Benchmark view a short benchmark runs first so that the charts are not empty; the
// Visualiser shows its default scene (the smallest-fan-in complementary layer, cnn1; group 0; random features seeded 1) at a chosen phase.
#pragma once

#include <QString>
#include <QStringList>

namespace gui {

class MainWindow;

struct ScreenshotOptions {
    QString file;
    QString view = QStringLiteral("model"); // model | benchmark | visualiser | live
    QString phase = QStringLiteral("sum");  // visualiser: kernels | combine | select | multiply | route | sum
    double bench_seconds = 1.0;             // per engine, for the benchmark view
    QStringList engines;                    // empty = the window's choice (all default engines)
    QString device;                         // benchmark: --device name ("" = cpu); an FPGA shows its resources tab
    QString input;                          // visualiser: a WAV to feed instead of the random features;
                                            // live: a WAV played as the microphone (default: the bundled words)
    QString layer;                          // visualiser: the layer ("" = the default scene's)
    int width = 1400, height = 900;
};

// Returns "" on success, else one sentence saying what failed.
QString renderScreenshot(MainWindow& window, const ScreenshotOptions& options);

} // namespace gui
