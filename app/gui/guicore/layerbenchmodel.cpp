#include "guicore/layerbenchmodel.h"

#include "guicore/format.h"
#include "report/report.h"

#include <optional>

namespace gui {

LayerBenchModel::LayerBenchModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void LayerBenchModel::setResults(const std::vector<ss::BenchResult>& results, const ss::BenchContext& context)
{
    beginResetModel();
    results_ = results;
    context_ = context;
    endResetModel();
}

void LayerBenchModel::setEngine(const QString& engine)
{
    if (engine == engine_)
        return;
    beginResetModel();
    engine_ = engine;
    endResetModel();
}

void LayerBenchModel::clear() { setResults({}); }

const ss::BenchResult* LayerBenchModel::current() const
{
    for (const ss::BenchResult& r : results_)
        if (qs(r.engine) == engine_)
            return &r;
    return nullptr;
}

const ss::BenchResult* LayerBenchModel::baseline(const ss::BenchResult& r) const
{
    if (const ss::BenchResult* b = ss::findBaseline(results_, r, "dense"))
        return b;
    if (r.ok())
        return nullptr;
    // A stopped run: compare partial figures with dense's partial figures (they ran interleaved).
    for (const ss::BenchResult& b : results_)
        if (b.engine == "dense" && b.batch == r.batch && b.threads == r.threads && b.items > 0)
            return &b;
    return nullptr;
}

int LayerBenchModel::rowCount(const QModelIndex& parent) const
{
    if (parent.isValid())
        return 0;
    const ss::BenchResult* r = current();
    return r && !r->layers.empty() ? int(r->layers.size()) + 1 : 0; // + the network row
}

int LayerBenchModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString LayerBenchModel::columnDescription(int column)
{
    switch (column) {
    case LayerColumn: return tr("The step the engine ran: a layer, or a conv/linear with its batch norm folded in.");
    case KernelColumn: return tr("The kernel that ran the step (op, variant, ISA); the tooltip says why.");
    case InputDensityColumn:
        return tr("a: the fraction of non-zero activations entering the step, measured by this engine over the run. The bound "
                  "uses the model's a (the same on every device); on fpga-sim the int8 spectrogram makes cnn1's measured a lower.");
    case DenseMacsColumn: return tr("Multiply-accumulates per item when every weight meets every input.");
    case ExecutedMacsColumn: return tr("Multiply-accumulates the kernels actually performed per item.");
    case BoundMacsColumn:
        return tr("The bound: a × w × dense MACs with a the model's (k/n of the k-WTA feeding the layer, as the Model tab "
                  "shows) — the same on every device. The a column is the density this engine measured.");
    case ExecutedPercentColumn: return tr("MACs executed as a share of the dense MACs.");
    case BoundSpeedupColumn: return tr("1/(a·w): the speed-up over dense of an engine doing exactly the bound's work.");
    case AchievedSpeedupColumn:
        return tr("Dense's time for this step over this engine's (measured side by side; needs dense in the run).");
    case PercentOfBoundColumn: return percentOfBoundDefinition();
    case TimeColumn: return tr("Wall time spent in the step per item, in microseconds.");
    default: return {};
    }
}

QVariant LayerBenchModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::ToolTipRole)
        return columnDescription(section);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case LayerColumn: return tr("Layer");
    case KernelColumn: return tr("Kernel");
    case InputDensityColumn: return tr("a");
    case DenseMacsColumn: return tr("Dense MACs");
    case ExecutedMacsColumn: return tr("Executed");
    case BoundMacsColumn: return tr("Bound");
    case ExecutedPercentColumn: return tr("Exec. %");
    case BoundSpeedupColumn: return tr("1/(a·w)");
    case AchievedSpeedupColumn: return tr("× dense");
    case PercentOfBoundColumn: return tr("% of bound");
    case TimeColumn: return tr("µs/item");
    default: return {};
    }
}

QVariant LayerBenchModel::rawValue(int row, int column) const
{
    const ss::BenchResult* r = current();
    if (!r)
        return {};
    const ss::BenchResult* dense = baseline(*r);
    if (row == int(r->layers.size())) { // the network: totals, throughput ratio
        std::optional<double> achieved;
        if (dense && dense->items_per_second > 0 && r->items_per_second > 0)
            achieved = r->items_per_second / dense->items_per_second;
        const double bound = modelBoundSpeedup(context_, *r);
        switch (column) {
        case DenseMacsColumn: return r->macs_dense;
        case ExecutedMacsColumn: return r->macs_executed;
        case BoundMacsColumn: return bound > 0 ? QVariant(r->macs_dense / bound) : QVariant();
        case ExecutedPercentColumn: return r->macs_dense > 0 ? QVariant(r->macs_executed / r->macs_dense) : QVariant();
        case BoundSpeedupColumn: return bound > 0 ? QVariant(bound) : QVariant();
        case AchievedSpeedupColumn: return achieved ? QVariant(*achieved) : QVariant();
        case PercentOfBoundColumn: return achieved && bound > 0 ? QVariant(*achieved / bound) : QVariant();
        case TimeColumn: return r->items_per_second > 0 ? QVariant(1e6 / r->items_per_second) : QVariant();
        default: return {};
        }
    }
    const ss::LayerResult& l = r->layers[size_t(row)];
    // The model's a where the context records it (the same on every device), else the measured one.
    const std::optional<double> model_bound_macs = modelBoundMacs(context_, l);
    const double bound_macs = model_bound_macs ? *model_bound_macs : l.macs_bound_per_item;
    const std::optional<double> bound =
        model_bound_macs ? (*model_bound_macs > 0 ? std::optional<double>(l.stats.macs_dense / *model_bound_macs) : std::nullopt)
                         : ss::boundSpeedup(l);
    const auto achieved = ss::layerSpeedupVs(dense, l);
    switch (column) {
    case InputDensityColumn: return l.input_density;
    case DenseMacsColumn: return l.stats.weighted ? QVariant(l.stats.macs_dense) : QVariant();
    case ExecutedMacsColumn: return l.stats.weighted ? QVariant(l.macs_executed_per_item) : QVariant();
    case BoundMacsColumn: return l.stats.weighted ? QVariant(bound_macs) : QVariant();
    case ExecutedPercentColumn:
        return l.stats.weighted && l.stats.macs_dense > 0 ? QVariant(l.macs_executed_per_item / l.stats.macs_dense) : QVariant();
    case BoundSpeedupColumn: return bound ? QVariant(*bound) : QVariant();
    case AchievedSpeedupColumn: return achieved ? QVariant(*achieved) : QVariant();
    case PercentOfBoundColumn: return bound && achieved ? QVariant(*achieved / *bound) : QVariant();
    case TimeColumn: return l.seconds_per_item * 1e6;
    default: return {};
    }
}

QString LayerBenchModel::display(int row, int column) const
{
    const ss::BenchResult* r = current();
    if (!r)
        return {};
    const bool network = row == int(r->layers.size());
    if (column == LayerColumn)
        return network ? tr("network") : qs(r->layers[size_t(row)].stats.layer);
    if (column == KernelColumn)
        return network ? QString() : qs(r->layers[size_t(row)].stats.kernel);
    const QVariant v = rawValue(row, column);
    if (!v.isValid())
        return {};
    const double x = v.toDouble();
    switch (column) {
    case InputDensityColumn: return density(x);
    case DenseMacsColumn:
    case ExecutedMacsColumn:
    case BoundMacsColumn: return humanCount(x);
    case ExecutedPercentColumn:
    case PercentOfBoundColumn: return percent(x);
    case BoundSpeedupColumn:
    case AchievedSpeedupColumn: return times(x);
    case TimeColumn: return QString::number(x, 'f', x >= 100 ? 0 : 1);
    default: return {};
    }
}

QVariant LayerBenchModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ss::BenchResult* r = current();
    const bool network = index.row() == int(r->layers.size());
    switch (role) {
    case Qt::DisplayRole: return display(index.row(), index.column());
    case Qt::ToolTipRole:
        if (!network && index.column() == KernelColumn) {
            const auto& s = r->layers[size_t(index.row())].stats;
            return s.note.empty() ? qs(s.kernel) : tr("%1: %2").arg(qs(s.kernel), qs(s.note));
        }
        if (network && index.column() == AchievedSpeedupColumn)
            return tr("The network's throughput over dense's.");
        return columnDescription(index.column());
    case Qt::TextAlignmentRole:
        return index.column() <= KernelColumn ? QVariant(int(Qt::AlignLeft | Qt::AlignVCenter))
                                              : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
    case RawValueRole: return rawValue(index.row(), index.column());
    case NetworkRowRole: return network;
    default: return {};
    }
}

} // namespace gui
