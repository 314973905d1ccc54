#include "report/chart_layout.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ss {

AxisTicks niceTicks(double max_value, int target)
{
    AxisTicks t;
    if (!(max_value > 0) || !std::isfinite(max_value))
        max_value = 1;
    const double raw = max_value / std::max(1, target);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double f : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (f * mag >= raw) {
            step = f * mag;
            break;
        }
    t.max = std::ceil(max_value / step - 1e-9) * step;
    for (int i = 0; i * step <= t.max + step * 1e-9; ++i)
        t.ticks.push_back(i * step);
    return t;
}

std::string tickText(double v)
{
    char buf[32];
    const double a = std::fabs(v);
    if (a >= 1e6)
        std::snprintf(buf, sizeof buf, "%gM", v / 1e6);
    else if (a >= 1e4)
        std::snprintf(buf, sizeof buf, "%gk", v / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

BarChartMetrics barChartMetrics(const Chart& c)
{
    BarChartMetrics m;
    size_t longest = 0;
    for (const ChartGroup& g : c.groups) {
        size_t chars = 0;
        for (char ch : g.label)
            chars += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
        longest = std::max(longest, chars);
    }
    // About 6.3 units per character at the labels' 11 px.
    m.label_width = std::clamp(double(longest) * 6.3 + 12, 110.0, 280.0);
    return m;
}

double barPlotHeight(const Chart& c, const BarChartMetrics& m)
{
    double h = 0;
    for (const ChartGroup& g : c.groups) {
        const size_t n = c.kind == ChartKind::Stacked ? 1 : std::max<size_t>(1, g.bars.size());
        h += double(n) * (m.bar_height + m.bar_gap) + m.group_gap;
    }
    return h;
}

std::vector<LegendSlot> legendLayout(const Chart& c, double width, double char_width, int* rows)
{
    std::vector<LegendSlot> out;
    double x = 0;
    int row = 0;
    for (const ChartLegendEntry& e : c.legend) {
        // UTF-8 continuation bytes take no width.
        size_t chars = 0;
        for (char ch : e.label)
            chars += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
        const double w = 16 + double(chars) * char_width + 14;
        if (x > 0 && x + w > width) {
            x = 0;
            ++row;
        }
        out.push_back({x, row});
        x += w;
    }
    *rows = c.legend.empty() ? 0 : row + 1;
    return out;
}

AxisTicks barChartTicks(const Chart& c)
{
    double max_value = std::max(0.0, c.reference);
    for (const ChartGroup& g : c.groups) {
        double sum = 0;
        for (const ChartBar& b : g.bars) {
            max_value = std::max(max_value, b.value);
            sum += b.value;
        }
        if (c.kind == ChartKind::Stacked)
            max_value = std::max(max_value, sum);
    }
    return niceTicks(max_value);
}

LineChartTicks lineChartTicks(const Chart& c)
{
    double max_x = 0, max_y = 0;
    for (const ChartLine& l : c.lines)
        for (const auto& [x, y] : l.points) {
            max_x = std::max(max_x, x);
            max_y = std::max(max_y, y);
        }
    return {niceTicks(max_x), niceTicks(max_y)};
}

} // namespace ss
