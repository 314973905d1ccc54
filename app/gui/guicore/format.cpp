#include "guicore/format.h"

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

} // namespace gui
