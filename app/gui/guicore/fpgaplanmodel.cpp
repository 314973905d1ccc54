#include "guicore/fpgaplanmodel.h"

#include "guicore/format.h"

namespace gui {

FpgaPlanModel::FpgaPlanModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void FpgaPlanModel::clear()
{
    beginResetModel();
    estimates_.clear();
    part_.clear();
    error_.clear();
    endResetModel();
}

void FpgaPlanModel::setPlan(const std::shared_ptr<const ss::Model>& model, const QString& part, const QStringList& engines)
{
    beginResetModel();
    estimates_.clear();
    error_.clear();
    part_ = part;
    const ss::fpga::Part* p = ss::fpga::findPart(part.toStdString());
    if (model && p) {
        if (model.get() != quantised_for_) {
            // Quantising is the costly step (the int8 network the kernels run): once per model.
            model_ = model;
            quantised_for_ = model.get();
            auto net = ss::q8::quantise(*model);
            net_.reset();
            if (net)
                net_ = std::move(*net);
            else
                error_ = qs(net.message());
        }
        if (net_)
            for (const QString& e : engines) {
                ss::fpga::Variant v;
                if (ss::fpga::variantFromEngine(e.toStdString(), &v))
                    estimates_.push_back(ss::fpga::estimate(*net_, v, *p));
            }
        else if (error_.isEmpty())
            error_ = tr("The model could not be quantised for the FPGA kernels.");
    }
    endResetModel();
}

QString FpgaPlanModel::partName() const
{
    const ss::fpga::Part* p = ss::fpga::findPart(part_.toStdString());
    return p ? qs(p->name) : QString();
}

QStringList FpgaPlanModel::engines() const
{
    QStringList l;
    for (const auto& e : estimates_)
        l << qs(e.variant);
    return l;
}

QString FpgaPlanModel::resourceName(int column)
{
    switch (column) {
    case LutColumn: return QStringLiteral("LUT");
    case FfColumn: return QStringLiteral("FF");
    case BramColumn: return QStringLiteral("BRAM36");
    case UramColumn: return QStringLiteral("URAM");
    case DspColumn: return QStringLiteral("DSP");
    default: return {};
    }
}

double FpgaPlanModel::share(int row, int column) const
{
    const ss::fpga::Part* p = ss::fpga::findPart(part_.toStdString());
    if (!p || row < 0 || row >= int(estimates_.size()))
        return 0;
    const ss::fpga::Resources& r = estimates_[size_t(row)].instance;
    auto frac = [](double used, double total) { return total > 0 ? used / total : 0.0; };
    switch (column) {
    case LutColumn: return frac(r.lut, p->total.lut);
    case FfColumn: return frac(r.ff, p->total.ff);
    case BramColumn: return frac(r.bram36, p->total.bram36);
    case UramColumn: return frac(r.uram, p->total.uram);
    case DspColumn: return frac(r.dsp, p->total.dsp);
    default: return 0;
    }
}

int FpgaPlanModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(estimates_.size()); }
int FpgaPlanModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant FpgaPlanModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(estimates_.size()))
        return {};
    const ss::fpga::NetworkEstimate& e = estimates_[size_t(index.row())];
    const int c = index.column();
    if (role == RawValueRole) {
        switch (c) {
        case InstancesColumn: return e.instances;
        case LutColumn: case FfColumn: case BramColumn: case UramColumn: case DspColumn: return share(index.row(), c);
        case ChipThroughputColumn: return e.fits ? QVariant(e.items_per_s_chip) : QVariant();
        case ChipEnergyColumn: return e.fits ? QVariant(e.energy_j_per_item_chip) : QVariant();
        default: return {};
        }
    }
    if (role == Qt::TextAlignmentRole)
        return c == EngineColumn || c == LimitingColumn || c == SourceColumn ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                                              : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) {
        const ss::fpga::Resources& r = e.instance;
        return tr("%1 on %2 (modelled): one instance uses LUT %3, FF %4, BRAM36 %5, URAM %6, DSP %7; %8 fit the chip "
                  "under the %9 utilisation limit, limited by %10.")
            .arg(qs(e.variant), partName())
            .arg(r.lut, 0, 'f', 0).arg(r.ff, 0, 'f', 0).arg(r.bram36, 0, 'f', 0).arg(r.uram, 0, 'f', 0).arg(r.dsp, 0, 'f', 0)
            .arg(e.instances)
            .arg(percent(ss::fpga::findPart(part_.toStdString()) ? ss::fpga::findPart(part_.toStdString())->util_limit : 0))
            .arg(qs(e.limiting));
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (c) {
    case EngineColumn: return qs(e.variant);
    case InstancesColumn: return e.instances;
    case LimitingColumn: return qs(e.limiting);
    case FitsColumn: return e.fits ? tr("yes") : tr("no");
    case LutColumn: case FfColumn: case BramColumn: case UramColumn: case DspColumn: return percent(share(index.row(), c));
    case ChipThroughputColumn: return e.fits ? humanCount(e.items_per_s_chip) : QStringLiteral("–");
    case ChipEnergyColumn: return e.fits ? joules(e.energy_j_per_item_chip) : QStringLiteral("–");
    case SourceColumn: return QString::fromLatin1(e.source);
    default: return {};
    }
}

QVariant FpgaPlanModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case InstancesColumn: return tr("Network instances that fit the chip under the utilisation limits (modelled).");
        case LimitingColumn: return tr("The resource that runs out first and so limits the instance count.");
        case FitsColumn: return tr("Whether one network instance fits the part at all.");
        case ChipThroughputColumn: return tr("Items per second of all instances together (modelled; may be capped by the host link).");
        case ChipEnergyColumn: return tr("Energy per item of the full chip, every instance busy (modelled).");
        case SourceColumn: return tr("Every figure here comes from the analytical model (docs/fpga-model.md), not a measurement.");
        default:
            return section >= LutColumn && section <= DspColumn
                       ? tr("%1 of one network instance as a share of the whole part.").arg(resourceName(section))
                       : QVariant();
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case EngineColumn: return tr("Engine");
    case InstancesColumn: return tr("Per chip");
    case LimitingColumn: return tr("Limit");
    case FitsColumn: return tr("Fits");
    case ChipThroughputColumn: return tr("Items/s chip");
    case ChipEnergyColumn: return tr("Energy/item");
    case SourceColumn: return tr("Source");
    default: return section >= LutColumn && section <= DspColumn ? tr("%1 %").arg(resourceName(section)) : QVariant();
    }
}

} // namespace gui
