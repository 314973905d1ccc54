#include "guicore/layertablemodel.h"

#include "guicore/format.h"

namespace gui {

namespace {
bool weighted(const ss::LayerSummary& l) { return l.macs_dense > 0; }
bool kwta(const ss::LayerSummary& l) { return l.k_inference > 0; }
} // namespace

LayerTableModel::LayerTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void LayerTableModel::setData(const ss::ModelSummary& summary)
{
    beginResetModel();
    summary_ = summary;
    endResetModel();
}

void LayerTableModel::clear() { setData({}); }

int LayerTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(summary_.layers.size());
}

int LayerTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString LayerTableModel::columnDescription(int column)
{
    switch (column) {
    case NameColumn:
        return tr("The layer's name in the model file (its PyTorch module name).");
    case TypeColumn:
        return tr("Layer type: Conv2d and Linear hold weights; KWinners/KWinners2d keep the k largest activations.");
    case InputShapeColumn:
        return tr("Shape of one item entering the layer, C×H×W (a vector is just its length).");
    case OutputShapeColumn:
        return tr("Shape of one item leaving the layer, C×H×W.");
    case WeightDensityColumn:
        return tr("w: the fraction of the layer's weights that may be non-zero (1 = dense).");
    case GroupSizeColumn:
        return tr("P: complementary group size. P outputs whose masks partition the fan-in are packed into one "
                  "dense kernel plus a route, so every input is multiplied once per group (w = 1/P).");
    case KColumn:
        return tr("k: how many activations the k-WTA layer keeps while training.");
    case KInferenceColumn:
        return tr("k at inference: how many activations the engines keep (k × the inference factor).");
    case InputDensityColumn:
        return tr("a: the fraction of non-zero activations entering the layer (k/n of the k-WTA feeding it). "
                  "'~' marks an estimate through a max-pool; a benchmark measures it.");
    case DenseMacsColumn:
        return tr("Dense MACs: multiply-accumulates per item when every weight meets every input.");
    case BoundMacsColumn:
        return tr("Bound MACs: a × w × dense MACs — the least work any engine can do for this layer, when only "
                  "the non-zero activations (a) meet only the kept weights (w).");
    case BoundSpeedupColumn:
        return tr("Bound speed-up 1/(a·w): how many times fewer MACs than dense the bound needs; the most a "
                  "sparse engine can gain on this layer.");
    default:
        return {};
    }
}

QVariant LayerTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::ToolTipRole)
        return columnDescription(section);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Layer");
    case TypeColumn: return tr("Type");
    case InputShapeColumn: return tr("Input");
    case OutputShapeColumn: return tr("Output");
    case WeightDensityColumn: return tr("w");
    case GroupSizeColumn: return tr("P");
    case KColumn: return tr("k");
    case KInferenceColumn: return tr("k at\ninference");
    case InputDensityColumn: return tr("a");
    case DenseMacsColumn: return tr("Dense\nMACs");
    case BoundMacsColumn: return tr("Bound\nMACs");
    case BoundSpeedupColumn: return tr("1/(a·w)");
    default: return {};
    }
}

QVariant LayerTableModel::rawValue(const ss::LayerSummary& l, int column) const
{
    switch (column) {
    case WeightDensityColumn: return weighted(l) ? QVariant(l.weight_density) : QVariant();
    case GroupSizeColumn: return weighted(l) ? QVariant(l.P) : QVariant();
    case KColumn: return kwta(l) ? QVariant(l.k) : QVariant();
    case KInferenceColumn: return kwta(l) ? QVariant(l.k_inference) : QVariant();
    case InputDensityColumn: return weighted(l) ? QVariant(l.input_density) : QVariant();
    case DenseMacsColumn: return weighted(l) ? QVariant(l.macs_dense) : QVariant();
    case BoundMacsColumn: return weighted(l) ? QVariant(l.macs_bound) : QVariant();
    case BoundSpeedupColumn:
        return weighted(l) && l.macs_bound > 0 ? QVariant(l.macs_dense / l.macs_bound) : QVariant();
    default: return {};
    }
}

QString LayerTableModel::display(const ss::LayerSummary& l, int column) const
{
    switch (column) {
    case NameColumn: return qs(l.name);
    case TypeColumn: return qs(l.type) + (l.local ? tr(" (local)") : QString());
    case InputShapeColumn: return qs(l.in.toString());
    case OutputShapeColumn: return qs(l.out.toString());
    case WeightDensityColumn: return weighted(l) ? density(l.weight_density) : QString();
    case GroupSizeColumn: return weighted(l) ? QString::number(l.P) : QString();
    case KColumn: return kwta(l) ? QString::number(l.k) : QString();
    case KInferenceColumn: return kwta(l) ? QString::number(l.k_inference) : QString();
    case InputDensityColumn:
        return weighted(l) ? (l.input_density_exact ? QString() : QStringLiteral("~")) + density(l.input_density) : QString();
    case DenseMacsColumn: return weighted(l) ? humanCount(l.macs_dense) : QString();
    case BoundMacsColumn: return weighted(l) ? humanCount(l.macs_bound) : QString();
    case BoundSpeedupColumn: return weighted(l) && l.macs_bound > 0 ? times(l.macs_dense / l.macs_bound) : QString();
    default: return {};
    }
}

QString LayerTableModel::toolTip(const ss::LayerSummary& l, int column) const
{
    const QString name = qs(l.name);
    switch (column) {
    case WeightDensityColumn:
        if (!weighted(l))
            break;
        return tr("%1 keeps w = %2 of its weights (its mask keeps %3).").arg(name, density(l.weight_density), density(l.mask_density));
    case GroupSizeColumn:
        if (!weighted(l))
            break;
        if (l.P <= 1)
            return tr("%1 has no complementary groups (P = 1).").arg(name);
        return tr("%1: groups of P = %2 outputs partition the fan-in (routes: %3); Combine packs each group into "
                  "one dense kernel, so a dense input costs w = 1/%2 of the dense MACs.")
            .arg(name)
            .arg(l.P)
            .arg(l.routes.empty() ? tr("none") : qs(l.routes));
    case KColumn:
    case KInferenceColumn:
        if (!kwta(l))
            break;
        return tr("%1 keeps k = %2 while training and %3 at inference, of %4 activations%5.")
            .arg(name)
            .arg(l.k)
            .arg(l.k_inference)
            .arg(l.local ? l.in.c : l.in.size())
            .arg(l.local ? tr(" per position") : QString());
    case InputDensityColumn:
        if (!weighted(l))
            break;
        return l.input_density_exact
                   ? tr("a = %1: the fraction of non-zero activations entering %2 (k/n of the k-WTA feeding it; 1 = dense input).")
                         .arg(density(l.input_density), name)
                   : tr("a ≈ %1 is an estimate: a max-pool after the k-WTA changes the density (at most one winner per "
                        "window survives). A benchmark measures the real value.")
                         .arg(density(l.input_density));
    case DenseMacsColumn:
        if (!weighted(l))
            break;
        return tr("%1 dense multiply-accumulates per item (%2).").arg(humanCount(l.macs_dense), QString::number(l.macs_dense, 'f', 0));
    case BoundMacsColumn:
        if (!weighted(l))
            break;
        return tr("Bound = a × w × dense = %1 × %2 × %3 = %4 MACs per item: the least work any engine can do for %5.")
            .arg(density(l.input_density), density(l.weight_density), humanCount(l.macs_dense), humanCount(l.macs_bound), name);
    case BoundSpeedupColumn:
        if (!weighted(l) || l.macs_bound <= 0)
            break;
        return tr("1/(a·w) = %1: at the bound, %2 needs %1 fewer MACs than dense.").arg(times(l.macs_dense / l.macs_bound), name);
    default:
        break;
    }
    return columnDescription(column);
}

QVariant LayerTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ss::LayerSummary& l = summary_.layers[size_t(index.row())];
    const int c = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return display(l, c);
    case Qt::ToolTipRole:
        return toolTip(l, c);
    case Qt::TextAlignmentRole:
        return c <= OutputShapeColumn ? QVariant(int(Qt::AlignLeft | Qt::AlignVCenter))
                                      : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
    case RawValueRole:
        return rawValue(l, c);
    case SortRole: {
        if (c <= OutputShapeColumn)
            return display(l, c);
        const QVariant v = rawValue(l, c); // numeric columns sort as numbers, "not applicable" first
        return v.isValid() ? v.toDouble() : -1.0;
    }
    case WeightedRole:
        return weighted(l);
    case EstimateRole:
        return c == InputDensityColumn || c == BoundMacsColumn || c == BoundSpeedupColumn ? !l.input_density_exact : false;
    default:
        return {};
    }
}

} // namespace gui
