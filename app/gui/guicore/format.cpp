#include "guicore/format.h"

#include <QCoreApplication>

#include <cmath>

namespace gui {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QString humanCount(double v)
{
    const double a = std::abs(v);
    if (a >= 1e9)
        return QString::number(v / 1e9, 'f', 2) + QStringLiteral(" G");
    if (a >= 1e6)
        return QString::number(v / 1e6, 'f', 2) + QStringLiteral(" M");
    if (a >= 1e3)
        return QString::number(v / 1e3, 'f', 1) + QStringLiteral(" k");
    return QString::number(v, 'f', 0);
}

QString density(double v) { return QString::number(v, 'g', 3); }

QString times(double v)
{
    return QString::number(v, 'f', v >= 100 ? 0 : (v >= 10 ? 1 : 2)) + QStringLiteral("×");
}

QString itemsPerSecond(double v)
{
    return QString::number(v, 'f', v >= 1000 ? 0 : 1) + QStringLiteral(" items/s");
}

QString joules(double j)
{
    const double a = std::abs(j);
    if (a == 0)
        return QStringLiteral("0 J");
    if (a >= 1)
        return QString::number(j, 'g', 3) + QStringLiteral(" J");
    if (a >= 1e-3)
        return QString::number(j * 1e3, 'g', 3) + QStringLiteral(" mJ");
    if (a >= 1e-6)
        return QString::number(j * 1e6, 'g', 3) + QStringLiteral(" µJ");
    return QString::number(j * 1e9, 'g', 3) + QStringLiteral(" nJ");
}

QString percent(double fraction) { return QString::number(100.0 * fraction, 'f', 1) + QStringLiteral("%"); }

QString percentOfBoundDefinition()
{
    return QCoreApplication::translate(
        "Format",
        "× dense: the engine's measured throughput over dense's, run side by side (a time ratio).\n"
        "Bound: dense MACs over the bound's MACs, where the bound is a·w of dense per layer and a is the input density "
        "measured in the run (a MAC ratio): the speed-up of an engine doing only the bound's work at dense's time per MAC. "
        "Each engine measures a on the activations it computes: on fpga-sim those are int8, where small values round to "
        "zero, so a is lower and the bound higher than on the CPU for the same model.\n"
        "% of bound = × dense ÷ bound. It can exceed 100%: the bound counts MACs only, while dense's time also holds work "
        "a sparse engine skips or does faster (loading zero weights, im2col copies, its own per-layer overheads). Above "
        "100% says dense spends more than its MACs, not that an engine did less than the least work.");
}

} // namespace gui
