#include "widgets/visualiserview.h"

#include "guicore/format.h"
#include "guicore/modelloader.h"

#include <QAction>
#include <QComboBox>
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

// Diverging blue - white - red for signed values scaled to [-1, 1].
QColor heat(double v)
{
    v = std::clamp(v, -1.0, 1.0);
    const double a = std::abs(v);
    return v >= 0 ? QColor::fromRgbF(1.0, 1.0 - 0.75 * a, 1.0 - 0.8 * a) : QColor::fromRgbF(1.0 - 0.8 * a, 1.0 - 0.55 * a, 1.0);
}

const QColor kEmpty(238, 238, 238);
const QColor kText(30, 30, 30);
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
    // Tableau 10: distinct, print-safe; hues spread evenly beyond 10 slots.
    static const QColor tab10[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44), QColor(214, 39, 40),
                                   QColor(148, 103, 189), QColor(140, 86, 75), QColor(227, 119, 194), QColor(127, 127, 127),
                                   QColor(188, 189, 34), QColor(23, 190, 207)};
    if (P <= 10 && r >= 0 && r < 10)
        return tab10[r];
    return QColor::fromHsv((r * 360 / std::max(1, P)) % 360, 190, 210);
}

// ---- canvas --------------------------------------------------------------------------------------

VisualiserCanvas::VisualiserCanvas(QWidget* parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAutoFillBackground(true);
    QPalette pal = palette();
    pal.setColor(QPalette::Window, Qt::white);
    setPalette(pal);
}

void VisualiserCanvas::setExplanation(const ss::GroupExplanation* e)
{
    e_ = e;
    max_w_ = max_x_ = max_p_ = 1e-30f;
    if (e_) {
        for (float v : e_->wc) max_w_ = std::max(max_w_, std::abs(v));
        for (float v : e_->x) max_x_ = std::max(max_x_, std::abs(v));
        for (float v : e_->products) max_p_ = std::max(max_p_, std::abs(v));
    }
    setMinimumSize(sizeHint());
    updateGeometry();
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
    update();
}

void VisualiserCanvas::setZoom(double zoom)
{
    zoom_ = std::clamp(zoom, 0.5, 5.0);
    setMinimumSize(sizeHint());
    updateGeometry();
    update();
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

VisualiserCanvas::Geometry VisualiserCanvas::geometry() const
{
    Geometry g;
    if (!e_)
        return g;
    if (e_->conv) {
        g.tiles_per_row = int(std::ceil(std::sqrt(double(e_->C))));
        g.tile_rows = (e_->C + g.tiles_per_row - 1) / g.tiles_per_row;
        g.cols = e_->kw;
        g.rows = e_->kh;
    } else {
        g.cols = int(std::ceil(std::sqrt(double(e_->N))));
        g.rows = (e_->N + g.cols - 1) / g.cols;
    }
    g.gap = g.tiles_per_row > 1 ? 4 : 0;
    const int cells_w = g.tiles_per_row * g.cols;
    // About 300 px per big panel at zoom 1, whatever the fan-in.
    g.cs = std::max(2, int(std::lround(std::clamp(240.0 / cells_w, 3.0, 40.0) * zoom_)));
    g.small_gap = g.gap ? 2 : 0;
    g.small_per_row = std::min(e_->P, 10);
    // Small panels: P of them, 5 per row, in about the width of the three big panels.
    g.panel = QSize(g.tiles_per_row * (g.cols * g.cs + g.gap) - g.gap, g.tile_rows * (g.rows * g.cs + g.gap) - g.gap);
    const int big_row_w = 3 * g.panel.width() + 2 * 60 + 40 + g.acc_w;
    g.small_cs = std::max(1, std::min(g.cs, int((big_row_w / g.small_per_row - 14 - g.tiles_per_row * g.small_gap) / std::max(1, cells_w))));
    g.small_cs = std::min(g.small_cs, std::max(1, int(std::lround(g.cs * 0.5))));
    g.small_panel = QSize(g.tiles_per_row * (g.cols * g.small_cs + g.small_gap) - g.small_gap,
                          g.tile_rows * (g.rows * g.small_cs + g.small_gap) - g.small_gap);
    const int margin = 16, label_h = 20;
    g.kernels_origin = QPoint(margin, margin + 44 + label_h);
    const int small_rows = (e_->P + g.small_per_row - 1) / g.small_per_row;
    const int kernels_bottom = g.kernels_origin.y() + small_rows * (g.small_panel.height() + label_h + 10);
    const int big_y = kernels_bottom + 16 + label_h;
    g.wc_origin = QPoint(margin, big_y);
    g.x_origin = QPoint(g.wc_origin.x() + g.panel.width() + 60, big_y);
    g.prod_origin = QPoint(g.x_origin.x() + g.panel.width() + 60, big_y);
    g.acc_origin = QPoint(g.prod_origin.x() + g.panel.width() + 40, big_y);
    g.acc_h = 34;
    const int acc_bottom = big_y + e_->P * (g.acc_h + 6) + 40;
    g.total = QSize(std::max(g.acc_origin.x() + g.acc_w + 8, g.kernels_origin.x() + g.small_per_row * (g.small_panel.width() + 14)) + margin,
                    std::max(big_y + g.panel.height() + 96, acc_bottom) + margin);
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
    return g.kernels_origin + QPoint(col * (g.small_panel.width() + 14), row * (g.small_panel.height() + 20 + 10));
}

QRect VisualiserCanvas::accRect(const Geometry& g, int r) const
{
    return {g.acc_origin.x(), g.acc_origin.y() + r * (g.acc_h + 6), g.acc_w, g.acc_h};
}

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
    if (!e_)
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
    p.fillRect(rect(), Qt::white);
    if (!e_) {
        p.setPen(kText);
        p.drawText(rect(), Qt::AlignCenter, tr("Nothing to show: open a model with a complementary layer."));
        return;
    }
    const ss::GroupExplanation& e = *e_;
    const Geometry g = geometry();
    const int ph = int(phase_);
    const bool combined = phase_ > VisPhase::Combine || (phase_ == VisPhase::Combine && progress_ >= 1.0);
    const bool show_select = sparse_sparse_ && ph >= int(VisPhase::Select);
    const bool show_x = ph >= int(VisPhase::Select) || phase_ == VisPhase::Multiply;
    const bool show_prod = ph >= int(VisPhase::Multiply);
    const bool computed_only = sparse_sparse_; // sparse-sparse never computes the non-winners' products
    auto fetched = [&](int n) { return !computed_only || e.winners[size_t(n)]; };

    QFont base = font();
    QFont bold = base;
    bold.setBold(true);
    QFont title = bold;
    title.setPointSizeF(base.pointSizeF() * 1.25);

    // Header: what this phase shows.
    const QString layer = tr("%1 · group %2 of %3 · P = %4 · fan-in N = %5%6")
                              .arg(QString::fromStdString(e.layer))
                              .arg(e.group)
                              .arg(e.G)
                              .arg(e.P)
                              .arg(e.N)
                              .arg(e.conv ? tr(" = %1×%2×%3 (C×kh×kw) at output (%4, %5)").arg(e.C).arg(e.kh).arg(e.kw).arg(e.oy).arg(e.ox)
                                          : QString());
    QString what;
    switch (phase_) {
    case VisPhase::Kernels:
        what = tr("P kernels: the group's %1 sparse kernels, side by side: each non-zero coloured by its owner (slot r → output channel g·P + r).").arg(e.P);
        break;
    case VisPhase::Combine:
        what = tr("Combine: the kernels overlay into one dense kernel Wc plus a route — %1 collisions, every position owned once.")
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
        what = tr("Route: each product flies to the accumulator of the slot that owns its position.");
        break;
    case VisPhase::Sum:
        what = tr("Sum: the P accumulators, plus bias, are the group's P outputs — equal to the reference forward pass.");
        break;
    }
    p.setPen(kText);
    p.setFont(title);
    p.drawText(QRect(16, 10, width() - 32, 24), Qt::AlignLeft | Qt::AlignVCenter, layer);
    p.setFont(base);
    p.drawText(QRect(16, 34, width() - 32, 20), Qt::AlignLeft | Qt::AlignVCenter, what);

    // ---- the P sparse kernels (small) ----
    const double kernel_fade = phase_ == VisPhase::Kernels ? 1.0 : phase_ == VisPhase::Combine ? 1.0 - 0.6 * progress_ : 0.4;
    p.setFont(base);
    for (int r = 0; r < e.P; ++r) {
        const QPoint o = smallPanelOrigin(g, r);
        const QColor col = slotColor(r, e.P);
        p.setOpacity(1.0);
        const int owned = e.products_per_slot[size_t(r)];
        p.setPen(col.darker(130));
        // The longest label that fits above the panel (panels shrink when the scene fits the window).
        const int room = g.small_panel.width() + 10;
        const QStringList candidates = e.owners[size_t(r)] < 0
                                           ? QStringList{tr("slot %1: padding").arg(r), tr("pad")}
                                           : QStringList{tr("r=%1→ch %2 · %3").arg(r).arg(e.owners[size_t(r)]).arg(owned),
                                                         tr("ch %1 · %2").arg(e.owners[size_t(r)]).arg(owned), tr("ch %1").arg(e.owners[size_t(r)])};
        p.drawText(QRect(o.x(), o.y() - 18, room, 16), Qt::AlignLeft | Qt::AlignVCenter, fitText(p.fontMetrics(), candidates, room));
        p.setOpacity(kernel_fade);
        p.fillRect(QRect(o, g.small_panel), kEmpty);
        for (int n = 0; n < e.N; ++n) {
            if (!e.masks[size_t(r) * e.N + n])
                continue;
            const double a = 0.45 + 0.55 * std::abs(e.weights[size_t(r) * e.N + n]) / max_w_;
            QColor c = col;
            c.setAlphaF(a);
            p.fillRect(QRect(o + cellPos(g, n, g.small_cs, g.small_gap), QSize(g.small_cs, g.small_cs)), c);
        }
        p.setPen(QColor(200, 200, 200));
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRect(o, g.small_panel).adjusted(-1, -1, 0, 0));
    }
    p.setOpacity(1.0);

    // ---- the big panels ----
    auto label = [&](QPoint o, const QString& text) {
        p.setPen(kText);
        p.setFont(bold);
        p.drawText(QRect(o.x(), o.y() - 20, g.panel.width() + 40, 18), Qt::AlignLeft | Qt::AlignVCenter,
                   fitText(p.fontMetrics(), {text}, g.panel.width() + 40));
        p.setFont(base);
    };
    auto frame = [&](QPoint o) {
        p.setPen(QColor(190, 190, 190));
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRect(o, g.panel).adjusted(-1, -1, 0, 0));
    };
    const bool numbers = g.cs >= 34;
    QFont small = base;
    small.setPointSizeF(std::max(6.0, g.cs / 5.0));

    // Wc: during Combine the owners' cells fly in from the small panels.
    label(g.wc_origin, tr("Combined kernel Wc (colour = route)"));
    p.fillRect(QRect(g.wc_origin, g.panel), kEmpty);
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
            const int r = e.route[size_t(n)];
            if (r < 0)
                continue;
            QColor c = slotColor(r, e.P);
            if (show_select && !e.winners[size_t(n)])
                c = c.lighter(175), c.setAlpha(90); // not fetched
            const QRect cell(g.wc_origin + cellPos(g, n, g.cs, g.gap), QSize(g.cs, g.cs));
            p.fillRect(cell, c);
            if (numbers) {
                p.setFont(small);
                p.setPen(Qt::white);
                p.drawText(cell, Qt::AlignCenter, QString::number(e.wc[size_t(n)], 'f', 2));
            }
        }
    }
    frame(g.wc_origin);
    if (combined) {
        p.setPen(kText);
        p.drawText(QRect(g.wc_origin.x(), g.wc_origin.y() + g.panel.height() + 4, g.panel.width() + 50, 18), Qt::AlignLeft,
                   fitText(p.fontMetrics(), {tr("%1 positions · %2 collisions · %3 unused").arg(e.N).arg(e.collisions).arg(e.uncovered),
                                             tr("%1 collisions · %2 unused").arg(e.collisions).arg(e.uncovered)},
                           g.panel.width() + 50));
    }

    // The × and = between panels.
    p.setFont(title);
    p.setPen(kText);
    if (show_x)
        p.drawText(QRect(g.x_origin.x() - 60, g.x_origin.y(), 60, g.panel.height()), Qt::AlignCenter, QStringLiteral("×"));
    if (show_prod)
        p.drawText(QRect(g.prod_origin.x() - 60, g.prod_origin.y(), 60, g.panel.height()), Qt::AlignCenter, QStringLiteral("="));
    p.setFont(base);

    // x: the layer's input at this position.
    if (show_x) {
        label(g.x_origin, e.input_sparse ? tr("Input x (non-zeros = k-WTA winners)") : tr("Input x (dense)"));
        p.fillRect(QRect(g.x_origin, g.panel), Qt::white);
        const double glow = phase_ == VisPhase::Select ? progress_ : 1.0;
        for (int n = 0; n < e.N; ++n) {
            const QRect cell(g.x_origin + cellPos(g, n, g.cs, g.gap), QSize(g.cs, g.cs));
            const float v = e.x[size_t(n)];
            QColor c;
            if (show_select)
                c = e.winners[size_t(n)] ? QColor::fromRgbF(1.0, lerp(0.93, 0.55, glow * std::abs(v) / max_x_), lerp(0.93, 0.0, glow)) : kEmpty;
            else
                c = heat(v / max_x_);
            p.fillRect(cell, c);
            if (numbers && (v != 0.0f)) {
                p.setFont(small);
                p.setPen(kText);
                p.drawText(cell, Qt::AlignCenter, QString::number(v, 'g', 3));
            }
        }
        frame(g.x_origin);
        p.setPen(kText);
        p.drawText(QRect(g.x_origin.x(), g.x_origin.y() + g.panel.height() + 4, g.panel.width() + 50, 18), Qt::AlignLeft,
                   fitText(p.fontMetrics(), {tr("%1 non-zero of %2 (%3)").arg(e.nonzeros).arg(e.N).arg(percent(double(e.nonzeros) / e.N)),
                                             tr("%1 of %2 non-zero").arg(e.nonzeros).arg(e.N)},
                           g.panel.width() + 50));
    }

    // products
    if (show_prod) {
        label(g.prod_origin, tr("Products Wc·x"));
        p.fillRect(QRect(g.prod_origin, g.panel), Qt::white);
        for (int n = 0; n < e.N; ++n) {
            const QRect cell(g.prod_origin + cellPos(g, n, g.cs, g.gap), QSize(g.cs, g.cs));
            if (!fetched(n)) {
                p.fillRect(cell, kEmpty);
                continue;
            }
            const float v = e.products[size_t(n)];
            p.fillRect(cell, heat(v / max_p_));
            if (e.winners[size_t(n)] && e.route[size_t(n)] >= 0 && g.cs >= 5) { // owner marker
                p.fillRect(QRect(cell.topLeft(), QSize(std::max(2, g.cs / 4), std::max(2, g.cs / 4))), slotColor(e.route[size_t(n)], e.P));
            }
            if (numbers && v != 0.0f) {
                p.setFont(small);
                p.setPen(kText);
                p.drawText(cell, Qt::AlignCenter, QString::number(v, 'g', 3));
            }
        }
        frame(g.prod_origin);
        p.setPen(kText);
        p.drawText(QRect(g.prod_origin.x(), g.prod_origin.y() + g.panel.height() + 4, g.panel.width() + 36, 18), Qt::AlignLeft,
                   fitText(p.fontMetrics(), {tr("red > 0, blue < 0; corner = owner"), tr("red > 0, blue < 0")}, g.panel.width() + 36));
    }

    // MAC counter (Select onwards).
    if (ph >= int(VisPhase::Select) || (phase_ >= VisPhase::Multiply)) {
        const double done_full = sparse_sparse_ ? e.macs_sparse_sparse : e.macs_sparse_dense;
        const double done = phase_ == VisPhase::Select ? std::round(progress_ * done_full) : done_full;
        p.setFont(bold);
        p.setPen(kText);
        const QString counter = tr("MACs: %1 done / %2 dense  (%3 of dense; sparse-dense %4, sparse-sparse %5)")
                                    .arg(humanCount(done), humanCount(e.macs_dense), percent(done_full / e.macs_dense),
                                         humanCount(e.macs_sparse_dense), humanCount(e.macs_sparse_sparse));
        p.drawText(QRect(g.wc_origin.x(), g.wc_origin.y() + g.panel.height() + 26, g.total.width(), 20), Qt::AlignLeft, counter);
        p.setFont(base);
    }

    // Accumulators (Route and Sum).
    if (ph >= int(VisPhase::Route)) {
        p.setFont(bold);
        p.setPen(kText);
        p.drawText(QRect(g.acc_origin.x(), g.acc_origin.y() - 20, g.acc_w, 18), Qt::AlignLeft, tr("Accumulators → outputs"));
        p.setFont(base);
        const bool sum = phase_ == VisPhase::Sum;
        const double t = phase_ == VisPhase::Route ? progress_ : 1.0;
        for (int r = 0; r < e.P; ++r) {
            const QRect box = accRect(g, r);
            const QColor col = slotColor(r, e.P);
            p.setPen(col.darker(120));
            p.setBrush(QColor(col.red(), col.green(), col.blue(), 28));
            p.drawRoundedRect(box, 4, 4);
            p.fillRect(QRect(box.topLeft(), QSize(6, box.height())), col);
            p.setPen(kText);
            const QRect text = box.adjusted(12, 1, -4, -1);
            if (e.owners[size_t(r)] < 0) {
                p.drawText(text, Qt::AlignVCenter | Qt::AlignLeft, tr("slot %1: padding (no output)").arg(r));
                continue;
            }
            if (!sum) {
                p.drawText(text, Qt::AlignVCenter | Qt::AlignLeft, tr("ch %1 ← its %2 fan-in positions").arg(e.owners[size_t(r)]).arg(e.products_per_slot[size_t(r)]));
                continue;
            }
            const bool ok = std::abs(e.outputs[size_t(r)] - e.reference[size_t(r)]) <= 1e-5 * std::max(1.0f, std::abs(e.reference[size_t(r)]));
            p.drawText(text, Qt::AlignTop | Qt::AlignLeft,
                       tr("ch %1: Σ %2 + b %3 = %4").arg(e.owners[size_t(r)]).arg(number(e.partial_sums[size_t(r)]), number(e.bias[size_t(r)]),
                                                        number(e.outputs[size_t(r)])));
            p.setPen(ok ? QColor(0, 120, 0) : QColor(200, 0, 0));
            p.drawText(text, Qt::AlignBottom | Qt::AlignLeft,
                       tr("reference %1 %2").arg(number(e.reference[size_t(r)]), ok ? QStringLiteral("✓") : QStringLiteral("✗")));
        }
        // Flying products: each fetched product leaves its cell, staggered in fan-in order.
        if (phase_ == VisPhase::Route && t < 1.0) {
            p.setPen(Qt::NoPen);
            const double d = std::max(3, g.cs / 2);
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
            p.setPen(kText);
            p.drawText(QRect(g.wc_origin.x(), g.wc_origin.y() + g.panel.height() + 50, g.acc_origin.x() - g.wc_origin.x() - 20, 40),
                       Qt::AlignLeft | Qt::TextWordWrap,
                       QString::fromStdString(e.outputs_note) + tr("\nReference = the scalar forward pass every engine is tested against."));
        }
    }
}

// ---- view ----------------------------------------------------------------------------------------

VisualiserView::VisualiserView(QWidget* parent)
    : QWidget(parent)
    , layer_combo_(new QComboBox(this))
    , group_spin_(new QSpinBox(this))
    , pos_label_(new QLabel(tr("Output (y, x):"), this))
    , oy_spin_(new QSpinBox(this))
    , ox_spin_(new QSpinBox(this))
    , mode_combo_(new QComboBox(this))
    , input_combo_(new QComboBox(this))
    , seed_spin_(new QSpinBox(this))
    , wav_button_(new QPushButton(tr("Choose WAV…"), this))
    , clip_spin_(new QSpinBox(this))
    , clip_label_(new QLabel(this))
    , back_button_(new QPushButton(tr("◀ Back"), this))
    , play_button_(new QPushButton(tr("▶ Play"), this))
    , step_button_(new QPushButton(tr("Step ▶"), this))
    , speed_slider_(new QSlider(Qt::Horizontal, this))
    , phase_label_(new QLabel(this))
    , info_label_(new QLabel(this))
    , scroll_(new QScrollArea(this))
    , canvas_(new VisualiserCanvas)
    , animation_(new QVariantAnimation(this))
    , hold_timer_(new QTimer(this))
{
    layer_combo_->setToolTip(tr("Complementary layers of the model (group size P > 1, no collisions)."));
    group_spin_->setToolTip(tr("Which group of P consecutive outputs to explain."));
    oy_spin_->setToolTip(tr("Output row of the conv whose fan-in is shown."));
    ox_spin_->setToolTip(tr("Output column of the conv whose fan-in is shown."));
    mode_combo_->addItem(tr("sparse-dense"));
    mode_combo_->addItem(tr("sparse-sparse"));
    mode_combo_->setToolTip(tr("sparse-dense multiplies every position (N MACs); sparse-sparse first Selects the input's "
                               "non-zeros and fetches only their columns (nnz(x) MACs)."));
    input_combo_->setToolTip(tr("The network input whose forward pass feeds the layer: random log-mel-like features or a WAV clip."));
    seed_spin_->setRange(1, 1000000);
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
    speed_slider_->setMaximumWidth(140);
    auto* zoom_in = new QPushButton(QStringLiteral("+"), this);
    auto* zoom_out = new QPushButton(QStringLiteral("−"), this);
    zoom_in->setToolTip(tr("Zoom in (+ or Ctrl+wheel); values appear in the cells when they are large enough."));
    zoom_out->setToolTip(tr("Zoom out (- or Ctrl+wheel)."));
    zoom_in->setMaximumWidth(32);
    zoom_out->setMaximumWidth(32);

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
    row2->addWidget(phase_label_, 1);
    row2->addWidget(new QLabel(tr("Speed:"), this));
    row2->addWidget(speed_slider_);
    row2->addWidget(new QLabel(tr("Zoom:"), this));
    row2->addWidget(zoom_out);
    row2->addWidget(zoom_in);
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
    if (loaded_)
        for (int i : ss::explainableLayers(*loaded_->model)) {
            const ss::Layer& L = loaded_->model->layers[size_t(i)];
            layer_combo_->addItem(QStringLiteral("%1 (P = %2)").arg(qs(L.name)).arg(L.group_size), i);
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
    int chosen = layer_combo_->itemData(0).toInt();
    bool found = false;
    for (int i = 0; i < layer_combo_->count() && !found; ++i)
        if (m.layers[size_t(layer_combo_->itemData(i).toInt())].name == "cnn2")
            chosen = layer_combo_->itemData(i).toInt(), found = true;
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
    auto r = ss::explainGroup(*loaded_->model, layer_index_, group_, input_, oy_, ox_);
    if (!r) {
        error_ = qs(r.message());
        updateControls();
        return false;
    }
    error_.clear();
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
    if (sparse_sparse_)
        phases_ << VisPhase::Select;
    phases_ << VisPhase::Multiply << VisPhase::Route << VisPhase::Sum;
    phase_index_ = std::clamp(phase_index_, 0, int(phases_.size()) - 1);
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

void VisualiserView::setFitWidth(bool on)
{
    fit_width_ = on;
    fitToWidth();
}

void VisualiserView::fitToWidth()
{
    if (!fit_width_ || !e_)
        return;
    // The largest zoom up to 1 at which the whole scene is as wide as the view (the canvas's size
    // follows its zoom; text keeps the font's size, and the layout leaves room for it).
    const int available = std::max(200, scroll_->viewport()->width());
    double z = 1.0;
    canvas_->setZoom(z);
    while (z > 0.5 && canvas_->sizeHint().width() > available) {
        z = std::max(0.5, z - 0.05);
        canvas_->setZoom(z);
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
    const bool conv = have && e_->conv;
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
    back_button_->setEnabled(have && phase_index_ > 0);
    step_button_->setEnabled(have && phase_index_ + 1 < phases_.size());
    play_button_->setText(playing_ ? tr("❚❚ Pause") : tr("▶ Play"));
    QStringList steps;
    for (int i = 0; i < phases_.size(); ++i) {
        QString name = visPhaseName(phases_[i]).section(QStringLiteral(" · "), -1);
        steps << (i == phase_index_ ? QStringLiteral("<b>%1</b>").arg(name) : name);
    }
    phase_label_->setText(steps.join(QStringLiteral(" → ")));
    if (!error_.isEmpty())
        info_label_->setText(QStringLiteral("<span style='color:#b00'>%1</span>").arg(error_.toHtmlEscaped()));
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
