// The Benchmark view's logic without widgets: owns the worker thread and the models the view shows
// (engine rows, per-layer rows, one throughput series per engine), starts and stops runs, and
// writes/reads results as the CLI's JSON report. Tests drive it headless.
#pragma once

#include "guicore/benchmarkworker.h"

#include <QList>
#include <QObject>
#include <QThread>

namespace gui {

class BenchResultModel;
class FpgaPlanModel;
class LayerBenchModel;
class RunCompareModel;
class RunListModel;
class ThroughputSeriesModel;

class BenchmarkController : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool running READ isRunning NOTIFY runningChanged)
public:
    explicit BenchmarkController(QObject* parent = nullptr);
    ~BenchmarkController() override; // stops a run and joins the thread

    // Starts a run in the worker thread. Returns false (and emits failed()) when the request cannot
    // run or a run is already going on.
    bool start(const BenchmarkRequest& request);
    // Asks the run to stop; runFinished(true) follows within one engine call.
    void stop();
    bool isRunning() const { return running_; }

    BenchResultModel* resultModel() const { return results_; }
    LayerBenchModel* layerModel() const { return layers_; }
    // FPGA resources of the chosen engines on an FPGA device's part (modelled; empty for cpu).
    FpgaPlanModel* planModel() const { return plan_; }
    // One series per engine of the current run, in the request's order.
    const QList<ThroughputSeriesModel*>& seriesModels() const { return series_; }
    // The device the shown series were measured on ("" when none): on fpga-sim they are the
    // C-simulated kernels' speed, not the FPGA's.
    const QString& seriesDevice() const { return series_device_; }
    ThroughputSeriesModel* seriesModel(const QString& engine) const;

    const BenchmarkRequest& request() const { return request_; }
    double fractionDone() const { return fraction_; }
    const ss::BenchContext& context() const { return context_; }
    // Results are shown and no run is going on; a stopped run's figures are saved marked partial.
    bool canSave() const;
    // The shown results come from a stopped run (or a report of one).
    bool isPartial() const { return cancelled_; }
    // The model the shown results were measured on (from their context), "" when none are shown.
    QString resultsModelName() const;
    QString resultsModelPath() const { return QString::fromStdString(context_.model_path); }
    // The report file the shown results were opened from ("" for a run made here).
    const QString& reportPath() const { return report_path_; }

    // Every run of the session and every report opened, kept across model changes.
    RunListModel* runModel() const { return runs_; }
    // The runs chosen for a side-by-side comparison (setCompared).
    RunCompareModel* compareModel() const { return compare_; }
    void setCompared(const QList<int>& rows);
    // Shows a kept run in the result models and charts; false while running or for a bad row.
    bool showRun(int row);
    // The row of runModel() shown now, -1 when none.
    int shownRun() const { return shown_run_; }
    // The kernel ISAs the engines of the last run used, e.g. "avx512" (empty before any run).
    QString isaInUse() const;

    // The report in the CLI's JSON schema (sparsescope-cli bench --json), and its console text.
    QString resultsJson() const;
    QString resultsText() const;
    // Writes the JSON report atomically; false with the sentence in *error.
    bool saveJson(const QString& path, QString* error) const;
    // Shows a report written elsewhere (e.g. by the CLI on another machine); no time series.
    bool loadJson(const QString& path, QString* error);
    // Stops showing results (e.g. when another model is opened); the run list keeps them. Nothing while running.
    void clear();

Q_SIGNALS:
    void runStarted(const QStringList& engines);
    void seriesReset(); // seriesModels() were replaced (the old ones are deleted later)
    void statusChanged(const QString& text);     // "preparing sparse-sparse…", "dense: running 42%"
    void progressed(double fraction);
    void runFinished(bool cancelled);
    void failed(const QString& sentence);
    void runningChanged(bool running);
    void resultsChanged(); // final results (or a loaded report) are in the models

private:
    void onProgress(const ss::BenchProgress& p);
    void onFinished(const gui::BenchmarkOutcome& outcome);
    void onFailed(const QString& sentence);
    void setRunning(bool running);
    void replaceSeries(const QStringList& engines);
    ss::BenchContext reportContext() const; // context_ plus the partial-run warning when it applies

    QThread thread_;
    BenchmarkWorker* worker_ = nullptr; // lives in thread_
    BenchResultModel* results_;
    LayerBenchModel* layers_;
    FpgaPlanModel* plan_;
    RunListModel* runs_;
    RunCompareModel* compare_;
    int shown_run_ = -1;
    QString report_path_;
    QList<ThroughputSeriesModel*> series_;
    QString series_device_;
    struct PlotMark {
        qint64 items = 0;
        double engine_seconds = 0;
    };
    QList<PlotMark> marks_; // per engine: the counters at its last plotted point
    static constexpr double kMinPlotSeconds = 0.03;
    BenchmarkRequest request_;
    ss::BenchContext context_;
    bool running_ = false;
    bool cancelled_ = false;
    bool loaded_report_ = false;
    double fraction_ = 0;
};

} // namespace gui
