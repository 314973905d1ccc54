// Export from where a figure is (issue 16, point 7): every chart gets a context menu to copy its
// picture or save it as PNG, every table one to copy its rows as CSV or save them to a CSV file.
#pragma once

#include <QList>
#include <QString>

class QAbstractItemModel;
class QChartView;
class QTableView;
class QWidget;

namespace gui {

void installChartExport(QChartView* view);
void installTableExport(QTableView* table);

// The table's visible columns (header row first) as RFC 4180 CSV; only the given rows when
// `rows` is not empty. Values are the displayed text (units and "(estimated)" included).
QString tableToCsv(const QTableView* table, const QList<int>& rows = {});

// Writes atomically (a temporary file renamed over the target); false with the sentence in *error.
bool saveWidgetPng(QWidget* widget, const QString& path, QString* error);

} // namespace gui
