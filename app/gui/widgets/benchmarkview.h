// The Benchmark tab: choose engines, device (CPU, threads), batch and run time; Start/Stop; a live
// throughput line per engine, throughput and energy bars side by side, the speed-up over dense, the
// engine table and the per-layer table. All figures come from the BenchmarkController's models.
#pragma once

#include "guicore/benchmarkworker.h"

#include <QMap>
#include <QWidget>

class QAction;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QSettings;
class QSpinBox;
class QSplitter;
class QTabWidget;
class QTableView;
class QToolButton;

namespace gui {

class BenchmarkController;
class EngineBarChartView;
class FpgaIntervalView;
class ResourceChartView;
class ThroughputChartView;
struct LoadedModel;

class BenchmarkView : public QWidget {
    Q_OBJECT
public:
    explicit BenchmarkView(BenchmarkController* controller, QWidget* parent = nullptr);

    void setLoadedModel(const LoadedModel* loaded);
    // Buttons in the view show the window's actions (one source of truth for shortcuts and state).
    void setActions(QAction* run, QAction* stop, QAction* copy, QAction* save);

    // What the controls ask for (model included).
    BenchmarkRequest request() const;
    QStringList chosenEngines() const;
    void setChosenEngines(const QStringList& engines);
    void setSeconds(double seconds);
    void setThreads(int threads);
    void setBatch(int batch);
    // Chooses a device by its --device name; false when the combo does not offer it.
    bool setDevice(const QString& device);
    QString device() const;
    QStringList deviceIds() const; // what the Device combo offers
    // Shows the FPGA resources tab (when the device is an FPGA).
    void showResources();
    bool canStart() const;

    void saveSettings(QSettings& settings) const;
    void restoreSettings(const QSettings& settings);

    ThroughputChartView* throughputChart() const { return line_; }
    EngineBarChartView* throughputBars() const { return ips_bars_; }
    EngineBarChartView* energyBars() const { return energy_bars_; }
    QTableView* resultTable() const { return result_table_; }
    QTableView* layerTable() const { return layer_table_; }
    QLabel* speedupLabel() const { return speedup_; }
    ResourceChartView* resourceChart() const { return resources_chart_; }
    QTableView* resourceTable() const { return resources_table_; }
    QComboBox* deviceCombo() const { return device_; }
    // Whose results are shown ("Run 2: gsc-cs on cpu …", or "Results of X … while Y is loaded").
    QLabel* resultsBanner() const { return banner_; }
    QTableView* runTable() const { return run_table_; }
    QTableView* compareTable() const { return compare_table_; }
    QCheckBox* engineBox(const QString& engine) const { return engine_boxes_.value(engine); }
    QComboBox* kernelsCombo() const { return isa_; }
    QProgressBar* progressBar() const { return progress_; }
    QCheckBox* logScaleBox() const { return log_scale_; }
    // Chooses runs in the Runs tab (rows of the controller's run model): one is shown, all are compared.
    void selectRuns(const QList<int>& rows);
    void showRunsTab();

Q_SIGNALS:
    void canStartChanged(bool can);

private:
    void onRunStarted();
    void rebindSeries();
    void onResultsChanged();
    void updateSpeedup();
    void updateEnabled();
    void onDeviceChanged();
    void updatePlan();
    void updateBanner();
    void onRunSelectionChanged();
    void onRunAdded();
    void updateLineEmptyText();

    BenchmarkController* controller_;
    std::shared_ptr<const ss::Model> model_;
    QString model_path_;

    QMap<QString, QCheckBox*> engine_boxes_;
    QComboBox* device_;
    QSpinBox* threads_;
    QSpinBox* batch_;
    QDoubleSpinBox* seconds_;
    QComboBox* isa_;
    QToolButton* run_button_;
    QToolButton* stop_button_;
    QToolButton* copy_button_;
    QToolButton* save_button_;
    QProgressBar* progress_;
    QLabel* status_;
    ThroughputChartView* line_;
    EngineBarChartView* ips_bars_;
    EngineBarChartView* energy_bars_;
    QLabel* speedup_;
    QTableView* result_table_;
    QComboBox* layer_engine_;
    QTableView* layer_table_;
    QSplitter* vsplit_;
    QSplitter* charts_split_;
    QTabWidget* tables_;
    ResourceChartView* resources_chart_;
    QTableView* resources_table_;
    QWidget* resources_page_;
    QLabel* banner_;
    QWidget* runs_page_;
    QTableView* run_table_;
    QTableView* compare_table_;
    QLabel* compare_hint_;
    QString model_name_;
    QCheckBox* log_scale_;
    FpgaIntervalView* intervals_ = nullptr; // issue 18: the pipeline's stage intervals, baseline vs balanced
};

} // namespace gui
