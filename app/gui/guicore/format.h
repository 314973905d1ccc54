// How the GUI writes numbers: one place, so the tables, charts, tooltips and tests agree.
#pragma once

#include <QString>

#include <string>

namespace gui {

QString qs(const std::string& s);

// 10240000 -> "10.24 M", 98304 -> "98.3 k", 12 -> "12".
QString humanCount(double v);
// Densities and small ratios: 0.1 -> "0.1", 0.0956633 -> "0.0957".
QString density(double v);
// A speed-up or ratio: 6.134 -> "6.13×".
QString times(double v);
// Throughput: "1234.5 items/s", with thousands separators for large values.
QString itemsPerSecond(double v);
// Energy per item in the unit that keeps 1..1000: "12.3 mJ", "450 µJ".
QString joules(double j);
// A percentage: 0.2345 -> "23.5%".
QString percent(double fraction);

// What "bound" and "% of bound" mean, said once for every table, chart and tooltip (issue 16, point 5).
QString percentOfBoundDefinition();

} // namespace gui
