// Writes a benchmark report file (issue 17): HTML from core's renderer, PDF drawn here with
// QPdfWriter/QPainter (vector charts, A4 or Letter, table rows never cut by a page break). Needs a
// QGuiApplication (fonts); the CLI makes one on the offscreen platform for `report` and `--report`.
#pragma once

#include "report/report_doc.h"
#include "util/status.h"

#include <QByteArray>

#include <string>
#include <vector>

namespace ss::report {

enum class PageSize { A4, Letter };

// "a4"/"letter" (any case); false for anything else.
bool parsePageSize(const std::string& s, PageSize* out);

// Where each table row landed, so tests can check that no row was cut (and which page holds it).
struct PdfRowPlacement {
    int page = 0;              // 0-based
    double top = 0, bottom = 0; // points from the top of the page
    std::string first_cell, last_cell;
};
struct PdfLayout {
    int pages = 0;
    double page_height = 0, content_top = 0, content_bottom = 0; // points
    std::vector<PdfRowPlacement> rows;
};

// The PDF's bytes (layout, when given, receives the row placements).
QByteArray renderPdf(const ReportDocument& doc, PageSize page, PdfLayout* layout = nullptr);

// Writes the report atomically as HTML or PDF, chosen by the path's extension (.html/.htm/.pdf);
// one sentence naming the path otherwise.
Status writeReport(const std::vector<LabelledReport>& reports, const std::string& path, PageSize page = PageSize::A4);

} // namespace ss::report
