#include "report_writer.h"

#include "report/chart_layout.h"

#include <QBuffer>
#include <QFont>
#include <QFontMetricsF>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPainterPath>
#include <QPdfWriter>

#include <algorithm>
#include <cmath>

namespace ss::report {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }
QColor rgb(uint32_t c) { return QColor((c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff); }

const QColor kText(0x1d, 0x1d, 0x1f), kMuted(0x5f, 0x63, 0x68), kRule(0xc8, 0xcc, 0xd1), kStripe(0xf2, 0xf4, 0xf6),
    kGrid(0xe3, 0xe6, 0xea), kWarnBg(0xff, 0xf4, 0xd6), kWarnFg(0x6b, 0x4e, 0x00);

// Lays the document out top to bottom in points (the writer runs at 72 dpi, so one device unit is
// one point), starting a page whenever the next unit would not fit: a heading with what follows
// it, a table row, a fact, a paragraph, a chart with its caption.
class PdfPainter {
public:
    PdfPainter(QPdfWriter& writer, PdfLayout* layout) : writer_(writer), layout_(layout)
    {
        painter_.begin(&writer_);
        const QRectF page = writer_.pageLayout().paintRectPoints();
        width_ = page.width();
        bottom_ = page.height() - 18; // room for the footer
        if (layout_) {
            layout_->page_height = page.height();
            layout_->content_top = 0;
            layout_->content_bottom = bottom_;
        }
        body_.setFamily(QStringLiteral("DejaVu Sans"));
        body_.setPointSizeF(8.5);
        small_ = body_;
        small_.setPointSizeF(7);
        bold_ = body_;
        bold_.setBold(true);
        footer();
    }

    void finish()
    {
        painter_.end();
        if (layout_)
            layout_->pages = page_ + 1;
    }

    void title(const std::string& t, const std::string& sub)
    {
        QFont f = body_;
        f.setPointSizeF(17);
        f.setBold(true);
        y_ += text(f, kText, t, 0, width_) + 2;
        y_ += text(body_, kMuted, sub, 0, width_) + 10;
    }

    void heading(const std::string& t, int level)
    {
        QFont f = body_;
        f.setPointSizeF(level <= 1 ? 15 : level == 2 ? 12 : 10);
        f.setBold(true);
        const double h = measure(f, t, width_);
        ensure(h + 90); // keep a heading with the start of what follows
        y_ += 8;
        text(f, kText, t, 0, width_);
        y_ += h + 2;
        painter_.setPen(QPen(kRule, 0.8));
        painter_.drawLine(QPointF(0, y_), QPointF(width_, y_));
        y_ += 6;
    }

    void paragraph(const std::string& t)
    {
        const double h = measure(body_, t, width_);
        ensure(h);
        text(body_, kText, t, 0, width_);
        y_ += h + 6;
    }

    void warning(const std::string& t)
    {
        const std::string s = "Warning: " + t;
        const double h = measure(body_, s, width_ - 12) + 8;
        ensure(h);
        painter_.fillRect(QRectF(0, y_, width_, h), kWarnBg);
        text(body_, kWarnFg, s, 6, width_ - 12, y_ + 4);
        y_ += h + 4;
    }

    void facts(const std::vector<std::pair<std::string, std::string>>& facts)
    {
        const QFontMetricsF fm(body_, &writer_);
        double key_w = 0;
        for (const auto& [k, v] : facts)
            key_w = std::max(key_w, fm.horizontalAdvance(qs(k)));
        key_w += 10;
        for (const auto& [k, v] : facts) {
            const double h = std::max(measure(body_, v, width_ - key_w), measure(body_, k, key_w)) + 2;
            ensure(h);
            text(body_, kMuted, k, 0, key_w);
            text(body_, kText, v, key_w, width_ - key_w);
            y_ += h;
        }
        y_ += 6;
    }

    void table(const ReportTable& t)
    {
        const size_t n = t.header.size();
        if (n == 0)
            return;
        const double pad = 3;
        QFont cell = small_;
        QFont head = small_;
        head.setBold(true);
        const QFontMetricsF fm(cell, &writer_), fh(head, &writer_);
        // Natural widths; wide columns share what the narrow ones leave.
        std::vector<double> natural(n, 0);
        for (size_t c = 0; c < n; ++c) {
            // Headers wrap between words, so only their longest word sets a minimum.
            for (const QString& word : qs(t.header[c]).split(QLatin1Char(' '), Qt::SkipEmptyParts))
                natural[c] = std::max(natural[c], fh.horizontalAdvance(word) + 2 * pad);
            for (const auto& r : t.rows)
                if (c < r.size())
                    natural[c] = std::max(natural[c], fm.horizontalAdvance(qs(r[c])) + 2 * pad);
        }
        std::vector<double> w = natural;
        double total = 0;
        for (double x : w)
            total += x;
        if (total > width_) {
            // Water-fill: columns narrower than a fair share keep their width.
            std::vector<bool> fixed(n, false);
            double left = width_;
            size_t wide = n;
            bool changed = true;
            while (changed && wide > 0) {
                changed = false;
                const double share = left / double(wide);
                for (size_t c = 0; c < n; ++c)
                    if (!fixed[c] && natural[c] <= share) {
                        fixed[c] = true;
                        left -= natural[c];
                        --wide;
                        changed = true;
                    }
            }
            for (size_t c = 0; c < n; ++c)
                if (!fixed[c])
                    w[c] = std::max(24.0, left / double(std::max<size_t>(1, wide)));
        }
        std::vector<double> x(n + 1, 0);
        for (size_t c = 0; c < n; ++c)
            x[c + 1] = x[c] + w[c];
        auto numeric = [&](size_t c) { return c < t.numeric.size() && t.numeric[c]; };
        auto rowHeight = [&](const std::vector<std::string>& r, const QFont& f) {
            double h = 0;
            for (size_t c = 0; c < n && c < r.size(); ++c)
                h = std::max(h, measure(f, r[c], w[c] - 2 * pad));
            return h + 2 * pad;
        };
        const double head_h = rowHeight(t.header, head);
        auto drawHeader = [&] {
            for (size_t c = 0; c < n; ++c)
                text(head, kText, t.header[c], x[c] + pad, w[c] - 2 * pad, y_ + pad, numeric(c));
            y_ += head_h;
            painter_.setPen(QPen(kRule, 1.2));
            painter_.drawLine(QPointF(0, y_), QPointF(x[n], y_));
        };
        const double caption_h = t.caption.empty() ? 0 : measure(small_, t.caption, width_) + 3;
        const double first_row = t.rows.empty() ? 0 : rowHeight(t.rows.front(), cell);
        ensure(caption_h + head_h + first_row); // a caption and header never sit alone at a page's foot
        if (!t.caption.empty()) {
            text(small_, kMuted, t.caption, 0, width_);
            y_ += caption_h;
        }
        drawHeader();
        for (size_t i = 0; i < t.rows.size(); ++i) {
            const auto& r = t.rows[i];
            const double h = rowHeight(r, cell);
            if (y_ + h > bottom_) {
                newPage();
                drawHeader(); // the header repeats on the next page
            }
            if (i % 2 == 1)
                painter_.fillRect(QRectF(0, y_, x[n], h), kStripe);
            for (size_t c = 0; c < n && c < r.size(); ++c)
                text(cell, kText, r[c], x[c] + pad, w[c] - 2 * pad, y_ + pad, numeric(c));
            if (layout_)
                layout_->rows.push_back({page_, y_, y_ + h, r.empty() ? std::string() : r.front(), r.empty() ? std::string() : r.back()});
            y_ += h;
            painter_.setPen(QPen(kRule, 0.5));
            painter_.drawLine(QPointF(0, y_), QPointF(x[n], y_));
        }
        y_ += 10;
    }

    void chart(const Chart& c)
    {
        // Drawn at the HTML's geometry (680 units wide) scaled to the page's width.
        const double natural_h = c.kind == ChartKind::Lines ? lineChartHeight(c) : barChartHeight(c);
        const double caption_h = measure(small_, c.caption, width_) + 4;
        // A chart taller than a page (many results side by side) is scaled down to fit one.
        const double scale = std::min({1.0, width_ / 680.0, (bottom_ - caption_h - 4) / natural_h});
        const double h = natural_h * scale;
        ensure(h + caption_h);
        painter_.save();
        painter_.translate(0, y_);
        painter_.scale(scale, scale);
        if (c.kind == ChartKind::Lines)
            drawLineChart(c);
        else
            drawBarChart(c);
        painter_.restore();
        y_ += h + 2;
        text(small_, kMuted, c.caption, 0, width_);
        y_ += caption_h + 8;
    }

private:
    // Words wrap at spaces; only a word wider than the column (a path, a hash, a kernel name) is
    // broken inside, where it must be.
    int wrapFlags(const QFont& f, const std::string& s, double w) const
    {
        const QFontMetricsF fm(f, &writer_);
        for (const QString& word : qs(s).split(QLatin1Char(' '), Qt::SkipEmptyParts))
            if (fm.horizontalAdvance(word) > w)
                return Qt::TextWrapAnywhere;
        return Qt::TextWordWrap;
    }

    double measure(const QFont& f, const std::string& s, double w) const
    {
        const QFontMetricsF fm(f, &writer_);
        return fm.boundingRect(QRectF(0, 0, std::max(1.0, w), 1e6), wrapFlags(f, s, w), qs(s)).height();
    }

    // Draws wrapped text at (x, y) (y defaults to the cursor); returns its height.
    double text(const QFont& f, const QColor& color, const std::string& s, double x, double w, double y = -1, bool right = false)
    {
        if (y < 0)
            y = y_;
        painter_.setFont(f);
        painter_.setPen(color);
        QRectF used;
        painter_.drawText(QRectF(x, y, std::max(1.0, w), 1e5), wrapFlags(f, s, w) | (right ? Qt::AlignRight : Qt::AlignLeft), qs(s),
                          &used);
        return used.height();
    }

    void ensure(double h)
    {
        if (y_ + h > bottom_ && y_ > 0)
            newPage();
    }

    void newPage()
    {
        writer_.newPage();
        ++page_;
        y_ = 0;
        footer();
    }

    void footer()
    {
        painter_.setFont(small_);
        painter_.setPen(kMuted);
        painter_.drawText(QRectF(0, bottom_ + 6, width_, 12), Qt::AlignRight,
                          QStringLiteral("SparseScope benchmark report — page %1").arg(page_ + 1));
    }

    QBrush brushFor(uint32_t color, bool hatched) const
    {
        if (!hatched)
            return QBrush(rgb(color));
        return QBrush(rgb(color), Qt::BDiagPattern);
    }

    void fillBar(const QRectF& r, uint32_t color, bool hatched)
    {
        if (hatched) {
            QColor light = rgb(color);
            light.setAlphaF(0.25);
            painter_.fillRect(r, light);
            painter_.save();
            painter_.setClipRect(r);
            painter_.setPen(QPen(rgb(color), 2.2));
            for (double d = -r.height(); d < r.width(); d += 6)
                painter_.drawLine(QPointF(r.left() + d, r.bottom()), QPointF(r.left() + d + r.height(), r.top()));
            painter_.restore();
        } else {
            painter_.fillRect(r, rgb(color));
        }
    }

    QFont chartFont(double size, bool bold = false) const
    {
        QFont f = body_;
        f.setPointSizeF(size * 0.75); // chart units are CSS pixels; 1 px = 0.75 pt
        f.setBold(bold);
        return f;
    }

    double legendHeight(const Chart& c) const
    {
        int rows = 0;
        legendLayout(c, 680, 6.2, &rows);
        return rows * 18;
    }

    double drawLegend(const Chart& c, double y0)
    {
        int rows = 0;
        const auto places = legendLayout(c, 680, 6.2, &rows);
        for (size_t i = 0; i < c.legend.size(); ++i) {
            const auto& e = c.legend[i];
            const double x = places[i].x, y = y0 + places[i].row * 18;
            fillBar(QRectF(x, y, 12, 12), e.color, e.hatched);
            chartText(chartFont(11), kText, e.label, QPointF(x + 16, y + 10), Qt::AlignLeft);
        }
        return rows * 18;
    }

    // Text with its baseline at p (like SVG's <text>), aligned left, right or centred on p.x.
    void chartText(const QFont& f, const QColor& color, const std::string& s, QPointF p, Qt::Alignment align)
    {
        painter_.setFont(f);
        painter_.setPen(color);
        const QFontMetricsF fm(f, &writer_);
        const double w = fm.horizontalAdvance(qs(s));
        double x = p.x();
        if (align & Qt::AlignRight)
            x -= w;
        else if (align & Qt::AlignHCenter)
            x -= w / 2;
        painter_.drawText(QPointF(x, p.y()), qs(s));
    }

    double barChartHeight(const Chart& c) const
    {
        const BarChartMetrics m = barChartMetrics(c);
        return m.top + barPlotHeight(c, m) + m.axis_height + 8 + legendHeight(c) + 4;
    }

    void drawBarChart(const Chart& c)
    {
        const BarChartMetrics m = barChartMetrics(c);
        const AxisTicks ticks = barChartTicks(c);
        const double x0 = m.plotLeft(), x1 = m.plotRight(), top = m.top;
        auto X = [&](double v) { return x0 + (x1 - x0) * v / ticks.max; };
        const double plot_h = barPlotHeight(c, m);
        chartText(chartFont(14, true), kText, c.title, QPointF(0, 16), Qt::AlignLeft);
        for (double t : ticks.ticks) {
            painter_.setPen(QPen(kGrid, 1));
            painter_.drawLine(QPointF(X(t), top), QPointF(X(t), top + plot_h));
            chartText(chartFont(10), kMuted, tickText(t), QPointF(X(t), top + plot_h + 13), Qt::AlignHCenter);
        }
        chartText(chartFont(11), kMuted, c.axis, QPointF((x0 + x1) / 2, top + plot_h + 27), Qt::AlignHCenter);
        double y = top + m.group_gap / 2;
        for (const ChartGroup& g : c.groups) {
            const size_t n = c.kind == ChartKind::Stacked ? 1 : std::max<size_t>(1, g.bars.size());
            const double gh = double(n) * (m.bar_height + m.bar_gap);
            chartText(chartFont(11), kText, g.label, QPointF(x0 - 6, y + gh / 2 + 4), Qt::AlignRight);
            double acc = 0;
            for (size_t i = 0; i < g.bars.size(); ++i) {
                const ChartBar& b = g.bars[i];
                const double by = c.kind == ChartKind::Stacked ? y : y + double(i) * (m.bar_height + m.bar_gap);
                const double bx = c.kind == ChartKind::Stacked ? X(acc) : x0;
                const double bw = std::max(0.5, X(b.value) - x0);
                fillBar(QRectF(bx, by, bw, m.bar_height), b.color, b.hatched);
                acc += b.value;
                if (!b.text.empty())
                    chartText(chartFont(11), kText, b.text,
                              QPointF((c.kind == ChartKind::Stacked ? X(acc) : bx + bw) + 4, by + m.bar_height - 3), Qt::AlignLeft);
            }
            y += gh + m.group_gap;
        }
        if (c.reference > 0) {
            painter_.setPen(QPen(kText, 1, Qt::DashLine));
            painter_.drawLine(QPointF(X(c.reference), top), QPointF(X(c.reference), top + plot_h));
        }
        painter_.setPen(QPen(kMuted, 1));
        painter_.drawLine(QPointF(x0, top), QPointF(x0, top + plot_h));
        drawLegend(c, top + plot_h + m.axis_height + 8);
    }

    double lineChartHeight(const Chart& c) const { return 44 + 200 + 38 + legendHeight(c) + 4; }

    void drawLineChart(const Chart& c)
    {
        const double width = 680, left = 60, right = 20, top = 44, plot_h = 200;
        const LineChartTicks axes = lineChartTicks(c);
        const AxisTicks& tx = axes.x;
        const AxisTicks& ty = axes.y;
        auto X = [&](double v) { return left + (width - left - right) * v / tx.max; };
        auto Y = [&](double v) { return top + plot_h - plot_h * v / ty.max; };
        chartText(chartFont(14, true), kText, c.title, QPointF(0, 16), Qt::AlignLeft);
        for (double t : ty.ticks) {
            painter_.setPen(QPen(kGrid, 1));
            painter_.drawLine(QPointF(left, Y(t)), QPointF(width - right, Y(t)));
            chartText(chartFont(11), kText, tickText(t), QPointF(left - 5, Y(t) + 4), Qt::AlignRight);
        }
        for (double t : tx.ticks)
            chartText(chartFont(10), kMuted, tickText(t), QPointF(X(t), top + plot_h + 13), Qt::AlignHCenter);
        chartText(chartFont(11), kMuted, c.x_axis, QPointF((left + width - right) / 2, top + plot_h + 27), Qt::AlignHCenter);
        chartText(chartFont(11), kText, c.axis, QPointF(0, top - 6), Qt::AlignLeft);
        painter_.setRenderHint(QPainter::Antialiasing, true);
        for (const ChartLine& l : c.lines) {
            QPainterPath path;
            for (size_t i = 0; i < l.points.size(); ++i) {
                const QPointF p(X(l.points[i].first), Y(l.points[i].second));
                if (i == 0)
                    path.moveTo(p);
                else
                    path.lineTo(p);
            }
            painter_.setPen(QPen(rgb(l.color), 1.6, l.hatched ? Qt::DashLine : Qt::SolidLine));
            painter_.setBrush(Qt::NoBrush);
            painter_.drawPath(path);
        }
        painter_.setPen(QPen(kMuted, 1));
        painter_.drawLine(QPointF(left, top + plot_h), QPointF(width - right, top + plot_h));
        drawLegend(c, top + plot_h + 38);
    }

    QPdfWriter& writer_;
    PdfLayout* layout_;
    QPainter painter_;
    QFont body_, small_, bold_;
    double width_ = 0, bottom_ = 0, y_ = 0;
    int page_ = 0;
};

} // namespace

bool parsePageSize(const std::string& s, PageSize* out)
{
    QString v = qs(s).toLower();
    if (v == QLatin1String("a4"))
        *out = PageSize::A4;
    else if (v == QLatin1String("letter"))
        *out = PageSize::Letter;
    else
        return false;
    return true;
}

QByteArray renderPdf(const ReportDocument& doc, PageSize page, PdfLayout* layout)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    {
        QPdfWriter writer(&buffer);
        writer.setResolution(72); // one device unit = one point
        writer.setTitle(qs(doc.title));
        writer.setCreator(QStringLiteral("SparseScope"));
        writer.setPageLayout(QPageLayout(QPageSize(page == PageSize::A4 ? QPageSize::A4 : QPageSize::Letter), QPageLayout::Portrait,
                                         QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter));
        PdfPainter p(writer, layout);
        p.title(doc.title, doc.subtitle);
        for (const ReportBlock& b : doc.blocks) {
            switch (b.kind) {
            case ReportBlock::Kind::Heading: p.heading(b.text, b.level); break;
            case ReportBlock::Kind::Paragraph: p.paragraph(b.text); break;
            case ReportBlock::Kind::Warning: p.warning(b.text); break;
            case ReportBlock::Kind::Facts: p.facts(b.facts); break;
            case ReportBlock::Kind::Table: p.table(b.table); break;
            case ReportBlock::Kind::Chart: p.chart(b.chart); break;
            }
        }
        p.finish();
    }
    buffer.close();
    return bytes;
}

Status writeReport(const std::vector<LabelledReport>& reports, const std::string& path, PageSize page)
{
    const std::string format = reportFormatOf(path);
    if (format.empty())
        return badInput("The report '" + path + "' must end in .html or .pdf (that picks its format).", path);
    const ReportDocument doc = buildReportDocument(reports);
    if (format == "html")
        return writeTextFileAtomic(path, reportToHtml(doc));
    const QByteArray pdf = renderPdf(doc, page);
    if (pdf.isEmpty())
        return runtimeError("Could not draw the PDF report " + path + ".", path);
    return writeTextFileAtomic(path, std::string(pdf.constData(), size_t(pdf.size())));
}

} // namespace ss::report
