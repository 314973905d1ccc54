#include "guicore/fpgaintervals.h"


namespace gui {

namespace {
FpgaIntervals exploreNet(const ss::q8::QNet& net, const QString& part, const QStringList& engines, ss::fpga::Objective objective)
{
    FpgaIntervals out;
    out.part = part;
    out.objective = QString::fromLatin1(ss::fpga::objectiveName(objective));
    const ss::fpga::Part* p = ss::fpga::findPart(part.toStdString());
    if (!p) {
        out.error = QStringLiteral("Unknown FPGA part '%1'.").arg(part);
        return out;
    }
    out.part_name = QString::fromStdString(p->name);
    for (const auto& e : engines) {
        ss::fpga::Variant v;
        if (ss::fpga::variantFromEngine(e.toStdString(), &v))
            out.explorations.push_back(ss::fpga::explore(net, v, *p, objective));
    }
    if (out.explorations.empty())
        out.error = QStringLiteral("None of the chosen engines has FPGA kernels (dense, sparse-dense and sparse-sparse do).");
    return out;
}
} // namespace

FpgaIntervals exploreFpgaIntervals(const ss::Model& model, const QString& part, const QStringList& engines, ss::fpga::Objective objective)
{
    auto net = ss::q8::quantise(model);
    if (!net) {
        FpgaIntervals out;
        out.part = part;
        out.error = QString::fromStdString(net.message());
        return out;
    }
    return exploreNet(*net, part, engines, objective);
}

FpgaIntervals FpgaIntervalPlanner::plan(const std::shared_ptr<const ss::Model>& model, const QString& part, const QStringList& engines,
                                        ss::fpga::Objective objective)
{
    if (!model || part.isEmpty())
        return {};
    if (model != model_) {
        model_ = model;
        net_.reset();
        error_.clear();
        auto net = ss::q8::quantise(*model);
        if (net)
            net_ = std::move(*net);
        else
            error_ = QString::fromStdString(net.message());
    }
    if (!net_) {
        FpgaIntervals out;
        out.part = part;
        out.error = error_;
        return out;
    }
    return exploreNet(*net_, part, engines, objective);
}

} // namespace gui
