// The runs of a session, kept across model changes (issue 16, point 2): every finished or stopped
// benchmark and every report opened is one row (model, device, engines, batch, threads, time,
// partial). RunCompareModel shows the engines of several chosen runs side by side, one row per
// (run, engine). Both are plain Qt-Core models over core's BenchResult records; tests drive them
// headless.
#pragma once

#include "bench/runner.h"

#include <QAbstractTableModel>
#include <QList>
#include <QPointF>
#include <QString>

#include <vector>

namespace gui {

// A warning put in the context of a report saved from a stopped run; a report carrying it opens as
// partial. (core's JSON already keeps each engine's "Cancelled after …" error.)
inline constexpr const char* kPartialRunWarning =
    "partial run: stopped by the user before the end; each engine's figures cover only the time it ran";

struct EngineSeries {
    QString engine;
    QList<QPointF> points; // (seconds into the measured run, items/s)
};

struct BenchRun {
    int number = 0; // 1, 2, … in the order the runs came
    ss::BenchContext context;
    std::vector<ss::BenchResult> results;
    bool partial = false;
    QString report_path;          // opened from this file ("" = measured in this session)
    QList<EngineSeries> series;   // throughput over time (runs measured here only)

    QString modelName() const;
    QString device() const;
    QStringList engines() const;
    int batch() const;
    int threads() const;
};

// True when a report's context or results say its run was stopped before the end.
bool reportIsPartial(const ss::BenchContext& context, const std::vector<ss::BenchResult>& results);

class RunListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { NumberColumn, ModelColumn, DeviceColumn, EnginesColumn, BatchColumn, ThreadsColumn, TimeColumn,
                   StateColumn, ColumnCount };
    Q_ENUM(Columns)
    enum Roles { PartialRole = Qt::UserRole + 1, RunNumberRole };

    explicit RunListModel(QObject* parent = nullptr);

    // Appends a run and returns its row.
    int append(BenchRun run);
    void clear();
    const QList<BenchRun>& runs() const { return runs_; }
    const BenchRun* run(int row) const { return row >= 0 && row < runs_.size() ? &runs_[row] : nullptr; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<BenchRun> runs_;
    int next_number_ = 1;
};

class RunCompareModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { RunColumn, ModelColumn, DeviceColumn, EngineColumn, BatchColumn, ThreadsColumn, ItemsPerSecondColumn,
                   SpeedupColumn, PercentOfBoundColumn, EnergyColumn, ColumnCount };
    Q_ENUM(Columns)
    enum Roles { RawValueRole = Qt::UserRole + 1 };

    explicit RunCompareModel(QObject* parent = nullptr);

    // The runs to show side by side, in this order.
    void setRuns(const QList<BenchRun>& runs);
    int runCount() const { return int(runs_.size()); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        int run;    // index into runs_
        int result; // index into runs_[run].results
    };
    QVariant rawValue(const Row& row, int column) const;

    QList<BenchRun> runs_;
    QList<Row> rows_;
};

} // namespace gui
