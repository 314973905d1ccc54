#include "guicore/runlistmodel.h"

#include "guicore/format.h"
#include "report/report.h"

#include <QDateTime>
#include <QFileInfo>

namespace gui {

QString BenchRun::modelName() const
{
    if (!context.model_name.empty())
        return qs(context.model_name);
    return QFileInfo(qs(context.model_path)).completeBaseName();
}

QString BenchRun::device() const { return results.empty() ? QString() : qs(results.front().device); }

QStringList BenchRun::engines() const
{
    QStringList l;
    for (const ss::BenchResult& r : results)
        l << qs(r.engine);
    return l;
}

int BenchRun::batch() const { return results.empty() ? 0 : results.front().batch; }
int BenchRun::threads() const { return results.empty() ? 0 : results.front().threads; }

bool reportIsPartial(const ss::BenchContext& context, const std::vector<ss::BenchResult>& results)
{
    const std::string marker = kPartialRunWarning;
    for (const std::string& w : context.warnings)
        if (w.rfind(marker.substr(0, 12), 0) == 0) // "partial run:"
            return true;
    for (const ss::BenchResult& r : results)
        if (r.error.rfind("Cancelled after", 0) == 0)
            return true;
    return false;
}

// ---- RunListModel -------------------------------------------------------------------------------

RunListModel::RunListModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

int RunListModel::append(BenchRun run)
{
    run.number = next_number_++;
    const int row = int(runs_.size());
    beginInsertRows({}, row, row);
    runs_.append(std::move(run));
    endInsertRows();
    return row;
}

void RunListModel::clear()
{
    beginResetModel();
    runs_.clear();
    endResetModel();
}

int RunListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(runs_.size()); }
int RunListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case NumberColumn: return tr("The run's number in this session.");
        case ModelColumn: return tr("The model the run measured (from the report's context).");
        case TimeColumn: return tr("When the run was made (the report's date).");
        case StateColumn:
            return tr("complete, or partial: stopped before the end, each engine's figures cover only the time it ran; "
                      "'file' marks a report opened from disk.");
        default: return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NumberColumn: return tr("#");
    case ModelColumn: return tr("Model");
    case DeviceColumn: return tr("Device");
    case EnginesColumn: return tr("Engines");
    case BatchColumn: return tr("Batch");
    case ThreadsColumn: return tr("Threads");
    case TimeColumn: return tr("Time");
    case StateColumn: return tr("State");
    default: return {};
    }
}

QVariant RunListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const BenchRun& r = runs_[index.row()];
    if (role == PartialRole)
        return r.partial;
    if (role == RunNumberRole)
        return r.number;
    if (role == Qt::ToolTipRole) {
        QString tip = tr("Run %1 of %2 on %3, engines %4, batch %5, %6 thread(s), %7.")
                          .arg(r.number)
                          .arg(r.modelName(), r.device(), r.engines().join(QStringLiteral(", ")))
                          .arg(r.batch())
                          .arg(r.threads())
                          .arg(qs(r.context.date));
        if (!r.report_path.isEmpty())
            tip += QLatin1Char('\n') + tr("Opened from %1.").arg(r.report_path);
        if (r.partial)
            tip += QLatin1Char('\n') + tr("Partial: stopped before the end; each engine's figures cover only the time it ran.");
        return tip;
    }
    if (role == Qt::TextAlignmentRole)
        return index.column() == NumberColumn || index.column() == BatchColumn || index.column() == ThreadsColumn
                   ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter))
                   : QVariant(int(Qt::AlignLeft | Qt::AlignVCenter));
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case NumberColumn: return r.number;
    case ModelColumn: return r.modelName();
    case DeviceColumn: return r.device();
    case EnginesColumn: return r.engines().join(QStringLiteral(", "));
    case BatchColumn: return r.batch();
    case ThreadsColumn: return r.threads();
    case TimeColumn: {
        const QDateTime t = QDateTime::fromString(qs(r.context.date), Qt::ISODate);
        if (!t.isValid())
            return qs(r.context.date);
        return t.date() == QDate::currentDate() ? t.toString(QStringLiteral("HH:mm:ss")) : t.toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    }
    case StateColumn: {
        QString s = r.partial ? tr("partial") : tr("complete");
        if (!r.report_path.isEmpty())
            s += tr(", file");
        return s;
    }
    default: return {};
    }
}

// ---- RunCompareModel ----------------------------------------------------------------------------

RunCompareModel::RunCompareModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void RunCompareModel::setRuns(const QList<BenchRun>& runs)
{
    beginResetModel();
    runs_ = runs;
    rows_.clear();
    for (int i = 0; i < runs_.size(); ++i)
        for (size_t j = 0; j < runs_[i].results.size(); ++j)
            rows_.append({i, int(j)});
    endResetModel();
}

int RunCompareModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }
int RunCompareModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunCompareModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case SpeedupColumn: return tr("Throughput over dense's in the same run (same batch and threads, run side by side).");
        case PercentOfBoundColumn:
            return tr("× dense divided by the bound's speed-up 1/(a·w) (the same definition as the Engines tab).");
        case EnergyColumn: return tr("Energy per inference with its source: measured, estimated or modelled.");
        default: return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case RunColumn: return tr("Run");
    case ModelColumn: return tr("Model");
    case DeviceColumn: return tr("Device");
    case EngineColumn: return tr("Engine");
    case BatchColumn: return tr("Batch");
    case ThreadsColumn: return tr("Threads");
    case ItemsPerSecondColumn: return tr("Items/s");
    case SpeedupColumn: return tr("× dense");
    case PercentOfBoundColumn: return tr("% of bound");
    case EnergyColumn: return tr("Energy/item");
    default: return {};
    }
}

QVariant RunCompareModel::rawValue(const Row& row, int column) const
{
    const BenchRun& run = runs_[row.run];
    const ss::BenchResult& b = run.results[size_t(row.result)];
    std::optional<double> speedup = ss::speedupVs(run.results, b, "dense");
    if (!speedup && run.partial) { // partial runs: the engines ran interleaved, their rates still compare
        for (const ss::BenchResult& d : run.results)
            if (d.engine == "dense" && d.items_per_second > 0 && b.items_per_second > 0)
                speedup = b.items_per_second / d.items_per_second;
    }
    switch (column) {
    case ItemsPerSecondColumn: return b.items_per_second > 0 ? QVariant(b.items_per_second) : QVariant();
    case SpeedupColumn: return speedup ? QVariant(*speedup) : QVariant();
    case PercentOfBoundColumn:
        if (const double bound = modelBoundSpeedup(run.context, b); speedup && bound > 0)
            return *speedup / bound;
        return {};
    case EnergyColumn: return b.energy_j_per_item > 0 ? QVariant(b.energy_j_per_item) : QVariant();
    default: return {};
    }
}

QVariant RunCompareModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = rows_[index.row()];
    const BenchRun& run = runs_[row.run];
    const ss::BenchResult& b = run.results[size_t(row.result)];
    const int c = index.column();
    if (role == RawValueRole)
        return rawValue(row, c);
    if (role == Qt::TextAlignmentRole)
        return c >= BatchColumn ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter)) : QVariant(int(Qt::AlignLeft | Qt::AlignVCenter));
    if (role == Qt::ToolTipRole && !b.error.empty())
        return qs(b.error);
    if (role != Qt::DisplayRole)
        return {};
    switch (c) {
    case RunColumn: return run.partial ? tr("#%1 (partial)").arg(run.number) : tr("#%1").arg(run.number);
    case ModelColumn: return run.modelName();
    case DeviceColumn: return qs(b.device);
    case EngineColumn: return qs(b.engine);
    case BatchColumn: return b.batch;
    case ThreadsColumn: return b.threads;
    default: break;
    }
    const QVariant v = rawValue(row, c);
    if (!v.isValid())
        return QStringLiteral("–");
    const double x = v.toDouble();
    const bool modelled_time = b.energy_source == ss::FigureSource::Modelled && b.device.rfind("fpga-sim:", 0) == 0;
    switch (c) {
    case ItemsPerSecondColumn:
        return QString::number(x, 'f', x >= 1000 ? 0 : 1) + (modelled_time ? tr(" (modelled)") : QString());
    case SpeedupColumn: return times(x);
    case PercentOfBoundColumn: return percent(x);
    case EnergyColumn:
        return joules(x) + (b.energy_source != ss::FigureSource::Measured
                                ? QStringLiteral(" (%1)").arg(QLatin1String(ss::sourceName(b.energy_source)))
                                : QString());
    default: return {};
    }
}

} // namespace gui
