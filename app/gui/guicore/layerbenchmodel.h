// The Benchmark view's per-layer table for one engine of a finished run: MACs executed, the bound
// a*w (a measured by the engine), and how much of the bound's speed-up the layer achieved — the
// same figures as the per-layer tables of `sparsescope-cli bench`, computed by core's report code.
#pragma once

#include "bench/runner.h"

#include <QAbstractTableModel>

#include <vector>

namespace gui {

class LayerBenchModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns {
        LayerColumn,
        KernelColumn,
        InputDensityColumn,     // a, measured
        DenseMacsColumn,        // per item
        ExecutedMacsColumn,     // per item
        BoundMacsColumn,        // per item, a*w*dense
        ExecutedPercentColumn,  // executed / dense
        BoundSpeedupColumn,     // 1/(a*w)
        AchievedSpeedupColumn,  // dense's time for the layer / this engine's
        PercentOfBoundColumn,   // achieved / bound
        TimeColumn,             // µs per item
        ColumnCount
    };
    Q_ENUM(Columns)

    enum Roles { RawValueRole = Qt::UserRole + 1, NetworkRowRole };
    Q_ENUM(Roles)

    explicit LayerBenchModel(QObject* parent = nullptr);

    // context: the run's; its model layers give the bound's a (format.h, modelBoundMacs).
    void setResults(const std::vector<ss::BenchResult>& results, const ss::BenchContext& context = {});
    void setEngine(const QString& engine); // which engine's layers to show
    void clear();
    const QString& engine() const { return engine_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString columnDescription(int column);

private:
    const ss::BenchResult* current() const;
    // dense's row to compare with: core's findBaseline, or for a stopped run dense's partial row.
    const ss::BenchResult* baseline(const ss::BenchResult& r) const;
    QVariant rawValue(int row, int column) const;
    QString display(int row, int column) const;

    std::vector<ss::BenchResult> results_;
    ss::BenchContext context_;
    QString engine_;
};

} // namespace gui
