// Geometry shared by the HTML (SVG) and PDF (QPainter) chart renderers, so both draw the same
// picture: value-axis ticks and the rows of a horizontal bar chart. Qt-free.
#pragma once

#include "report/report_doc.h"

#include <vector>

namespace ss {

struct AxisTicks {
    double max = 1;            // the axis runs from 0 to max
    std::vector<double> ticks; // 0, step, 2*step, ... <= max
};

// Round ticks (1, 2, 2.5, 5 × 10^n) covering [0, max_value], about `target` of them.
AxisTicks niceTicks(double max_value, int target = 5);
// Tick text: 12k, 1.5, 250.
std::string tickText(double v);

struct BarChartMetrics {
    double width = 680;
    double label_width = 190; // group labels, left of the plot
    double value_room = 110;  // right of the plot, for the bar's text
    double bar_height = 13, bar_gap = 2, group_gap = 9;
    double top = 28;          // title
    double axis_height = 30;  // ticks and axis label under the plot
    double plotLeft() const { return label_width; }
    double plotRight() const { return width - value_room; }
};

// The metrics of a chart: the label column as wide as its longest group label needs (within limits).
BarChartMetrics barChartMetrics(const Chart& c);
// The value axis of a bar chart: up to its largest bar (a stacked group's sum) or reference line.
AxisTicks barChartTicks(const Chart& c);
// The axes of a line chart: x and y up to the largest point of any line.
struct LineChartTicks {
    AxisTicks x, y;
};
LineChartTicks lineChartTicks(const Chart& c);

// Height of the plot area (all groups) and of the whole chart without its legend.
double barPlotHeight(const Chart& c, const BarChartMetrics& m);
// Rows of legend entries laid out left to right, wrapped at width; each entry's x and row.
struct LegendSlot {
    double x = 0;
    int row = 0;
};
std::vector<LegendSlot> legendLayout(const Chart& c, double width, double char_width, int* rows);

} // namespace ss
