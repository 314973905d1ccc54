// The FPGA plan view's pipeline intervals (issue 18): per engine, the baseline design and the
// balanced one `sparsescope-cli fpga-plan --optimise` chooses, from ss::fpga::explore. Qt Core
// only; every figure MODELLED (docs/fpga-model.md §6).
#pragma once

#include "engines/quantised.h"
#include "fpga/model/perf_model.h"
#include "model/model.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

namespace gui {

struct FpgaIntervals {
    QString part, part_name, objective;
    QString error;                                    // why there is nothing to show
    std::vector<ss::fpga::Exploration> explorations; // one per engine with FPGA kernels, in the order asked
};

// Quantises `model` and explores each engine of `engines` (those without FPGA kernels are left
// out) on `part` ("u250", "zu3eg") for `objective`.
FpgaIntervals exploreFpgaIntervals(const ss::Model& model, const QString& part, const QStringList& engines,
                                   ss::fpga::Objective objective = ss::fpga::Objective::Throughput);

// The same, quantising a model once and reusing it while the model stays the same (quantising takes
// about a second; exploring three engines a few milliseconds).
class FpgaIntervalPlanner {
public:
    FpgaIntervals plan(const std::shared_ptr<const ss::Model>& model, const QString& part, const QStringList& engines,
                       ss::fpga::Objective objective = ss::fpga::Objective::Throughput);

private:
    std::shared_ptr<const ss::Model> model_;
    std::optional<ss::q8::QNet> net_;
    QString error_;
};

} // namespace gui
