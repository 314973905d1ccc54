// The Model view's layer table: one row per layer of core's ModelSummary (ss::summarize), so the GUI
// shows exactly the figures `sparsescope-cli info` prints.
#pragma once

#include "model/summary.h"

#include <QAbstractTableModel>

namespace gui {

class LayerTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns {
        NameColumn,
        TypeColumn,
        InputShapeColumn,
        OutputShapeColumn,
        WeightDensityColumn,   // w
        GroupSizeColumn,       // P
        KColumn,               // k while training
        KInferenceColumn,      // k at inference (what the engines use)
        InputDensityColumn,    // a
        DenseMacsColumn,
        BoundMacsColumn,       // a * w * dense
        BoundSpeedupColumn,    // 1 / (a * w)
        ColumnCount
    };
    Q_ENUM(Columns)

    enum Roles {
        RawValueRole = Qt::UserRole + 1, // the number behind a cell (double/int), invalid when not applicable
        SortRole,                        // a number for numeric columns (-1 when not applicable), else text
        WeightedRole,                    // bool: a conv or linear layer
        EstimateRole,                    // bool: the cell's figure is an estimate
    };
    Q_ENUM(Roles)

    explicit LayerTableModel(QObject* parent = nullptr);

    void setData(const ss::ModelSummary& summary);
    void clear();
    const ss::ModelSummary& summary() const { return summary_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // What each column means (the header's tooltip).
    static QString columnDescription(int column);

private:
    QVariant rawValue(const ss::LayerSummary& l, int column) const;
    QString display(const ss::LayerSummary& l, int column) const;
    QString toolTip(const ss::LayerSummary& l, int column) const;

    ss::ModelSummary summary_;
};

} // namespace gui
