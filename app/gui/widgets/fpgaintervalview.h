// The FPGA plan view's pipeline bars (issue 18): per engine, every stage of the network as a bar of
// its interval (cycles per item, log scale), the baseline design above the balanced one, the
// bottleneck of each marked. Displays gui::FpgaIntervals; every figure MODELLED.
#pragma once

#include "guicore/fpgaintervals.h"

#include <QWidget>

namespace gui {

class FpgaIntervalView : public QWidget {
    Q_OBJECT
public:
    explicit FpgaIntervalView(QWidget* parent = nullptr);

    void setIntervals(FpgaIntervals intervals);
    // Plans `engines` of `model` on `part` (quantised once per model) and shows them; an empty part
    // or no model clears the view.
    void setPlan(const std::shared_ptr<const ss::Model>& model, const QString& part, const QStringList& engines);
    const FpgaIntervals& intervals() const { return data_; }

    static const QColor kBottleneck; // outline of the slowest stage's bar

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    int contentHeight() const;
    FpgaIntervals data_;
    FpgaIntervalPlanner planner_;
};

} // namespace gui
