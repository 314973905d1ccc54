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
#include "guicore/runlistmodel.h"
#include "widgets/charts.h"
#include "widgets/enginecolors.h"
#include "widgets/exportmenu.h"
#include "widgets/fpgaintervalview.h"

#include <QAction>
#include <QCoreApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QFileInfo>
#include <QHeaderView>
#include <QItemSelectionModel>
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

#include <algorithm>

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
    , banner_(new QLabel(this))
    , runs_page_(new QWidget(this))
    , run_table_(makeTable(this))
    , compare_table_(makeTable(this))
    , compare_hint_(new QLabel(this))
    , log_scale_(new QCheckBox(tr("&Log scale"), this))
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
        // The engine's colour as a swatch: text keeps the theme's colour, readable on light and dark.
        QPixmap swatch(12, 12);
        swatch.fill(engineColor(n));
        box->setIcon(QIcon(swatch));
        box->setProperty("wanted", true);
        connect(box, &QCheckBox::toggled, this, [this, box](bool on) {
            if (box->property("runsOnDevice").toBool())
                box->setProperty("wanted", on);
            updateEnabled();
        });
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
    progress_->hide(); // shown while a run goes on; idle, an empty bar looks like a text field
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
    banner_->setObjectName(QStringLiteral("resultsBanner"));
    banner_->setWordWrap(true);
    banner_->setTextFormat(Qt::RichText);
    banner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    banner_->setToolTip(tr("The run the charts and tables show: its model, device, engines and settings. Earlier runs are "
                           "in the Runs tab."));
    banner_->hide();
    cv->addWidget(banner_);
    cv->addWidget(charts_split_, 1);
    QFont big = speedup_->font();
    big.setPointSizeF(big.pointSizeF() * 1.15);
    speedup_->setFont(big);
    speedup_->setTextFormat(Qt::RichText);
    speedup_->setWordWrap(true);
    speedup_->setToolTip(percentOfBoundDefinition());
    auto* below = new QHBoxLayout;
    below->addWidget(speedup_, 1);
    log_scale_->setToolTip(tr("A logarithmic items/s axis for the line chart: engines far slower than the fastest are not "
                              "squashed at the bottom."));
    below->addWidget(log_scale_, 0, Qt::AlignTop);
    cv->addLayout(below);
    connect(log_scale_, &QCheckBox::toggled, line_, &ThroughputChartView::setLogScale);

    // ---- Tables: each gets the full width ----
    result_table_->setModel(controller_->resultModel());
    // Said elsewhere: the energy cell names its source, the banner the device; the table fits 1024 px.
    result_table_->setColumnHidden(BenchResultModel::EnergySourceColumn, true);
    result_table_->setColumnHidden(BenchResultModel::DeviceColumn, true);
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
    tables_->setTabToolTip(1, tr("One engine's layers: a measured, MACs executed, the bound a·w (the model's a) and the achieved fraction of the bound."));
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
    // Runs: every run and report of the session, kept across model changes; choose one to show it,
    // several to compare them side by side.
    auto* runs_layout = new QVBoxLayout(runs_page_);
    runs_layout->setContentsMargins(4, 4, 4, 4);
    auto* runs_split = new QSplitter(Qt::Vertical, runs_page_);
    run_table_->setModel(controller_->runModel());
    run_table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    run_table_->setToolTip(tr("Every run of this session and every report opened, kept when another model is opened. "
                              "Click one to show it; Ctrl/Shift-click several to compare them below. Save (Ctrl+S) saves "
                              "the run shown, partial runs marked partial."));
    compare_table_->setModel(controller_->compareModel());
    compare_table_->setToolTip(tr("The chosen runs side by side: one row per run and engine."));
    compare_table_->resizeColumnsToContents(); // the headers' widths: no sideways scrolling before a comparison
    runs_split->addWidget(run_table_);
    auto* compare_box = new QWidget(runs_page_);
    auto* cbl = new QVBoxLayout(compare_box);
    cbl->setContentsMargins(0, 0, 0, 0);
    compare_hint_->setWordWrap(true);
    cbl->addWidget(compare_hint_);
    cbl->addWidget(compare_table_, 1);
    runs_split->addWidget(compare_box);
    runs_split->setChildrenCollapsible(false);
    runs_layout->addWidget(runs_split);
    tables_->addTab(runs_page_, tr("Runs"));
    tables_->setTabToolTip(tables_->indexOf(runs_page_), run_table_->toolTip());
    connect(run_table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &BenchmarkView::onRunSelectionChanged);
    connect(controller_->runModel(), &QAbstractItemModel::rowsInserted, this, &BenchmarkView::onRunAdded);
    connect(controller_->compareModel(), &QAbstractItemModel::modelReset, this, [this] {
        compare_table_->resizeColumnsToContents();
        const int n = controller_->compareModel()->runCount();
        compare_hint_->setText(n < 2 ? tr("Choose two or more runs above (Ctrl+click) to compare them side by side.")
                                     : tr("%1 runs side by side:").arg(n));
    });
    compare_hint_->setText(tr("Choose two or more runs above (Ctrl+click) to compare them side by side."));
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
    vsplit_->setStretchFactor(0, 5);
    vsplit_->setStretchFactor(1, 2);
    vsplit_->setChildrenCollapsible(false);
    vsplit_->setSizes({640, 300}); // charts first: at 1024×700 the bars keep room for every engine name

    auto* main = new QVBoxLayout(this);
    main->addWidget(run_box);
    main->addWidget(vsplit_, 1);

    // ---- Export: context menus on every chart and table ----
    const QList<QPair<QChartView*, const char*>> charts = {{line_, "throughput-over-time"}, {ips_bars_, "throughput"},
                                                          {energy_bars_, "energy-per-inference"}, {resources_chart_, "fpga-resources"}};
    for (const auto& [chart, name] : charts) {
        chart->setObjectName(QLatin1String(name));
        installChartExport(chart);
    }
    const QList<QPair<QTableView*, const char*>> tables = {{result_table_, "engines"}, {layer_table_, "per-layer"},
                                                          {run_table_, "runs"}, {compare_table_, "compare-runs"},
                                                          {resources_table_, "fpga-resources-table"}};
    for (const auto& [table, name] : tables) {
        table->setObjectName(QLatin1String(name));
        installTableExport(table);
    }

    // ---- Wiring ----
    connect(controller_, &BenchmarkController::runStarted, this, &BenchmarkView::onRunStarted);
    connect(controller_, &BenchmarkController::seriesReset, this, &BenchmarkView::rebindSeries);
    connect(controller_, &BenchmarkController::resultsChanged, this, &BenchmarkView::onResultsChanged);
    connect(controller_, &BenchmarkController::runningChanged, this, &BenchmarkView::updateEnabled);
    connect(controller_, &BenchmarkController::runningChanged, progress_, &QWidget::setVisible);
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
        // An engine the device cannot run shows unticked; the user's choice comes back on a device that runs it.
        QSignalBlocker block(it.value());
        it.value()->setChecked(runs && it.value()->property("wanted").toBool());
        const ss::EngineInfo* info = ss::findEngine(it.key().toStdString());
        const QString summary = info ? qs(info->summary) : it.key();
        it.value()->setToolTip(runs ? summary : tr("%1\nNot on %2: it has no FPGA kernels (dense, sparse-dense and sparse-sparse do).").arg(summary, d));
    }
    const int tab = tables_->indexOf(resources_page_);
    tables_->setTabVisible(tab, fpga);
    tables_->setTabVisible(tables_->indexOf(intervals_->parentWidget()->parentWidget()), fpga); // the scroll area
    if (controller_->seriesModels().isEmpty()) // else the title follows the lines shown
        line_->setCsim(d.startsWith(QLatin1String("fpga-sim:")));
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
    model_name_ = model_ ? qs(model_->name) : QString();
    updatePlan();
    updateBanner();
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
    for (auto it = engine_boxes_.begin(); it != engine_boxes_.end(); ++it) {
        it.value()->setProperty("wanted", engines.contains(it.key()));
        QSignalBlocker block(it.value());
        it.value()->setChecked(engines.contains(it.key()) && it.value()->property("runsOnDevice").toBool());
    }
    updatePlan();
    updateEnabled();
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
                       static_cast<QWidget*>(seconds_)})
        w->setEnabled(!running);
    // The kernel ISA is the CPU's; FPGA devices run their own kernels.
    const bool fpga = !fpgaPartOf(device()).isEmpty();
    isa_->setEnabled(!running && !fpga);
    isa_->setToolTip(fpga ? tr("Not used on %1: the FPGA runs its own kernels.").arg(device())
                          : tr("The instruction set of the kernels: the best this CPU has, or pinned lower to compare."));
    run_table_->setEnabled(!running);
    Q_EMIT canStartChanged(canStart());
}

void BenchmarkView::rebindSeries()
{
    const auto& r = controller_->request();
    // The engines share the wall clock in slices: the measured phase lasts about engines × seconds.
    const double expected = controller_->isRunning() ? r.seconds * std::max<qsizetype>(1, r.engines.size()) : 0.0;
    updateLineEmptyText();
    line_->setCsim(controller_->seriesModels().isEmpty() ? device().startsWith(QLatin1String("fpga-sim:"))
                                                         : controller_->seriesDevice().startsWith(QLatin1String("fpga-sim:")));
    line_->setSeriesModels(controller_->seriesModels(), expected);
}

void BenchmarkView::updateLineEmptyText()
{
    const bool report = controller_->resultModel()->hasFinalResults() && controller_->seriesModels().isEmpty();
    line_->setNoDataText(report ? tr("This report holds no time series: a report keeps each engine's final figures, shown in "
                                     "the bars and tables. Throughput over time is drawn for runs made in this window.")
                                : tr("Each engine's throughput over time appears here during a run (Ctrl+R)."));
}

void BenchmarkView::onRunStarted()
{
    banner_->hide(); // it named the run shown before; the new run's figures are live until it ends
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
    updateLineEmptyText();
    if (!controller_->isRunning())
        line_->fitToData(); // a stopped run ends where its data ends
    updateSpeedup();
    updateBanner();
    // The list highlights the run shown (a single selection shows it; no feedback loop: showRun of
    // the shown run does nothing).
    const int shown = controller_->shownRun();
    if (shown < 0) { // nothing shown (another model was opened): a click on any run shows it again
        QSignalBlocker b(run_table_->selectionModel());
        run_table_->clearSelection();
    } else {
        const QModelIndexList sel = run_table_->selectionModel()->selectedRows();
        if (sel.size() <= 1 && (sel.isEmpty() || sel.first().row() != shown)) {
            QSignalBlocker b(run_table_->selectionModel());
            run_table_->selectRow(shown);
        }
    }
}

void BenchmarkView::updateBanner()
{
    const QString shown = controller_->resultsModelName();
    const RunListModel* runs = controller_->runModel();
    const BenchRun* run = runs->run(controller_->shownRun());
    if (shown.isEmpty() || !run) {
        banner_->hide();
        return;
    }
    QString what = tr("<b>Run %1</b>: %2 on %3, %4, batch %5, %6 thread(s)")
                       .arg(run->number)
                       .arg(shown.toHtmlEscaped(), run->device().toHtmlEscaped(), run->engines().join(QStringLiteral(", ")).toHtmlEscaped())
                       .arg(run->batch())
                       .arg(run->threads());
    if (run->partial)
        what += tr(" — <b>partial</b> (stopped before the end)");
    if (!run->report_path.isEmpty())
        what += tr(" — from %1").arg(QFileInfo(run->report_path).fileName().toHtmlEscaped());
    const bool same_path = !model_path_.isEmpty() && QFileInfo(controller_->resultsModelPath()).absoluteFilePath() == model_path_;
    const bool other = !model_name_.isEmpty() && !same_path && shown != model_name_;
    if (other) {
        what = tr("⚠ Results of <b>%1</b>, not of the loaded model %2. ").arg(shown.toHtmlEscaped(), model_name_.toHtmlEscaped()) + what;
        banner_->setStyleSheet(QStringLiteral("QLabel { background: #fff1c2; color: #3a2a00; border: 1px solid #d9a400; padding: 3px; }"));
    } else {
        banner_->setStyleSheet(QString());
    }
    banner_->setProperty("otherModel", other);
    banner_->setText(what);
    banner_->show();
}

void BenchmarkView::onRunSelectionChanged()
{
    QList<int> rows;
    for (const QModelIndex& i : run_table_->selectionModel()->selectedRows())
        rows << i.row();
    std::sort(rows.begin(), rows.end());
    controller_->setCompared(rows.size() >= 2 ? rows : QList<int>{});
    if (rows.size() == 1)
        controller_->showRun(rows.first());
}

void BenchmarkView::onRunAdded()
{
    run_table_->resizeColumnsToContents();
    run_table_->scrollToBottom();
}

void BenchmarkView::selectRuns(const QList<int>& rows)
{
    QItemSelection sel;
    for (int r : rows)
        sel.select(controller_->runModel()->index(r, 0),
                   controller_->runModel()->index(r, controller_->runModel()->columnCount() - 1));
    run_table_->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect);
}

void BenchmarkView::showRunsTab() { tables_->setCurrentWidget(runs_page_); }

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
        const bool dark = palette().color(QPalette::Window).lightness() < 128;
        QString part = QStringLiteral("<b style='color:%1'>%2</b> %3")
                           .arg((dark ? engineColor(engine).lighter(135) : engineColor(engine).darker(140)).name(), engine.toHtmlEscaped(),
                                s > 0 ? times(s) : QStringLiteral("…"));
        const QVariant bound = m->index(row, BenchResultModel::BoundSpeedupColumn).data(BenchResultModel::RawValueRole);
        const QVariant of = m->index(row, BenchResultModel::PercentOfBoundColumn).data(BenchResultModel::RawValueRole);
        if (bound.isValid() && of.isValid())
            part += tr(" <span style='color:%3'>(bound %1, %2 of it)</span>")
                        .arg(times(bound.toDouble()), percent(of.toDouble()), palette().color(QPalette::PlaceholderText).name());
        parts << part;
    }
    const bool final = m->hasFinalResults();
    if (m->liveIsCsim()) {
        speedup_->setText(tr("Speed-up vs dense: modelled, when the run ends (the C-simulation's speed is not the FPGA's)."));
        return;
    }
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
        if (it.value()->property("wanted").toBool())
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
