// The Benchmark view's charts. They only display models from sparsescope_guicore:
//  - ThroughputChartView: one line per engine, each bound to its ThroughputSeriesModel through a
//    QVXYModelMapper (the Qt Charts modeldata pattern).
//  - EngineBarChartView: one horizontal bar per engine read from the BenchResultModel, throughput or
//    energy per inference; energy that is not measured is drawn hatched, its set labelled
//    "(estimated)", and the legend keys the hatching.
#pragma once

#include <QChartView>
#include <QList>
#include <QPointer>

class QBarCategoryAxis;
class QLabel;
class QLogValueAxis;
class QBarSet;
class QLineSeries;
class QHorizontalBarSeries;
class QHorizontalStackedBarSeries;
class QValueAxis;

namespace gui {

// Themes a chart from a palette (background, text, grid, legend): readable in light and dark themes.
void applyPalette(QChart* chart, const QPalette& palette);

// A chart view that, while it has nothing to draw, hides its axes and says so in one sentence
// instead of drawing empty ticks ("1 1 1 0 0"), stale names or overlapping titles.
class EmptyStateChartView : public QChartView {
    Q_OBJECT
public:
    explicit EmptyStateChartView(QWidget* parent = nullptr);
    // "" = the chart has data: axes shown, no message.
    void setEmptyMessage(const QString& message);
    bool isEmptyState() const;
    QString emptyMessage() const;

protected:
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void placeMessage();
    QLabel* message_;
};

class BenchResultModel;
class FpgaPlanModel;
class ThroughputSeriesModel;

class ThroughputChartView : public EmptyStateChartView {
    Q_OBJECT
public:
    explicit ThroughputChartView(QWidget* parent = nullptr);

    // Replaces the lines; expected_seconds sets the initial x range (the run's wall time; 0 = the
    // data's own range). With no models the chart shows noDataText().
    void setSeriesModels(const QList<ThroughputSeriesModel*>& models, double expected_seconds);
    // Ends the x axis at the data (after a run stops early the expected range would leave a gap).
    void fitToData();
    QList<QLineSeries*> lineSeries() const;
    // What the empty chart says (before a run; a report without time series).
    void setNoDataText(const QString& text);
    // A logarithmic items/s axis: engines a hundred times slower than the fastest stay readable.
    void setLogScale(bool on);
    bool logScale() const { return log_; }
    QValueAxis* xAxis() const { return x_; }
    // The lines are the C-simulated FPGA kernels' speed on this CPU (fpga-sim): measured, but not
    // the FPGA's throughput. Title, axis and line names say so; the modelled figures are in the bars.
    void setCsim(bool on);
    bool isCsim() const { return csim_; }
    QString yAxisTitle() const;

private:
    void updateAxes();
    void attachY();

    QValueAxis* x_;
    QValueAxis* y_;
    QLogValueAxis* log_y_;
    bool log_ = false;
    bool csim_ = false;
    QString no_data_;
    QList<QPointer<ThroughputSeriesModel>> models_;
    double expected_seconds_ = 1;
};

class EngineBarChartView : public EmptyStateChartView {
    Q_OBJECT
public:
    enum class Metric { Throughput, Energy };

    explicit EngineBarChartView(Metric metric, QWidget* parent = nullptr);
    void setModel(BenchResultModel* model);
    const QList<QBarSet*>& barSets() const { return sets_; }

private:
    void rebuild();
    void refresh();
    double valueOf(int row) const; // in the axis unit
    int categoryOf(int row) const;
    QString unitTitle() const;

    Metric metric_;
    QPointer<BenchResultModel> model_;
    QHorizontalStackedBarSeries* series_;
    QBarSet* key_measured_ = nullptr;  // legend-only sets (all zeros) that key solid vs hatched
    QBarSet* key_estimated_ = nullptr;
    QBarCategoryAxis* x_;
    QValueAxis* y_;
    QList<QBarSet*> sets_;
    double scale_ = 1;   // energy: joules -> axis unit
    QString unit_;
};

// FPGA resources (MODELLED): per engine, one network instance's LUT, FF, BRAM36, URAM and DSP as a
// share of the part, one bar per resource; each engine's label gives its instances per chip and the
// resource that limits them. Reads an FpgaPlanModel.
class ResourceChartView : public QChartView {
    Q_OBJECT
public:
    explicit ResourceChartView(QWidget* parent = nullptr);
    void setModel(FpgaPlanModel* model);
    QStringList categories() const; // one per engine, top to bottom
    const QList<QBarSet*>& barSets() const { return sets_; } // LUT, FF, BRAM36, URAM, DSP

private:
    void rebuild();

    QPointer<FpgaPlanModel> model_;
    QHorizontalBarSeries* series_;
    QBarCategoryAxis* categories_;
    QValueAxis* share_;
    QList<QBarSet*> sets_;
};

// A brush with diagonal hatching over a light tint: how an estimated figure is drawn.
QBrush hatchedBrush(const QColor& color);

} // namespace gui
