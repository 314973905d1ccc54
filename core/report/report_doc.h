// A benchmark report as a document (issue 17): headings, facts, tables and charts built once from
// result records, then drawn by two renderers — HTML with inline SVG (html_report.cpp, Qt-free) and
// PDF with QPainter (app/report). Both show the same content because neither decides any of it.
// Every figure carries its source (measured, estimated, modelled) in its column header, cell or
// chart caption; estimated and modelled bars are drawn hatched.
#pragma once

#include "bench/energy.h"
#include "report/report.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ss {

// One result file in a report; label names it in the report ("R1: bench.json").
struct LabelledReport {
    std::string label;
    BenchContext context;
    std::vector<BenchResult> results;
};

struct ReportTable {
    std::string caption;
    std::vector<std::string> header;
    std::vector<bool> numeric;                  // per column: right-aligned
    std::vector<std::vector<std::string>> rows;
};

enum class ChartKind {
    Bars,    // groups of side-by-side horizontal bars (one bar per series in a group)
    Stacked, // one horizontal bar per group, made of its bars' values end to end
    Lines    // series of (x, y) points
};

struct ChartBar {
    std::string series; // legend entry (an engine, a layer, "achieved")
    double value = 0;
    uint32_t color = 0x4e79a7; // 0xRRGGBB
    bool hatched = false;      // estimated or modelled
    std::string text;          // printed at the end of the bar ("" = none)
};

struct ChartGroup {
    std::string label;
    std::vector<ChartBar> bars;
};

struct ChartLine {
    std::string label;
    uint32_t color = 0x4e79a7;
    bool hatched = false; // drawn dashed
    std::vector<std::pair<double, double>> points;
};

struct ChartLegendEntry {
    std::string label;
    uint32_t color = 0;
    bool hatched = false;
};

struct Chart {
    ChartKind kind = ChartKind::Bars;
    std::string id;       // stable name: "throughput", "energy", "speedup", "layers", "over-time"
    std::string title;
    std::string axis;     // value axis label with unit
    std::string x_axis;   // Lines only
    std::string caption;  // says which figures are measured, estimated or modelled
    std::vector<ChartGroup> groups;
    std::vector<ChartLine> lines;
    std::vector<ChartLegendEntry> legend;
    double reference = 0; // a dashed reference line at this value (e.g. 1x dense), 0 = none
};

struct ReportBlock {
    enum class Kind { Heading, Paragraph, Facts, Warning, Table, Chart } kind = Kind::Paragraph;
    int level = 1;        // Heading: 1 (report), 2 (section), 3 (sub-section)
    std::string text;
    std::vector<std::pair<std::string, std::string>> facts;
    ReportTable table;
    Chart chart;
};

struct ReportDocument {
    std::string title;
    std::string subtitle;
    std::vector<ReportBlock> blocks;
};

// Everything a report holds, for one or several results side by side.
ReportDocument buildReportDocument(const std::vector<LabelledReport>& reports);

// Reads RESULT.json files (readBenchReport) into labelled reports ("R1: name.json", ...).
Result<std::vector<LabelledReport>> readLabelledReports(const std::vector<std::string>& paths);

// The source of a result's time figures (throughput, latency): modelled on fpga-sim, else measured.
FigureSource timeSource(const BenchResult& r);

// Colour of an engine in charts (the GUI's Tableau 10 choice).
uint32_t reportEngineColor(const std::string& engine);

// One self-contained HTML file: inline CSS and SVG, no scripts, no network; light and dark
// (prefers-color-scheme), and print rules that keep table rows and charts whole.
std::string reportToHtml(const ReportDocument& doc);

// "report.html" -> html, "x.PDF" -> pdf, anything else -> "" (the caller refuses it).
std::string reportFormatOf(const std::string& path);

} // namespace ss
