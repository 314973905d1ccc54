#include "guicore/benchresultmodel.h"

#include "guicore/format.h"
#include "report/report.h"

namespace gui {

BenchResultModel::BenchResultModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void BenchResultModel::setEngines(const QStringList& engines, bool live_csim)
{
    beginResetModel();
    live_csim_ = live_csim;
    rows_.clear();
    results_.clear();
    for (const QString& e : engines) {
        Row r;
        r.engine = e;
        rows_.append(r);
    }
    endResetModel();
}

void BenchResultModel::updateProgress(const ss::BenchProgress& p)
{
    if (p.engine_index < 0 || p.engine_index >= rows_.size())
        return;
    Row& r = rows_[p.engine_index];
    if (r.result >= 0)
        return; // already final
    r.state = p.warming_up ? WarmingUp : Running;
    if (!p.warming_up && p.engine_seconds > 0)
        r.live_ips = double(p.items) / p.engine_seconds; // the run's average so far: steadier than the slice rate
    emit dataChanged(index(p.engine_index, StatusColumn), index(p.engine_index, ItemsPerSecondColumn));
    // Every row's speed-up depends on dense's rate.
    emit dataChanged(index(0, SpeedupColumn), index(int(rows_.size()) - 1, SpeedupColumn));
}

void BenchResultModel::setResults(const std::vector<ss::BenchResult>& results, bool cancelled, const ss::BenchContext& context)
{
    beginResetModel();
    results_ = results;
    context_ = context;
    rows_.clear();
    for (size_t i = 0; i < results_.size(); ++i) {
        const ss::BenchResult& b = results_[i];
        Row r;
        r.engine = qs(b.engine);
        r.result = int(i);
        r.error = qs(b.error);
        r.state = b.ok() ? Done : (cancelled ? Cancelled : Failed);
        r.live_ips = b.items_per_second;
        rows_.append(r);
    }
    endResetModel();
}

void BenchResultModel::clear() { setEngines({}); }

QStringList BenchResultModel::engines() const
{
    QStringList e;
    for (const Row& r : rows_)
        e << r.engine;
    return e;
}

int BenchResultModel::rowOf(const QString& engine) const
{
    for (int i = 0; i < rows_.size(); ++i)
        if (rows_[i].engine == engine)
            return i;
    return -1;
}

double BenchResultModel::itemsPerSecond(int row) const
{
    if (row < 0 || row >= rows_.size())
        return 0;
    const Row& r = rows_[row];
    if (const ss::BenchResult* b = finalResult(r))
        return b->items_per_second;
    return r.live_ips;
}

double BenchResultModel::speedupVsDense(int row) const
{
    if (row < 0 || row >= rows_.size())
        return 0;
    if (const ss::BenchResult* b = finalResult(rows_[row])) {
        if (auto s = ss::speedupVs(results_, *b, "dense"))
            return *s;
        // A stopped run: core's ratio needs a complete dense row; the partial rates still compare
        // fairly (the engines ran interleaved), and the view labels them partial.
        if (rows_[row].state != Cancelled)
            return 0;
        const int d = rowOf(QStringLiteral("dense"));
        const double dense = d >= 0 ? results_[size_t(rows_[d].result)].items_per_second : 0.0;
        return dense > 0 && b->items_per_second > 0 ? b->items_per_second / dense : 0.0;
    }
    if (live_csim_)
        return 0; // C-simulation speeds say nothing about the FPGA's speed-up
    const int d = rowOf(QStringLiteral("dense"));
    const double dense = itemsPerSecond(d), mine = itemsPerSecond(row);
    return dense > 0 && mine > 0 ? mine / dense : 0.0;
}

int BenchResultModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }

int BenchResultModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString BenchResultModel::stateName(State s)
{
    switch (s) {
    case Waiting: return tr("waiting");
    case WarmingUp: return tr("warming up");
    case Running: return tr("running");
    case Done: return tr("done");
    case Cancelled: return tr("stopped");
    case Failed: return tr("failed");
    }
    return {};
}

QString BenchResultModel::columnDescription(int column)
{
    switch (column) {
    case EngineColumn: return tr("The engine (registry name): how the network is executed.");
    case StatusColumn: return tr("Where the engine's run stands; a failed or stopped run's message is in the tooltip.");
    case ItemsPerSecondColumn:
        return tr("Throughput: inferences (items) per second of time spent inside the engine. Live values are the "
                  "run's average so far.");
    case SpeedupColumn: return tr("Throughput over dense's throughput, same batch and threads (run side by side).");
    case LatencyP50Column: return tr("Median time of one engine call (one batch), in milliseconds.");
    case LatencyP99Column: return tr("99th percentile of the time of one engine call, in milliseconds.");
    case MacsExecutedColumn: return tr("Multiply-accumulates the engine's kernels performed per item (zeros included for dense).");
    case MacsBoundColumn:
        return tr("The bound: a × w of the dense MACs summed over the layers, with a the model's (k/n of the k-WTA feeding "
                  "each layer, as the Model tab shows) — the same on every device.");
    case BoundSpeedupColumn: return tr("Dense MACs over bound MACs: the speed-up an engine working at the bound would get.");
    case PercentOfBoundColumn: return percentOfBoundDefinition() + tr("\n(Needs dense in the run.)");
    case EnergyColumn:
        return tr("Energy per inference. 'estimated' figures are process CPU time × an assumed power per core, "
                  "not measurements.");
    case EnergySourceColumn: return tr("Where the energy figure comes from: measured (RAPL), modelled or estimated.");
    case IsaColumn: return tr("The instruction set of the kernels the engine ran (scalar, avx2, avx512, libtorch; hls-csim: the "
                              "C-simulated FPGA kernels).");
    case DeviceColumn:
        return tr("Where the engine ran: cpu, a simulated FPGA (fpga-sim: throughput, latency and energy MODELLED) or a board (xrt).");
    default: return {};
    }
}

QVariant BenchResultModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Vertical) {
        if (role == Qt::DisplayRole && section >= 0 && section < rows_.size())
            return rows_[section].engine;
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    if (role == Qt::ToolTipRole)
        return columnDescription(section);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case EngineColumn: return tr("Engine");
    case StatusColumn: return tr("Status");
    case ItemsPerSecondColumn: return tr("Items/s");
    case SpeedupColumn: return tr("× dense");
    case LatencyP50Column: return tr("p50 ms");
    case LatencyP99Column: return tr("p99 ms");
    case MacsExecutedColumn: return tr("MACs executed");
    case MacsBoundColumn: return tr("MACs bound");
    case BoundSpeedupColumn: return tr("Bound ×");
    case PercentOfBoundColumn: return tr("% of bound");
    case EnergyColumn: return tr("Energy/item");
    case EnergySourceColumn: return tr("Energy source");
    case IsaColumn: return tr("ISA");
    case DeviceColumn: return tr("Device");
    default: return {};
    }
}

bool BenchResultModel::timeModelled(const ss::BenchResult& r)
{
    return r.energy_source == ss::FigureSource::Modelled && r.device.rfind("fpga-sim:", 0) == 0;
}

QVariant BenchResultModel::rawValue(int row, int column) const
{
    const Row& r = rows_[row];
    const ss::BenchResult* b = finalResult(r);
    switch (column) {
    case ItemsPerSecondColumn: {
        if (!b && live_csim_)
            return {}; // a C-simulation speed is not a throughput figure (see display())
        const double v = b ? b->items_per_second : r.live_ips;
        return v > 0 ? QVariant(v) : QVariant();
    }
    case SpeedupColumn: {
        const double v = speedupVsDense(row);
        return v > 0 ? QVariant(v) : QVariant();
    }
    default:
        break;
    }
    if (!b || b->items <= 0)
        return {};
    switch (column) {
    case LatencyP50Column: return b->latency_p50_ms;
    case LatencyP99Column: return b->latency_p99_ms;
    case MacsExecutedColumn: return b->layers.empty() ? QVariant() : QVariant(b->macs_executed);
    case MacsBoundColumn: {
        const double bound = modelBoundSpeedup(context_, *b);
        return b->layers.empty() || !(bound > 0) ? QVariant() : QVariant(b->macs_dense / bound);
    }
    case BoundSpeedupColumn: {
        const double bound = modelBoundSpeedup(context_, *b);
        return bound > 0 ? QVariant(bound) : QVariant();
    }
    case PercentOfBoundColumn: {
        const double achieved = speedupVsDense(row), bound = modelBoundSpeedup(context_, *b);
        if (!(achieved > 0) || !(bound > 0))
            return {};
        return achieved / bound;
    }
    case EnergyColumn: return b->energy_j_per_item > 0 ? QVariant(b->energy_j_per_item) : QVariant();
    default: return {};
    }
}

QString BenchResultModel::display(int row, int column) const
{
    const Row& r = rows_[row];
    const ss::BenchResult* b = finalResult(r);
    switch (column) {
    case EngineColumn: return r.engine;
    case StatusColumn: return stateName(r.state);
    case EnergySourceColumn: return b ? QString::fromLatin1(ss::sourceName(b->energy_source)) : QString();
    case IsaColumn: return b ? qs(b->isa) : QString();
    case DeviceColumn: return b ? qs(b->device) : QString();
    default: break;
    }
    if (!b && live_csim_ && column == ItemsPerSecondColumn)
        return r.live_ips > 0 ? tr("%1 C-sim").arg(QString::number(r.live_ips, 'f', 1)) : QString();
    const QVariant v = rawValue(row, column);
    // fpga-sim: a network that does not fit the part has no modelled throughput or energy.
    if (b && timeModelled(*b) && !(b->items_per_second > 0) && (column == ItemsPerSecondColumn || column == EnergyColumn))
        return tr("does not fit (modelled)");
    if (!v.isValid())
        return column == SpeedupColumn || column == PercentOfBoundColumn ? (b ? QStringLiteral("–") : QString()) : QString();
    const double x = v.toDouble();
    switch (column) {
    case ItemsPerSecondColumn:
        return QString::number(x, 'f', x >= 1000 ? 0 : 1) + (b && timeModelled(*b) ? tr(" (modelled)") : QString());
    case SpeedupColumn: return times(x) + (r.state == Cancelled ? tr(" (partial)") : QString());
    case LatencyP50Column:
    case LatencyP99Column: return QString::number(x, 'f', 3) + (b && timeModelled(*b) ? tr(" (modelled)") : QString());
    case MacsExecutedColumn:
    case MacsBoundColumn: return humanCount(x);
    case BoundSpeedupColumn: return times(x);
    case PercentOfBoundColumn: return percent(x);
    case EnergyColumn:
        return joules(x) + (b && b->energy_source != ss::FigureSource::Measured
                                ? QStringLiteral(" (%1)").arg(QLatin1String(ss::sourceName(b->energy_source)))
                                : QString());
    default: return {};
    }
}

QString BenchResultModel::toolTip(const Row& r, int column) const
{
    const ss::BenchResult* b = finalResult(r);
    if (column == StatusColumn && !r.error.isEmpty())
        return r.error;
    if (b && (column == EnergyColumn || column == EnergySourceColumn) && !b->energy_meter.empty())
        return tr("%1 figure from %2.").arg(QLatin1String(ss::sourceName(b->energy_source)), qs(b->energy_meter)) +
               QLatin1Char('\n') + columnDescription(column);
    if (b && timeModelled(*b) && (column == ItemsPerSecondColumn || column == LatencyP50Column || column == LatencyP99Column ||
                                  column == SpeedupColumn || column == DeviceColumn))
        return tr("Modelled by %1, not measured: the run executed the C-simulated kernels, whose wall time says nothing "
                  "about the FPGA.").arg(qs(b->energy_meter)) +
               QLatin1Char('\n') + columnDescription(column);
    if (!b && live_csim_ && (column == ItemsPerSecondColumn || column == SpeedupColumn))
        return tr("C-simulation, measured: the speed of the simulated FPGA kernels running on this CPU (tens of items/s), "
                  "not the FPGA's throughput. The modelled throughput and speed-up replace it when the run ends.");
    if (column == SpeedupColumn && !b && r.state != Waiting)
        return tr("Live: this engine's average throughput so far over dense's.");
    return columnDescription(column);
}

QVariant BenchResultModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& r = rows_[index.row()];
    const int c = index.column();
    switch (role) {
    case Qt::DisplayRole: return display(index.row(), c);
    case Qt::ToolTipRole: return toolTip(r, c);
    case Qt::TextAlignmentRole:
        return c == EngineColumn || c == StatusColumn || c == EnergySourceColumn || c == IsaColumn || c == DeviceColumn
                   ? QVariant(int(Qt::AlignLeft | Qt::AlignVCenter))
                   : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
    case RawValueRole: return rawValue(index.row(), c);
    case EngineRole: return r.engine;
    case StateRole: return int(r.state);
    case EnergySourceRole: {
        const ss::BenchResult* b = finalResult(r);
        return b ? QVariant(QString::fromLatin1(ss::sourceName(b->energy_source))) : QVariant();
    }
    case EnergyEstimatedRole: {
        const ss::BenchResult* b = finalResult(r);
        return b ? QVariant(b->energy_source != ss::FigureSource::Measured) : QVariant(); // unknown until the run ends
    }
    case ThroughputSourceRole: {
        const ss::BenchResult* b = finalResult(r);
        return b ? QVariant(timeModelled(*b) ? QStringLiteral("modelled") : QStringLiteral("measured")) : QVariant();
    }
    default: return {};
    }
}

} // namespace gui
