#include "widgets/enginecolors.h"

#include <QHash>

namespace gui {

QColor engineColor(const QString& engine)
{
    // Tableau 10: distinct for the colour-blind in the common cases, readable on white.
    static const QHash<QString, QColor> known = {
        {QStringLiteral("dense"), QColor(0x4e, 0x79, 0xa7)},
        {QStringLiteral("csr"), QColor(0xf2, 0x8e, 0x2b)},
        {QStringLiteral("sparse-dense"), QColor(0x59, 0xa1, 0x4f)},
        {QStringLiteral("sparse-sparse"), QColor(0xe1, 0x57, 0x59)},
        {QStringLiteral("torch"), QColor(0x9c, 0x75, 0x5f)},
        {QStringLiteral("reference"), QColor(0xba, 0xb0, 0xac)},
    };
    static const QColor others[] = {QColor(0x76, 0xb7, 0xb2), QColor(0xed, 0xc9, 0x48), QColor(0xb0, 0x7a, 0xa1),
                                    QColor(0xff, 0x9d, 0xa7)};
    if (auto it = known.constFind(engine); it != known.cend())
        return *it;
    return others[qHash(engine) % (sizeof others / sizeof others[0])];
}

} // namespace gui
