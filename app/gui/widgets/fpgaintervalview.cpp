#include "widgets/fpgaintervalview.h"

#include "widgets/enginecolors.h"

#include <QLocale>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace gui {

namespace {
constexpr int kMargin = 10, kLabelWidth = 210, kParamsWidth = 290, kBar = 9, kRowGap = 6, kHeader = 40, kEngineGap = 14, kAxis = 26;

QString cycles(double c) { return QLocale().toString(c, 'f', 0); }
const QColor kBaseline(0xb0, 0xb0, 0xb0);
} // namespace

// The outline of a bottleneck bar (tested: tst_fpgaintervalview).
const QColor FpgaIntervalView::kBottleneck(0x1f, 0x1f, 0x1f);

namespace {
} // namespace

FpgaIntervalView::FpgaIntervalView(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("fpgaIntervalView"));
    setAutoFillBackground(true);
    setToolTip(tr("Each stage of the network as a bar of its interval (cycles per item, log scale): grey = baseline design (one output "
                  "position per cycle), coloured = the balanced design of sparsescope-cli fpga-plan --optimise. The slowest stage "
                  "(dark outline) sets the pipeline's interval. Modelled (docs/fpga-model.md), not measured."));
}

void FpgaIntervalView::setIntervals(FpgaIntervals intervals)
{
    data_ = std::move(intervals);
    updateGeometry();
    update();
}

void FpgaIntervalView::setPlan(const std::shared_ptr<const ss::Model>& model, const QString& part, const QStringList& engines)
{
    setIntervals(planner_.plan(model, part, engines));
}

int FpgaIntervalView::contentHeight() const
{
    int h = kMargin + 40;
    for (const auto& x : data_.explorations)
        h += kHeader + int(x.baseline.stages.size()) * (2 * kBar + kRowGap) + kEngineGap;
    return h + kAxis + kMargin;
}

QSize FpgaIntervalView::sizeHint() const { return {kLabelWidth + kParamsWidth + 520, std::max(200, contentHeight())}; }
QSize FpgaIntervalView::minimumSizeHint() const { return {kLabelWidth + kParamsWidth + 240, std::max(120, contentHeight())}; }

void FpgaIntervalView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing, false);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.base());
    p.setPen(pal.text().color());
    QFont bold = font();
    bold.setBold(true);
    if (data_.explorations.empty()) {
        p.drawText(rect().adjusted(kMargin, kMargin, -kMargin, -kMargin), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
                   data_.error.isEmpty() ? tr("Choose an FPGA device (fpga-sim:u250, fpga-sim:zu3eg) and a model to see its pipeline.")
                                         : data_.error);
        return;
    }
    // Log-scale x axis over every stage of every design shown.
    double lo = 1e300, hi = 0;
    for (const auto& x : data_.explorations)
        for (const auto* e : {&x.baseline, &x.chosen})
            for (const auto& s : e->stages) {
                lo = std::min(lo, std::max(1.0, s.cycles));
                hi = std::max(hi, s.cycles);
            }
    const double l0 = std::floor(std::log10(lo / 2)), l1 = std::ceil(std::log10(std::max(hi, 10.0)));
    const int x0 = kMargin + kLabelWidth, x1 = width() - kMargin - kParamsWidth;
    auto xOf = [&](double c) { return x0 + int((std::log10(std::max(1.0, c)) - l0) / std::max(1e-9, l1 - l0) * (x1 - x0)); };

    p.setFont(bold);
    p.drawText(QRect(kMargin, kMargin, width() - 2 * kMargin, 20), Qt::AlignLeft | Qt::AlignVCenter,
               p.fontMetrics().elidedText(tr("Pipeline stage intervals on %1 — MODELLED, not measured").arg(data_.part_name), Qt::ElideRight,
                                          width() - 2 * kMargin));
    p.setFont(font());
    // Legend: grey = baseline, coloured = balanced, dark outline = bottleneck.
    {
        int lx = kMargin;
        const int ly = kMargin + 22;
        auto swatch = [&](const QColor& c, bool outline, const QString& text) {
            p.fillRect(QRect(lx, ly + 4, 22, kBar - 1), c);
            if (outline) {
                p.setPen(QPen(kBottleneck, 2));
                p.drawRect(QRect(lx, ly + 4, 22, kBar - 1));
            }
            p.setPen(pal.text().color());
            const int w = p.fontMetrics().horizontalAdvance(text);
            p.drawText(QRect(lx + 28, ly, w + 4, 16), Qt::AlignLeft | Qt::AlignVCenter, text);
            lx += 28 + w + 18;
        };
        swatch(kBaseline, false, tr("baseline (one output position per cycle, G lanes)"));
        swatch(QColor(0x4e, 0x79, 0xa7), false, tr("balanced for %1, in the engine's colour (fpga-plan --optimise %1)").arg(data_.objective));
        swatch(pal.base().color(), true, tr("bottleneck (sets the interval)"));
    }
    int y = kMargin + 40;
    const int top = y;
    for (const auto& x : data_.explorations) {
        const QString engine = QString::fromStdString(x.baseline.variant);
        const QColor colour = engineColor(engine);
        p.setFont(bold);
        p.setPen(pal.text().color());
        p.drawText(QRect(kMargin, y + 2, width() - 2 * kMargin, 18), Qt::AlignLeft | Qt::AlignVCenter, engine);
        p.setFont(font());
        QString line;
        if (x.found) {
            line = tr("baseline %1 cycles, %2 instance(s), %3 items/s chip   →   balanced %4 cycles, %5 instance(s), %6 items/s chip (limited by %7)")
                       .arg(cycles(x.baseline.interval_cycles))
                       .arg(x.baseline.instances)
                       .arg(QLocale().toString(x.baseline.items_per_s_chip, 'g', 4))
                       .arg(cycles(x.chosen.interval_cycles))
                       .arg(x.chosen.instances)
                       .arg(QLocale().toString(x.chosen.items_per_s_chip, 'g', 4))
                       .arg(QString::fromStdString(x.chosen.limiting));
            if (!x.baseline.fits)
                line = tr("baseline does not fit (%1);  balanced %2 cycles, %3 instance(s), %4 items/s chip")
                           .arg(QString::fromStdString(x.baseline.limiting))
                           .arg(cycles(x.chosen.interval_cycles))
                           .arg(x.chosen.instances)
                           .arg(QLocale().toString(x.chosen.items_per_s_chip, 'g', 4));
        } else {
            line = tr("no design of this engine fits the part");
        }
        p.setPen(pal.placeholderText().color());
        p.drawText(QRect(kMargin, y + 20, width() - 2 * kMargin, 16), Qt::AlignLeft | Qt::AlignVCenter, line);
        y += kHeader;
        for (size_t i = 0; i < x.baseline.stages.size(); ++i) {
            const auto& b = x.baseline.stages[i];
            p.setPen(pal.text().color());
            p.drawText(QRect(kMargin, y, kLabelWidth - 8, 2 * kBar), Qt::AlignLeft | Qt::AlignVCenter,
                       p.fontMetrics().elidedText(QString::fromStdString(b.name), Qt::ElideRight, kLabelWidth - 8));
            // baseline bar
            const bool base_neck = int(i) == x.baseline.bottleneck;
            QRect rb(x0, y, std::max(2, xOf(b.cycles) - x0), kBar - 1);
            p.fillRect(rb, kBaseline);
            if (base_neck) {
                p.setPen(QPen(kBottleneck, 2));
                p.drawRect(rb.adjusted(0, 0, -1, 0));
            }
            if (x.found) {
                const auto& s = x.chosen.stages[i];
                const bool neck = int(i) == x.chosen.bottleneck;
                QRect rc(x0, y + kBar, std::max(2, xOf(s.cycles) - x0), kBar - 1);
                p.fillRect(rc, colour);
                if (neck) {
                    p.setPen(QPen(kBottleneck, 2));
                    p.drawRect(rc.adjusted(0, 0, -1, 0));
                }
                p.setPen(pal.text().color());
                p.drawText(QRect(x1 + 8, y, kParamsWidth - 8, 2 * kBar), Qt::AlignLeft | Qt::AlignVCenter,
                           p.fontMetrics().elidedText(tr("%1 → %2  %3").arg(cycles(b.cycles), cycles(s.cycles), QString::fromStdString(s.paramsText())),
                                                      Qt::ElideRight, kParamsWidth - 8));
            }
            y += 2 * kBar + kRowGap;
        }
        y += kEngineGap;
    }
    // Decade grid and axis labels.
    p.setPen(QPen(pal.mid().color(), 1, Qt::DotLine));
    for (double l = l0; l <= l1 + 1e-9; l += 1) {
        const int gx = xOf(std::pow(10.0, l));
        p.drawLine(gx, top, gx, y);
    }
    p.setPen(pal.text().color());
    for (double l = l0; l <= l1 + 1e-9; l += 1) {
        const int gx = xOf(std::pow(10.0, l));
        p.drawText(QRect(gx - 40, y + 2, 80, 16), Qt::AlignCenter, cycles(std::pow(10.0, l)));
    }
    p.drawText(QRect(kMargin, y + 2, kLabelWidth - 50, 16), Qt::AlignLeft | Qt::AlignVCenter, tr("cycles per item, log scale"));
}

} // namespace gui
