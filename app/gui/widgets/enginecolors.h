// One colour per engine, the same in every chart, so a line and its bars read as one engine.
#pragma once

#include <QColor>
#include <QString>

namespace gui {

QColor engineColor(const QString& engine);

} // namespace gui
