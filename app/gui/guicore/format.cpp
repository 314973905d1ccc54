#include "guicore/format.h"

#include "bench/runner.h"

#include <QCoreApplication>

#include <cmath>

namespace gui {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QString humanCount(double v)
{
    const double a = std::abs(v);
    if (a >= 1e9)
        return QString::number(v / 1e9, 'f', 2) + QStringLiteral(" G");
    if (a >= 1e6)
        return QString::number(v / 1e6, 'f', 2) + QStringLiteral(" M");
    if (a >= 1e3)
        return QString::number(v / 1e3, 'f', 1) + QStringLiteral(" k");
    return QString::number(v, 'f', 0);
}

QString density(double v) { return QString::number(v, 'g', 3); }

QString times(double v)
{
    return QString::number(v, 'f', v >= 100 ? 0 : (v >= 10 ? 1 : 2)) + QStringLiteral("×");
}

QString itemsPerSecond(double v)
{
    return QString::number(v, 'f', v >= 1000 ? 0 : 1) + QStringLiteral(" items/s");
}

QString joules(double j)
{
    const double a = std::abs(j);
    if (a == 0)
        return QStringLiteral("0 J");
    if (a >= 1)
        return QString::number(j, 'g', 3) + QStringLiteral(" J");
    if (a >= 1e-3)
        return QString::number(j * 1e3, 'g', 3) + QStringLiteral(" mJ");
    if (a >= 1e-6)
        return QString::number(j * 1e6, 'g', 3) + QStringLiteral(" µJ");
    return QString::number(j * 1e9, 'g', 3) + QStringLiteral(" nJ");
}

QString percent(double fraction) { return QString::number(100.0 * fraction, 'f', 1) + QStringLiteral("%"); }

QString percentOfBoundDefinition()
{
    return QCoreApplication::translate(
        "Format",
        "× dense: the engine's measured throughput over dense's, run side by side (a time ratio).\n"
        "Bound: dense MACs over the bound's MACs, where the bound is a·w of dense per layer (a MAC ratio): the speed-up of "
        "an engine doing only the bound's work at dense's time per MAC. a is the model's activation density (k/n of the "
        "k-WTA feeding the layer, 1 for the spectrogram), as in the Model tab, so the bound of a model is the same on "
        "every device and for every engine. (The engines measure a too; the per-layer table shows it. On the CPU it equals "
        "the model's; on fpga-sim the int8 spectrogram rounds small values to zero, which lowers cnn1's measured a — a "
        "quantisation artefact, not activation sparsity, so it does not move the bound.)\n"
        "% of bound = × dense ÷ bound. It can exceed 100%: the bound counts MACs only, while dense's time also holds work "
        "a sparse engine skips or does faster (loading zero weights, im2col copies, its own per-layer overheads). Above "
        "100% says dense spends more than its MACs, not that an engine did less than the least work.");
}

namespace {
std::string firstLayer(const std::string& fused) { return fused.substr(0, fused.find('+')); }
} // namespace

std::optional<double> modelInputDensity(const ss::BenchContext& context, const std::string& layer)
{
    const std::string name = firstLayer(layer);
    for (const ss::ModelLayerInfo& l : context.model_layers)
        if (l.name == name && l.macs_dense > 0)
            return l.input_density;
    return std::nullopt;
}

std::optional<double> modelBoundMacs(const ss::BenchContext& context, const ss::LayerResult& layer)
{
    if (!layer.stats.weighted)
        return std::nullopt;
    const auto a = modelInputDensity(context, layer.stats.layer);
    if (!a)
        return std::nullopt;
    return layer.stats.macs_dense * layer.stats.weight_density * *a;
}

double modelBoundSpeedup(const ss::BenchContext& context, const ss::BenchResult& result)
{
    double dense = 0, bound = 0;
    for (const ss::ModelLayerInfo& l : context.model_layers) {
        dense += l.macs_dense;
        bound += l.macs_bound;
    }
    if (dense > 0 && bound > 0)
        return dense / bound;
    return result.macs_bound > 0 ? result.macs_dense / result.macs_bound : 0.0;
}

} // namespace gui
