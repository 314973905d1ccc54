#include "widgets/charts.h"

#include "guicore/benchresultmodel.h"
#include "guicore/format.h"
#include "guicore/fpgaplanmodel.h"
#include "guicore/throughputseriesmodel.h"
#include "widgets/enginecolors.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QGraphicsLayout>
#include <QBarLegendMarker>
#include <QLegend>
#include <QLineSeries>
#include <QPainter>
#include <QHorizontalBarSeries>
#include <QHorizontalStackedBarSeries>
#include <QLabel>
#include <QLogValueAxis>
#include <QResizeEvent>
#include <QToolTip>
#include <QVXYModelMapper>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace gui {

namespace {

// 1, 2 or 5 x 10^n at or above v: tick intervals that give round labels.
double niceStep(double v)
{
    if (!(v > 0))
        return 1;
    const double p = std::pow(10.0, std::floor(std::log10(v)));
    for (double m : {1.0, 2.0, 5.0})
        if (m * p >= v)
            return m * p;
    return 10 * p;
}

// [0, a round number just above max] with ticks every round step (4-8 intervals).
void setNiceMax(QValueAxis* axis, double max)
{
    const double step = niceStep(std::max(max, 1e-12) / 5);
    const double top = max > 0 ? std::ceil(max * 1.04 / step) * step : 1.0;
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0);
    axis->setTickInterval(max > 0 ? step : 0.25);
    axis->setRange(0, top);
}

QChart* makeChart(const QString& title)
{
    auto* chart = new QChart;
    chart->setTitle(title);
    QFont f = chart->titleFont();
    f.setBold(true);
    chart->setTitleFont(f);
    chart->setAnimationOptions(QChart::NoAnimation); // live data: animations lag behind the numbers
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->layout()->setContentsMargins(0, 0, 0, 0);
    chart->setBackgroundRoundness(0);
    return chart;
}

} // namespace

void applyPalette(QChart* chart, const QPalette& pal)
{
    const QColor base = pal.color(QPalette::Base);
    const QColor text = pal.color(QPalette::Text);
    const bool dark = base.lightness() < 128;
    chart->setBackgroundBrush(base);
    chart->setBackgroundPen(Qt::NoPen);
    chart->setPlotAreaBackgroundVisible(false);
    chart->setTitleBrush(text);
    chart->legend()->setLabelColor(text);
    const QColor grid = dark ? base.lighter(220) : base.darker(115);
    const QColor line = dark ? base.lighter(300) : base.darker(160);
    for (QAbstractAxis* a : chart->axes()) {
        a->setLabelsBrush(text);
        a->setTitleBrush(text);
        a->setGridLineColor(grid);
        a->setLinePenColor(line);
        a->setMinorGridLineColor(grid);
    }
}

// ---- EmptyStateChartView ----------------------------------------------------------------------

EmptyStateChartView::EmptyStateChartView(QWidget* parent)
    : QChartView(parent)
    , message_(new QLabel(this))
{
    message_->setObjectName(QStringLiteral("chartEmptyMessage"));
    message_->setWordWrap(true);
    message_->setAlignment(Qt::AlignCenter);
    message_->setAttribute(Qt::WA_TransparentForMouseEvents);
    message_->hide();
}

void EmptyStateChartView::setEmptyMessage(const QString& message)
{
    const bool empty = !message.isEmpty();
    message_->setText(message);
    message_->setVisible(empty);
    if (QChart* c = chart()) {
        for (QAbstractAxis* a : c->axes())
            a->setVisible(!empty);
        if (empty)
            c->legend()->setVisible(false);
    }
    placeMessage();
}

bool EmptyStateChartView::isEmptyState() const { return !message_->isHidden(); }
QString EmptyStateChartView::emptyMessage() const { return isEmptyState() ? message_->text() : QString(); }

void EmptyStateChartView::placeMessage()
{
    const int margin = 16;
    const int top = 40; // below the chart's title
    message_->setGeometry(margin, top, std::max(40, width() - 2 * margin), std::max(30, height() - top - margin));
    QPalette p = message_->palette();
    p.setColor(QPalette::WindowText, palette().color(QPalette::PlaceholderText));
    message_->setPalette(p);
}

void EmptyStateChartView::resizeEvent(QResizeEvent* event)
{
    QChartView::resizeEvent(event);
    placeMessage();
}

void EmptyStateChartView::changeEvent(QEvent* event)
{
    QChartView::changeEvent(event);
    if ((event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) && chart()) {
        applyPalette(chart(), palette());
        placeMessage();
    }
}

QBrush hatchedBrush(const QColor& color)
{
    QPixmap tile(10, 10);
    tile.fill(color.lighter(175));
    QPainter p(&tile);
    p.setRenderHint(QPainter::Antialiasing, false);
    p.setPen(QPen(color, 2));
    p.drawLine(0, 10, 10, 0);
    p.drawLine(-5, 5, 5, -5);
    p.drawLine(5, 15, 15, 5);
    return QBrush(tile);
}

// ---- ThroughputChartView ----------------------------------------------------------------------

ThroughputChartView::ThroughputChartView(QWidget* parent)
    : EmptyStateChartView(parent)
    , x_(new QValueAxis(this))
    , y_(new QValueAxis(this))
    , log_y_(new QLogValueAxis(this))
    , no_data_(tr("Each engine's throughput over time appears here during a run (Ctrl+R)."))
{
    QChart* c = makeChart(tr("Throughput over time"));
    setChart(c);
    setRenderHint(QPainter::Antialiasing);
    x_->setTitleText(tr("seconds into the measured run"));
    x_->setLabelFormat(QStringLiteral("%.1f"));
    x_->setTickType(QValueAxis::TicksDynamic);
    x_->setTickAnchor(0);
    x_->setRange(0, 1);
    y_->setTitleText(tr("items/s"));
    y_->setLabelFormat(QStringLiteral("%.0f"));
    y_->setRange(0, 1);
    log_y_->setTitleText(tr("items/s (log)"));
    log_y_->setLabelFormat(QStringLiteral("%g"));
    log_y_->setBase(10);
    log_y_->setMinorTickCount(-1);
    c->addAxis(x_, Qt::AlignBottom);
    c->addAxis(y_, Qt::AlignLeft);
    c->legend()->setAlignment(Qt::AlignBottom);
    setToolTip(tr("Each engine's throughput (items per second of engine time) as the run goes on. Engines run "
                  "interleaved in short slices, so machine noise hits them alike."));
    setMinimumSize(240, 180);
    applyPalette(c, palette());
    setEmptyMessage(no_data_);
}

void ThroughputChartView::setCsim(bool on)
{
    csim_ = on;
    chart()->setTitle(on ? tr("C-sim speed, measured (not the FPGA's)") : tr("Throughput over time"));
    y_->setTitleText(on ? tr("C-sim items/s") : tr("items/s")); // the title says measured, not the FPGA's
    log_y_->setTitleText(on ? tr("C-sim items/s (log)") : tr("items/s (log)"));
    for (QLineSeries* s : lineSeries()) {
        const QString engine = s->name().section(QLatin1Char(' '), 0, 0);
        s->setName(on ? tr("%1 (C-sim)").arg(engine) : engine);
    }
    setToolTip(on ? tr("How fast the C-simulated FPGA kernels run on this CPU (tens of items/s). This is a measurement of the "
                       "simulation, not of an FPGA: the throughput bars beside it are the FPGA model's figures (thousands of items/s).")
                  : tr("Each engine's throughput (items per second of engine time) as the run goes on. Engines run "
                       "interleaved in short slices, so machine noise hits them alike."));
}

QString ThroughputChartView::yAxisTitle() const { return log_ ? log_y_->titleText() : y_->titleText(); }

void ThroughputChartView::setNoDataText(const QString& text)
{
    no_data_ = text;
    if (isEmptyState())
        setEmptyMessage(no_data_);
}

void ThroughputChartView::attachY()
{
    QAbstractAxis* want = log_ ? static_cast<QAbstractAxis*>(log_y_) : static_cast<QAbstractAxis*>(y_);
    QAbstractAxis* other = log_ ? static_cast<QAbstractAxis*>(y_) : static_cast<QAbstractAxis*>(log_y_);
    if (chart()->axes().contains(other)) {
        for (QAbstractSeries* s : chart()->series())
            s->detachAxis(other);
        chart()->removeAxis(other); // the axis stays ours (parented to this view)
    }
    if (!chart()->axes().contains(want)) {
        chart()->addAxis(want, Qt::AlignLeft);
        applyPalette(chart(), palette());
    }
    for (QAbstractSeries* s : chart()->series())
        if (!s->attachedAxes().contains(want))
            s->attachAxis(want);
    want->setVisible(!isEmptyState());
}

void ThroughputChartView::setLogScale(bool on)
{
    if (on == log_)
        return;
    log_ = on;
    attachY();
    updateAxes();
}

void ThroughputChartView::fitToData()
{
    expected_seconds_ = 0;
    updateAxes();
}

void ThroughputChartView::setSeriesModels(const QList<ThroughputSeriesModel*>& models, double expected_seconds)
{
    chart()->removeAllSeries(); // deletes the series and their mappers
    models_.clear();
    expected_seconds_ = std::max(0.0, expected_seconds);
    for (ThroughputSeriesModel* m : models) {
        auto* s = new QLineSeries;
        s->setName(csim_ ? tr("%1 (C-sim)").arg(m->engine()) : m->engine());
        QPen pen(engineColor(m->engine()));
        pen.setWidthF(2.0);
        s->setPen(pen);
        // Markers: in short runs with many engines an engine may get only a point or two.
        s->setPointsVisible(true);
        s->setMarkerSize(5);
        chart()->addSeries(s);
        s->attachAxis(x_);
        s->attachAxis(log_ ? static_cast<QAbstractAxis*>(log_y_) : static_cast<QAbstractAxis*>(y_));
        auto* mapper = new QVXYModelMapper(s);
        mapper->setXColumn(ThroughputSeriesModel::SecondsColumn);
        mapper->setYColumn(ThroughputSeriesModel::ItemsPerSecondColumn);
        mapper->setSeries(s);
        mapper->setModel(m);
        connect(m, &QAbstractItemModel::rowsInserted, this, &ThroughputChartView::updateAxes);
        connect(m, &QAbstractItemModel::modelReset, this, &ThroughputChartView::updateAxes);
        models_.append(m);
    }
    setEmptyMessage(models.isEmpty() ? no_data_ : QString());
    chart()->legend()->setVisible(!models.isEmpty());
    updateAxes();
}

QList<QLineSeries*> ThroughputChartView::lineSeries() const
{
    QList<QLineSeries*> l;
    for (QAbstractSeries* s : chart()->series())
        if (auto* line = qobject_cast<QLineSeries*>(s))
            l.append(line);
    return l;
}

void ThroughputChartView::updateAxes()
{
    double max_x = expected_seconds_, max_y = 0, min_y = 0;
    for (const auto& m : models_) {
        if (!m)
            continue;
        max_x = std::max(max_x, m->lastSeconds());
        max_y = std::max(max_y, m->maxItemsPerSecond());
        for (const QPointF& p : m->points())
            if (p.y() > 0 && (min_y == 0 || p.y() < min_y))
                min_y = p.y();
    }
    if (!(max_x > 0))
        max_x = 1;
    // Ticks fall on round seconds; a little room on the right keeps the last marker whole.
    const double step = niceStep(max_x / 6);
    x_->setRange(0, max_x + std::min(step * 0.25, max_x * 0.03));
    x_->setTickInterval(step);
    setNiceMax(y_, max_y);
    if (max_y > 0 && min_y > 0) {
        log_y_->setRange(std::pow(10.0, std::floor(std::log10(min_y))), std::pow(10.0, std::ceil(std::log10(max_y * 1.05))));
    } else {
        log_y_->setRange(1, 10);
    }
}

// ---- EngineBarChartView -----------------------------------------------------------------------

EngineBarChartView::EngineBarChartView(Metric metric, QWidget* parent)
    : EmptyStateChartView(parent)
    , metric_(metric)
    , series_(new QHorizontalStackedBarSeries(this))
    , x_(new QBarCategoryAxis(this))
    , y_(new QValueAxis(this))
{
    QChart* c = makeChart(metric == Metric::Throughput ? tr("Throughput") : tr("Energy per inference"));
    setChart(c);
    setRenderHint(QPainter::Antialiasing);
    // Horizontal bars: the engine names sit on the left at full length, however narrow the chart.
    c->addSeries(series_);
    c->addAxis(x_, Qt::AlignLeft);
    c->addAxis(y_, Qt::AlignBottom);
    series_->attachAxis(x_);
    series_->attachAxis(y_);
    series_->setBarWidth(0.6);
    y_->setLabelFormat(metric == Metric::Throughput ? QStringLiteral("%.0f") : QStringLiteral("%.3g"));
    y_->setRange(0, 1);
    // For energy the legend keys solid (measured) against hatched (estimated); the category axis
    // names the engines, so per-engine legend entries are hidden.
    c->legend()->setVisible(metric == Metric::Energy);
    c->legend()->setAlignment(Qt::AlignBottom);
    y_->setTitleText(unitTitle());
    setToolTip(metric == Metric::Throughput
                   ? tr("Items per second of engine time for each engine (live: the run's average so far).")
                   : tr("Energy per inference, known when the run ends. Hatched bars marked '(estimated)' are process "
                        "CPU time × an assumed power per core, not measurements; solid bars are measured (RAPL)."));
    connect(series_, &QAbstractBarSeries::hovered, this, [this](bool on, int index, QBarSet* set) {
        if (!on || !model_) {
            QToolTip::hideText();
            return;
        }
        const int row = int(sets_.indexOf(set));
        if (row < 0 || categoryOf(row) != index)
            return;
        const QModelIndex i = model_->index(row, metric_ == Metric::Throughput ? BenchResultModel::ItemsPerSecondColumn
                                                                               : BenchResultModel::EnergyColumn);
        QToolTip::showText(QCursor::pos(), QStringLiteral("%1: %2\n%3")
                                               .arg(model_->data(model_->index(row, 0)).toString(), i.data().toString(),
                                                    i.data(Qt::ToolTipRole).toString()));
    });
    setMinimumSize(160, 180);
    applyPalette(c, palette());
    rebuild();
}

QString EngineBarChartView::unitTitle() const
{
    return metric_ == Metric::Throughput ? tr("items/s") : tr("%1 per inference").arg(unit_.isEmpty() ? tr("energy") : unit_);
}

void EngineBarChartView::setModel(BenchResultModel* model)
{
    if (model_)
        disconnect(model_, nullptr, this, nullptr);
    model_ = model;
    if (model_) {
        connect(model_, &QAbstractItemModel::modelReset, this, &EngineBarChartView::rebuild);
        connect(model_, &QAbstractItemModel::rowsInserted, this, &EngineBarChartView::rebuild);
        connect(model_, &QAbstractItemModel::rowsRemoved, this, &EngineBarChartView::rebuild);
        connect(model_, &QAbstractItemModel::dataChanged, this, &EngineBarChartView::refresh);
    }
    rebuild();
}

double EngineBarChartView::valueOf(int row) const
{
    const int column = metric_ == Metric::Throughput ? BenchResultModel::ItemsPerSecondColumn : BenchResultModel::EnergyColumn;
    const QVariant v = model_->index(row, column).data(BenchResultModel::RawValueRole);
    return v.isValid() ? v.toDouble() * scale_ : 0.0;
}

int EngineBarChartView::categoryOf(int row) const
{
    // Categories run bottom-up; the first engine (dense) goes on top, as in the tables.
    return int(sets_.size()) - 1 - row;
}

void EngineBarChartView::rebuild()
{
    series_->clear(); // deletes the sets
    sets_.clear();
    key_measured_ = key_estimated_ = nullptr;
    QStringList categories;
    const int n = model_ ? model_->rowCount() : 0;
    for (int row = n - 1; row >= 0; --row)
        categories << model_->index(row, BenchResultModel::EngineColumn).data().toString();
    x_->clear();
    x_->append(categories);
    // One set per engine with a value only in its own category: one full-width bar per engine in
    // the engine's colour (a stacked series draws the zeros of the other sets as nothing).
    for (int row = 0; row < n; ++row) {
        auto* set = new QBarSet(model_->index(row, BenchResultModel::EngineColumn).data().toString());
        for (int c = 0; c < n; ++c)
            set->append(0.0);
        sets_.append(set);
        series_->append(set);
    }
    // fpga-sim: the bars are the FPGA model's figures; the C-simulation's speed (measured, tens of
    // items/s) is never drawn in the same unit beside them.
    const bool csim_live = metric_ == Metric::Throughput && model_ && model_->liveIsCsim();
    setEmptyMessage(csim_live ? tr("Modelled throughput (fpga-sim) appears here when the run ends. Until then the line chart shows "
                                   "the C-simulation's speed, measured on this CPU: not the FPGA's.")
                    : n > 0                          ? QString()
                    : metric_ == Metric::Throughput ? tr("Each engine's throughput appears here during a run.")
                                                    : tr("Energy per inference appears here when a run ends."));
    if (n > 0) { // legend keys: solid = measured, hatched = estimated or modelled
        const QColor key(0x70, 0x70, 0x70);
        key_measured_ = new QBarSet(tr("measured"));
        key_measured_->setBrush(key);
        key_estimated_ = new QBarSet(tr("estimated (not measured)"));
        key_estimated_->setBrush(hatchedBrush(key));
        for (QBarSet* k : {key_measured_, key_estimated_}) {
            k->setPen(QPen(key.darker(120), 1));
            for (int c = 0; c < n; ++c)
                k->append(0.0);
            series_->append(k);
        }
    }
    refresh();
}

void EngineBarChartView::refresh()
{
    if (!model_ || sets_.size() != model_->rowCount())
        return;
    if (metric_ == Metric::Energy) {
        double max_j = 0;
        for (int row = 0; row < sets_.size(); ++row) {
            const QVariant v = model_->index(row, BenchResultModel::EnergyColumn).data(BenchResultModel::RawValueRole);
            max_j = std::max(max_j, v.isValid() ? v.toDouble() : 0.0);
        }
        if (max_j >= 1) { scale_ = 1; unit_ = QStringLiteral("J"); }
        else if (max_j >= 1e-3 || max_j == 0) { scale_ = 1e3; unit_ = QStringLiteral("mJ"); }
        else if (max_j >= 1e-6) { scale_ = 1e6; unit_ = QStringLiteral("µJ"); }
        else { scale_ = 1e9; unit_ = QStringLiteral("nJ"); }
        y_->setTitleText(unitTitle());
    }
    double max_v = 0;
    bool any_energy = false;
    QStringList not_measured; // the sources of hatched bars: "estimated", "modelled"
    for (int row = 0; row < sets_.size(); ++row) {
        QBarSet* set = sets_[row];
        const QString engine = model_->index(row, BenchResultModel::EngineColumn).data().toString();
        const QColor color = engineColor(engine);
        const double v = valueOf(row);
        max_v = std::max(max_v, v);
        if (set->at(categoryOf(row)) != v)
            set->replace(categoryOf(row), v);
        QString label = engine;
        QBrush brush(color);
        if (metric_ == Metric::Throughput) {
            // fpga-sim: the bar is the FPGA model's figure, not a clock's.
            const QVariant source = model_->index(row, 0).data(BenchResultModel::ThroughputSourceRole);
            if (source.toString() == QLatin1String("modelled")) {
                if (!not_measured.contains(source.toString()))
                    not_measured << source.toString();
                label += tr(" (modelled)");
                brush = hatchedBrush(color);
            }
        }
        if (metric_ == Metric::Energy) {
            const QVariant source = model_->index(row, 0).data(BenchResultModel::EnergySourceRole);
            if (source.isValid()) {
                any_energy = true;
                if (source.toString() != QLatin1String("measured")) {
                    if (!not_measured.contains(source.toString()))
                        not_measured << source.toString();
                    label += QStringLiteral(" (%1)").arg(source.toString());
                    brush = hatchedBrush(color);
                }
            }
        }
        if (set->label() != label)
            set->setLabel(label);
        set->setBrush(brush);
        set->setPen(QPen(color.darker(120), 1));
    }
    setNiceMax(y_, max_v);
    if (metric_ == Metric::Throughput) {
        chart()->setTitle(not_measured.isEmpty() ? tr("Throughput") : tr("Throughput (modelled)"));
        // The category axis names the engines; with modelled bars the legend keys the hatching.
        chart()->legend()->setVisible(!not_measured.isEmpty());
        for (QLegendMarker* marker : chart()->legend()->markers(series_))
            if (auto* bm = qobject_cast<QBarLegendMarker*>(marker))
                bm->setVisible(bm->barset() == key_estimated_);
        if (key_estimated_ && !not_measured.isEmpty())
            key_estimated_->setLabel(tr("modelled (not measured)"));
    }
    if (metric_ == Metric::Energy) {
        bool any_measured = false;
        for (int row = 0; row < sets_.size(); ++row) {
            const QVariant source = model_->index(row, 0).data(BenchResultModel::EnergySourceRole);
            any_measured = any_measured || source.toString() == QLatin1String("measured");
        }
        // The key shows only what is on screen.
        for (QLegendMarker* marker : chart()->legend()->markers(series_))
            if (auto* bm = qobject_cast<QBarLegendMarker*>(marker)) {
                if (bm->barset() == key_measured_)
                    bm->setVisible(any_measured);
                else if (bm->barset() == key_estimated_)
                    bm->setVisible(!not_measured.isEmpty());
                else
                    bm->setVisible(false);
            }
        if (key_estimated_ && !not_measured.isEmpty())
            key_estimated_->setLabel(tr("%1 (not measured)").arg(not_measured.join(QLatin1Char('/'))));
        chart()->legend()->setVisible(any_measured || !not_measured.isEmpty());
        chart()->setTitle(any_energy || sets_.isEmpty() ? tr("Energy per inference") : tr("Energy (when the run ends)"));
    }
}

// ---- ResourceChartView ------------------------------------------------------------------------

ResourceChartView::ResourceChartView(QWidget* parent)
    : QChartView(parent)
    , series_(new QHorizontalBarSeries(this))
    , categories_(new QBarCategoryAxis(this))
    , share_(new QValueAxis(this))
{
    QChart* c = makeChart(tr("FPGA resources per network instance (modelled)"));
    setChart(c);
    setRenderHint(QPainter::Antialiasing);
    c->addSeries(series_);
    c->addAxis(categories_, Qt::AlignLeft);
    c->addAxis(share_, Qt::AlignBottom);
    series_->attachAxis(categories_);
    series_->attachAxis(share_);
    series_->setBarWidth(0.8);
    share_->setTitleText(tr("% of the part, one instance"));
    share_->setLabelFormat(QStringLiteral("%.3g"));
    share_->setRange(0, 1);
    c->legend()->setAlignment(Qt::AlignBottom);
    applyPalette(c, palette());
    setToolTip(tr("From the analytical FPGA model (docs/fpga-model.md; the numbers of sparsescope-cli fpga-plan), not "
                  "measured: each resource of one network instance as a share of the part, and how many instances fit "
                  "the chip under the utilisation limit."));
    // One colour per resource (engine colours are for engines).
    const QList<QPair<int, QColor>> resources = {{FpgaPlanModel::LutColumn, QColor(0x4e, 0x79, 0xa7)},
                                                 {FpgaPlanModel::FfColumn, QColor(0x76, 0xb7, 0xb2)},
                                                 {FpgaPlanModel::BramColumn, QColor(0xf2, 0x8e, 0x2b)},
                                                 {FpgaPlanModel::UramColumn, QColor(0xed, 0xc9, 0x48)},
                                                 {FpgaPlanModel::DspColumn, QColor(0xe1, 0x57, 0x59)}};
    for (const auto& [column, color] : resources) {
        auto* set = new QBarSet(FpgaPlanModel::resourceName(column));
        set->setBrush(color);
        set->setPen(QPen(color.darker(130), 1));
        sets_.append(set);
        series_->append(set);
    }
    connect(series_, &QAbstractBarSeries::hovered, this, [this](bool on, int index, QBarSet* set) {
        if (!on || !model_) {
            QToolTip::hideText();
            return;
        }
        const int row = int(model_->rowCount()) - 1 - index;
        QToolTip::showText(QCursor::pos(), QStringLiteral("%1 %2: %3 of the part\n%4")
                                               .arg(categories_->at(index), set->label(), percent(set->at(index) / 100.0),
                                                    model_->index(row, 0).data(Qt::ToolTipRole).toString()));
    });
    setMinimumSize(240, 120); // low: the tables pane may be short on a 700 px screen
}

void ResourceChartView::setModel(FpgaPlanModel* model)
{
    if (model_)
        disconnect(model_, nullptr, this, nullptr);
    model_ = model;
    if (model_)
        connect(model_, &QAbstractItemModel::modelReset, this, &ResourceChartView::rebuild);
    rebuild();
}

QStringList ResourceChartView::categories() const
{
    QStringList l = categories_->categories();
    std::reverse(l.begin(), l.end()); // the axis runs bottom-up
    return l;
}

void ResourceChartView::rebuild()
{
    const int n = model_ ? model_->rowCount() : 0;
    QStringList cats;
    // Categories run bottom-up: the first engine (dense) goes on top, as in the tables.
    for (int row = n - 1; row >= 0; --row) {
        const auto& e = model_->estimates()[size_t(row)];
        cats << (e.fits ? tr("%1: %2/chip (%3)").arg(qs(e.variant)).arg(e.instances).arg(qs(e.limiting))
                        : tr("%1: no fit (%2)").arg(qs(e.variant), qs(e.limiting)));
    }
    categories_->clear();
    categories_->append(cats);
    double max_pct = 0;
    const QList<int> columns = {FpgaPlanModel::LutColumn, FpgaPlanModel::FfColumn, FpgaPlanModel::BramColumn,
                                FpgaPlanModel::UramColumn, FpgaPlanModel::DspColumn};
    for (int i = 0; i < sets_.size(); ++i) {
        QBarSet* set = sets_[i];
        set->remove(0, set->count());
        for (int row = n - 1; row >= 0; --row) {
            const double pct = 100.0 * model_->share(row, columns[i]);
            max_pct = std::max(max_pct, pct);
            set->append(pct);
        }
    }
    setNiceMax(share_, max_pct);
    if (model_ && !model_->part().isEmpty())
        setToolTip(tr("%1, from the analytical FPGA model (docs/fpga-model.md; the numbers of sparsescope-cli fpga-plan), not "
                      "measured: each resource of one network instance as a share of the part; each engine's label gives the "
                      "instances that fit the chip under the utilisation limit and the resource that limits them.")
                       .arg(model_->partName()));
    chart()->setTitle(model_ && !model_->part().isEmpty()
                          ? tr("Resources per network instance on %1 (modelled)").arg(model_->part())
                          : tr("FPGA resources per network instance (modelled)"));
}

} // namespace gui
