// The main window: tabs Model, Benchmark, Visualiser and Live, menus with shortcuts, recent files, drag and drop,
// the About box and a status bar with the CPU, the kernel ISA and the build type. It remembers the
// last model, its layout and the benchmark choices (QSettings).
#pragma once

#include "guicore/modelloader.h"

#include <QMainWindow>

#include <optional>

class QAction;
class QLabel;
class QMenu;
class QTabWidget;

namespace gui {

class BenchmarkController;
class BenchmarkView;
class LiveView;
class ModelView;
class VisualiserView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    struct Options {
        bool use_settings = true;  // read and write QSettings (off for --screenshot: reproducible pictures)
        bool error_dialogs = true; // show errors in a (non-blocking) message box; else only lastError()/stderr
    };
    enum class View { Model, Benchmark, Visualiser, Live };

    MainWindow();
    explicit MainWindow(Options options, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads a model and shows it. On failure: the loader's sentence in lastError(), a message box
    // (Options::error_dialogs), the previous model stays; returns false.
    bool openModel(const QString& path);
    // A JSON report written by `sparsescope-cli bench --json` or saved here. It joins the run list;
    // when the model it measured is another one and its file exists here, that model is opened too,
    // so the title, status and metadata name the results' model.
    bool openResults(const QString& path);
    // Startup: the given path (a model, or a .json report), else the last model (QSettings), else the
    // bundled default model, else the empty window that says how to open one. An interactive window
    // (Options::error_dialogs) given a path it cannot open still opens the last or default model and
    // shows why. Returns whether the given path (or, without one, a model) opened.
    bool openInitialModel(const QString& path = {});

    bool startBenchmark();
    void stopBenchmark();
    bool saveResults(const QString& path);

    void showView(View view);
    // The Visualiser on the named layer (the Model tab's double-click); false, with a status message,
    // for a layer without complementary groups.
    bool showLayerInVisualiser(const QString& name);
    const QString& lastError() const { return last_error_; }
    const LoadedModel* loadedModel() const { return loaded_ ? &*loaded_ : nullptr; }
    ModelView* modelView() const { return model_view_; }
    BenchmarkView* benchmarkView() const { return bench_view_; }
    VisualiserView* visualiserView() const { return vis_view_; }
    LiveView* liveView() const { return live_view_; }
    BenchmarkController* controller() const { return controller_; }
    QStringList recentModels() const { return recent_; }
    // The status bar's running-benchmark indicator ("" when idle).
    QString runningStatus() const;

    static QString aboutText();
    // Help → Glossary: a, w, P, k, the bound, sparse-dense vs sparse-sparse, and where the maths lives.
    static QString glossaryText();

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void createMenus();
    void createStatusBar();
    void updateActions();
    void updateRecentMenu();
    void updateIsaLabel();
    void updateTitle();
    bool loadModel(const QString& path, bool keep_results);
    bool openFallbackModel();
    void addRecent(const QString& path);
    void showError(const QString& title, const QString& sentence);
    void openDialog();
    void openResultsDialog();
    void saveDialog();
    void copyResults();
    void about();
    void readSettings();
    void writeSettings() const;

    Options options_;
    std::optional<LoadedModel> loaded_;
    QString last_error_;
    QStringList recent_;

    BenchmarkController* controller_;
    QTabWidget* tabs_;
    ModelView* model_view_;
    BenchmarkView* bench_view_;
    VisualiserView* vis_view_;
    LiveView* live_view_;

    QAction* open_ = nullptr;
    QAction* open_results_ = nullptr;
    QAction* save_ = nullptr;
    QAction* copy_ = nullptr;
    QAction* quit_ = nullptr;
    QAction* run_ = nullptr;
    QAction* stop_ = nullptr;
    QAction* about_ = nullptr;
    QAction* glossary_ = nullptr;
    QAction* about_qt_ = nullptr;
    QAction* view_model_ = nullptr;
    QAction* view_bench_ = nullptr;
    QAction* view_vis_ = nullptr;
    QAction* view_live_ = nullptr;
    QMenu* recent_menu_ = nullptr;

    QLabel* run_label_ = nullptr; // "Benchmark running: …", seen from every tab
    QLabel* cpu_label_ = nullptr;
    QLabel* isa_label_ = nullptr;
    QLabel* build_label_ = nullptr;
};

} // namespace gui
