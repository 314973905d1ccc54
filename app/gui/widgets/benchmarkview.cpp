#include "widgets/benchmarkview.h"

#include "bench/cpu_info.h"
#include "engines/engine.h"
#include "guicore/benchmarkcontroller.h"
#include "guicore/benchresultmodel.h"
#include "guicore/devicelist.h"
#include "guicore/fpgaplanmodel.h"
#include "guicore/format.h"
#include "guicore/layerbenchmodel.h"
#include "guicore/modelloader.h"
#include "widgets/charts.h"
#include "widgets/enginecolors.h"
#include "widgets/fpgaintervalview.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QSettings>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace gui {

namespace {

QTableView* makeTable(QWidget* parent)
{
    auto* t = new QTableView(parent);
    t->setAlternatingRowColors(true);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->verticalHeader()->setVisible(false);
    t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
    t->horizontalHeader()->setStretchLastSection(false);
    t->setWordWrap(false);
    return t;
}

QToolButton* makeButton(QWidget* parent)
{
    auto* b = new QToolButton(parent);
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    return b;
}

} // namespace

BenchmarkView::BenchmarkView(BenchmarkController* controller, QWidget* parent)
    : QWidget(parent)
    , controller_(controller)
    , device_(new QComboBox(this))
    , threads_(new QSpinBox(this))
    , batch_(new QSpinBox(this))
    , seconds_(new QDoubleSpinBox(this))
    , isa_(new QComboBox(this))
    , run_button_(makeButton(this))
    , stop_button_(makeButton(this))
    , copy_button_(makeButton(this))
    , save_button_(makeButton(this))
    , progress_(new QProgressBar(this))
    , status_(new QLabel(this))
    , line_(new ThroughputChartView(this))
    , ips_bars_(new EngineBarChartView(EngineBarChartView::Metric::Throughput, this))
    , energy_bars_(new EngineBarChartView(EngineBarChartView::Metric::Energy, this))
    , speedup_(new QLabel(this))
    , result_table_(makeTable(this))
    , layer_engine_(new QComboBox(this))
    , layer_table_(makeTable(this))
    , vsplit_(new QSplitter(Qt::Vertical, this))
    , charts_split_(new QSplitter(Qt::Horizontal, this))
    , tables_(new QTabWidget(this))
    , resources_chart_(new ResourceChartView(this))
    , resources_table_(makeTable(this))
    , resources_page_(new QWidget(this))
{
    const ss::CpuInfo& cpu = ss::cpuInfo();

    // ---- Controls ----
    auto* run_box = new QGroupBox(tr("Run"), this);
    auto* rv = new QVBoxLayout(run_box);
    auto* engines_row = new QHBoxLayout;
    auto* engines_label = new QLabel(tr("Engines:"), run_box);
    engines_label->setToolTip(tr("The engines to run side by side (interleaved in short slices)."));
    engines_row->addWidget(engines_label);
    for (const std::string& name : ss::engineNames(true)) {
        const QString n = qs(name);
        auto* box = new QCheckBox(n, run_box);
        box->setChecked(true);
        const ss::EngineInfo* info = ss::findEngine(name);
        box->setToolTip(info ? qs(info->summary) : n);
        QPalette pal = box->palette();
        pal.setColor(QPalette::WindowText, engineColor(n).darker(130));
        box->setPalette(pal);
        connect(box, &QCheckBox::toggled, this, &BenchmarkView::updateEnabled);
        engine_boxes_.insert(n, box);
        engines_row->addWidget(box);
    }
    engines_row->addStretch(1);
    rv->addLayout(engines_row);

    auto* params = new QHBoxLayout;
    auto add = [&](const QString& label, QWidget* w, const QString& tip) {
        auto* l = new QLabel(label, run_box);
        l->setBuddy(w);
        l->setToolTip(tip);
        w->setToolTip(tip);
        params->addWidget(l);
        params->addWidget(w);
        params->addSpacing(8);
    };
    // The CLI's devices (fpga/model/devices.h): the same names, the same engines behind them.
    QString xrt_note;
    for (const DeviceChoice& d : benchmarkDevices(&xrt_note)) {
        device_->addItem(d.label, d.id);
        device_->setItemData(device_->count() - 1, d.tooltip, Qt::ToolTipRole);
    }
    add(tr("&Device:"), device_,
        tr("Where the engines run: the CPU, a simulated FPGA (fpga-sim: outputs from the C-simulated kernels, time, energy "
           "and resources MODELLED) or a board through XRT.") +
            (xrt_note.isEmpty() ? QString() : tr("\nNo xrt device is listed: %1").arg(xrt_note)));
    device_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    threads_->setRange(1, std::max(1, cpu.logical_cores));
    threads_->setValue(1);
    add(tr("&Threads:"), threads_, tr("Threads per engine (this CPU has %1 logical cores).").arg(cpu.logical_cores));
    batch_->setRange(1, 4096);
    batch_->setValue(1);
    add(tr("&Batch:"), batch_, tr("Items per engine call. Batch 1 is keyword spotting's real-time case."));
    seconds_->setRange(0.2, 600);
    seconds_->setDecimals(1);
    seconds_->setSingleStep(0.5);
    seconds_->setValue(3.0);
    seconds_->setSuffix(tr(" s"));
    add(tr("&Seconds:"), seconds_, tr("Measured run time per engine, after a short warm-up."));
    isa_->addItem(tr("best (%1)").arg(qs(cpu.best_isa)), QString());
    if (cpu.best_isa == "avx512" && cpu.has("avx2") && cpu.has("fma"))
        isa_->addItem(QStringLiteral("avx2"), QStringLiteral("avx2"));
    if (cpu.best_isa != "scalar")
        isa_->addItem(QStringLiteral("scalar"), QStringLiteral("scalar"));
    add(tr("&Kernels:"), isa_, tr("The instruction set of the kernels: the best this CPU has, or pinned lower to compare."));
    params->addStretch(1);
    params->addWidget(run_button_);
    params->addWidget(stop_button_);
    rv->addLayout(params);

    auto* prog_row = new QHBoxLayout;
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->setTextVisible(false);
    progress_->setMaximumWidth(260);
    progress_->setToolTip(tr("Share of the whole run done (warm-up and measured time of every engine)."));
    prog_row->addWidget(progress_);
    status_->setText(tr("Open a model (Ctrl+O) to run a benchmark."));
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    prog_row->addWidget(status_, 1);
    rv->addLayout(prog_row);

    // ---- Charts ----
    charts_split_->addWidget(line_);
    charts_split_->addWidget(ips_bars_);
    charts_split_->addWidget(energy_bars_);
    charts_split_->setStretchFactor(0, 2);
    charts_split_->setStretchFactor(1, 1);
    charts_split_->setStretchFactor(2, 1);
    charts_split_->setChildrenCollapsible(false);
    charts_split_->setSizes({560, 360, 360});
    ips_bars_->setModel(controller_->resultModel());
    energy_bars_->setModel(controller_->resultModel());

    auto* charts_page = new QWidget(this);
    auto* cv = new QVBoxLayout(charts_page);
    cv->setContentsMargins(0, 0, 0, 0);
    cv->addWidget(charts_split_, 1);
    QFont big = speedup_->font();
    big.setPointSizeF(big.pointSizeF() * 1.15);
    speedup_->setFont(big);
    speedup_->setTextFormat(Qt::RichText);
    speedup_->setWordWrap(true);
    speedup_->setToolTip(tr("Throughput over dense's, measured side by side; 'bound' is dense MACs over the a·w bound — "
                            "the most a sparse engine could gain — and '% of bound' how much of it was achieved."));
    cv->addWidget(speedup_);

    // ---- Tables: each gets the full width ----
    result_table_->setModel(controller_->resultModel());
    tables_->addTab(result_table_, tr("Engines"));
    tables_->setTabToolTip(0, tr("One row per engine: throughput, latency, MACs, the bound and energy per inference."));
    auto* layers_page = new QWidget(this);
    auto* lg = new QVBoxLayout(layers_page);
    lg->setContentsMargins(4, 4, 4, 4);
    auto* lrow = new QHBoxLayout;
    auto* le_label = new QLabel(tr("&Engine:"), layers_page);
    le_label->setBuddy(layer_engine_);
    lrow->addWidget(le_label);
    layer_engine_->setToolTip(tr("Whose layers to show: MACs executed, the bound a·w and the achieved fraction of it."));
    layer_engine_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    lrow->addWidget(layer_engine_);
    lrow->addStretch(1);
    lg->addLayout(lrow);
    layer_table_->setModel(controller_->layerModel());
    lg->addWidget(layer_table_);
    tables_->addTab(layers_page, tr("Per layer"));
    tables_->setTabToolTip(1, tr("One engine's layers: MACs executed, the bound a·w (a measured) and the achieved fraction of the bound."));
    // FPGA resources (fpga devices only): chart and table of the same plan model.
    auto* rh = new QHBoxLayout(resources_page_);
    rh->setContentsMargins(4, 4, 4, 4);
    auto* res_split = new QSplitter(Qt::Horizontal, resources_page_);
    resources_chart_->setModel(controller_->planModel());
    resources_table_->setModel(controller_->planModel());
    res_split->addWidget(resources_chart_);
    res_split->addWidget(resources_table_);
    res_split->setStretchFactor(0, 2);
    res_split->setStretchFactor(1, 3);
    res_split->setChildrenCollapsible(false);
    res_split->setSizes({620, 780});
    rh->addWidget(res_split);
    tables_->addTab(resources_page_, tr("FPGA resources (modelled)"));
    tables_->setTabToolTip(2, tr("Per engine on the FPGA part: one instance's LUT, FF, BRAM, URAM and DSP as a share of the part, "
                                 "instances per chip and the limiting resource — modelled, as sparsescope-cli fpga-plan prints."));
    connect(controller_->planModel(), &QAbstractItemModel::modelReset, this, [this] { resources_table_->resizeColumnsToContents(); });
    // Issue 18: the pipeline's stage intervals, baseline vs balanced (fpgaintervalview.h).
    intervals_ = new FpgaIntervalView;
    auto* intervals_scroll = new QScrollArea(this);
    intervals_scroll->setWidget(intervals_);
    intervals_scroll->setWidgetResizable(true);
    tables_->addTab(intervals_scroll, tr("FPGA pipeline (modelled)"));

    auto* tables_page = new QWidget(this);
    auto* tv = new QVBoxLayout(tables_page);
    tv->setContentsMargins(0, 0, 0, 0);
    tv->addWidget(tables_, 1);
    auto* actions_row = new QHBoxLayout;
    actions_row->addStretch(1);
    actions_row->addWidget(copy_button_);
    actions_row->addWidget(save_button_);
    tv->addLayout(actions_row);

    vsplit_->addWidget(charts_page);
    vsplit_->addWidget(tables_page);
    vsplit_->setStretchFactor(0, 3);
    vsplit_->setStretchFactor(1, 2);
    vsplit_->setChildrenCollapsible(false);
    vsplit_->setSizes({520, 420});

    auto* main = new QVBoxLayout(this);
    main->addWidget(run_box);
    main->addWidget(vsplit_, 1);

    // ---- Wiring ----
    connect(controller_, &BenchmarkController::runStarted, this, &BenchmarkView::onRunStarted);
    connect(controller_, &BenchmarkController::seriesReset, this, &BenchmarkView::rebindSeries);
    connect(controller_, &BenchmarkController::resultsChanged, this, &BenchmarkView::onResultsChanged);
    connect(controller_, &BenchmarkController::runningChanged, this, &BenchmarkView::updateEnabled);
    connect(controller_, &BenchmarkController::statusChanged, status_, &QLabel::setText);
    connect(controller_, &BenchmarkController::progressed, this,
            [this](double f) { progress_->setValue(int(f * progress_->maximum())); });
    connect(controller_->resultModel(), &QAbstractItemModel::dataChanged, this, &BenchmarkView::updateSpeedup);
    connect(controller_->resultModel(), &QAbstractItemModel::modelReset, this, &BenchmarkView::updateSpeedup);
    connect(layer_engine_, &QComboBox::currentTextChanged, this, [this](const QString& e) {
        if (!e.isEmpty())
            controller_->layerModel()->setEngine(e);
        layer_table_->resizeColumnsToContents();
    });
    connect(device_, &QComboBox::currentIndexChanged, this, &BenchmarkView::onDeviceChanged);
    for (QCheckBox* b : engine_boxes_)
        connect(b, &QCheckBox::toggled, this, &BenchmarkView::updatePlan);
    onDeviceChanged();
    updateSpeedup();
    updateEnabled();
}

QString BenchmarkView::device() const { return device_->currentData().toString(); }

QStringList BenchmarkView::deviceIds() const
{
    QStringList l;
    for (int i = 0; i < device_->count(); ++i)
        l << device_->itemData(i).toString();
    return l;
}

bool BenchmarkView::setDevice(const QString& device)
{
    const int i = device_->findData(device);
    if (i < 0)
        return false;
    device_->setCurrentIndex(i);
    return true;
}

void BenchmarkView::showResources()
{
    if (tables_->isTabVisible(tables_->indexOf(resources_page_)))
        tables_->setCurrentWidget(resources_page_);
}

void BenchmarkView::onDeviceChanged()
{
    const QString d = device();
    const bool fpga = !fpgaPartOf(d).isEmpty();
    // FPGA devices run the engines that have kernels; the others stay ticked for the CPU.
    for (auto it = engine_boxes_.begin(); it != engine_boxes_.end(); ++it) {
        const bool runs = BenchmarkWorker::engineRunsOn(it.key(), d);
        it.value()->setProperty("runsOnDevice", runs);
        const ss::EngineInfo* info = ss::findEngine(it.key().toStdString());
        const QString summary = info ? qs(info->summary) : it.key();
        it.value()->setToolTip(runs ? summary : tr("%1\nNot on %2: it has no FPGA kernels (dense, sparse-dense and sparse-sparse do).").arg(summary, d));
    }
    const int tab = tables_->indexOf(resources_page_);
    tables_->setTabVisible(tab, fpga);
    tables_->setTabVisible(tables_->indexOf(intervals_->parentWidget()->parentWidget()), fpga); // the scroll area
    line_->chart()->setTitle(fpga && d.startsWith(QLatin1String("fpga-sim:"))
                                 ? tr("Throughput over time (C-simulation speed; final figures are modelled)")
                                 : tr("Throughput over time"));
    updatePlan();
    updateEnabled();
}

void BenchmarkView::updatePlan()
{
    const QString part = fpgaPartOf(device());
    if (part.isEmpty() || !model_)
        controller_->planModel()->clear();
    else
        controller_->planModel()->setPlan(model_, part, chosenEngines());
    intervals_->setPlan(part.isEmpty() ? nullptr : model_, part, chosenEngines());
}

void BenchmarkView::setActions(QAction* run, QAction* stop, QAction* copy, QAction* save)
{
    run_button_->setDefaultAction(run);
    stop_button_->setDefaultAction(stop);
    copy_button_->setDefaultAction(copy);
    save_button_->setDefaultAction(save);
}

void BenchmarkView::setLoadedModel(const LoadedModel* loaded)
{
    model_ = loaded ? loaded->model : nullptr;
    model_path_ = loaded ? loaded->path : QString();
    updatePlan();
    if (!controller_->isRunning())
        status_->setText(model_ ? tr("Ready: %1.").arg(qs(model_->name)) : tr("Open a model (Ctrl+O) to run a benchmark."));
    updateEnabled();
}

QStringList BenchmarkView::chosenEngines() const
{
    QStringList l;
    // In registry order (dense first), so the baseline's line and bar come first.
    for (const std::string& name : ss::engineNames(true))
        if (QCheckBox* b = engine_boxes_.value(qs(name)); b && b->isChecked() && b->property("runsOnDevice").toBool())
            l << qs(name);
    return l;
}

void BenchmarkView::setChosenEngines(const QStringList& engines)
{
    for (auto it = engine_boxes_.begin(); it != engine_boxes_.end(); ++it)
        it.value()->setChecked(engines.contains(it.key()));
}

void BenchmarkView::setSeconds(double seconds) { seconds_->setValue(seconds); }
void BenchmarkView::setThreads(int threads) { threads_->setValue(threads); }
void BenchmarkView::setBatch(int batch) { batch_->setValue(batch); }

BenchmarkRequest BenchmarkView::request() const
{
    BenchmarkRequest r;
    r.model = model_;
    r.model_path = model_path_;
    r.engines = chosenEngines();
    r.device = device_->currentData().toString();
    r.threads = threads_->value();
    r.batch = batch_->value();
    r.seconds = seconds_->value();
    r.isa = isa_->currentData().toString();
    return r;
}

bool BenchmarkView::canStart() const { return model_ && !controller_->isRunning() && !chosenEngines().isEmpty(); }

void BenchmarkView::updateEnabled()
{
    const bool running = controller_->isRunning();
    for (QCheckBox* b : engine_boxes_)
        b->setEnabled(!running && b->property("runsOnDevice").toBool());
    for (QWidget* w : {static_cast<QWidget*>(device_), static_cast<QWidget*>(threads_), static_cast<QWidget*>(batch_),
                       static_cast<QWidget*>(seconds_), static_cast<QWidget*>(isa_)})
        w->setEnabled(!running);
    Q_EMIT canStartChanged(canStart());
}

void BenchmarkView::rebindSeries()
{
    const auto& r = controller_->request();
    // The engines share the wall clock in slices: the measured phase lasts about engines × seconds.
    const double expected = controller_->isRunning() ? r.seconds * std::max<qsizetype>(1, r.engines.size()) : 1.0;
    line_->setSeriesModels(controller_->seriesModels(), expected);
}

void BenchmarkView::onRunStarted()
{
    layer_engine_->clear();
    progress_->setValue(0);
    updateSpeedup();
}

void BenchmarkView::onResultsChanged()
{
    const QString keep = controller_->layerModel()->engine();
    QSignalBlocker block(layer_engine_);
    layer_engine_->clear();
    for (const ss::BenchResult& r : controller_->resultModel()->results())
        if (!r.layers.empty())
            layer_engine_->addItem(qs(r.engine));
    block.unblock();
    const int i = layer_engine_->findText(keep);
    layer_engine_->setCurrentIndex(i >= 0 ? i : layer_engine_->count() - 1);
    if (!layer_engine_->currentText().isEmpty())
        controller_->layerModel()->setEngine(layer_engine_->currentText());
    result_table_->resizeColumnsToContents();
    layer_table_->resizeColumnsToContents();
    updateSpeedup();
}

void BenchmarkView::updateSpeedup()
{
    const BenchResultModel* m = controller_->resultModel();
    if (m->rowCount() == 0) {
        speedup_->setText(tr("Speed-up vs dense: run a benchmark (Ctrl+R)."));
        return;
    }
    if (m->rowOf(QStringLiteral("dense")) < 0) {
        speedup_->setText(tr("Speed-up vs dense: add dense to the run to compare against it."));
        return;
    }
    const int dense_row = m->rowOf(QStringLiteral("dense"));
    if (m->hasFinalResults() && m->index(dense_row, BenchResultModel::ItemsPerSecondColumn).data().toString() == tr("does not fit (modelled)")) {
        speedup_->setText(tr("Speed-up vs dense: dense does not fit %1 (modelled), so there is nothing to compare against; "
                             "see the FPGA resources tab.").arg(qs(m->results().front().device).toHtmlEscaped()));
        return;
    }
    QStringList parts;
    for (int row = 0; row < m->rowCount(); ++row) {
        const QString engine = m->index(row, BenchResultModel::EngineColumn).data().toString();
        if (engine == QLatin1String("dense"))
            continue;
        const double s = m->speedupVsDense(row);
        QString part = QStringLiteral("<b style='color:%1'>%2</b> %3")
                           .arg(engineColor(engine).darker(140).name(), engine.toHtmlEscaped(), s > 0 ? times(s) : QStringLiteral("…"));
        const QVariant bound = m->index(row, BenchResultModel::BoundSpeedupColumn).data(BenchResultModel::RawValueRole);
        const QVariant of = m->index(row, BenchResultModel::PercentOfBoundColumn).data(BenchResultModel::RawValueRole);
        if (bound.isValid() && of.isValid())
            part += tr(" <span style='color:#555'>(bound %1, %2 of it)</span>").arg(times(bound.toDouble()), percent(of.toDouble()));
        parts << part;
    }
    const bool final = m->hasFinalResults();
    const bool stopped = m->index(0, 0).data(BenchResultModel::StateRole).toInt() == BenchResultModel::Cancelled;
    const bool modelled = final && !m->results().empty() && BenchResultModel::timeModelled(m->results().front());
    speedup_->setText((!final ? tr("Speed-up vs dense (live): ")
                       : modelled ? tr("Speed-up vs dense (modelled, one instance each): ")
                              : (stopped ? tr("Speed-up vs dense (stopped: partial figures): ") : tr("Speed-up vs dense: "))) +
                      (parts.isEmpty() ? tr("only dense is in the run.") : parts.join(QStringLiteral(" &nbsp;·&nbsp; "))));
}

void BenchmarkView::saveSettings(QSettings& s) const
{
    QStringList ticked; // every ticked box, also those the current device does not run
    for (auto it = engine_boxes_.begin(); it != engine_boxes_.end(); ++it)
        if (it.value()->isChecked())
            ticked << it.key();
    s.setValue(QStringLiteral("bench/engines"), ticked);
    s.setValue(QStringLiteral("bench/threads"), threads_->value());
    s.setValue(QStringLiteral("bench/batch"), batch_->value());
    s.setValue(QStringLiteral("bench/seconds"), seconds_->value());
    s.setValue(QStringLiteral("bench/isa"), isa_->currentData().toString());
    s.setValue(QStringLiteral("bench/device"), device());
    s.setValue(QStringLiteral("bench/vsplit"), vsplit_->saveState());
    s.setValue(QStringLiteral("bench/charts_split"), charts_split_->saveState());
    s.setValue(QStringLiteral("bench/tables_tab"), tables_->currentIndex());
}

void BenchmarkView::restoreSettings(const QSettings& s)
{
    if (s.contains(QStringLiteral("bench/engines")))
        setChosenEngines(s.value(QStringLiteral("bench/engines")).toStringList());
    threads_->setValue(s.value(QStringLiteral("bench/threads"), threads_->value()).toInt());
    batch_->setValue(s.value(QStringLiteral("bench/batch"), batch_->value()).toInt());
    seconds_->setValue(s.value(QStringLiteral("bench/seconds"), seconds_->value()).toDouble());
    setDevice(s.value(QStringLiteral("bench/device"), device()).toString()); // a board gone since is not chosen
    const int isa = isa_->findData(s.value(QStringLiteral("bench/isa")).toString());
    if (isa >= 0)
        isa_->setCurrentIndex(isa);
    vsplit_->restoreState(s.value(QStringLiteral("bench/vsplit")).toByteArray());
    charts_split_->restoreState(s.value(QStringLiteral("bench/charts_split")).toByteArray());
    tables_->setCurrentIndex(s.value(QStringLiteral("bench/tables_tab"), 0).toInt());
}

} // namespace gui
