#include "model/model.h"

#include <cmath>
#include <sstream>

namespace ss {

std::string shapeToString(const Shape& s)
{
    std::ostringstream os;
    os << '[';
    for (size_t i = 0; i < s.size(); ++i)
        os << (i ? ", " : "") << s[i];
    os << ']';
    return os.str();
}

std::string ActShape::toString() const
{
    std::ostringstream os;
    if (h == 1 && w == 1)
        os << c;
    else
        os << c << "x" << h << "x" << w;
    return os.str();
}

namespace {
struct KindName {
    LayerKind kind;
    const char* name;
};
constexpr KindName kKinds[] = {
    {LayerKind::Conv2d, "Conv2d"},         {LayerKind::Linear, "Linear"},
    {LayerKind::MaxPool2d, "MaxPool2d"},   {LayerKind::BatchNorm, "BatchNorm"},
    {LayerKind::ReLU, "ReLU"},             {LayerKind::KWinners, "KWinners"},
    {LayerKind::KWinners2d, "KWinners2d"}, {LayerKind::Flatten, "Flatten"},
    {LayerKind::LogSoftmax, "LogSoftmax"},
};
} // namespace

const char* layerKindName(LayerKind k)
{
    for (const auto& kn : kKinds)
        if (kn.kind == k)
            return kn.name;
    return "?";
}

bool parseLayerKind(const std::string& s, LayerKind* out)
{
    for (const auto& kn : kKinds)
        if (s == kn.name) {
            *out = kn.kind;
            return true;
        }
    // PyTorch spellings users write by hand
    if (s == "BatchNorm1d" || s == "BatchNorm2d") {
        *out = LayerKind::BatchNorm;
        return true;
    }
    return false;
}

double Layer::macsDense() const
{
    if (kind == LayerKind::Conv2d)
        return double(out_shape.c) * out_shape.h * out_shape.w * fanIn();
    if (kind == LayerKind::Linear)
        return double(in_features) * out_features;
    return 0.0;
}

Status Model::inferShapes()
{
    if (input.c <= 0 || input.h <= 0 || input.w <= 0)
        return badInput("The model's input shape " + input.toString() + " is not positive.", "input_shape");
    if (input.c > kMaxExtent || input.h > kMaxExtent || input.w > kMaxExtent || input.size() > kMaxValuesPerItem)
        return badInput("The model's input shape " + input.toString() + " holds more than the " +
                            std::to_string(kMaxValuesPerItem) + " values per item SparseScope allows.", "input_shape");
    ActShape s = input;
    bool flat = (input.h == 1 && input.w == 1);
    for (auto& L : layers) {
        L.in_shape = s;
        const std::string where = L.name;
        auto fail = [&](const std::string& what) {
            return badInput("Layer '" + L.name + "' (" + layerKindName(L.kind) + ") " + what, where);
        };
        // Shape arithmetic in 64 bits; every figure is checked against the limits before it is
        // narrowed back to int, so no engine's index arithmetic can overflow.
        auto tooLarge = [&](const std::string& what, int64_t values) {
            return fail(what + " " + std::to_string(values) + " values per item (" + std::to_string((values * 4) >> 20) +
                        " MiB), more than the " + std::to_string(kMaxValuesPerItem) + " SparseScope allows.");
        };
        switch (L.kind) {
        case LayerKind::Conv2d: {
            if (flat && !(s.h > 1 || s.w > 1) && L.kernel_h > 1)
                return fail("needs a C x H x W input but gets a flat vector of " + std::to_string(s.size()) + ".");
            if (L.in_channels != s.c)
                return fail("expects " + std::to_string(L.in_channels) + " input channels but gets " +
                            std::to_string(s.c) + ".");
            if (L.kernel_h <= 0 || L.kernel_w <= 0 || L.stride <= 0 || L.padding < 0 || L.out_channels <= 0)
                return fail("has a non-positive kernel, stride or channel count, or a negative padding.");
            if (L.kernel_h > kMaxExtent || L.kernel_w > kMaxExtent || L.stride > kMaxExtent || L.padding > kMaxExtent ||
                L.out_channels > kMaxExtent)
                return fail("has a kernel, stride, padding or channel count above " + std::to_string(kMaxExtent) + ".");
            const int64_t ph = int64_t(s.h) + 2 * int64_t(L.padding), pw = int64_t(s.w) + 2 * int64_t(L.padding);
            if (ph > kMaxExtent || pw > kMaxExtent || int64_t(s.c) * ph * pw > kMaxValuesPerItem)
                return tooLarge("pads its " + s.toString() + " input with " + std::to_string(L.padding) + " to", int64_t(s.c) * ph * pw);
            const int64_t fan_in = int64_t(L.in_channels) * L.kernel_h * L.kernel_w;
            if (fan_in * L.out_channels > kMaxWeightsPerLayer)
                return fail("has " + std::to_string(fan_in * L.out_channels) + " weights, more than the " +
                            std::to_string(kMaxWeightsPerLayer) + " SparseScope allows per layer.");
            const int64_t oh = (ph - L.kernel_h) / L.stride + 1;
            const int64_t ow = (pw - L.kernel_w) / L.stride + 1;
            if (ph < L.kernel_h || pw < L.kernel_w || oh <= 0 || ow <= 0)
                return fail("has a " + std::to_string(L.kernel_h) + "x" + std::to_string(L.kernel_w) +
                            " kernel larger than its padded " + s.toString() + " input.");
            if (int64_t(L.out_channels) * oh * ow > kMaxValuesPerItem)
                return tooLarge("produces", int64_t(L.out_channels) * oh * ow);
            s = {L.out_channels, int(oh), int(ow)};
            break;
        }
        case LayerKind::Linear:
            if (L.in_features != s.size())
                return fail("expects " + std::to_string(L.in_features) + " input features but gets " +
                            std::to_string(s.size()) + " (" + s.toString() + ").");
            if (L.out_features <= 0)
                return fail("has no outputs.");
            if (int64_t(L.out_features) > kMaxValuesPerItem)
                return tooLarge("produces", L.out_features);
            if (int64_t(L.in_features) * L.out_features > kMaxWeightsPerLayer)
                return fail("has " + std::to_string(int64_t(L.in_features) * L.out_features) + " weights, more than the " +
                            std::to_string(kMaxWeightsPerLayer) + " SparseScope allows per layer.");
            s = {L.out_features, 1, 1};
            flat = true;
            break;
        case LayerKind::MaxPool2d: {
            if (L.pool_kernel <= 0 || L.pool_stride <= 0)
                return fail("has a non-positive kernel or stride.");
            if (L.pool_kernel > s.h || L.pool_kernel > s.w)
                return fail("pools a " + s.toString() + " input with a kernel of " + std::to_string(L.pool_kernel) + ".");
            const int64_t oh = (int64_t(s.h) - L.pool_kernel) / L.pool_stride + 1;
            const int64_t ow = (int64_t(s.w) - L.pool_kernel) / L.pool_stride + 1;
            s = {s.c, int(oh), int(ow)};
            break;
        }
        case LayerKind::BatchNorm:
            if (L.num_features != s.c)
                return fail("normalises " + std::to_string(L.num_features) + " features but gets " +
                            std::to_string(s.c) + " channels.");
            break;
        case LayerKind::KWinners:
        case LayerKind::KWinners2d: {
            const int n = (L.kind == LayerKind::KWinners2d && L.local) ? s.c : int(s.size());
            if (L.kind == LayerKind::KWinners2d && L.num_features != 0 && L.num_features != s.c)
                return fail("has " + std::to_string(L.num_features) + " channels but gets " + std::to_string(s.c) + ".");
            // nupic.torch: int(round(...)); Python's round() rounds half to even, as nearbyint does.
            // Computed in double and range-checked before the conversion to int.
            auto toK = [&](double v) { return std::isfinite(v) && v >= 0 && v <= double(n) + 1 ? int(v) : n + 1; };
            if (L.k <= 0)
                L.k = toK(std::nearbyint(double(n) * L.percent_on));
            if (L.k_inference <= 0)
                L.k_inference = (L.kind == LayerKind::KWinners)
                                    ? toK(std::trunc(double(L.k) * L.k_inference_factor))
                                    : toK(std::nearbyint(double(n) * L.percent_on * L.k_inference_factor));
            if (L.k <= 0 || L.k_inference <= 0 || L.k_inference > n)
                return fail("keeps k=" + std::to_string(L.k_inference) + " winners of " + std::to_string(n) +
                            " units; k must be between 1 and the number of units.");
            break;
        }
        case LayerKind::Flatten:
            s = {int(s.size()), 1, 1};
            flat = true;
            break;
        case LayerKind::ReLU:
        case LayerKind::LogSoftmax:
            break;
        }
        L.out_shape = s;
    }
    if (!layers.empty() && !classes.empty() && layers.back().out_shape.size() != int64_t(classes.size()))
        return badInput("The network ends with " + std::to_string(layers.back().out_shape.size()) +
                            " outputs but the model names " + std::to_string(classes.size()) + " classes.",
                        layers.back().name);
    return Status::ok();
}

const Layer* Model::find(const std::string& n) const
{
    for (const auto& L : layers)
        if (L.name == n)
            return &L;
    return nullptr;
}

double Model::macsDense() const
{
    double m = 0;
    for (const auto& L : layers)
        m += L.macsDense();
    return m;
}

bool Model::trained() const
{
    auto it = info.find("trained");
    return it != info.end() && it->second == "true";
}

} // namespace ss
