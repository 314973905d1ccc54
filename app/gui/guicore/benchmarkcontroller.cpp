#include "guicore/benchmarkcontroller.h"

#include "guicore/benchresultmodel.h"
#include "guicore/format.h"
#include "guicore/fpgaplanmodel.h"
#include "guicore/layerbenchmodel.h"
#include "guicore/runlistmodel.h"
#include "guicore/throughputseriesmodel.h"
#include "report/report.h"

#include <nlohmann/json.hpp>

#include <QFileInfo>

#include <set>

namespace gui {

namespace {
// Whose layers the Per-layer tab shows first: the technique's own engine, sparse-sparse, when it ran;
// else the last engine that is not a reference (torch) — the sparsest one chosen.
QString defaultLayerEngine(const std::vector<ss::BenchResult>& results)
{
    for (const char* preferred : {"sparse-sparse", "sparse-dense"})
        for (const ss::BenchResult& r : results)
            if (r.engine == preferred && !r.layers.empty())
                return qs(r.engine);
    for (auto it = results.rbegin(); it != results.rend(); ++it)
        if (it->engine != "torch" && !it->layers.empty())
            return qs(it->engine);
    return results.empty() ? QString() : qs(results.back().engine);
}
} // namespace

BenchmarkController::BenchmarkController(QObject* parent)
    : QObject(parent)
    , worker_(new BenchmarkWorker)
    , results_(new BenchResultModel(this))
    , layers_(new LayerBenchModel(this))
    , plan_(new FpgaPlanModel(this))
    , runs_(new RunListModel(this))
    , compare_(new RunCompareModel(this))
{
    qRegisterMetaType<ss::BenchProgress>();
    qRegisterMetaType<gui::BenchmarkOutcome>();
    thread_.setObjectName(QStringLiteral("benchmark"));
    worker_->moveToThread(&thread_);
    connect(worker_, &BenchmarkWorker::progress, this, &BenchmarkController::onProgress);
    connect(worker_, &BenchmarkWorker::finished, this, &BenchmarkController::onFinished);
    connect(worker_, &BenchmarkWorker::failed, this, &BenchmarkController::onFailed);
    connect(worker_, &BenchmarkWorker::preparing, this,
            [this](const QString& engine) { Q_EMIT statusChanged(tr("Preparing %1…").arg(engine)); });
    thread_.start();
}

BenchmarkController::~BenchmarkController()
{
    worker_->cancel();
    thread_.quit();
    thread_.wait();
    delete worker_; // its thread has finished: safe to delete from here
}

bool BenchmarkController::start(const BenchmarkRequest& request)
{
    if (running_) {
        Q_EMIT failed(tr("A benchmark is already running; stop it first."));
        return false;
    }
    if (const QString why = BenchmarkWorker::check(request); !why.isEmpty()) {
        Q_EMIT failed(why);
        return false;
    }
    request_ = request;
    cancelled_ = false;
    loaded_report_ = false;
    fraction_ = 0;
    context_ = {};
    shown_run_ = -1;
    report_path_.clear();
    worker_->resetCancel(); // before queueing, so that a stop right after start() is not lost
    setRunning(true);
    results_->setEngines(request.engines, request.device.startsWith(QLatin1String("fpga-sim:")));
    layers_->clear();
    series_device_ = request.device;
    replaceSeries(request.engines);
    Q_EMIT runStarted(request.engines);
    Q_EMIT progressed(0.0);
    BenchmarkWorker* w = worker_;
    QMetaObject::invokeMethod(w, [w, request] { w->run(request); }, Qt::QueuedConnection);
    return true;
}

void BenchmarkController::stop()
{
    if (!running_)
        return;
    cancelled_ = true;
    worker_->cancel();
    Q_EMIT statusChanged(tr("Stopping…"));
}

ThroughputSeriesModel* BenchmarkController::seriesModel(const QString& engine) const
{
    for (ThroughputSeriesModel* s : series_)
        if (s->engine() == engine)
            return s;
    return nullptr;
}

void BenchmarkController::replaceSeries(const QStringList& engines)
{
    const QList<ThroughputSeriesModel*> old = series_;
    series_.clear();
    for (const QString& e : engines)
        series_.append(new ThroughputSeriesModel(e, this));
    marks_ = QList<PlotMark>(engines.size());
    // Views rebind on seriesReset; the old models go once control returns to the event loop.
    Q_EMIT seriesReset();
    for (ThroughputSeriesModel* s : old)
        s->deleteLater();
}

void BenchmarkController::clear()
{
    if (running_)
        return;
    context_ = {};
    cancelled_ = false;
    loaded_report_ = false;
    fraction_ = 0;
    shown_run_ = -1;
    report_path_.clear();
    results_->clear();
    layers_->clear();
    series_device_.clear();
    replaceSeries({});
    Q_EMIT progressed(0.0);
    Q_EMIT resultsChanged();
}

void BenchmarkController::onProgress(const ss::BenchProgress& p)
{
    if (!running_)
        return;
    results_->updateProgress(p);
    if (!p.warming_up && p.engine_index >= 0 && p.engine_index < series_.size()) {
        // Rate over at least kMinPlotSeconds of this engine's time since its last point: the
        // runner's own per-report rate can cover a sliver of time (the last report of a slice) and
        // spike; the cumulative counters give a steady line.
        PlotMark& mark = marks_[p.engine_index];
        const double dt = p.engine_seconds - mark.engine_seconds;
        if (dt >= kMinPlotSeconds) {
            series_[p.engine_index]->appendPoint(p.elapsed_seconds, double(p.items - mark.items) / dt);
            mark = {p.items, p.engine_seconds};
        }
    }
    fraction_ = p.fraction_done;
    Q_EMIT progressed(fraction_);
    Q_EMIT statusChanged(p.warming_up ? tr("%1: warming up").arg(qs(p.engine))
                                      : tr("%1: running, %2 done").arg(qs(p.engine), percent(p.fraction_done)));
}

void BenchmarkController::onFinished(const gui::BenchmarkOutcome& outcome)
{
    context_ = outcome.context;
    cancelled_ = cancelled_ || outcome.cancelled;
    if (!outcome.results.empty()) {
        results_->setResults(outcome.results, cancelled_, context_);
        layers_->setResults(outcome.results, context_);
        if (layers_->engine().isEmpty() || results_->rowOf(layers_->engine()) < 0)
            layers_->setEngine(defaultLayerEngine(outcome.results));
    }
    fraction_ = cancelled_ ? fraction_ : 1.0;
    if (!outcome.results.empty()) { // every run goes into the list, stopped ones marked partial
        BenchRun run;
        run.context = context_;
        run.results = outcome.results;
        run.partial = cancelled_;
        for (const ThroughputSeriesModel* s : series_)
            run.series.append({s->engine(), s->points()});
        shown_run_ = runs_->append(std::move(run));
    }
    setRunning(false);
    Q_EMIT statusChanged(cancelled_ ? tr("Stopped: partial figures shown; Save keeps them marked partial.") : tr("Finished."));
    Q_EMIT resultsChanged();
    Q_EMIT runFinished(cancelled_);
}

void BenchmarkController::onFailed(const QString& sentence)
{
    setRunning(false);
    Q_EMIT statusChanged(sentence);
    Q_EMIT failed(sentence);
}

void BenchmarkController::setRunning(bool running)
{
    if (running_ == running)
        return;
    running_ = running;
    Q_EMIT runningChanged(running);
}

bool BenchmarkController::canSave() const
{
    return !running_ && results_->hasFinalResults();
}

QString BenchmarkController::resultsModelName() const
{
    if (!results_->hasFinalResults())
        return {};
    if (!context_.model_name.empty())
        return qs(context_.model_name);
    return QFileInfo(qs(context_.model_path)).completeBaseName();
}

ss::BenchContext BenchmarkController::reportContext() const
{
    ss::BenchContext c = context_;
    if (cancelled_ && !reportIsPartial(c, {}))
        c.warnings.insert(c.warnings.begin(), kPartialRunWarning);
    return c;
}

void BenchmarkController::setCompared(const QList<int>& rows)
{
    QList<BenchRun> chosen;
    for (int r : rows)
        if (const BenchRun* run = runs_->run(r))
            chosen.append(*run);
    compare_->setRuns(chosen);
}

bool BenchmarkController::showRun(int row)
{
    const BenchRun* run = runs_->run(row);
    if (running_ || !run)
        return false;
    if (row == shown_run_)
        return true;
    context_ = run->context;
    cancelled_ = run->partial;
    loaded_report_ = !run->report_path.isEmpty();
    report_path_ = run->report_path;
    fraction_ = run->partial ? 0 : 1.0;
    shown_run_ = row;
    QStringList engines;
    for (const EngineSeries& s : run->series)
        engines << s.engine;
    series_device_ = engines.isEmpty() ? QString() : run->device();
    replaceSeries(engines);
    for (int i = 0; i < run->series.size(); ++i)
        for (const QPointF& p : run->series[i].points)
            series_[i]->appendPoint(p.x(), p.y());
    results_->setResults(run->results, run->partial, context_);
    layers_->setResults(run->results, context_);
    if (!run->results.empty() && results_->rowOf(layers_->engine()) < 0)
        layers_->setEngine(defaultLayerEngine(run->results));
    Q_EMIT progressed(fraction_);
    Q_EMIT statusChanged(run->partial ? tr("Run %1 (partial: stopped before the end).").arg(run->number)
                                      : tr("Run %1.").arg(run->number));
    Q_EMIT resultsChanged();
    return true;
}

QString BenchmarkController::isaInUse() const
{
    std::set<std::string> isas;
    for (const ss::BenchResult& r : results_->results())
        if (!r.isa.empty())
            isas.insert(r.isa);
    QStringList l;
    for (const auto& i : isas)
        l << qs(i);
    return l.join(QStringLiteral(", "));
}

QString BenchmarkController::resultsJson() const
{
    if (!results_->hasFinalResults())
        return {};
    return qs(ss::benchToJson(reportContext(), results_->results()).dump(2) + "\n");
}

QString BenchmarkController::resultsText() const
{
    if (!results_->hasFinalResults())
        return {};
    return qs(ss::benchToConsole(reportContext(), results_->results()));
}

bool BenchmarkController::saveJson(const QString& path, QString* error) const
{
    if (!canSave()) {
        if (error)
            *error = running_ ? tr("A benchmark is running; save when it has finished or stop it (Esc).")
                              : tr("There are no results to save yet; run a benchmark first (Ctrl+R).");
        return false;
    }
    if (auto s = ss::writeTextFileAtomic(path.toStdString(), resultsJson().toStdString()); !s) {
        if (error)
            *error = qs(s.message());
        return false;
    }
    return true;
}

bool BenchmarkController::loadJson(const QString& path, QString* error)
{
    if (running_) {
        if (error)
            *error = tr("A benchmark is running; stop it before opening a report.");
        return false;
    }
    auto report = ss::readBenchReport(path.toStdString());
    if (!report) {
        if (error)
            *error = qs(report.message());
        return false;
    }
    if (report->second.empty()) {
        if (error)
            *error = tr("The report %1 holds no benchmark results.").arg(path);
        return false;
    }
    BenchRun run;
    run.context = report->first;
    run.results = report->second;
    run.partial = reportIsPartial(run.context, run.results);
    run.report_path = QFileInfo(path).absoluteFilePath();
    const int row = runs_->append(std::move(run));
    shown_run_ = -1;
    return showRun(row);
}

} // namespace gui
