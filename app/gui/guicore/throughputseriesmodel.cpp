#include "guicore/throughputseriesmodel.h"

#include <algorithm>

namespace gui {

ThroughputSeriesModel::ThroughputSeriesModel(const QString& engine, QObject* parent)
    : QAbstractTableModel(parent)
    , engine_(engine)
{
}

void ThroughputSeriesModel::appendPoint(double seconds, double items_per_second)
{
    const int row = int(points_.size());
    beginInsertRows({}, row, row);
    points_.append(QPointF(seconds, items_per_second));
    max_y_ = std::max(max_y_, items_per_second);
    endInsertRows();
}

void ThroughputSeriesModel::clear()
{
    beginResetModel();
    points_.clear();
    max_y_ = 0;
    endResetModel();
}

int ThroughputSeriesModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(points_.size()); }

int ThroughputSeriesModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ThroughputSeriesModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role != Qt::DisplayRole && role != Qt::EditRole)
        return {};
    const QPointF& p = points_[index.row()];
    return index.column() == SecondsColumn ? p.x() : p.y();
}

QVariant ThroughputSeriesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    return section == SecondsColumn ? tr("Seconds") : tr("%1 items/s").arg(engine_);
}

} // namespace gui
