// One engine's throughput over the run: rows are points (seconds since the measured phase began,
// items/s at that moment). A QVXYModelMapper binds it to a line series (STYLE.md: the Qt Charts
// modeldata example), so the chart and any table over it show one model.
#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QPointF>

namespace gui {

class ThroughputSeriesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { SecondsColumn, ItemsPerSecondColumn, ColumnCount };
    Q_ENUM(Columns)

    explicit ThroughputSeriesModel(const QString& engine, QObject* parent = nullptr);

    const QString& engine() const { return engine_; }
    void appendPoint(double seconds, double items_per_second);
    void clear();
    const QList<QPointF>& points() const { return points_; }
    double maxItemsPerSecond() const { return max_y_; }
    double lastSeconds() const { return points_.isEmpty() ? 0.0 : points_.back().x(); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QString engine_;
    QList<QPointF> points_;
    double max_y_ = 0;
};

} // namespace gui
