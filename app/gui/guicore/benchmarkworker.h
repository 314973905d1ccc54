// Runs core's benchmark (ss::runBenchmark) off the GUI thread. The worker lives in a QThread; its
// run() prepares the engines, runs them interleaved and reports through signals (queued to the GUI
// thread). cancel() may be called from any thread: the runner polls the flag between engine calls,
// so a stop takes effect within one call.
#pragma once

#include "bench/runner.h"
#include "model/model.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>
#include <vector>

namespace gui {

struct BenchmarkRequest {
    std::shared_ptr<const ss::Model> model; // read-only; shared with the GUI thread
    QString model_path;                     // recorded in the report's context
    QStringList engines;                    // registry names, in display order
    QString device = QStringLiteral("cpu"); // as the CLI's --device: cpu, fpga-sim:<part>, xrt:<index>
    QString xclbin;                         // kernels for an xrt device
    int threads = 1;
    int batch = 1;
    double seconds = 3.0;                   // measured run time per engine
    double watts_per_core = ss::kDefaultWattsPerCore;
    QString isa;                            // "" = the best this CPU has
    quint64 seed = 1;
    int pool_items = 64;                    // distinct random inputs the engines cycle through
};

struct BenchmarkOutcome {
    ss::BenchContext context;
    std::vector<ss::BenchResult> results;
    bool cancelled = false;
};

class BenchmarkWorker : public QObject {
    Q_OBJECT
public:
    explicit BenchmarkWorker(QObject* parent = nullptr);

    // Thread-safe. Stops a run in progress (or the next one, until resetCancel()).
    void cancel() { cancel_.store(true); }
    void resetCancel() { cancel_.store(false); }
    bool cancelRequested() const { return cancel_.load(); }

    // Checks a request without running it: the sentence saying what is wrong, or "" when it can run.
    static QString check(const BenchmarkRequest& request);
    // The engine can run on the device (FPGA devices run dense, sparse-dense and sparse-sparse).
    static bool engineRunsOn(const QString& engine, const QString& device);

public Q_SLOTS:
    // Blocks this (the worker's) thread for the length of the run. Emits either finished() or failed().
    void run(const gui::BenchmarkRequest& request);

Q_SIGNALS:
    void preparing(const QString& engine);
    void progress(const ss::BenchProgress& progress);
    void finished(const gui::BenchmarkOutcome& outcome);
    void failed(const QString& sentence);

private:
    std::atomic<bool> cancel_{false};
};

} // namespace gui

Q_DECLARE_METATYPE(ss::BenchProgress)
Q_DECLARE_METATYPE(gui::BenchmarkOutcome)
