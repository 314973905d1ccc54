// The Benchmark view's engine table, and what its bar charts read: one row per engine. While a run
// goes on the rows show live throughput (from the runner's progress); when it ends they hold core's
// BenchResult records — the same records the CLI's console/JSON/CSV reporters print.
#pragma once

#include "bench/runner.h"

#include <QAbstractTableModel>
#include <QStringList>

#include <vector>

namespace gui {

class BenchResultModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns {
        EngineColumn,
        StatusColumn,
        ItemsPerSecondColumn,
        SpeedupColumn,          // items/s over dense's items/s
        LatencyP50Column,       // ms per infer() call
        LatencyP99Column,
        MacsExecutedColumn,     // per item, network total
        MacsBoundColumn,        // per item, a*w of dense with a measured
        BoundSpeedupColumn,     // dense MACs / bound MACs
        PercentOfBoundColumn,   // achieved speed-up over the bound's
        EnergyColumn,           // joules per item
        EnergySourceColumn,     // measured / estimated / modelled
        IsaColumn,
        DeviceColumn,           // cpu, fpga-sim:<part>, xrt:<index>
        ColumnCount
    };
    Q_ENUM(Columns)

    enum Roles {
        RawValueRole = Qt::UserRole + 1, // the number behind a cell; invalid when unknown
        EngineRole,                      // QString: registry name of the row's engine
        StateRole,                       // int: State
        EnergySourceRole,                // QString: "measured", "estimated", "modelled" (final rows only)
        EnergyEstimatedRole,             // bool: the energy figure is not a measurement (final rows only)
        ThroughputSourceRole,            // QString: "measured" or "modelled" (fpga-sim; final rows only)
    };
    Q_ENUM(Roles)

    enum State { Waiting, WarmingUp, Running, Done, Cancelled, Failed };
    Q_ENUM(State)

    explicit BenchResultModel(QObject* parent = nullptr);

    // A new run: one waiting row per engine. live_csim: the run is on fpga-sim, where the live rate
    // is the C-simulated kernels' speed on this CPU, not the FPGA's: it is shown as such in the table
    // and not as a throughput figure (no bar, no speed-up) until the modelled figures arrive.
    void setEngines(const QStringList& engines, bool live_csim = false);
    bool liveIsCsim() const { return live_csim_ && !hasFinalResults(); }
    // Live figures from the runner (called in the GUI thread).
    void updateProgress(const ss::BenchProgress& progress);
    // The final records (rows are replaced by the records, in their order). cancelled marks rows
    // whose run was stopped.
    // context: the run's (its model layers define the bound: format.h, modelBoundSpeedup).
    void setResults(const std::vector<ss::BenchResult>& results, bool cancelled = false, const ss::BenchContext& context = {});
    void clear();

    const std::vector<ss::BenchResult>& results() const { return results_; }
    bool hasFinalResults() const { return !results_.empty(); }
    QStringList engines() const;
    int rowOf(const QString& engine) const;
    double itemsPerSecond(int row) const;
    // Speed-up of a row's engine over dense (live or final); 0 when unknown (no dense row yet).
    double speedupVsDense(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString columnDescription(int column);
    // Throughput and latency of r come from the FPGA model, not a clock (fpga-sim devices).
    static bool timeModelled(const ss::BenchResult& r);
    static QString stateName(State s);

private:
    struct Row {
        QString engine;
        State state = Waiting;
        double live_ips = 0;
        int result = -1; // index into results_ when final
        QString error;
    };
    const ss::BenchResult* finalResult(const Row& r) const { return r.result >= 0 ? &results_[size_t(r.result)] : nullptr; }
    QVariant rawValue(int row, int column) const;
    QString display(int row, int column) const;
    QString toolTip(const Row& r, int column) const;

    QList<Row> rows_;
    bool live_csim_ = false;
    std::vector<ss::BenchResult> results_;
    ss::BenchContext context_;
};

} // namespace gui
