#include "widgets/visualiserview.h"

#include "guicore/format.h"
#include "guicore/modelloader.h"

#include <QAbstractButton>
#include <QAction>
#include <QButtonGroup>
#include <QComboBox>
#include <QCoreApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QResizeEvent>
#include <QScrollArea>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QTimer>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>
#include <QVariantAnimation>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace gui {

namespace {
constexpr int kBaseAnimationMs = 1600;
constexpr int kHoldMs = 900;
const char* const kWavSetting = "visualiser/wav";
const char* const kGscDirSetting = "visualiser/gsc_dir";
// The input combo's data of the "Test clip from dataset…" entry (other entries hold a WAV path, or "").
const char* const kDatasetItem = "gsc:";

double lerp(double a, double b, double t) { return a + (b - a) * t; }

QColor mix(const QColor& a, const QColor& b, double t)
{
    return QColor::fromRgbF(float(lerp(a.redF(), b.redF(), t)), float(lerp(a.greenF(), b.greenF(), t)), float(lerp(a.blueF(), b.blueF(), t)));
}

// The value colours (ColorBrewer RdBu ends): the only red and blue on the canvas.
const QColor kPositive(202, 0, 32);
const QColor kNegative(5, 113, 176);
} // namespace

QString visPhaseName(VisPhase p)
{
    switch (p) {
    case VisPhase::Kernels: return QObject::tr("P kernels");
    case VisPhase::Combine: return QObject::tr("Combine");
    case VisPhase::Select: return QObject::tr("Select");
    case VisPhase::Multiply: return QObject::tr("Multiply");
    case VisPhase::Route: return QObject::tr("Route");
    case VisPhase::Sum: return QObject::tr("Sum");
    }
    return {};
}

QColor slotColor(int r, int P)
{
    // Categorical colours with no red and no blue (those mean the sign of a value): green, orange,
    // purple, olive, pink, brown, lime, gold. Beyond 8 slots, hues spread evenly over the arcs that
    // avoid red and blue (25°–175°, 250°–330°), neighbours alternating light and dark; the slot's
    // number is also written in the accumulators, the legend, the tooltips and (when large enough) the cells.
    static const QColor base[] = {QColor(27, 158, 119), QColor(240, 140, 20), QColor(117, 82, 180), QColor(140, 160, 30),
                                  QColor(220, 90, 170),  QColor(140, 90, 50),  QColor(120, 200, 40), QColor(210, 170, 0)};
    if (r < 0)
        return QColor(128, 128, 128);
    if (P <= 8)
        return base[r % 8];
    const double t = (r + 0.5) / P * 230.0;
    const double hue = t < 150.0 ? 25.0 + t : 250.0 + (t - 150.0);
    return r % 2 == 0 ? QColor::fromHsvF(float(hue / 360.0), 0.75f, 0.9f) : QColor::fromHsvF(float(hue / 360.0), 0.85f, 0.5f);
}

QColor valueColor(double v, const QColor& zero)
{
    v = std::clamp(v, -1.0, 1.0);
    return mix(zero, v >= 0 ? kPositive : kNegative, std::pow(std::abs(v), 0.7));
}

// ---- canvas --------------------------------------------------------------------------------------

VisualiserCanvas::VisualiserCanvas(QWidget* parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base); // follows the theme (dark: no white box)
}

QColor VisualiserCanvas::background() const { return palette().color(QPalette::Base); }
QColor VisualiserCanvas::textColor() const { return palette().color(QPalette::Text); }
QColor VisualiserCanvas::emptyColor() const { return mix(background(), textColor(), 0.1); }

void VisualiserCanvas::setExplanation(const ss::GroupExplanation* e)
{
    e_ = e;
    overlay_ = nullptr;
    max_w_ = max_x_ = max_p_ = 1e-30f;
    products_into_.clear();
    if (e_) {
        for (float v : e_->wc) max_w_ = std::max(max_w_, std::abs(v));
        for (float v : e_->x) max_x_ = std::max(max_x_, std::abs(v));
        for (float v : e_->products) max_p_ = std::max(max_p_, std::abs(v));
    }
    setSparseSparse(sparse_sparse_); // recounts the products per accumulator
    setMinimumSize(sizeHint());
    updateGeometry();
    update();
}

void VisualiserCanvas::setOverlay(const std::vector<int>* owners_count)
{
    overlay_ = owners_count;
    setMinimumSize(sizeHint());
    update();
}

void VisualiserCanvas::setPhase(VisPhase phase, double progress)
{
    phase_ = phase;
    progress_ = std::clamp(progress, 0.0, 1.0);
    update();
}

void VisualiserCanvas::setSparseSparse(bool on)
{
    sparse_sparse_ = on;
    products_into_.clear();
    if (e_) {
        products_into_.assign(size_t(e_->P), 0);
        for (int n = 0; n < e_->N && n < int(e_->route.size()); ++n) {
            const int r = e_->route[size_t(n)];
            if (r >= 0 && (!on || (size_t(n) < e_->winners.size() && e_->winners[size_t(n)])))
                ++products_into_[size_t(r)];
        }
    }
    update();
}

int VisualiserCanvas::productsInto(int r) const { return r >= 0 && r < int(products_into_.size()) ? products_into_[size_t(r)] : 0; }

void VisualiserCanvas::setZoom(double zoom)
{
    zoom_ = std::clamp(zoom, 0.25, 5.0);
    setMinimumSize(sizeHint());
    updateGeometry();
    update();
}

double VisualiserCanvas::textScale() const { return std::clamp(zoom_, 0.8, 1.5); }

VisualiserCanvas::Fonts VisualiserCanvas::fonts() const
{
    Fonts f;
    f.base = font();
    const double pt = f.base.pointSizeF() > 0 ? f.base.pointSizeF() : 9.0;
    f.base.setPointSizeF(std::max(7.0, pt * textScale()));
    f.bold = f.base;
    f.bold.setBold(true);
    f.title = f.bold;
    f.title.setPointSizeF(f.base.pointSizeF() * 1.2);
    f.small = f.base;
    return f;
}

// The first text that fits `width` pixels, else the last one elided (with "…": a visible sign).
static QString fitText(const QFontMetrics& fm, const QStringList& candidates, int width)
{
    for (const QString& t : candidates)
        if (fm.horizontalAdvance(t) <= width)
            return t;
    return fm.elidedText(candidates.isEmpty() ? QString() : candidates.last(), Qt::ElideRight, width);
}

QString VisualiserCanvas::number(double v) { return QString::number(v, 'g', 6); }

// What the Sum step says under the panels.
static QString sumNote(const ss::GroupExplanation& e)
{
    return QString::fromStdString(e.outputs_note) +
           QCoreApplication::translate("gui::VisualiserCanvas", " Reference = the scalar forward pass every engine is tested against.");
}

QList<VisualiserCanvas::LegendItem> VisualiserCanvas::legendItems() const
{
    QList<LegendItem> items;
    if (!e_)
        return items;
    for (int r = 0; r < e_->P; ++r)
        items.append({slotColor(r, e_->P), e_->P <= 4 && e_->owners[size_t(r)] >= 0 ? tr("slot %1 → ch %2").arg(r).arg(e_->owners[size_t(r)])
                                                                                  : QString::number(r)});
    if (overlay_) {
        items.append({textColor(), tr("collision (2+ owners)"), true});
        items.append({emptyColor(), tr("unused")});
        return items;
    }
    items.append({valueColor(-1, background()), tr("< 0")});
    items.append({valueColor(1, background()), tr("> 0")});
    items.append({emptyColor(), sparse_sparse_ ? tr("zero / not fetched") : tr("zero / unused")});
    return items;
}

QStringList VisualiserCanvas::legendTexts() const
{
    QStringList l;
    for (const LegendItem& i : legendItems())
        l << i.text;
    return l;
}

VisualiserCanvas::Geometry VisualiserCanvas::geometry() const
{
    Geometry g;
    if (!e_)
        return g;
    const Fonts f = fonts();
    const QFontMetrics fm(f.base), fmb(f.bold), fmt(f.title);
    g.lh = fm.height();
    g.lh_bold = fmb.height();
    g.lh_title = fmt.height();
    if (e_->conv) {
        g.tiles_per_row = int(std::ceil(std::sqrt(double(e_->C))));
        g.tile_rows = (e_->C + g.tiles_per_row - 1) / g.tiles_per_row;
        g.cols = e_->kw;
        g.rows = e_->kh;
    } else {
        g.cols = int(std::ceil(std::sqrt(double(e_->N))));
        g.rows = (e_->N + g.cols - 1) / g.cols;
    }
    g.gap = g.tiles_per_row > 1 ? std::max(1, int(std::lround(4 * std::min(1.0, zoom_)))) : 0;
    const int cells_w = g.tiles_per_row * g.cols;
    // About 240 px per big panel at zoom 1, whatever the fan-in.
    g.cs = std::max(1, int(std::lround(std::clamp(240.0 / cells_w, 3.0, 40.0) * zoom_)));
    g.small_gap = g.gap ? 1 : 0;
    g.panel = QSize(g.tiles_per_row * (g.cols * g.cs + g.gap) - g.gap, g.tile_rows * (g.rows * g.cs + g.gap) - g.gap);
    g.op_w = fmt.horizontalAdvance(QStringLiteral("×")) + 2 * std::max(6, int(12 * std::min(1.0, zoom_)));
    const int margin = 12;
    const int label_room = std::max(g.panel.width(), fm.horizontalAdvance(QStringLiteral("ch 000 · 000")));

    // Accumulators: wide enough for the Sum's widest line (each is measured), one or two lines each.
    int widest = fm.horizontalAdvance(tr("slot 00: padding (no output)"));
    for (int r = 0; r < e_->P; ++r)
        if (e_->owners[size_t(r)] >= 0)
            widest = std::max(widest, fm.horizontalAdvance(tr("ch %1: Σ(%2) %3 + b %4 = %5")
                                                               .arg(e_->owners[size_t(r)])
                                                               .arg(e_->N)
                                                               .arg(number(e_->partial_sums[size_t(r)]), number(e_->bias[size_t(r)]),
                                                                    number(e_->outputs[size_t(r)]))));
    g.acc_w = std::min(widest + 20, int(fm.averageCharWidth() * 60));

    const int left_w = 3 * label_room + 2 * g.op_w;
    // Small panels: the P kernels, up to 10 per row in the width of the three big panels (cells of
    // at least 1 px: when zoomed far out the row may be wider than the panels, and the column of
    // accumulators moves right of it).
    g.small_per_row = std::min(e_->P, 10);
    const int small_label_w = std::min(fm.horizontalAdvance(QStringLiteral("ch 00")) + 4, left_w / g.small_per_row - 6);
    g.small_cs = std::max(1, int((left_w / g.small_per_row - 10 - g.tiles_per_row * g.small_gap) / std::max(1, cells_w)));
    g.small_cs = std::min(g.small_cs, std::max(1, int(std::lround(g.cs * 0.5))));
    g.small_panel = QSize(g.tiles_per_row * (g.cols * g.small_cs + g.small_gap) - g.small_gap,
                          g.tile_rows * (g.rows * g.small_cs + g.small_gap) - g.small_gap);
    g.small_step_x = std::max(g.small_panel.width(), small_label_w) + 10;
    g.small_step_y = g.small_panel.height() + g.lh + 8;
    const int left_span = std::max(left_w, g.small_per_row * g.small_step_x);
    const int width = margin + left_span + 24 + g.acc_w + margin;
    g.header = QRect(margin, 6, width - 2 * margin, g.lh_title + 2 * g.lh + 4);

    // The legend: swatches and words, wrapped to the scene's width.
    const QList<LegendItem> items = legendItems();
    const int sw = g.lh - 4;
    int lx = margin + fmb.horizontalAdvance(tr("Colours:")) + 8, ly = g.header.bottom() + 4;
    for (const LegendItem& it : items) {
        const int w = sw + 4 + fm.horizontalAdvance(it.text) + 12;
        if (lx + w > width - margin && lx > margin + 80) {
            lx = margin + 16;
            ly += g.lh + 2;
        }
        g.legend_items.append(QRect(lx, ly, w - 12, g.lh));
        lx += w;
    }
    g.legend = QRect(margin, g.header.bottom() + 4, width - 2 * margin, ly + g.lh - (g.header.bottom() + 4));

    g.kernels_origin = QPoint(margin, g.legend.bottom() + 10 + g.lh);
    const int small_rows = (e_->P + g.small_per_row - 1) / g.small_per_row;
    const int kernels_bottom = g.kernels_origin.y() - g.lh + small_rows * g.small_step_y;

    const int big_y = kernels_bottom + 8 + g.lh_bold;
    g.wc_origin = QPoint(margin, big_y);
    g.x_origin = QPoint(g.wc_origin.x() + label_room + g.op_w, big_y);
    g.prod_origin = QPoint(g.x_origin.x() + label_room + g.op_w, big_y);
    g.captions_y = big_y + g.panel.height() + 4;
    // Below the panels: one caption line, the MAC counter, the Sum's note (as many lines as it takes).
    g.note = QRect(margin, g.captions_y + g.lh + 4 + g.lh_bold + 4, left_span, 0);
    g.note.setHeight(fm.boundingRect(QRect(0, 0, g.note.width(), 100000), Qt::TextWordWrap, sumNote(*e_)).height() + 2);
    const int left_bottom = g.note.bottom() + 4;

    // The accumulators' column runs from the kernels' row to the bottom; two lines per accumulator
    // when they fit there, else one.
    g.acc_origin = QPoint(margin + left_span + 24, g.kernels_origin.y());
    const int room = left_bottom - g.acc_origin.y();
    g.acc_gap = 4;
    g.acc_h = 2 * g.lh + 6;
    g.acc_two_lines = e_->P * (g.acc_h + g.acc_gap) <= room;
    if (!g.acc_two_lines) {
        g.acc_gap = 2;
        g.acc_h = g.lh + 4;
    }
    const int acc_bottom = g.acc_origin.y() + e_->P * (g.acc_h + g.acc_gap);
    g.total = QSize(width, std::max(left_bottom, acc_bottom) + margin);
    return g;
}

QSize VisualiserCanvas::sizeHint() const { return e_ ? geometry().total : QSize(600, 400); }

QPoint VisualiserCanvas::cellPos(const Geometry& g, int n, int cs, int gap) const
{
    if (e_->conv) {
        const int c = n / (e_->kh * e_->kw), rem = n % (e_->kh * e_->kw);
        const int dy = rem / e_->kw, dx = rem % e_->kw;
        const int tc = c % g.tiles_per_row, tr = c / g.tiles_per_row;
        return {tc * (g.cols * cs + gap) + dx * cs, tr * (g.rows * cs + gap) + dy * cs};
    }
    return {(n % g.cols) * cs, (n / g.cols) * cs};
}

QPoint VisualiserCanvas::smallPanelOrigin(const Geometry& g, int r) const
{
    const int col = r % g.small_per_row, row = r / g.small_per_row;
    return g.kernels_origin + QPoint(col * g.small_step_x, row * g.small_step_y);
}

QRect VisualiserCanvas::accRect(const Geometry& g, int r) const
{
    return {g.acc_origin.x(), g.acc_origin.y() + r * (g.acc_h + g.acc_gap), g.acc_w, g.acc_h};
}

QList<QRect> VisualiserCanvas::layoutRegions() const
{
    QList<QRect> out;
    if (!e_)
        return out;
    const Geometry g = geometry();
    out << g.header << g.legend;
    for (int r = 0; r < e_->P; ++r) {
        const QPoint o = smallPanelOrigin(g, r);
        out << QRect(o.x(), o.y() - g.lh - 2, g.small_step_x - 6, g.lh + 2 + g.small_panel.height());
    }
    const int caption_w = std::min(g.x_origin.x() - g.wc_origin.x() - 8, g.acc_origin.x() - g.prod_origin.x() - 16);
    for (QPoint o : {g.wc_origin, g.x_origin, g.prod_origin})
        out << QRect(o.x(), o.y() - g.lh_bold - 2, caption_w, g.captions_y + g.lh - (o.y() - g.lh_bold - 2));
    out << QRect(g.wc_origin.x(), g.captions_y + g.lh + 4, g.acc_origin.x() - g.wc_origin.x() - 16, g.lh_bold) << g.note;
    out << QRect(g.acc_origin.x(), g.acc_origin.y() - g.lh - 2, g.acc_w, g.lh);
    for (int r = 0; r < e_->P; ++r)
        out << accRect(g, r);
    return out;
}

QRect VisualiserCanvas::accumulatorRect(int r) const { return e_ && r >= 0 && r < e_->P ? accRect(geometry(), r) : QRect(); }

int VisualiserCanvas::positionAt(const Geometry& g, QPoint origin, QPoint p) const
{
    const QPoint q = p - origin;
    if (q.x() < 0 || q.y() < 0 || q.x() >= g.panel.width() || q.y() >= g.panel.height())
        return -1;
    const int span_x = g.cols * g.cs + g.gap, span_y = g.rows * g.cs + g.gap;
    const int tc = q.x() / span_x, tr = q.y() / span_y;
    const int ix = (q.x() % span_x) / g.cs, iy = (q.y() % span_y) / g.cs;
    if (ix >= g.cols || iy >= g.rows)
        return -1; // in a gap
    const int n = e_->conv ? ((tr * g.tiles_per_row + tc) * e_->kh + iy) * e_->kw + ix : iy * g.cols + ix;
    if (e_->conv && tr * g.tiles_per_row + tc >= e_->C)
        return -1;
    return n < e_->N ? n : -1;
}

QStringList VisualiserCanvas::outputTexts() const
{
    QStringList out;
    if (!e_ || overlay_)
        return out;
    for (int r = 0; r < e_->P; ++r)
        out << (e_->owners[size_t(r)] < 0 ? QString() : number(e_->outputs[size_t(r)]));
    return out;
}

void VisualiserCanvas::wheelEvent(QWheelEvent* event)
{
    if (event->modifiers() & Qt::ControlModifier) {
        Q_EMIT zoomRequested(event->angleDelta().y() > 0 ? 1.25 : 0.8);
        event->accept();
        return;
    }
    QWidget::wheelEvent(event);
}

bool VisualiserCanvas::event(QEvent* event)
{
    if (event->type() != QEvent::ToolTip || !e_)
        return QWidget::event(event);
    const auto* help = static_cast<QHelpEvent*>(event);
    const Geometry g = geometry();
    for (int r = 0; r < e_->P; ++r)
        if (accRect(g, r).contains(help->pos())) {
            QToolTip::showText(help->globalPos(),
                               e_->owners[size_t(r)] < 0
                                   ? tr("Slot %1 is padding: the layer has no output %2.").arg(r).arg(e_->group * e_->P + r)
                                   : tr("Slot %1 → output channel %2: %3 products reach it (%4 fan-in positions are its own).")
                                         .arg(r)
                                         .arg(e_->owners[size_t(r)])
                                         .arg(productsInto(r))
                                         .arg(e_->products_per_slot[size_t(r)]),
                               this);
            return true;
        }
    int n = -1;
    for (QPoint o : {g.wc_origin, g.x_origin, g.prod_origin})
        if ((n = positionAt(g, o, help->pos())) >= 0)
            break;
    if (n < 0) {
        QToolTip::hideText();
        event->ignore();
        return true;
    }
    QString where;
    if (e_->conv) {
        const int c = n / (e_->kh * e_->kw), rem = n % (e_->kh * e_->kw);
        where = tr("input channel %1, tap (%2, %3)").arg(c).arg(rem / e_->kw).arg(rem % e_->kw);
    } else {
        where = tr("input %1").arg(n);
    }
    const int r = e_->route[size_t(n)];
    if (overlay_) {
        const int count = (*overlay_)[size_t(n)];
        QToolTip::showText(help->globalPos(),
                           tr("Fan-in position %1: %2\n%3").arg(n).arg(where, count == 0 ? tr("used by none of the %1 kernels").arg(e_->P)
                                                                           : count == 1 ? tr("used by slot %1 only").arg(r)
                                                                                        : tr("COLLISION: used by %1 of the %2 kernels").arg(count).arg(e_->P)),
                           this);
        return true;
    }
    QToolTip::showText(help->globalPos(),
                       tr("Fan-in position %1: %2\nowner: %3\nWc = %4\nx = %5%6\nproduct = %7")
                           .arg(n)
                           .arg(where, r < 0 ? tr("none (weight 0)") : tr("slot %1 → output %2").arg(r).arg(e_->owners[size_t(r)]),
                                number(e_->wc[size_t(n)]), number(e_->x[size_t(n)]),
                                e_->winners[size_t(n)] ? tr(" (winner)") : QString(), number(e_->products[size_t(n)])),
                       this);
    return true;
}

void VisualiserCanvas::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const QColor bg = background(), text = textColor(), empty = emptyColor();
    const QColor frame_color = mix(bg, text, 0.3);
    const bool dark = bg.lightness() < 128;
    p.fillRect(rect(), bg);
    if (!e_) {
        p.setPen(text);
        p.drawText(rect(), Qt::AlignCenter, tr("Nothing to show: open a model with a complementary layer."));
        return;
    }
    const ss::GroupExplanation& e = *e_;
    const Geometry g = geometry();
    const Fonts f = fonts();
    const int ph = int(phase_);
    const bool combined = phase_ > VisPhase::Combine || (phase_ == VisPhase::Combine && progress_ >= 1.0);
    const bool show_select = sparse_sparse_ && ph >= int(VisPhase::Select);
    const bool show_x = ph >= int(VisPhase::Select);
    const bool show_prod = ph >= int(VisPhase::Multiply);
    const bool computed_only = sparse_sparse_; // sparse-sparse never computes the non-winners' products
    auto fetched = [&](int n) { return !computed_only || e.winners[size_t(n)]; };
    auto ink = [&](const QColor& c) { // a slot colour as text: readable on the theme's background
        return dark ? QColor::fromHsl(c.hslHue(), c.hslSaturation(), std::max(c.lightness(), 165)) : c.darker(130);
    };

    // Header: what this phase shows (two lines at most).
    const QString layer = tr("%1 · group %2 of %3 · P = %4 · fan-in N = %5%6")
                              .arg(QString::fromStdString(e.layer))
                              .arg(e.group)
                              .arg(e.G)
                              .arg(e.P)
                              .arg(e.N)
                              .arg(e.conv ? (overlay_ ? tr(" = %1×%2×%3 (C×kh×kw)").arg(e.C).arg(e.kh).arg(e.kw)
                                                      : tr(" = %1×%2×%3 (C×kh×kw) at output (%4, %5)").arg(e.C).arg(e.kh).arg(e.kw).arg(e.oy).arg(e.ox))
                                          : QString());
    QString what;
    switch (phase_) {
    case VisPhase::Kernels:
        what = overlay_ ? tr("P kernels (what-if): %1 consecutive outputs of a layer whose masks are NOT complementary (w = %2), "
                             "each non-zero coloured by its output.").arg(e.P).arg(1.0 / e.P, 0, 'g', 3)
                        : tr("P kernels: the group's %1 sparse kernels, side by side: each non-zero coloured by its owner (slot r → output channel g·P + r).").arg(e.P);
        break;
    case VisPhase::Combine:
        what = overlay_ ? tr("Combine (what-if): overlaid, %1 of %2 positions collide (✕: two or more owners) and %3 are unused — these masks "
                             "cannot be combined into one dense kernel; the engines run this layer as CSR.")
                              .arg(e.collisions).arg(e.N).arg(e.uncovered)
                        : tr("Combine: the kernels overlay into one dense kernel Wc plus a route — %1 collisions, every position owned once.")
                              .arg(e.collisions);
        break;
    case VisPhase::Select:
        what = tr("Select: the input's non-zeros (k-WTA winners) light up; only their columns of Wc are fetched.");
        break;
    case VisPhase::Multiply:
        what = computed_only ? tr("Multiply: one product per winner, Wc[n]·x[n] (grey: never computed).")
                             : tr("Multiply: element-wise products Wc[n]·x[n], one per fan-in position.");
        break;
    case VisPhase::Route:
        what = computed_only ? tr("Route: each product flies to the accumulator of the slot that owns its position — only the winners' products travel.")
                             : tr("Route: each product flies to the accumulator of the slot that owns its position.");
        break;
    case VisPhase::Sum:
        what = tr("Sum: the P accumulators, plus bias, are the group's P outputs — equal to the reference forward pass.");
        break;
    }
    p.setPen(text);
    p.setFont(f.title);
    p.drawText(QRect(g.header.x(), g.header.y(), g.header.width(), g.lh_title), Qt::AlignLeft | Qt::AlignVCenter,
               fitText(p.fontMetrics(), {layer}, g.header.width()));
    p.setFont(f.base);
    p.drawText(QRect(g.header.x(), g.header.y() + g.lh_title + 2, g.header.width(), 2 * g.lh + 2), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
               what);

    // The one legend: every colour on the canvas.
    {
        p.setFont(f.bold);
        p.setPen(text);
        p.drawText(QRect(g.legend.x(), g.legend.y(), g.legend.width(), g.lh), Qt::AlignLeft | Qt::AlignVCenter, tr("Colours:"));
        p.setFont(f.base);
        const QList<LegendItem> items = legendItems();
        for (int i = 0; i < items.size() && i < g.legend_items.size(); ++i) {
            const QRect box = g.legend_items[i];
            const int sw = g.lh - 4;
            const QRect swatch(box.x(), box.y() + 2, sw, sw);
            if (items[i].cross) {
                p.fillRect(swatch, empty);
                p.setPen(QPen(text, 2));
                p.drawLine(swatch.topLeft(), swatch.bottomRight());
                p.drawLine(swatch.topRight(), swatch.bottomLeft());
            } else {
                p.fillRect(swatch, items[i].color);
            }
            p.setPen(frame_color);
            p.drawRect(swatch.adjusted(0, 0, -1, -1));
            p.setPen(i < e.P ? ink(items[i].color) : text);
            p.drawText(QRect(swatch.right() + 4, box.y(), box.width() - sw - 4, g.lh), Qt::AlignLeft | Qt::AlignVCenter, items[i].text);
        }
    }

    // ---- the P sparse kernels (small) ----
    const double kernel_fade = phase_ == VisPhase::Kernels ? 1.0 : phase_ == VisPhase::Combine ? 1.0 - 0.6 * progress_ : 0.4;
    p.setFont(f.base);
    for (int r = 0; r < e.P; ++r) {
        const QPoint o = smallPanelOrigin(g, r);
        const QColor col = slotColor(r, e.P);
        p.setOpacity(1.0);
        const int owned = e.products_per_slot[size_t(r)];
        p.setPen(ink(col));
        // The longest label that fits above the panel (panels shrink when the scene fits the window).
        const int room = g.small_step_x - 6;
        const QStringList candidates = e.owners[size_t(r)] < 0
                                           ? QStringList{tr("slot %1: padding").arg(r), tr("pad")}
                                           : QStringList{tr("r=%1→ch %2 · %3").arg(r).arg(e.owners[size_t(r)]).arg(owned),
                                                         tr("ch %1 · %2").arg(e.owners[size_t(r)]).arg(owned), tr("ch %1").arg(e.owners[size_t(r)]),
                                                         QString::number(r)};
        p.drawText(QRect(o.x(), o.y() - g.lh - 2, room, g.lh), Qt::AlignLeft | Qt::AlignVCenter, fitText(p.fontMetrics(), candidates, room));
        p.setOpacity(kernel_fade);
        p.fillRect(QRect(o, g.small_panel), empty);
        for (int n = 0; n < e.N; ++n) {
            if (!e.masks[size_t(r) * e.N + n])
                continue;
            // Tiny cells show in full colour (a faint one would vanish); larger ones shade by |w|.
            const double a = g.small_cs <= 2 ? 1.0 : 0.6 + 0.4 * std::abs(e.weights[size_t(r) * e.N + n]) / max_w_;
            QColor c = col;
            c.setAlphaF(float(a));
            p.fillRect(QRect(o + cellPos(g, n, g.small_cs, g.small_gap), QSize(g.small_cs, g.small_cs)), c);
        }
        p.setPen(frame_color);
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRect(o, g.small_panel).adjusted(-1, -1, 0, 0));
    }
    p.setOpacity(1.0);

    // ---- the big panels ----
    const int caption_w = std::min(g.x_origin.x() - g.wc_origin.x() - 8, g.acc_origin.x() - g.prod_origin.x() - 16);
    auto label = [&](QPoint o, const QString& s) {
        p.setPen(text);
        p.setFont(f.bold);
        p.drawText(QRect(o.x(), o.y() - g.lh_bold - 2, caption_w, g.lh_bold), Qt::AlignLeft | Qt::AlignVCenter,
                   fitText(p.fontMetrics(), s.split(QLatin1Char('|')), caption_w));
        p.setFont(f.base);
    };
    auto caption = [&](QPoint o, const QStringList& candidates) {
        p.setPen(text);
        p.setFont(f.base);
        p.drawText(QRect(o.x(), g.captions_y, caption_w, g.lh), Qt::AlignLeft | Qt::AlignVCenter, fitText(p.fontMetrics(), candidates, caption_w));
    };
    auto frame = [&](QPoint o) {
        p.setPen(frame_color);
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRect(o, g.panel).adjusted(-1, -1, 0, 0));
    };
    QFont cell_font = f.base;
    cell_font.setPointSizeF(std::max(6.0, g.cs / 4.5));
    const bool numbers = g.cs >= 34;
    const bool slot_numbers = !numbers && g.cs >= 14 && e.P > 8; // at P > 8 colours alone are not enough

    // Wc: during Combine the owners' cells fly in from the small panels.
    label(g.wc_origin, overlay_ ? tr("Overlay of the P masks|Overlay") : tr("Combined kernel Wc + route|Wc + route|Wc"));
    p.fillRect(QRect(g.wc_origin, g.panel), empty);
    if (phase_ == VisPhase::Combine && progress_ < 1.0) {
        const double t = progress_ * progress_ * (3 - 2 * progress_); // smoothstep
        for (int r = 0; r < e.P; ++r) {
            const QPoint from = smallPanelOrigin(g, r);
            QColor c = slotColor(r, e.P);
            for (int n = 0; n < e.N; ++n) {
                if (!e.masks[size_t(r) * e.N + n])
                    continue;
                const QPointF a = from + cellPos(g, n, g.small_cs, g.small_gap), b = g.wc_origin + cellPos(g, n, g.cs, g.gap);
                const double s = lerp(g.small_cs, g.cs, t);
                p.fillRect(QRectF(lerp(a.x(), b.x(), t), lerp(a.y(), b.y(), t), s, s), c);
            }
        }
    } else if (ph >= int(VisPhase::Combine)) {
        for (int n = 0; n < e.N; ++n) {
            const QRect cell(g.wc_origin + cellPos(g, n, g.cs, g.gap), QSize(g.cs, g.cs));
            if (overlay_ && (*overlay_)[size_t(n)] > 1) { // a collision: two or more owners
                p.fillRect(cell, empty);
                const double pw = std::clamp(g.cs / 10.0, 1.0, 4.0);
                p.setPen(QPen(text, pw, Qt::SolidLine, Qt::FlatCap));
                const QRectF in = QRectF(cell).adjusted(pw, pw, -pw, -pw); // the cross stays inside its cell
                p.drawLine(in.topLeft(), in.bottomRight());
                p.drawLine(in.topRight(), in.bottomLeft());
                continue;
            }
            const int r = e.route[size_t(n)];
            if (r < 0)
                continue;
            QColor c = slotColor(r, e.P);
            if (show_select && !e.winners[size_t(n)])
                c = mix(c, bg, 0.7); // not fetched
            p.fillRect(cell, c);
            if (numbers || slot_numbers) {
                p.setFont(cell_font);
                p.setPen(c.lightness() > 150 ? QColor(20, 20, 20) : Qt::white);
                p.drawText(cell, Qt::AlignCenter, numbers ? QString::number(e.wc[size_t(n)], 'f', 2) : QString::number(r));
            }
        }
    }
    if (phase_ == VisPhase::Kernels) { // not an unexplained grey box: it fills at the next step
        p.setPen(text);
        p.setFont(f.base);
        p.drawText(QRect(g.wc_origin, g.panel).adjusted(6, 6, -6, -6), Qt::AlignCenter | Qt::TextWordWrap,
                   overlay_ ? tr("Combine (next step) overlays the P masks here.") : tr("Combine (next step) overlays the P kernels here."));
    }
    frame(g.wc_origin);
    if (combined)
        caption(g.wc_origin, {tr("%1 positions · %2 collisions · %3 unused").arg(e.N).arg(e.collisions).arg(e.uncovered),
                              tr("%1 collisions · %2 unused").arg(e.collisions).arg(e.uncovered), tr("%1 collisions").arg(e.collisions)});

    // The × and = between panels.
    p.setFont(f.title);
    p.setPen(text);
    if (show_x)
        p.drawText(QRect(g.x_origin.x() - g.op_w, g.x_origin.y(), g.op_w, g.panel.height()), Qt::AlignCenter, QStringLiteral("×"));
    if (show_prod)
        p.drawText(QRect(g.prod_origin.x() - g.op_w, g.prod_origin.y(), g.op_w, g.panel.height()), Qt::AlignCenter, QStringLiteral("="));
    p.setFont(f.base);

    // x: the layer's input at this position.
    if (show_x) {
        label(g.x_origin, e.input_sparse ? tr("Input x (non-zeros = k-WTA winners)|Input x (winners)|x") : tr("Input x (dense)|x"));
        p.fillRect(QRect(g.x_origin, g.panel), bg);
        const double glow = phase_ == VisPhase::Select ? progress_ : 1.0;
        for (int n = 0; n < e.N; ++n) {
            const QRect cell(g.x_origin + cellPos(g, n, g.cs, g.gap), QSize(g.cs, g.cs));
            const float v = e.x[size_t(n)];
            QColor c;
            if (show_select)
                c = e.winners[size_t(n)] ? valueColor(glow * v / max_x_, empty) : empty;
            else
                c = v == 0.0f ? empty : valueColor(v / max_x_, empty);
            p.fillRect(cell, c);
            if (show_select && e.winners[size_t(n)] && g.cs >= 4) { // the winners stand out while they light up
                p.setPen(QPen(text, 1));
                p.setBrush(Qt::NoBrush);
                p.drawRect(cell.adjusted(0, 0, -1, -1));
            }
            if (numbers && (v != 0.0f)) {
                p.setFont(cell_font);
                p.setPen(text);
                p.drawText(cell, Qt::AlignCenter, QString::number(v, 'g', 3));
            }
        }
        frame(g.x_origin);
        caption(g.x_origin, {tr("%1 non-zero of %2 (%3)").arg(e.nonzeros).arg(e.N).arg(percent(double(e.nonzeros) / e.N)),
                             tr("%1 of %2 non-zero").arg(e.nonzeros).arg(e.N), tr("nnz %1").arg(e.nonzeros)});
    }

    // products
    if (show_prod) {
        label(g.prod_origin, tr("Products Wc·x|Wc·x"));
        p.fillRect(QRect(g.prod_origin, g.panel), bg);
        for (int n = 0; n < e.N; ++n) {
            const QRect cell(g.prod_origin + cellPos(g, n, g.cs, g.gap), QSize(g.cs, g.cs));
            if (!fetched(n)) {
                p.fillRect(cell, empty);
                continue;
            }
            const float v = e.products[size_t(n)];
            p.fillRect(cell, v == 0.0f ? empty : valueColor(v / max_p_, empty));
            if (e.route[size_t(n)] >= 0 && (computed_only ? e.winners[size_t(n)] : v != 0.0f) && g.cs >= 5) { // owner marker
                const int m = std::max(2, g.cs / 3);
                p.fillRect(QRect(cell.topLeft(), QSize(m, m)), slotColor(e.route[size_t(n)], e.P));
            }
            if (numbers && v != 0.0f) {
                p.setFont(cell_font);
                p.setPen(text);
                p.drawText(cell, Qt::AlignCenter, QString::number(v, 'g', 3));
            }
        }
        frame(g.prod_origin);
        caption(g.prod_origin, {tr("corner = owner slot"), tr("corner: owner")});
    }

    // MAC counter (Select onwards).
    const int mac_y = g.captions_y + g.lh + 4;
    if (show_x) {
        const double done_full = sparse_sparse_ ? e.macs_sparse_sparse : e.macs_sparse_dense;
        const double done = phase_ == VisPhase::Select ? std::round(progress_ * done_full) : done_full;
        p.setFont(f.bold);
        p.setPen(text);
        const int w = g.acc_origin.x() - g.wc_origin.x() - 16;
        p.drawText(QRect(g.wc_origin.x(), mac_y, w, g.lh_bold), Qt::AlignLeft | Qt::AlignVCenter,
                   fitText(p.fontMetrics(),
                           {tr("MACs: %1 done / %2 dense  (%3 of dense; sparse-dense %4, sparse-sparse %5)")
                                .arg(humanCount(done), humanCount(e.macs_dense), percent(done_full / e.macs_dense),
                                     humanCount(e.macs_sparse_dense), humanCount(e.macs_sparse_sparse)),
                            tr("MACs: %1 done / %2 dense (%3)").arg(humanCount(done), humanCount(e.macs_dense), percent(done_full / e.macs_dense))},
                           w));
        p.setFont(f.base);
    }

    // Accumulators: one box per slot, always there (they name the output each colour stands for);
    // counts from Route on, sums at Sum.
    p.setFont(f.bold);
    p.setPen(text);
    p.drawText(QRect(g.acc_origin.x(), g.acc_origin.y() - g.lh - 2, g.acc_w, g.lh), Qt::AlignLeft | Qt::AlignVCenter,
               fitText(p.fontMetrics(), {overlay_ ? tr("The P outputs") : tr("Accumulators → outputs"), tr("Outputs")}, g.acc_w));
    p.setFont(f.base);
    const QFontMetrics fm(f.base);
    const bool sum = phase_ == VisPhase::Sum && !overlay_;
    const bool routed = ph >= int(VisPhase::Route) && !overlay_;
    const double t = phase_ == VisPhase::Route ? progress_ : 1.0;
    // The texts of each accumulator as candidates from long to short; every accumulator uses the
    // same form (the longest one that fits all of them), so the column reads as one table.
    const int text_w = g.acc_w - 14;
    struct AccText {
        QStringList line1, line2; // line2: two-line layout only
        QColor line2_color;
    };
    QList<AccText> texts;
    for (int r = 0; r < e.P; ++r) {
        AccText at;
        const int owner = e.owners[size_t(r)];
        if (owner < 0) {
            at.line1 = {tr("slot %1: padding (no output)").arg(r), tr("%1: padding").arg(r), tr("pad")};
        } else if (!routed) {
            const QString ch = tr("ch %1").arg(owner);
            at.line1 = {tr("slot %1 → %2 · %3 positions").arg(r).arg(ch).arg(e.products_per_slot[size_t(r)]), tr("%1 → %2").arg(r).arg(ch),
                        QString::number(r)};
        } else if (!sum) {
            const QString ch = tr("ch %1").arg(owner);
            const int nprod = productsInto(r);
            const QString of = sparse_sparse_ ? tr("%1 products (of its %2 positions)").arg(nprod).arg(e.products_per_slot[size_t(r)])
                                              : tr("its %1 products").arg(nprod);
            if (g.acc_two_lines) {
                at.line1 = {tr("slot %1 → %2").arg(r).arg(ch), ch};
                at.line2 = {tr("← %1").arg(of), tr("← %1 products").arg(nprod), tr("← %1").arg(nprod)};
            } else {
                at.line1 = {tr("%1 ← %2").arg(ch, of), tr("%1 ← %2 products").arg(ch).arg(nprod), tr("%1 ← %2").arg(ch).arg(nprod)};
            }
        } else {
            const QString ch = tr("ch %1").arg(owner);
            const int nprod = productsInto(r);
            const bool ok = std::abs(e.outputs[size_t(r)] - e.reference[size_t(r)]) <= 1e-5 * std::max(1.0f, std::abs(e.reference[size_t(r)]));
            const QString value = number(e.outputs[size_t(r)]);
            const QString mark = ok ? QStringLiteral("✓") : QStringLiteral("✗");
            const QString full =
                tr("%1: Σ(%2) %3 + b %4 = %5").arg(ch).arg(nprod).arg(number(e.partial_sums[size_t(r)]), number(e.bias[size_t(r)]), value);
            at.line2_color = ok ? (dark ? QColor(120, 220, 120) : QColor(0, 120, 0)) : QColor(220, 40, 40);
            if (g.acc_two_lines) {
                at.line1 = {full, tr("%1: %2 products = %3").arg(ch).arg(nprod).arg(value), tr("%1 = %2").arg(ch, value), tr("= %1").arg(value)};
                at.line2 = {tr("reference %1 %2").arg(number(e.reference[size_t(r)]), mark), mark};
            } else {
                at.line1 = {full + QLatin1Char(' ') + mark, tr("%1: %2 products = %3 %4").arg(ch).arg(nprod).arg(value, mark),
                            tr("%1 = %2 %3").arg(ch, value, mark), tr("= %1 %2").arg(value, mark)};
            }
        }
        texts << at;
    }
    auto commonLevel = [&](bool second) {
        int level = 0;
        for (const AccText& at : texts) {
            const QStringList& c = second ? at.line2 : at.line1;
            int l = 0;
            while (l + 1 < c.size() && fm.horizontalAdvance(c[l]) > text_w)
                ++l;
            level = std::max(level, l);
        }
        return level;
    };
    const int level1 = commonLevel(false), level2 = commonLevel(true);
    for (int r = 0; r < e.P; ++r) {
        const QRect box = accRect(g, r);
        const QColor col = slotColor(r, e.P);
        p.setPen(ink(col));
        QColor tint = col;
        tint.setAlpha(dark ? 60 : 28);
        p.setBrush(tint);
        p.drawRoundedRect(box, 3, 3);
        p.fillRect(QRect(box.topLeft(), QSize(5, box.height())), col);
        p.setPen(text);
        const QRect area = box.adjusted(10, 1, -4, -1);
        const AccText& at = texts[r];
        auto pick = [&](const QStringList& c, int level) {
            return c.isEmpty() ? QString() : fm.elidedText(c[std::min(level, int(c.size()) - 1)], Qt::ElideRight, text_w);
        };
        if (g.acc_two_lines && !at.line2.isEmpty()) {
            p.drawText(QRect(area.x(), area.y(), area.width(), g.lh), Qt::AlignVCenter | Qt::AlignLeft, pick(at.line1, level1));
            if (at.line2_color.isValid())
                p.setPen(at.line2_color);
            p.drawText(QRect(area.x(), area.y() + g.lh, area.width(), g.lh), Qt::AlignVCenter | Qt::AlignLeft, pick(at.line2, level2));
        } else {
            p.drawText(area, Qt::AlignVCenter | Qt::AlignLeft, pick(at.line1, level1));
        }
    }
    // Flying products: each fetched product leaves its cell, staggered in fan-in order.
    if (phase_ == VisPhase::Route && t < 1.0) {
        p.setPen(QPen(text, 1));
        const double d = std::max(7.0, g.cs * 0.8);
        for (int n = 0; n < e.N; ++n) {
            const int r = e.route[size_t(n)];
            if (r < 0 || !fetched(n))
                continue;
            const double start = 0.6 * n / e.N, local = std::clamp((t - start) / 0.4, 0.0, 1.0);
            if (local <= 0.0 || local >= 1.0)
                continue;
            const QPointF a = g.prod_origin + cellPos(g, n, g.cs, g.gap) + QPointF(g.cs / 2.0, g.cs / 2.0);
            const QRect box = accRect(g, r);
            const QPointF b(box.left() + 8, box.center().y());
            p.setBrush(slotColor(r, e.P));
            p.drawEllipse(QPointF(lerp(a.x(), b.x(), local), lerp(a.y(), b.y(), local) - 30 * std::sin(local * M_PI)), d / 2, d / 2);
        }
    }
    if (sum) {
        p.setPen(text);
        p.setFont(f.base);
        p.drawText(g.note, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, sumNote(e));
    }
}

// ---- view ----------------------------------------------------------------------------------------

VisualiserView::VisualiserView(QWidget* parent)
    : QWidget(parent)
    , layer_combo_(new QComboBox(this))
    , group_spin_(new QSpinBox(this))
    , pos_label_(new QLabel(tr("At (y, x):"), this))
    , oy_spin_(new QSpinBox(this))
    , ox_spin_(new QSpinBox(this))
    , mode_combo_(new QComboBox(this))
    , input_combo_(new QComboBox(this))
    , seed_spin_(new QSpinBox(this))
    , wav_button_(new QPushButton(tr("WAV…"), this))
    , clip_spin_(new QSpinBox(this))
    , clip_label_(new QLabel(this))
    , back_button_(new QPushButton(tr("◀ Back"), this))
    , play_button_(new QPushButton(tr("▶ Play"), this))
    , step_button_(new QPushButton(tr("Step ▶"), this))
    , speed_slider_(new QSlider(Qt::Horizontal, this))
    , phase_label_(new QLabel(this))
    , steps_box_(new QWidget(this))
    , step_group_(new QButtonGroup(this))
    , info_label_(new QLabel(this))
    , scroll_(new QScrollArea(this))
    , canvas_(new VisualiserCanvas)
    , animation_(new QVariantAnimation(this))
    , hold_timer_(new QTimer(this))
{
    layer_combo_->setToolTip(tr("Complementary layers of the model (group size P > 1, no collisions); \"what-if\": a weight-sparse "
                                "layer whose masks are not complementary, shown as overlaying P of them would be."));
    layer_combo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    layer_combo_->setMinimumContentsLength(11); // "cnn2 (P = 10)" whole, and the row fits 1024 px
    input_combo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    input_combo_->setMinimumContentsLength(10);
    group_spin_->setToolTip(tr("Which group of P consecutive outputs to explain."));
    oy_spin_->setToolTip(tr("Output row of the conv whose fan-in is shown."));
    ox_spin_->setToolTip(tr("Output column of the conv whose fan-in is shown."));
    mode_combo_->addItem(tr("sparse-dense"));
    mode_combo_->addItem(tr("sparse-sparse"));
    mode_combo_->setToolTip(tr("sparse-dense multiplies every position (N MACs); sparse-sparse first Selects the input's "
                               "non-zeros and fetches only their columns (nnz(x) MACs)."));
    input_combo_->setToolTip(tr("The network input whose forward pass feeds the layer: random log-mel-like features or a WAV clip."));
    seed_spin_->setRange(1, 99999);
    seed_spin_->setValue(1);
    seed_spin_->setPrefix(tr("seed "));
    seed_spin_->setToolTip(tr("Seed of the random features."));
    wav_button_->setToolTip(tr("Use a WAV clip (any rate; resampled, cut or padded to the model's clip length)."));
    // Inputs: random features, the bundled spoken words, WAVs the user chose, and dataset test clips.
    input_combo_->addItem(tr("Random features"), QString());
    for (const QString& path : ModelLoader::bundledAudioFiles())
        input_combo_->addItem(tr("Bundled: %1").arg(QFileInfo(path).fileName()), path);
    input_combo_->addItem(tr("Test clip from dataset…"), QLatin1String(kDatasetItem));
    input_combo_->setItemData(input_combo_->count() - 1,
                              tr("Choose a folder in Google Speech Commands layout; then pick a clip of its test split."), Qt::ToolTipRole);
    clip_spin_->setRange(0, 0);
    clip_spin_->setPrefix(tr("clip "));
    clip_spin_->setToolTip(tr("Which clip of the dataset's test split (in path order)."));
    clip_label_->setToolTip(tr("The word spoken in the test clip (its folder in the dataset)."));
    clip_spin_->setVisible(false);
    clip_label_->setVisible(false);
    back_button_->setToolTip(tr("Previous phase (Left)."));
    play_button_->setToolTip(tr("Play or pause the walk through the phases (Space)."));
    step_button_->setToolTip(tr("Next phase (Right)."));
    speed_slider_->setRange(25, 400);
    speed_slider_->setValue(100);
    speed_slider_->setToolTip(tr("Animation speed (25%–400%)."));
    speed_slider_->setMaximumWidth(110);
    auto* zoom_in = new QPushButton(QStringLiteral("+"), this);
    auto* zoom_out = new QPushButton(QStringLiteral("−"), this);
    zoom_in->setToolTip(tr("Zoom in (+ or Ctrl+wheel); values appear in the cells when they are large enough."));
    zoom_out->setToolTip(tr("Zoom out (- or Ctrl+wheel)."));
    zoom_in->setMaximumWidth(32);
    zoom_out->setMaximumWidth(32);
    auto* zoom_fit = new QPushButton(tr("Fit"), this);
    zoom_fit->setObjectName(QStringLiteral("visualiserFit"));
    zoom_fit->setToolTip(tr("Fit the whole scene in the window again (0)."));
    zoom_fit->setMaximumWidth(44);

    auto* row1 = new QHBoxLayout;
    row1->addWidget(new QLabel(tr("Layer:"), this));
    row1->addWidget(layer_combo_);
    row1->addWidget(new QLabel(tr("Group:"), this));
    row1->addWidget(group_spin_);
    row1->addWidget(pos_label_);
    row1->addWidget(oy_spin_);
    row1->addWidget(ox_spin_);
    row1->addSpacing(12);
    row1->addWidget(new QLabel(tr("Mode:"), this));
    row1->addWidget(mode_combo_);
    row1->addSpacing(12);
    row1->addWidget(new QLabel(tr("Input:"), this));
    row1->addWidget(input_combo_, 1);
    row1->addWidget(seed_spin_);
    row1->addWidget(wav_button_);
    row1->addWidget(clip_spin_);
    row1->addWidget(clip_label_);
    auto* row2 = new QHBoxLayout;
    row2->addWidget(back_button_);
    row2->addWidget(play_button_);
    row2->addWidget(step_button_);
    row2->addSpacing(12);
    // The breadcrumb: one flat button per step; the current one is checked; a click jumps there.
    auto* steps_layout = new QHBoxLayout(steps_box_);
    steps_layout->setContentsMargins(0, 0, 0, 0);
    steps_layout->setSpacing(2);
    step_group_->setExclusive(true);
    connect(step_group_, &QButtonGroup::idClicked, this, [this](int i) {
        if (i >= 0 && i < phases_.size())
            jumpTo(phases_[i]);
    });
    phase_label_->setVisible(false); // kept for the steps' plain-text form (tests, screen readers)
    row2->addWidget(steps_box_, 1);
    row2->addWidget(new QLabel(tr("Speed:"), this));
    row2->addWidget(speed_slider_);
    row2->addWidget(new QLabel(tr("Zoom:"), this));
    row2->addWidget(zoom_out);
    row2->addWidget(zoom_in);
    row2->addWidget(zoom_fit);
    scroll_->setWidget(canvas_);
    scroll_->setWidgetResizable(true);
    scroll_->setBackgroundRole(QPalette::Base);
    info_label_->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(row1);
    layout->addLayout(row2);
    layout->addWidget(scroll_, 1);
    layout->addWidget(info_label_);

    auto shortcut = [this](const QKeySequence& k, auto fn) {
        auto* a = new QAction(this);
        a->setShortcut(k);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(a, &QAction::triggered, this, fn);
        addAction(a);
    };
    shortcut(QKeySequence(Qt::Key_Space), [this] { playing_ ? pause() : play(); });
    shortcut(QKeySequence(Qt::Key_Right), [this] { stepForward(); });
    shortcut(QKeySequence(Qt::Key_Left), [this] { stepBack(); });
    shortcut(QKeySequence(Qt::Key_Plus), [this] { zoomBy(1.25); });
    shortcut(QKeySequence(Qt::Key_Equal), [this] { zoomBy(1.25); });
    shortcut(QKeySequence(Qt::Key_Minus), [this] { zoomBy(0.8); });
    connect(zoom_in, &QPushButton::clicked, this, [this] { zoomBy(1.25); });
    connect(zoom_out, &QPushButton::clicked, this, [this] { zoomBy(0.8); });
    connect(zoom_fit, &QPushButton::clicked, this, [this] { setFitWidth(true); });
    shortcut(QKeySequence(Qt::Key_0), [this] { setFitWidth(true); });
    connect(canvas_, &VisualiserCanvas::zoomRequested, this, &VisualiserView::zoomBy);
    connect(back_button_, &QPushButton::clicked, this, &VisualiserView::stepBack);
    connect(step_button_, &QPushButton::clicked, this, &VisualiserView::stepForward);
    connect(play_button_, &QPushButton::clicked, this, [this] { playing_ ? pause() : play(); });

    connect(layer_combo_, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (!updating_ && i >= 0)
            setLayer(layer_combo_->itemData(i).toInt());
    });
    connect(group_spin_, &QSpinBox::valueChanged, this, [this](int g) {
        if (!updating_)
            setGroup(g);
    });
    connect(oy_spin_, &QSpinBox::valueChanged, this, [this](int y) {
        if (!updating_)
            setPosition(y, ox_);
    });
    connect(ox_spin_, &QSpinBox::valueChanged, this, [this](int x) {
        if (!updating_)
            setPosition(oy_, x);
    });
    connect(mode_combo_, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (!updating_)
            setSparseSparse(i == 1);
    });
    connect(input_combo_, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (updating_)
            return;
        const QString data = input_combo_->itemData(i).toString();
        if (i == 0)
            useRandomInput(unsigned(seed_spin_->value()));
        else if (data == QLatin1String(kDatasetItem))
            chooseDataset();
        else
            useWav(data);
    });
    connect(seed_spin_, &QSpinBox::valueChanged, this, [this](int s) {
        if (!updating_)
            useRandomInput(unsigned(s));
    });
    connect(wav_button_, &QPushButton::clicked, this, &VisualiserView::chooseWav);
    connect(clip_spin_, &QSpinBox::valueChanged, this, [this](int i) {
        if (!updating_ && gsc_)
            useTestClip(gsc_dir_, i);
    });

    animation_->setStartValue(0.0);
    animation_->setEndValue(1.0);
    connect(animation_, &QVariantAnimation::valueChanged, this, [this](const QVariant& v) { canvas_->setPhase(phase(), v.toDouble()); });
    connect(animation_, &QVariantAnimation::finished, this, &VisualiserView::onAnimationFinished);
    hold_timer_->setSingleShot(true);
    connect(hold_timer_, &QTimer::timeout, this, [this] {
        if (playing_)
            stepForward();
    });
    rebuildPhases();
    updateControls();
}

VisualiserView::~VisualiserView() = default;

QStringList VisualiserView::layerNames() const
{
    QStringList out;
    for (int i = 0; i < layer_combo_->count(); ++i)
        out << layer_combo_->itemText(i);
    return out;
}

void VisualiserView::setLoadedModel(const LoadedModel* loaded)
{
    pause();
    loaded_ = loaded;
    fit_width_ = true;
    gsc_.reset(); // its classes follow the model
    e_.reset();
    canvas_->setExplanation(nullptr);
    updating_ = true;
    layer_combo_->clear();
    if (loaded_) {
        const std::vector<int> explainable = ss::explainableLayers(*loaded_->model);
        for (int i = 0; i < int(loaded_->model->layers.size()); ++i) {
            const ss::Layer& L = loaded_->model->layers[size_t(i)];
            if (std::find(explainable.begin(), explainable.end(), i) != explainable.end())
                layer_combo_->addItem(QStringLiteral("%1 (P = %2)").arg(qs(L.name)).arg(L.group_size), i);
            else if (isCollisionPreviewLayer(L)) // what its masks would do if overlaid
                layer_combo_->addItem(tr("%1 (what-if, P = %2)").arg(qs(L.name)).arg(previewGroupSize(L)), i);
        }
    }
    updating_ = false;
    resetToDefault();
}

void VisualiserView::resetToDefault()
{
    if (!loaded_ || layer_combo_->count() == 0) {
        layer_index_ = -1;
        error_ = loaded_ ? tr("This model has no complementary layer (group size P > 1) to visualise.") : tr("No model is loaded.");
        e_.reset();
        canvas_->setExplanation(nullptr);
        updateControls();
        return;
    }
    const ss::Model& m = *loaded_->model;
    // The complementary layer with the fewest fan-in positions teaches best (every cell can be
    // followed); without one, the first what-if overlay.
    int chosen = layer_combo_->itemData(0).toInt();
    int best_n = -1;
    const std::vector<int> explainable = ss::explainableLayers(m);
    for (int i : explainable)
        if (best_n < 0 || m.layers[size_t(i)].fanIn() < best_n)
            chosen = i, best_n = m.layers[size_t(i)].fanIn();
    layer_index_ = chosen;
    group_ = oy_ = ox_ = 0;
    input_ = ss::randomFeatures(m, 1);
    input_label_ = tr("random features (seed 1)");
    input_key_.clear();
    clip_word_.clear();
    updating_ = true;
    seed_spin_->setValue(1);
    input_combo_->setCurrentIndex(0);
    updating_ = false;
    if (recompute())
        sparse_sparse_ = e_->input_sparse;
    canvas_->setSparseSparse(sparse_sparse_);
    rebuildPhases();
    phase_index_ = 0;
    startPhase(false);
}

bool VisualiserView::recompute()
{
    if (!loaded_ || layer_index_ < 0)
        return false;
    const ss::Layer& L = loaded_->model->layers[size_t(layer_index_)];
    if (isCollisionPreviewLayer(L)) {
        MaskOverlay o;
        if (!overlayGroup(*loaded_->model, layer_index_, group_, &o)) {
            error_ = tr("Group %1 is out of range: layer %2 has %3 what-if groups.")
                         .arg(group_)
                         .arg(qs(L.name))
                         .arg((L.outputs() + previewGroupSize(L) - 1) / previewGroupSize(L));
            updateControls();
            return false;
        }
        error_.clear();
        overlay_ = std::move(o);
        e_ = overlay_->e;
        canvas_->setExplanation(&*e_);
        canvas_->setOverlay(&overlay_->owners_count);
        updateControls();
        return true;
    }
    auto r = ss::explainGroup(*loaded_->model, layer_index_, group_, input_, oy_, ox_);
    if (!r) {
        error_ = qs(r.message());
        updateControls();
        return false;
    }
    error_.clear();
    overlay_.reset();
    e_ = std::move(*r);
    canvas_->setExplanation(&*e_);
    updateControls();
    return true;
}

bool VisualiserView::setLayer(int layer_index)
{
    if (!loaded_)
        return false;
    const int old = layer_index_;
    layer_index_ = layer_index;
    group_ = oy_ = ox_ = 0;
    if (!recompute()) {
        layer_index_ = old;
        return false;
    }
    if (!e_->input_sparse && sparse_sparse_)
        sparse_sparse_ = e_->input_sparse; // a dense input has nothing to select
    canvas_->setSparseSparse(sparse_sparse_);
    rebuildPhases();
    startPhase(false);
    return true;
}

bool VisualiserView::setGroup(int group)
{
    const int old = group_;
    group_ = group;
    if (!recompute()) {
        group_ = old;
        return false;
    }
    startPhase(false);
    return true;
}

bool VisualiserView::setPosition(int oy, int ox)
{
    const int oy0 = oy_, ox0 = ox_;
    oy_ = oy;
    ox_ = ox;
    if (!recompute()) {
        oy_ = oy0, ox_ = ox0;
        return false;
    }
    startPhase(false);
    return true;
}

void VisualiserView::setSparseSparse(bool on)
{
    const VisPhase current = phase();
    sparse_sparse_ = on;
    canvas_->setSparseSparse(on);
    rebuildPhases();
    phase_index_ = std::max(0, int(phases_.indexOf(current == VisPhase::Select && !on ? VisPhase::Combine : current)));
    startPhase(false);
}

bool VisualiserView::useRandomInput(unsigned seed)
{
    if (!loaded_)
        return false;
    input_ = ss::randomFeatures(*loaded_->model, seed);
    input_label_ = tr("random features (seed %1)").arg(seed);
    input_key_.clear();
    clip_word_.clear();
    updating_ = true;
    input_combo_->setCurrentIndex(0);
    seed_spin_->setValue(int(seed));
    updating_ = false;
    const bool ok = recompute();
    startPhase(false);
    return ok;
}

bool VisualiserView::useWav(const QString& path)
{
    if (!loaded_)
        return false;
    auto f = ss::featuresFromWav(*loaded_->model, path.toStdString());
    if (!f) {
        error_ = qs(f.message());
        updateControls();
        Q_EMIT inputRefused(error_);
        return false;
    }
    input_ = std::move(*f);
    const bool bundled = ModelLoader::bundledAudioFiles().contains(path);
    if (!bundled)
        wav_path_ = path; // remembered; the bundled ones are always offered
    input_label_ = bundled ? tr("bundled %1").arg(QFileInfo(path).fileName()) : QFileInfo(path).fileName();
    input_key_ = path;
    clip_word_.clear();
    updating_ = true;
    if (input_combo_->findData(path) < 0) // before the dataset entry, which stays last
        input_combo_->insertItem(input_combo_->count() - 1, tr("WAV: %1").arg(QFileInfo(path).fileName()), path);
    syncInputCombo();
    updating_ = false;
    const bool ok = recompute();
    startPhase(false);
    return ok;
}

void VisualiserView::chooseWav()
{
    const QString dir = wav_path_.isEmpty() ? QString() : QFileInfo(wav_path_).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Choose a WAV clip"), dir, tr("Audio (*.wav *.flac *.ogg);;All files (*)"));
    if (!path.isEmpty())
        useWav(path);
}

void VisualiserView::syncInputCombo()
{
    const int i = input_combo_->findData(input_key_);
    input_combo_->setCurrentIndex(std::max(0, i));
}

void VisualiserView::chooseDataset()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose a dataset folder (Google Speech Commands layout)"), gsc_dir_);
    if (dir.isEmpty() || !useTestClip(dir, dir == gsc_dir_ ? clip_index_ : 0)) {
        updating_ = true;
        syncInputCombo(); // cancelled or refused: the combo shows the input still in use
        updating_ = false;
    }
}

bool VisualiserView::useTestClip(const QString& dir, int index)
{
    if (!loaded_)
        return false;
    const ss::Model& m = *loaded_->model;
    if (!gsc_ || gsc_dir_ != dir) {
        auto d = ss::openGsc(dir.toStdString(), ss::ClassPreset::Commands, m.classes);
        if (!d) {
            error_ = qs(d.message());
            updateControls();
            Q_EMIT inputRefused(error_);
            return false;
        }
        gsc_ = std::move(*d);
        gsc_dir_ = dir; // remembered (QSettings) even when the clip below is refused
    }
    const std::vector<ss::GscClip>& test = gsc_->split(ss::Split::Test);
    if (test.empty()) {
        error_ = tr("The dataset '%1' has no test clips (testing_list.txt names none that exist).").arg(dir);
        updateControls();
        return false;
    }
    if (index < 0 || index >= int(test.size())) {
        error_ = tr("Test clip %1 is out of range: the test split has %2 clips (0 to %3).").arg(index).arg(test.size()).arg(test.size() - 1);
        updateControls();
        return false;
    }
    const ss::GscClip& clip = test[size_t(index)];
    auto f = ss::loadClipFeatures(*gsc_, clip, m.audio);
    if (!f) {
        error_ = qs(f.message());
        updateControls();
        Q_EMIT inputRefused(error_);
        return false;
    }
    if (int64_t(f->size()) != m.input.size()) {
        error_ = tr("The model's audio settings give %1 features but it takes %2.").arg(f->size()).arg(m.input.size());
        updateControls();
        return false;
    }
    input_ = std::move(*f);
    clip_index_ = index;
    clip_word_ = qs(clip.word);
    input_label_ = tr("test clip %1 of %2 in %3: “%4” (%5)")
                       .arg(index)
                       .arg(test.size())
                       .arg(QFileInfo(dir).fileName(), clip_word_,
                            clip.silence ? tr("background noise") : QFileInfo(qs(clip.path)).fileName());
    input_key_ = QLatin1String(kDatasetItem);
    updating_ = true;
    syncInputCombo();
    clip_spin_->setRange(0, int(test.size()) - 1);
    clip_spin_->setValue(index);
    updating_ = false;
    const bool ok = recompute();
    startPhase(false);
    return ok;
}

QStringList VisualiserView::inputNames() const
{
    QStringList l;
    for (int i = 0; i < input_combo_->count(); ++i)
        l << input_combo_->itemText(i);
    return l;
}

QString VisualiserView::testClipWord() const { return clip_word_; }

void VisualiserView::rebuildPhases()
{
    phases_ = {VisPhase::Kernels, VisPhase::Combine};
    if (!overlay_) { // a what-if overlay stops at Combine: there is no dense kernel to multiply with
        if (sparse_sparse_)
            phases_ << VisPhase::Select;
        phases_ << VisPhase::Multiply << VisPhase::Route << VisPhase::Sum;
    }
    phase_index_ = std::clamp(phase_index_, 0, int(phases_.size()) - 1);
    rebuildStepButtons();
}

void VisualiserView::rebuildStepButtons()
{
    for (QAbstractButton* b : step_group_->buttons())
        step_group_->removeButton(b);
    QLayout* l = steps_box_->layout();
    while (QLayoutItem* item = l->takeAt(0)) {
        if (QWidget* old = item->widget()) {
            old->hide(); // gone at once; deleted when control returns to the event loop
            old->deleteLater();
        }
        delete item;
    }
    for (int i = 0; i < phases_.size(); ++i) {
        if (i > 0)
            l->addWidget(new QLabel(QStringLiteral("→"), steps_box_));
        auto* b = new QToolButton(steps_box_);
        b->setText(visPhaseName(phases_[i]));
        b->setAutoRaise(true);
        b->setObjectName(QStringLiteral("visualiserStep_%1").arg(int(phases_[i])));
        b->setCheckable(true);
        b->setFocusPolicy(Qt::NoFocus);
        b->setCursor(Qt::PointingHandCursor);
        b->setToolTip(tr("Show the %1 step.").arg(visPhaseName(phases_[i])));
        step_group_->addButton(b, i);
        l->addWidget(b);
    }
    static_cast<QHBoxLayout*>(l)->addStretch(1);
}

QList<QAbstractButton*> VisualiserView::stepButtons() const
{
    QList<QAbstractButton*> out = step_group_->buttons();
    std::sort(out.begin(), out.end(), [this](QAbstractButton* a, QAbstractButton* b) { return step_group_->id(a) < step_group_->id(b); });
    return out;
}

double VisualiserView::speed() const { return speed_slider_->value() / 100.0; }

void VisualiserView::startPhase(bool animate)
{
    fitToWidth();
    animation_->stop();
    hold_timer_->stop();
    const VisPhase ph = phase();
    const bool animated = ph == VisPhase::Combine || ph == VisPhase::Select || ph == VisPhase::Route;
    if (animate && animated && e_) {
        animation_->setDuration(int(kBaseAnimationMs * (ph == VisPhase::Route ? 1.5 : 1.0) / speed()));
        canvas_->setPhase(ph, 0.0);
        animation_->start();
    } else {
        canvas_->setPhase(ph, 1.0);
        if (playing_)
            hold_timer_->start(int(kHoldMs / speed()));
    }
    updateControls();
}

void VisualiserView::onAnimationFinished()
{
    canvas_->setPhase(phase(), 1.0);
    if (playing_)
        hold_timer_->start(int(kHoldMs / speed()));
}

void VisualiserView::finishAnimation()
{
    if (animation_->state() == QAbstractAnimation::Running) {
        animation_->stop();
        canvas_->setPhase(phase(), 1.0);
    }
}

void VisualiserView::stepForward()
{
    if (!e_)
        return;
    if (phase_index_ + 1 >= phases_.size()) {
        pause();
        return;
    }
    ++phase_index_;
    startPhase(true);
}

void VisualiserView::stepBack()
{
    if (!e_ || phase_index_ == 0)
        return;
    pause();
    --phase_index_;
    startPhase(false);
}

void VisualiserView::jumpTo(VisPhase ph)
{
    const int i = int(phases_.indexOf(ph));
    if (i < 0)
        return;
    pause();
    phase_index_ = i;
    startPhase(false);
}

void VisualiserView::play()
{
    if (!e_)
        return;
    playing_ = true;
    if (phase_index_ + 1 >= phases_.size())
        phase_index_ = 0, startPhase(false); // from the start again
    else if (animation_->state() != QAbstractAnimation::Running)
        stepForward();
    updateControls();
}

void VisualiserView::pause()
{
    playing_ = false;
    hold_timer_->stop();
    updateControls();
}

void VisualiserView::zoomBy(double factor)
{
    fit_width_ = false; // the user's zoom wins until the next model
    canvas_->setZoom(canvas_->zoom() * factor);
}

int VisualiserView::viewportWidth() const { return scroll_->viewport()->width(); }
QSize VisualiserView::viewportSize() const { return scroll_->viewport()->size(); }

void VisualiserView::setFitWidth(bool on)
{
    fit_width_ = on;
    fitToWidth();
}

void VisualiserView::fitToWidth()
{
    if (!fit_width_ || !e_)
        return;
    // The largest zoom (up to 2) at which the whole scene fits the view, width and height: every
    // column and every accumulator on screen. The canvas's layout follows its zoom and its fonts
    // (text shrinks with the zoom down to a readable size; labels that no longer fit take shorter forms).
    const QSize available(std::max(200, scroll_->maximumViewportSize().width()), std::max(150, scroll_->maximumViewportSize().height()));
    auto fits = [&](double z) {
        canvas_->setZoom(z);
        const QSize s = canvas_->sizeHint();
        return s.width() <= available.width() && s.height() <= available.height();
    };
    double z = 2.0;
    while (z > 0.3 && !fits(z))
        z *= 0.93;
    if (z <= 0.3) { // too small a window: fit the width at least (scroll down for the rest)
        z = 2.0;
        while (z > 0.3) {
            canvas_->setZoom(z);
            if (canvas_->sizeHint().width() <= available.width())
                break;
            z *= 0.93;
        }
    }
}

void VisualiserView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    fitToWidth();
}

void VisualiserView::updateControls()
{
    updating_ = true;
    const bool have = e_.has_value();
    if (layer_index_ >= 0) {
        const int i = layer_combo_->findData(layer_index_);
        if (i >= 0)
            layer_combo_->setCurrentIndex(i);
    }
    const bool overlay = overlay_.has_value();
    const bool conv = have && e_->conv && !overlay;
    group_spin_->setRange(0, have ? e_->G - 1 : 0);
    group_spin_->setValue(group_);
    pos_label_->setVisible(conv);
    oy_spin_->setVisible(conv);
    ox_spin_->setVisible(conv);
    oy_spin_->setRange(0, conv ? e_->out_h - 1 : 0);
    ox_spin_->setRange(0, conv ? e_->out_w - 1 : 0);
    oy_spin_->setValue(oy_);
    ox_spin_->setValue(ox_);
    mode_combo_->setCurrentIndex(sparse_sparse_ ? 1 : 0);
    seed_spin_->setEnabled(input_combo_->currentIndex() == 0);
    const bool clip = input_key_ == QLatin1String(kDatasetItem);
    clip_spin_->setVisible(clip);
    clip_label_->setVisible(clip);
    clip_label_->setText(clip ? tr("word: <b>%1</b>").arg(clip_word_.toHtmlEscaped()) : QString());
    updating_ = false;
    for (QWidget* w : {static_cast<QWidget*>(layer_combo_), static_cast<QWidget*>(group_spin_), static_cast<QWidget*>(mode_combo_),
                       static_cast<QWidget*>(input_combo_), static_cast<QWidget*>(back_button_), static_cast<QWidget*>(play_button_),
                       static_cast<QWidget*>(step_button_)})
        w->setEnabled(have || w == layer_combo_);
    // A what-if overlay has no input: mode and input do not apply.
    for (QWidget* w : {static_cast<QWidget*>(mode_combo_), static_cast<QWidget*>(input_combo_), static_cast<QWidget*>(seed_spin_),
                       static_cast<QWidget*>(wav_button_)})
        w->setEnabled(have && !overlay && (w != seed_spin_ || input_combo_->currentIndex() == 0));
    back_button_->setEnabled(have && phase_index_ > 0);
    step_button_->setEnabled(have && phase_index_ + 1 < phases_.size());
    play_button_->setText(playing_ ? tr("❚❚ Pause") : tr("▶ Play"));
    QStringList steps;
    for (int i = 0; i < phases_.size(); ++i) {
        QString name = visPhaseName(phases_[i]).section(QStringLiteral(" · "), -1);
        steps << (i == phase_index_ ? QStringLiteral("<b>%1</b>").arg(name) : name);
    }
    phase_label_->setText(steps.join(QStringLiteral(" → ")));
    for (QAbstractButton* b : step_group_->buttons()) {
        const int i = step_group_->id(b);
        b->setEnabled(have);
        b->setChecked(i == phase_index_);
        QFont bf = b->font();
        bf.setBold(i == phase_index_);
        b->setFont(bf);
    }
    if (!error_.isEmpty())
        info_label_->setText(QStringLiteral("<span style='color:#b00'>%1</span>").arg(error_.toHtmlEscaped()));
    else if (overlay)
        info_label_->setText(tr("What-if: %1's masks are not complementary (each output draws its own), so its kernels cannot be "
                                "combined; shown is what overlaying P = %2 of them would give. The engines run this layer as CSR.")
                                 .arg(qs(e_->layer))
                                 .arg(e_->P));
    else if (have)
        info_label_->setText(tr("Input: %1. Numbers come from the reference forward pass (core explainGroup); hover a cell for its values.")
                                 .arg(input_label_));
    else
        info_label_->clear();
}

void VisualiserView::saveSettings(QSettings& s) const
{
    s.setValue(QLatin1String(kWavSetting), wav_path_);
    s.setValue(QLatin1String(kGscDirSetting), gsc_dir_);
}

void VisualiserView::restoreSettings(const QSettings& s)
{
    wav_path_ = s.value(QLatin1String(kWavSetting)).toString();
    gsc_dir_ = s.value(QLatin1String(kGscDirSetting)).toString();
    if (!wav_path_.isEmpty() && QFileInfo(wav_path_).isFile() && input_combo_->findData(wav_path_) < 0) {
        updating_ = true;
        input_combo_->insertItem(input_combo_->count() - 1, tr("WAV: %1").arg(QFileInfo(wav_path_).fileName()), wav_path_);
        updating_ = false;
    }
}

} // namespace gui
