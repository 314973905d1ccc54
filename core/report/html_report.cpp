// The HTML renderer of a ReportDocument: one file, inline CSS and SVG, no script, no network.
#include "report/chart_layout.h"
#include "report/report_doc.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

namespace ss {

namespace {

std::string esc(const std::string& s)
{
    std::string o;
    o.reserve(s.size());
    for (char c : s) {
        switch (c) {
        case '&': o += "&amp;"; break;
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '"': o += "&quot;"; break;
        default: o += c;
        }
    }
    return o;
}

std::string hex(uint32_t rgb)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%06x", rgb & 0xffffff);
    return buf;
}

std::string num(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

// A fill for a bar: its colour, or a hatch pattern of it (defined once per chart).
std::string fill(const std::string& chart_id, uint32_t color, bool hatched, std::set<uint32_t>* hatches)
{
    if (!hatched)
        return hex(color);
    hatches->insert(color);
    char buf[64];
    std::snprintf(buf, sizeof buf, "url(#h-%s-%06x)", chart_id.c_str(), color & 0xffffff);
    return buf;
}

std::string hatchDefs(const std::string& chart_id, const std::set<uint32_t>& hatches)
{
    std::string o = "<defs>";
    for (uint32_t c : hatches) {
        char id[64];
        std::snprintf(id, sizeof id, "h-%s-%06x", chart_id.c_str(), c & 0xffffff);
        o += "<pattern id=\"" + std::string(id) + "\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">"
             "<rect width=\"6\" height=\"6\" fill=\"" + hex(c) + "\" fill-opacity=\"0.25\"/>"
             "<rect width=\"3\" height=\"6\" fill=\"" + hex(c) + "\"/></pattern>";
    }
    return o + "</defs>";
}

std::string legendSvg(const Chart& c, double y0, double width, std::set<uint32_t>* hatches, double* height)
{
    int rows = 0;
    const auto slots = legendLayout(c, width, 6.2, &rows);
    std::string o;
    for (size_t i = 0; i < c.legend.size(); ++i) {
        const auto& e = c.legend[i];
        const double x = slots[i].x, y = y0 + slots[i].row * 18;
        o += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"12\" height=\"12\" fill=\"" + fill(c.id, e.color, e.hatched, hatches) +
             "\"/><text x=\"" + num(x + 16) + "\" y=\"" + num(y + 10) + "\" class=\"lg\">" + esc(e.label) + "</text>";
    }
    *height = rows * 18;
    return o;
}

std::string barChartSvg(const Chart& c)
{
    const BarChartMetrics m = barChartMetrics(c);
    std::set<uint32_t> hatches;
    const AxisTicks ticks = barChartTicks(c);
    const double x0 = m.plotLeft(), x1 = m.plotRight();
    auto X = [&](double v) { return x0 + (x1 - x0) * v / ticks.max; };
    const double plot_h = barPlotHeight(c, m);
    std::ostringstream body;
    const double top = m.top;
    // grid and ticks
    for (double t : ticks.ticks) {
        body << "<line x1=\"" << num(X(t)) << "\" y1=\"" << num(top) << "\" x2=\"" << num(X(t)) << "\" y2=\"" << num(top + plot_h)
             << "\" class=\"grid\"/><text x=\"" << num(X(t)) << "\" y=\"" << num(top + plot_h + 13) << "\" class=\"tk\">"
             << esc(tickText(t)) << "</text>";
    }
    body << "<text x=\"" << num((x0 + x1) / 2) << "\" y=\"" << num(top + plot_h + 27) << "\" class=\"ax\">" << esc(c.axis) << "</text>";
    double y = top + m.group_gap / 2;
    for (const ChartGroup& g : c.groups) {
        const size_t n = c.kind == ChartKind::Stacked ? 1 : std::max<size_t>(1, g.bars.size());
        const double gh = double(n) * (m.bar_height + m.bar_gap);
        body << "<text x=\"" << num(x0 - 6) << "\" y=\"" << num(y + gh / 2 + 4) << "\" class=\"gl\">" << esc(g.label) << "</text>";
        double acc = 0;
        for (size_t i = 0; i < g.bars.size(); ++i) {
            const ChartBar& b = g.bars[i];
            const double by = c.kind == ChartKind::Stacked ? y : y + double(i) * (m.bar_height + m.bar_gap);
            const double bx = c.kind == ChartKind::Stacked ? X(acc) : x0;
            const double bw = std::max(0.5, X(b.value) - x0);
            body << "<rect x=\"" << num(bx) << "\" y=\"" << num(by) << "\" width=\"" << num(bw) << "\" height=\"" << num(m.bar_height)
                 << "\" fill=\"" << fill(c.id, b.color, b.hatched, &hatches) << "\"><title>" << esc(g.label + ": " + b.series)
                 << "</title></rect>";
            acc += b.value;
            if (!b.text.empty())
                body << "<text x=\"" << num((c.kind == ChartKind::Stacked ? X(acc) : bx + bw) + 4) << "\" y=\"" << num(by + m.bar_height - 3)
                     << "\" class=\"bv\">" << esc(b.text) << "</text>";
        }
        y += gh + m.group_gap;
    }
    if (c.reference > 0)
        body << "<line x1=\"" << num(X(c.reference)) << "\" y1=\"" << num(top) << "\" x2=\"" << num(X(c.reference)) << "\" y2=\""
             << num(top + plot_h) << "\" class=\"ref\"/>";
    body << "<line x1=\"" << num(x0) << "\" y1=\"" << num(top) << "\" x2=\"" << num(x0) << "\" y2=\"" << num(top + plot_h) << "\" class=\"axl\"/>";
    double legend_h = 0;
    const std::string legend = legendSvg(c, top + plot_h + m.axis_height + 8, m.width, &hatches, &legend_h);
    const double height = top + plot_h + m.axis_height + 8 + legend_h + 4;
    std::ostringstream o;
    o << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"" << esc(c.id) << "\" viewBox=\"0 0 " << num(m.width)
      << " " << num(height) << "\" width=\"" << num(m.width) << "\" height=\"" << num(height) << "\" role=\"img\" aria-label=\"" << esc(c.title)
      << "\">" << hatchDefs(c.id, hatches) << "<text x=\"0\" y=\"16\" class=\"ct\">" << esc(c.title) << "</text>" << body.str() << legend
      << "</svg>";
    return o.str();
}

std::string lineChartSvg(const Chart& c)
{
    const double width = 680, left = 60, right = 20, top = 44, plot_h = 200;
    std::set<uint32_t> hatches;
    const LineChartTicks axes = lineChartTicks(c);
    const AxisTicks& tx = axes.x;
    const AxisTicks& ty = axes.y;
    auto X = [&](double v) { return left + (width - left - right) * v / tx.max; };
    auto Y = [&](double v) { return top + plot_h - plot_h * v / ty.max; };
    std::ostringstream body;
    for (double t : ty.ticks)
        body << "<line x1=\"" << num(left) << "\" y1=\"" << num(Y(t)) << "\" x2=\"" << num(width - right) << "\" y2=\"" << num(Y(t))
             << "\" class=\"grid\"/><text x=\"" << num(left - 5) << "\" y=\"" << num(Y(t) + 4) << "\" class=\"gl\">" << esc(tickText(t))
             << "</text>";
    for (double t : tx.ticks)
        body << "<text x=\"" << num(X(t)) << "\" y=\"" << num(top + plot_h + 13) << "\" class=\"tk\">" << esc(tickText(t)) << "</text>";
    body << "<text x=\"" << num((left + width - right) / 2) << "\" y=\"" << num(top + plot_h + 27) << "\" class=\"ax\">" << esc(c.x_axis)
         << "</text>";
    body << "<text x=\"0\" y=\"" << num(top - 6) << "\" class=\"lg\">" << esc(c.axis) << "</text>";
    for (const ChartLine& l : c.lines) {
        body << "<polyline fill=\"none\" stroke=\"" << hex(l.color) << "\" stroke-width=\"1.6\"" << (l.hatched ? " stroke-dasharray=\"4 3\"" : "")
             << " points=\"";
        for (const auto& [x, yv] : l.points)
            body << num(X(x)) << "," << num(Y(yv)) << " ";
        body << "\"><title>" << esc(l.label) << "</title></polyline>";
    }
    body << "<line x1=\"" << num(left) << "\" y1=\"" << num(top + plot_h) << "\" x2=\"" << num(width - right) << "\" y2=\"" << num(top + plot_h)
         << "\" class=\"axl\"/>";
    double legend_h = 0;
    const std::string legend = legendSvg(c, top + plot_h + 38, width, &hatches, &legend_h);
    const double height = top + plot_h + 38 + legend_h + 4;
    std::ostringstream o;
    o << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"" << esc(c.id) << "\" viewBox=\"0 0 " << num(width) << " "
      << num(height) << "\" width=\"" << num(width) << "\" height=\"" << num(height) << "\" role=\"img\" aria-label=\"" << esc(c.title) << "\">"
      << hatchDefs(c.id, hatches) << "<text x=\"0\" y=\"16\" class=\"ct\">" << esc(c.title) << "</text>" << body.str() << legend << "</svg>";
    return o.str();
}

const char* kCss = R"(
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1d1d1f; --muted: #5f6368; --rule: #d0d4d9; --stripe: #f4f6f8;
  --warn-bg: #fff4d6; --warn-fg: #6b4e00; --grid: #e3e6ea; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #16181c; --fg: #e6e8eb; --muted: #a3a9b1; --rule: #3a3f46; --stripe: #1f2227; --warn-bg: #3b3217;
    --warn-fg: #f3d98b; --grid: #2c3036; }
}
body { background: var(--bg); color: var(--fg); font: 14px/1.45 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif;
  max-width: 980px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 2px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--rule); }
.subtitle { color: var(--muted); margin: 0 0 14px; }
p { margin: 8px 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.warning { background: var(--warn-bg); color: var(--warn-fg); padding: 6px 10px; border-radius: 4px; margin: 6px 0; }
table { border-collapse: collapse; margin: 6px 0 16px; font-size: 12.5px; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); padding-bottom: 4px; caption-side: top; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { text-align: left; border-bottom: 2px solid var(--rule); } td.n, th.n { text-align: right; }
tbody tr:nth-child(even) { background: var(--stripe); }
tr, figure { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
figure { margin: 10px 0 18px; } figcaption { color: var(--muted); font-size: 12.5px; max-width: 680px; }
svg.chart { display: block; max-width: 100%; height: auto; color: var(--fg); }
svg .ct { font-size: 14px; font-weight: bold; fill: currentColor; }
svg .gl { font-size: 11px; text-anchor: end; fill: currentColor; }
svg .tk { font-size: 10px; text-anchor: middle; fill: var(--muted); }
svg .ax { font-size: 11px; text-anchor: middle; fill: var(--muted); }
svg .bv, svg .lg { font-size: 11px; fill: currentColor; }
svg .grid { stroke: var(--grid); stroke-width: 1; } svg .axl { stroke: var(--muted); stroke-width: 1; }
svg .ref { stroke: var(--fg); stroke-width: 1; stroke-dasharray: 4 3; }
h2 { break-after: avoid; page-break-after: avoid; }
@media print { body { max-width: none; margin: 0; font-size: 11px; } h2 { margin-top: 16px; } }
@page { margin: 14mm; }
)";

} // namespace

std::string reportToHtml(const ReportDocument& doc)
{
    std::ostringstream o;
    o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta name=\"color-scheme\" content=\"light dark\">\n"
         "<meta name=\"generator\" content=\"SparseScope\">\n<title>"
      << esc(doc.title) << "</title>\n<style>" << kCss << "</style>\n</head>\n<body>\n";
    o << "<h1>" << esc(doc.title) << "</h1>\n<p class=\"subtitle\">" << esc(doc.subtitle) << "</p>\n";
    for (const ReportBlock& b : doc.blocks) {
        switch (b.kind) {
        case ReportBlock::Kind::Heading: {
            const int level = std::clamp(b.level, 1, 3);
            o << "<h" << level << ">" << esc(b.text) << "</h" << level << ">\n";
            break;
        }
        case ReportBlock::Kind::Paragraph: o << "<p>" << esc(b.text) << "</p>\n"; break;
        case ReportBlock::Kind::Warning: o << "<p class=\"warning\">Warning: " << esc(b.text) << "</p>\n"; break;
        case ReportBlock::Kind::Facts:
            o << "<dl class=\"facts\">";
            for (const auto& [k, v] : b.facts)
                o << "<dt>" << esc(k) << "</dt><dd>" << esc(v) << "</dd>";
            o << "</dl>\n";
            break;
        case ReportBlock::Kind::Table: {
            const ReportTable& t = b.table;
            auto isNum = [&](size_t c) { return c < t.numeric.size() && t.numeric[c]; };
            o << "<table>";
            if (!t.caption.empty())
                o << "<caption>" << esc(t.caption) << "</caption>";
            o << "<thead><tr>";
            for (size_t c = 0; c < t.header.size(); ++c)
                o << "<th" << (isNum(c) ? " class=\"n\"" : "") << ">" << esc(t.header[c]) << "</th>";
            o << "</tr></thead><tbody>";
            for (const auto& row : t.rows) {
                o << "<tr>";
                for (size_t c = 0; c < row.size(); ++c)
                    o << "<td" << (isNum(c) ? " class=\"n\"" : "") << ">" << esc(row[c]) << "</td>";
                o << "</tr>";
            }
            o << "</tbody></table>\n";
            break;
        }
        case ReportBlock::Kind::Chart:
            o << "<figure>" << (b.chart.kind == ChartKind::Lines ? lineChartSvg(b.chart) : barChartSvg(b.chart)) << "<figcaption>"
              << esc(b.chart.caption) << "</figcaption></figure>\n";
            break;
        }
    }
    o << "</body>\n</html>\n";
    return o.str();
}

} // namespace ss
