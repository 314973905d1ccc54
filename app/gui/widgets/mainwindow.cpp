#include "widgets/mainwindow.h"

#include "bench/cpu_info.h"
#include "engines/engine.h"
#include "guicore/benchmarkcontroller.h"
#include "guicore/format.h"
#include "guicore/runlistmodel.h"
#include "widgets/benchmarkview.h"
#include "widgets/exportreport.h"
#include "widgets/liveview.h"
#include "widgets/modelview.h"
#include "widgets/visualiserview.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QRegularExpression>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>

#ifndef SPARSESCOPE_VERSION
#define SPARSESCOPE_VERSION "unknown"
#endif
#ifndef SPARSESCOPE_DOCS_DIR
#define SPARSESCOPE_DOCS_DIR "docs"
#endif
#ifndef SPARSESCOPE_BUILD_TYPE
#define SPARSESCOPE_BUILD_TYPE ""
#endif

namespace gui {

namespace {
constexpr int kMaxRecent = 8;
const char* const kLastModel = "model/last";
const char* const kRecent = "model/recent";

QString buildType() { return QStringLiteral(SPARSESCOPE_BUILD_TYPE).isEmpty() ? QStringLiteral("unspecified") : QStringLiteral(SPARSESCOPE_BUILD_TYPE); }
} // namespace

MainWindow::MainWindow()
    : MainWindow(Options{})
{
}

MainWindow::MainWindow(Options options, QWidget* parent)
    : QMainWindow(parent)
    , options_(options)
    , controller_(new BenchmarkController(this))
    , tabs_(new QTabWidget(this))
    , model_view_(new ModelView(this))
    , bench_view_(new BenchmarkView(controller_, this))
    , vis_view_(new VisualiserView(this))
    , live_view_(new LiveView(this))
{
    setWindowTitle(QStringLiteral("SparseScope"));
    setAcceptDrops(true);
    tabs_->addTab(model_view_, tr("&Model"));
    tabs_->addTab(bench_view_, tr("&Benchmark"));
    tabs_->setTabToolTip(0, tr("The model's layers, densities, k-WTA sizes, dense MACs and the a·w bound (Ctrl+1)."));
    tabs_->setTabToolTip(1, tr("Run engines side by side and see throughput, energy and how close they come to the bound (Ctrl+2)."));
    tabs_->addTab(vis_view_, tr("&Visualiser"));
    tabs_->setTabToolTip(2, tr("Complementary Sparsity step by step for one group of one layer: kernels, Combine, Select, "
                               "Multiply, Route, Sum, with the model's real weights (Ctrl+3)."));
    tabs_->addTab(live_view_, tr("&Live"));
    tabs_->setTabToolTip(3, tr("Keywords recognised live from a microphone or a WAV file played as one, through every engine "
                               "side by side with each engine's time per decision (Ctrl+4)."));
    setCentralWidget(tabs_);
    createActions();
    createMenus();
    createStatusBar();
    bench_view_->setActions(run_, stop_, copy_, save_);

    connect(controller_, &BenchmarkController::runningChanged, this, &MainWindow::updateActions);
    connect(controller_, &BenchmarkController::resultsChanged, this, &MainWindow::updateActions);
    connect(controller_, &BenchmarkController::resultsChanged, this, &MainWindow::updateIsaLabel);
    connect(controller_, &BenchmarkController::resultsChanged, this, &MainWindow::updateTitle);
    // A running benchmark shows in the status bar, whichever tab is open.
    connect(controller_, &BenchmarkController::runningChanged, this, [this](bool running) {
        run_label_->setVisible(running);
        if (running)
            run_label_->setText(tr("Benchmark running: starting…"));
    });
    connect(controller_, &BenchmarkController::statusChanged, this, [this](const QString& text) {
        if (controller_->isRunning())
            run_label_->setText(tr("Benchmark running: %1").arg(text));
    });
    connect(controller_, &BenchmarkController::failed, this,
            [this](const QString& sentence) { showError(tr("Benchmark"), sentence); });
    connect(controller_, &BenchmarkController::runFinished, this, [this](bool cancelled) {
        statusBar()->showMessage(cancelled ? tr("Benchmark stopped; its partial figures are kept in the Runs tab and can be saved.")
                                           : tr("Benchmark finished."),
                                 5000);
    });
    connect(bench_view_, &BenchmarkView::canStartChanged, this, &MainWindow::updateActions);
    // Inputs refused in the Live and Visualiser tabs get the same dialog as a refused model.
    connect(live_view_, &LiveView::errorShown, this, [this](const QString& sentence) { showError(tr("Live"), sentence); });
    connect(vis_view_, &VisualiserView::inputRefused, this, [this](const QString& sentence) { showError(tr("Visualiser"), sentence); });
    // The Model tab's double-click jumps to the Visualiser on that layer.
    connect(model_view_, &ModelView::layerActivated, this, [this](const QString& name) { showLayerInVisualiser(name); });

    resize(1280, 860);
    if (options_.use_settings)
        readSettings();
    updateActions();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    open_ = new QAction(QIcon::fromTheme(QStringLiteral("document-open")), tr("&Open Model…"), this);
    open_->setShortcut(QKeySequence::Open);
    open_->setToolTip(tr("Open a model file (.safetensors) (Ctrl+O)."));
    connect(open_, &QAction::triggered, this, &MainWindow::openDialog);

    open_results_ = new QAction(tr("Open &Results…"), this);
    open_results_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    open_results_->setToolTip(tr("Show a JSON benchmark report written by sparsescope-cli bench --json or saved here."));
    connect(open_results_, &QAction::triggered, this, &MainWindow::openResultsDialog);

    save_ = new QAction(QIcon::fromTheme(QStringLiteral("document-save")), tr("&Save Results…"), this);
    save_->setShortcut(QKeySequence::Save);
    save_->setToolTip(tr("Save the results as JSON, the same schema as sparsescope-cli bench --json (Ctrl+S)."));
    connect(save_, &QAction::triggered, this, &MainWindow::saveDialog);

    copy_ = new QAction(QIcon::fromTheme(QStringLiteral("edit-copy")), tr("&Copy Results"), this);
    copy_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    copy_->setToolTip(tr("Copy the results to the clipboard as JSON (the CLI's schema) (Ctrl+Shift+C)."));
    connect(copy_, &QAction::triggered, this, &MainWindow::copyResults);

    quit_ = new QAction(tr("&Quit"), this);
    quit_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    quit_->setMenuRole(QAction::QuitRole);
    connect(quit_, &QAction::triggered, this, &QWidget::close);

    run_ = new QAction(QIcon::fromTheme(QStringLiteral("media-playback-start")), tr("&Start"), this);
    run_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    run_->setToolTip(tr("Run the chosen engines side by side (Ctrl+R)."));
    connect(run_, &QAction::triggered, this, &MainWindow::startBenchmark);

    stop_ = new QAction(QIcon::fromTheme(QStringLiteral("media-playback-stop")), tr("S&top"), this);
    stop_->setShortcuts({QKeySequence(Qt::Key_Escape), QKeySequence(Qt::CTRL | Qt::Key_Period)});
    stop_->setToolTip(tr("Stop the benchmark; partial figures stay on screen (Esc or Ctrl+.)."));
    connect(stop_, &QAction::triggered, this, &MainWindow::stopBenchmark);

    view_model_ = new QAction(tr("&Model"), this);
    view_model_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    connect(view_model_, &QAction::triggered, this, [this] { showView(View::Model); });
    view_bench_ = new QAction(tr("&Benchmark"), this);
    view_bench_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    connect(view_bench_, &QAction::triggered, this, [this] { showView(View::Benchmark); });
    view_vis_ = new QAction(tr("&Visualiser"), this);
    view_vis_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_3));
    connect(view_vis_, &QAction::triggered, this, [this] { showView(View::Visualiser); });
    view_live_ = new QAction(tr("&Live"), this);
    view_live_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_4));
    connect(view_live_, &QAction::triggered, this, [this] { showView(View::Live); });

    about_ = new QAction(tr("&About SparseScope"), this);
    about_->setShortcut(QKeySequence(Qt::Key_F1));
    about_->setMenuRole(QAction::AboutRole);
    connect(about_, &QAction::triggered, this, &MainWindow::about);
    glossary_ = new QAction(tr("&Glossary"), this);
    glossary_->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F1));
    glossary_->setToolTip(tr("What a, w, P, k, the bound and the engines' names mean (Shift+F1)."));
    connect(glossary_, &QAction::triggered, this, [this] {
        auto* box = new QMessageBox(QMessageBox::Information, tr("Glossary"), glossaryText(), QMessageBox::Close, this);
        box->setObjectName(QStringLiteral("glossaryBox"));
        box->setTextFormat(Qt::RichText);
        box->setTextInteractionFlags(Qt::TextBrowserInteraction);
        box->setAttribute(Qt::WA_DeleteOnClose);
        if (auto* label = box->findChild<QLabel*>(QStringLiteral("qt_msgbox_label")))
            label->setOpenExternalLinks(true);
        box->open();
    });
    about_qt_ = new QAction(tr("About &Qt"), this);
    about_qt_->setMenuRole(QAction::AboutQtRole);
    connect(about_qt_, &QAction::triggered, qApp, &QApplication::aboutQt);
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(open_);
    recent_menu_ = file->addMenu(tr("Open Rec&ent"));
    file->addAction(open_results_);
    file->addSeparator();
    file->addAction(save_);
    file->addAction(copy_);
    // Export Report… (issue 17): the shown results as HTML or PDF; widgets/exportreport.cpp does the rest.
    QAction* export_report = file->addAction(tr("&Export Report…"), this, [this] { exportReportDialog(this, *controller_); });
    export_report->setEnabled(false);
    for (auto signal : {&BenchmarkController::resultsChanged, &BenchmarkController::seriesReset})
        connect(controller_, signal, export_report, [this, export_report] { export_report->setEnabled(controller_->canSave()); });
    connect(controller_, &BenchmarkController::runningChanged, export_report,
            [this, export_report] { export_report->setEnabled(controller_->canSave()); });
    file->addSeparator();
    file->addAction(quit_);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(view_model_);
    view->addAction(view_bench_);
    view->addAction(view_vis_);
    view->addAction(view_live_);

    QMenu* bench = menuBar()->addMenu(tr("&Benchmark"));
    bench->addAction(run_);
    bench->addAction(stop_);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(glossary_);
    help->addSeparator();
    help->addAction(about_);
    help->addAction(about_qt_);
    updateRecentMenu();
}

void MainWindow::createStatusBar()
{
    const ss::CpuInfo& cpu = ss::cpuInfo();
    cpu_label_ = new QLabel(tr("CPU: %1 (%2 logical cores)").arg(qs(cpu.model_name)).arg(cpu.logical_cores), this);
    QStringList isa;
    for (const auto& e : cpu.isa)
        isa << qs(e);
    cpu_label_->setToolTip(tr("The CPU the benchmarks run on; it is recorded in every report's context.\n"
                              "Extensions: %1\nCaches: L1d %2, L2 %3, L3 %4")
                               .arg(isa.join(QLatin1Char(' ')), qs(ss::formatBytes(cpu.l1d)), qs(ss::formatBytes(cpu.l2)),
                                    qs(ss::formatBytes(cpu.l3))));
    isa_label_ = new QLabel(this);
    build_label_ = new QLabel(tr("Build: %1").arg(buildType()), this);
    build_label_->setToolTip(buildType().compare(QLatin1String("release"), Qt::CaseInsensitive) == 0
                                 ? tr("An optimised build: timings are meaningful.")
                                 : tr("Not a Release build: timings are not meaningful; build with -DCMAKE_BUILD_TYPE=Release."));
    run_label_ = new QLabel(this);
    run_label_->setObjectName(QStringLiteral("runningBenchmarkLabel"));
    run_label_->setToolTip(tr("A benchmark is running (Benchmark tab, Ctrl+2); Esc stops it."));
    QFont bold = run_label_->font();
    bold.setBold(true);
    run_label_->setFont(bold);
    run_label_->hide();
    statusBar()->addPermanentWidget(run_label_);
    statusBar()->addPermanentWidget(cpu_label_);
    statusBar()->addPermanentWidget(isa_label_);
    statusBar()->addPermanentWidget(build_label_);
    updateIsaLabel();
}

void MainWindow::updateIsaLabel()
{
    const QString in_use = controller_->isaInUse();
    if (in_use.isEmpty()) {
        isa_label_->setText(tr("ISA: %1").arg(qs(ss::cpuInfo().best_isa)));
        isa_label_->setToolTip(tr("The widest kernel family this CPU runs; the engines use it unless pinned lower (Kernels)."));
    } else {
        isa_label_->setText(tr("ISA in use: %1").arg(in_use));
        isa_label_->setToolTip(tr("The kernel instruction set the engines of the last run used (best on this CPU: %1).")
                                   .arg(qs(ss::cpuInfo().best_isa)));
    }
}

void MainWindow::updateActions()
{
    const bool running = controller_->isRunning();
    run_->setEnabled(bench_view_->canStart());
    stop_->setEnabled(running);
    save_->setEnabled(controller_->canSave());
    copy_->setEnabled(controller_->canSave());
    open_->setEnabled(!running);
    open_results_->setEnabled(!running);
    recent_menu_->setEnabled(!running && !recent_.isEmpty());
}

void MainWindow::updateRecentMenu()
{
    recent_menu_->clear();
    for (const QString& path : recent_) {
        QAction* a = recent_menu_->addAction(QFileInfo(path).fileName() + QStringLiteral("  —  ") + QFileInfo(path).absolutePath());
        a->setToolTip(path);
        connect(a, &QAction::triggered, this, [this, path] { openModel(path); });
    }
    if (!recent_.isEmpty()) {
        recent_menu_->addSeparator();
        recent_menu_->addAction(tr("Clear List"), this, [this] {
            recent_.clear();
            updateRecentMenu();
            updateActions();
        });
    }
    recent_menu_->setEnabled(!recent_.isEmpty());
}

void MainWindow::addRecent(const QString& path)
{
    recent_.removeAll(path);
    recent_.prepend(path);
    while (recent_.size() > kMaxRecent)
        recent_.removeLast();
    updateRecentMenu();
}

void MainWindow::showError(const QString& title, const QString& sentence)
{
    last_error_ = sentence;
    statusBar()->showMessage(sentence, 10000);
    if (!options_.error_dialogs)
        return;
    // Non-blocking (open(), not exec()): the window keeps running, and tests can find and close it.
    auto* box = new QMessageBox(QMessageBox::Warning, title, sentence, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("errorMessageBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->open();
}

QString MainWindow::runningStatus() const { return run_label_->isVisible() || controller_->isRunning() ? run_label_->text() : QString(); }

void MainWindow::updateTitle()
{
    if (!loaded_) {
        setWindowTitle(QStringLiteral("SparseScope"));
        return;
    }
    const QString file = QFileInfo(loaded_->path).fileName();
    const QString shown = controller_->resultsModelName();
    const bool other = !shown.isEmpty() && shown != qs(loaded_->model->name) &&
                       QFileInfo(controller_->resultsModelPath()).absoluteFilePath() != loaded_->path;
    setWindowTitle(other ? tr("%1 — showing results of %2 — SparseScope").arg(file, shown)
                         : QStringLiteral("%1 — SparseScope").arg(file));
}

bool MainWindow::openModel(const QString& path) { return loadModel(path, false); }

bool MainWindow::loadModel(const QString& path, bool keep_results)
{
    if (controller_->isRunning()) {
        showError(tr("Open Model"), tr("A benchmark is running; stop it (Esc) before opening another model."));
        return false;
    }
    ModelLoadResult r = ModelLoader::load(path);
    if (!r.ok()) {
        showError(tr("Cannot open the model"), r.error);
        return false;
    }
    if (loaded_ && loaded_->path != r.loaded->path && !keep_results)
        controller_->clear(); // the shown results belong to the model they were measured on; the Runs tab keeps them
    loaded_ = std::move(*r.loaded);
    last_error_.clear();
    model_view_->setLoadedModel(&*loaded_);
    bench_view_->setLoadedModel(&*loaded_);
    vis_view_->setLoadedModel(&*loaded_);
    live_view_->setModel(loaded_->model, loaded_->path);
    setWindowFilePath(loaded_->path);
    updateTitle();
    addRecent(loaded_->path);
    if (options_.use_settings)
        QSettings().setValue(QLatin1String(kLastModel), loaded_->path);
    statusBar()->showMessage(tr("Opened %1.").arg(loaded_->path), 5000);
    updateActions();
    return true;
}

bool MainWindow::openResults(const QString& path)
{
    QString error;
    if (!controller_->loadJson(path, &error)) {
        showError(tr("Cannot open the report"), error);
        return false;
    }
    last_error_.clear();
    // The results' own model, when its file is here: title, status and metadata then name it.
    const QString model_path = controller_->resultsModelPath();
    const QString model_name = controller_->resultsModelName();
    bool switched = false;
    if (!model_path.isEmpty() && (!loaded_ || QFileInfo(model_path).absoluteFilePath() != loaded_->path) &&
        QFileInfo(model_path).isFile()) {
        switched = loadModel(model_path, true);
        last_error_.clear();
    }
    showView(View::Benchmark);
    updateTitle();
    const QString where = qs(controller_->context().host);
    if (switched)
        statusBar()->showMessage(tr("Showing the report %1: %2, run on %3; its model is now open.").arg(path, model_name, where), 10000);
    else if (loaded_ && model_name != qs(loaded_->model->name))
        statusBar()->showMessage(tr("Showing the report %1: results of %2 (run on %3) while %4 is loaded.")
                                     .arg(path, model_name, where, qs(loaded_->model->name)),
                                 10000);
    else
        statusBar()->showMessage(tr("Showing the report %1: %2, run on %3.").arg(path, model_name, where), 10000);
    return true;
}

bool MainWindow::openFallbackModel()
{
    if (options_.use_settings) {
        const QString last = QSettings().value(QLatin1String(kLastModel)).toString();
        if (!last.isEmpty() && QFileInfo(last).isFile())
            return openModel(last);
    }
    const QString def = ModelLoader::defaultModelPath();
    if (!def.isEmpty())
        return openModel(def);
    statusBar()->showMessage(tr("No model yet: open one (Ctrl+O) or drop a model file on the window."));
    return false;
}

bool MainWindow::openInitialModel(const QString& path)
{
    if (path.isEmpty())
        return openFallbackModel();
    if (path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)) {
        // A report: its own model when that file is here (openResults), else the usual one first.
        if (!openResults(path)) {
            const QString error = last_error_;
            if (options_.error_dialogs)
                openFallbackModel();
            last_error_ = error;
            return false;
        }
        if (!loaded_) {
            openFallbackModel();
            updateTitle();
        }
        return true;
    }
    if (openModel(path))
        return true;
    if (options_.error_dialogs) { // interactive: not an empty window after a bad path
        const QString error = last_error_;
        openFallbackModel();
        last_error_ = error;
        statusBar()->showMessage(error, 15000);
    }
    return false;
}

bool MainWindow::startBenchmark()
{
    if (!bench_view_->canStart()) {
        if (!loaded_)
            showError(tr("Benchmark"), tr("No model is loaded; open one first (Ctrl+O)."));
        return false;
    }
    showView(View::Benchmark);
    return controller_->start(bench_view_->request());
}

void MainWindow::stopBenchmark() { controller_->stop(); }

bool MainWindow::showLayerInVisualiser(const QString& name)
{
    if (!loaded_)
        return false;
    int index = -1;
    for (size_t i = 0; i < loaded_->model->layers.size(); ++i)
        if (qs(loaded_->model->layers[i].name) == name)
            index = int(i);
    const QString offered = vis_view_->layerNames().filter(QRegularExpression(QStringLiteral("^%1 \\(").arg(QRegularExpression::escape(name)))).value(0);
    if (index < 0 || offered.isEmpty() || !vis_view_->setLayer(index)) {
        statusBar()->showMessage(tr("%1 has no complementary groups (P > 1) to show in the Visualiser; cnn and linear layers with "
                                    "P > 1 have.").arg(name),
                                 8000);
        return false;
    }
    showView(View::Visualiser);
    return true;
}

bool MainWindow::saveResults(const QString& path)
{
    QString error;
    if (!controller_->saveJson(path, &error)) {
        showError(tr("Cannot save the results"), error);
        return false;
    }
    statusBar()->showMessage(tr("Saved %1.").arg(path), 5000);
    return true;
}

void MainWindow::showView(View view)
{
    tabs_->setCurrentIndex(view == View::Model ? 0 : view == View::Benchmark ? 1 : view == View::Visualiser ? 2 : 3);
}

void MainWindow::openDialog()
{
    const QString dir = loaded_ ? QFileInfo(loaded_->path).absolutePath() : QDir::currentPath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), dir,
                                                      tr("SparseScope models (*.safetensors);;All files (*)"));
    if (!path.isEmpty())
        openModel(path);
}

void MainWindow::openResultsDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Results"), QDir::currentPath(),
                                                      tr("Benchmark reports (*.json);;All files (*)"));
    if (!path.isEmpty())
        openResults(path);
}

void MainWindow::saveDialog()
{
    if (!controller_->canSave())
        return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Results"), QDir::current().filePath(QStringLiteral("bench.json")),
                                                      tr("JSON reports (*.json)"));
    if (!path.isEmpty())
        saveResults(path);
}

void MainWindow::copyResults()
{
    if (!controller_->canSave())
        return;
    QApplication::clipboard()->setText(controller_->resultsJson());
    statusBar()->showMessage(tr("Results copied as JSON."), 4000);
}

QString MainWindow::aboutText()
{
    const ss::CpuInfo& cpu = ss::cpuInfo();
    QStringList engines;
    for (const auto& e : ss::engineNames())
        engines << qs(e);
    return tr("<h3>SparseScope %1</h3>"
              "<p>See and measure what two sparsities — sparse weights and k-WTA-sparse activations — buy a neural "
              "network, run with Complementary Sparsity.</p>"
              "<table>"
              "<tr><td>Version:</td><td>%1</td></tr>"
              "<tr><td>Build type:</td><td>%2</td></tr>"
              "<tr><td>Qt:</td><td>%3 (built with %4)</td></tr>"
              "<tr><td>Compiler:</td><td>%5</td></tr>"
              "<tr><td>Engines:</td><td>%6</td></tr>"
              "<tr><td>CPU:</td><td>%7</td></tr>"
              "<tr><td>Kernel ISA:</td><td>%8</td></tr>"
              "</table>")
        .arg(QStringLiteral(SPARSESCOPE_VERSION), buildType(), QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR),
             QStringLiteral(
#if defined(__clang__)
                 "Clang " __clang_version__
#elif defined(__GNUC__)
                 "GCC " __VERSION__
#else
                 "unknown"
#endif
                 ),
             engines.join(QStringLiteral(", ")), qs(cpu.model_name).toHtmlEscaped(), qs(cpu.best_isa));
}

QString MainWindow::glossaryText()
{
    const QString docs = QDir::cleanPath(QStringLiteral(SPARSESCOPE_DOCS_DIR));
    return tr("<table cellspacing='4'>"
              "<tr><td><b>w</b></td><td>Weight density: the share of a layer's weights kept by its mask (w = 1/P for a "
              "complementary layer).</td></tr>"
              "<tr><td><b>P</b></td><td>Group size: P outputs whose masks partition the fan-in, so their kernels overlay "
              "into one dense kernel (Combine) plus a route saying which output owns each position.</td></tr>"
              "<tr><td><b>k</b></td><td>k-winners-take-all: the k largest activations of a layer pass, the rest become "
              "zero.</td></tr>"
              "<tr><td><b>a</b></td><td>Activation density: the share of non-zero inputs entering a layer (k/N after a "
              "k-WTA; 1 for the spectrogram). The engines also measure it on their own activations (per-layer table).</td></tr>"
              "<tr><td><b>bound</b></td><td>The least work: a·w of the dense MACs per layer, with the model's a (k/N), so a "
              "model's bound is the same on every device. 'Bound ×' is dense MACs over bound MACs; '% of bound' is the "
              "measured speed-up over dense divided by it (above 100%: dense spends more time than its MACs).</td></tr>"
              "<tr><td><b>sparse-dense</b></td><td>Sparse weights, dense input: every input meets the combined kernel; w "
              "of dense's MACs.</td></tr>"
              "<tr><td><b>sparse-sparse</b></td><td>Sparse weights and sparse input: only the k winners (Select) meet "
              "the combined kernel; a·w of dense's MACs.</td></tr>"
              "<tr><td><b>measured / modelled / estimated</b></td><td>Measured: timed or metered here. Modelled: from the "
              "FPGA model (fpga-sim). Estimated: CPU time × an assumed power per core.</td></tr>"
              "</table>"
              "<p>The maths, once: <a href='file://%1/technique.md'>docs/technique.md</a> and the other notes in "
              "<a href='file://%1'>%1</a>.</p>")
        .arg(docs.toHtmlEscaped());
}

void MainWindow::about() { QMessageBox::about(this, tr("About SparseScope"), aboutText()); }

void MainWindow::readSettings()
{
    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    tabs_->setCurrentIndex(s.value(QStringLiteral("window/tab"), 0).toInt());
    model_view_->splitter()->restoreState(s.value(QStringLiteral("model/splitter")).toByteArray());
    recent_ = s.value(QLatin1String(kRecent)).toStringList();
    updateRecentMenu();
    bench_view_->restoreSettings(s);
    vis_view_->restoreSettings(s);
    live_view_->restoreSettings(s);
}

void MainWindow::writeSettings() const
{
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("window/tab"), tabs_->currentIndex());
    s.setValue(QStringLiteral("model/splitter"), model_view_->splitter()->saveState());
    s.setValue(QLatin1String(kRecent), recent_);
    bench_view_->saveSettings(s);
    vis_view_->saveSettings(s);
    live_view_->saveSettings(s);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    controller_->stop(); // the controller joins its thread when it is destroyed; the runner stops within one call
    if (options_.use_settings)
        writeSettings();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    const QMimeData* mime = event->mimeData();
    if (mime->hasUrls() && !mime->urls().isEmpty() && mime->urls().first().isLocalFile() && !controller_->isRunning())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile())
        return;
    const QString path = urls.first().toLocalFile();
    event->acceptProposedAction();
    if (path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive))
        openResults(path);
    else
        openModel(path);
}

} // namespace gui
