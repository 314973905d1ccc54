// q8: the int8 fixed-point network, run on the CPU with plain loops (see quantised.h). It is the
// golden model of the FPGA kernels (fpga/hls): same integers, independent code.
#include "engines/quantised.h"

#include "engines/engines.h"
#include "sparsity/kwinners.h"
#include "util/splitmix.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

namespace ss::q8 {

int8_t quantiseValue(float x, float scale)
{
    const double q = std::round(double(x) / double(scale)); // half away from zero
    return int8_t(std::clamp(q, -128.0, 127.0));
}

void multiplierFromReal(double m, int32_t* mult, int* shift)
{
    if (!(m > 0) || m < std::ldexp(1.0, -31)) {
        *mult = 0;
        *shift = 1;
        return;
    }
    int e = 0;
    const double f = std::frexp(m, &e); // m = f * 2^e, f in [0.5, 1)
    int64_t q = std::llround(f * double(int64_t(1) << 31));
    if (q == (int64_t(1) << 31)) {
        q >>= 1;
        ++e;
    }
    int s = 31 - e;
    while (s > 62) { // very small multipliers: drop precision rather than overflow the shift
        q >>= 1;
        --s;
    }
    while (s < 1) { // m >= 2^30 cannot happen for sane scales; saturate the multiplier
        q = std::numeric_limits<int32_t>::max();
        s = 1;
    }
    *mult = int32_t(q);
    *shift = s;
}

namespace {

// Analytic activation range of a folded batch norm's output: running statistics standardise each
// channel, so 8 standard deviations (times |gamma|, plus |beta| when affine) cover it.
constexpr double kBnSigmas = 8.0;

double bnRange(const Layer& B)
{
    if (!B.affine)
        return kBnSigmas;
    double r = 0;
    for (int c = 0; c < B.num_features; ++c)
        r = std::max(r, kBnSigmas * std::abs(double(B.bn_weight.data[size_t(c)])) + std::abs(double(B.bn_bias.data[size_t(c)])));
    return r > 0 ? r : kBnSigmas;
}

// Float forward of one weighted step with float folded weights (for calibration only).
void floatWeighted(const QWeighted& w, const std::vector<float>& wf, const std::vector<float>& bf, const std::vector<float>& in,
                   std::vector<float>& out)
{
    const int OHW = w.out_h * w.out_w;
    out.assign(size_t(w.M) * OHW, 0.0f);
    for (int o = 0; o < w.M; ++o)
        for (int p = 0; p < OHW; ++p)
            out[size_t(o) * OHW + p] = bf[size_t(o)];
    if (!w.conv) {
        for (int o = 0; o < w.M; ++o) {
            double s = bf[size_t(o)];
            for (int n = 0; n < w.N; ++n)
                s += double(wf[size_t(o) * w.N + n]) * in[size_t(n)];
            out[size_t(o)] = float(w.relu ? std::max(0.0, s) : s);
        }
        return;
    }
    for (int o = 0; o < w.M; ++o)
        for (int oy = 0; oy < w.out_h; ++oy)
            for (int ox = 0; ox < w.out_w; ++ox) {
                double s = bf[size_t(o)];
                for (int c = 0; c < w.cin; ++c)
                    for (int dy = 0; dy < w.kh; ++dy)
                        for (int dx = 0; dx < w.kw; ++dx) {
                            const int y = oy * w.stride + dy - w.pad, x = ox * w.stride + dx - w.pad;
                            if (y < 0 || x < 0 || y >= w.in_h || x >= w.in_w)
                                continue;
                            s += double(wf[size_t(o) * w.N + (c * w.kh + dy) * w.kw + dx]) * in[(size_t(c) * w.in_h + y) * w.in_w + x];
                        }
                out[size_t(o) * OHW + oy * w.out_w + ox] = float(w.relu ? std::max(0.0, s) : s);
            }
}

void floatPool(const QPool& p, const std::vector<float>& in, std::vector<float>& out)
{
    out.assign(size_t(p.C) * p.out_h * p.out_w, 0.0f);
    for (int c = 0; c < p.C; ++c)
        for (int oy = 0; oy < p.out_h; ++oy)
            for (int ox = 0; ox < p.out_w; ++ox) {
                float m = -std::numeric_limits<float>::infinity();
                for (int dy = 0; dy < p.k; ++dy)
                    for (int dx = 0; dx < p.k; ++dx)
                        m = std::max(m, in[(size_t(c) * p.H + oy * p.stride + dy) * p.W + ox * p.stride + dx]);
                out[(size_t(c) * p.out_h + oy) * p.out_w + ox] = m;
            }
}

// The range of an activation on calibration data: the given percentile of |x| over all items.
double percentileRange(const std::vector<std::vector<float>>& xs, double percentile)
{
    std::vector<float> a;
    for (const auto& x : xs)
        for (float v : x)
            a.push_back(std::abs(v));
    if (a.empty())
        return 0;
    if (percentile >= 100)
        return *std::max_element(a.begin(), a.end());
    const size_t j = std::min(a.size() - 1, size_t(std::ceil(std::max(0.0, percentile) / 100.0 * double(a.size()))) - (percentile > 0 ? 1 : 0));
    std::nth_element(a.begin(), a.begin() + int64_t(j), a.end());
    return a[j];
}

// Deterministic pseudo-random items uniform in [-range, 0] (SplitMix64; the same on every platform).
std::vector<float> domainItems(int items, int64_t item, double range)
{
    std::vector<float> x(size_t(items) * size_t(item));
    SplitMix64 rng(0x5353516338ull); // fixed seed
    for (auto& v : x)
        v = float(-range * rng.uniform());
    return x;
}

void floatKwta(const QKwta& k, std::vector<float>& x)
{
    std::vector<int> idx(x.size());
    std::iota(idx.begin(), idx.end(), 0);
    auto key = [&](int i) { return double(x[size_t(i)]) * k.boost[size_t(i)]; };
    if (k.k >= int(x.size()))
        return;
    std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return key(a) > key(b); });
    std::vector<float> y(x.size(), 0.0f);
    for (int i = 0; i < k.k; ++i)
        y[size_t(idx[size_t(i)])] = x[size_t(idx[size_t(i)])];
    x.swap(y);
}

} // namespace

Result<QNet> quantise(const Model& model, const QuantOptions& options)
{
    QNet net;
    net.input = model.input;
    net.classes = model.numClasses();
    const int64_t item = model.input.size();
    if (!options.calibration.empty() && (options.calibration.size() < size_t(item) || options.calibration.size() % size_t(item) != 0))
        return badInput("Calibration data must be whole items of " + model.input.toString() + ".");
    // Input scale: log-mel features are dB below the clip's maximum, in [-top_db, 0].
    double in_range = model.audio.top_db > 0 ? model.audio.top_db : 80.0;
    // A trained model's batch-norm running statistics are per-channel statistics of its training
    // data, so the analytic rules below are calibrated on the train split already; the data-free
    // items (white noise over the input domain, far from any spectrogram) would only widen the
    // ranges (measured: 2.5x at gsc-cs's conv1, one point of q8/fp32 agreement on the validation
    // split; docs/fpga-model.md). They stay for untrained models, whose statistics mean nothing.
    const bool data_free = options.calibration.empty() && options.synthetic_items > 0 && !model.trained();
    const std::vector<float> free_items = data_free ? domainItems(options.synthetic_items, item, in_range) : std::vector<float>{};
    const std::vector<float>& cal_data = data_free ? free_items : options.calibration;
    const int n_cal = int(cal_data.size() / size_t(item));
    const double pct = options.percentile;
    net.scale_source = data_free ? "analytic + data-free (" + std::to_string(n_cal) + " items uniform over the input domain)"
                       : n_cal   ? "calibrated on " + std::to_string(n_cal) + " inputs"
                                 : "analytic";

    int last_weighted = -1;
    for (size_t i = 0; i < model.layers.size(); ++i)
        if (model.layers[i].hasWeights())
            last_weighted = int(i);
    if (last_weighted < 0)
        return unsupported("The model has no conv or linear layer to run on the fixed-point kernels.");

    std::vector<std::vector<float>> cal(static_cast<size_t>(n_cal));
    for (int c = 0; c < n_cal; ++c)
        cal[size_t(c)].assign(cal_data.begin() + c * item, cal_data.begin() + (c + 1) * item);
    // Centred input: log-mel dB lie in [-top_db, 0], one-sided, so a symmetric int8 grid over
    // [-top_db, top_db] would leave half its codes unused. When the first layer is a linear or an
    // unpadded conv (every output sees every tap, no zero padding), the input is shifted by
    // +top_db/2 before quantising and the shift is folded into that layer's bias
    // (b' = b - offset * sum_n W'[o][n]): the grid step halves, nothing changes for the kernels.
    const Layer& first = model.layers.front();
    const bool centre = options.centre_input && first.hasWeights() && (first.kind == LayerKind::Linear || first.padding == 0);
    double offset = 0;
    if (centre) {
        if (n_cal && !data_free) {
            float lo = cal[0][0], hi = cal[0][0];
            for (const auto& x : cal)
                for (float v : x) {
                    lo = std::min(lo, v);
                    hi = std::max(hi, v);
                }
            offset = -0.5 * (double(lo) + double(hi));
        } else {
            offset = 0.5 * in_range;
        }
        for (auto& x : cal)
            for (auto& v : x)
                v = float(double(v) + offset);
        in_range *= 0.5;
    }
    net.input_offset = float(offset);
    if (n_cal && !data_free) {
        in_range = percentileRange(cal, pct);
        if (in_range <= 0)
            in_range = 1;
    }
    net.input_scale = float(in_range / 127.0);
    float cur_scale = net.input_scale;
    bool sparse_src = false;

    for (size_t i = 0; i < model.layers.size(); ++i) {
        const Layer& L = model.layers[i];
        QStep st;
        st.name = L.name;
        st.in = L.in_shape;
        switch (L.kind) {
        case LayerKind::Conv2d:
        case LayerKind::Linear: {
            st.op = QOp::Weighted;
            QWeighted& w = st.w;
            w.conv = L.kind == LayerKind::Conv2d;
            w.M = L.outputs();
            w.N = L.fanIn();
            if (w.conv) {
                w.cin = L.in_channels;
                w.in_h = L.in_shape.h;
                w.in_w = L.in_shape.w;
                w.kh = L.kernel_h;
                w.kw = L.kernel_w;
                w.stride = L.stride;
                w.pad = L.padding;
                w.out_h = L.out_shape.h;
                w.out_w = L.out_shape.w;
            } else {
                w.cin = w.N;
            }
            w.P = std::max(1, L.group_size);
            w.weight_density = L.weight_density;
            w.input_sparse = sparse_src;
            std::vector<double> scale(size_t(w.M), 1.0), shift(size_t(w.M), 0.0);
            for (int o = 0; o < w.M; ++o)
                shift[size_t(o)] = L.bias.empty() ? 0.0 : L.bias.data[size_t(o)];
            double out_range = -1;
            st.out = L.out_shape;
            if (i + 1 < model.layers.size() && model.layers[i + 1].kind == LayerKind::BatchNorm) {
                const Layer& B = model.layers[++i];
                st.name += "+" + B.name;
                for (int o = 0; o < w.M; ++o) {
                    const double inv = 1.0 / std::sqrt(double(B.running_var.data[size_t(o)]) + B.eps);
                    const double g = B.affine ? B.bn_weight.data[size_t(o)] : 1.0;
                    const double beta = B.affine ? B.bn_bias.data[size_t(o)] : 0.0;
                    scale[size_t(o)] = inv * g;
                    shift[size_t(o)] = (shift[size_t(o)] - B.running_mean.data[size_t(o)]) * inv * g + beta;
                }
                out_range = bnRange(B);
                st.out = B.out_shape;
            }
            if (i + 1 < model.layers.size() && model.layers[i + 1].kind == LayerKind::ReLU) {
                st.name += "+" + model.layers[++i].name;
                w.relu = true;
            }
            const size_t MN = size_t(w.M) * w.N;
            std::vector<float> wf(MN), bf(size_t(w.M));
            w.mask.assign(MN, 1);
            std::vector<double> wmax(size_t(w.M), 0.0);
            for (size_t j = 0; j < MN; ++j) {
                const int o = int(j / size_t(w.N));
                const bool on = L.mask.empty() || L.mask.data[j] != 0.0f;
                w.mask[j] = on ? 1 : 0;
                wf[j] = on ? float(L.weight.data[j] * scale[size_t(o)]) : 0.0f;
                wmax[size_t(o)] = std::max(wmax[size_t(o)], double(std::abs(wf[j])));
            }
            for (int o = 0; o < w.M; ++o) {
                double b = shift[size_t(o)];
                if (net.steps.empty() && offset != 0) { // the first layer takes the input offset
                    double sw = 0;
                    for (int n = 0; n < w.N; ++n)
                        sw += double(wf[size_t(o) * w.N + n]);
                    b -= offset * sw;
                }
                bf[size_t(o)] = float(b);
            }
            w.in_scale = cur_scale;
            // Weight scales: one per output channel (the folded batch norm gives every channel its own
            // range), or one per layer. An all-zero channel keeps scale 1 (its weights quantise to 0).
            const double layer_max = *std::max_element(wmax.begin(), wmax.end());
            w.w_scale.resize(size_t(w.M));
            for (int o = 0; o < w.M; ++o) {
                const double m = options.per_channel_weights ? wmax[size_t(o)] : layer_max;
                w.w_scale[size_t(o)] = float(m > 0 ? m / 127.0 : 1.0);
            }
            w.weight.resize(MN);
            for (size_t j = 0; j < MN; ++j)
                w.weight[j] = quantiseValue(wf[j], w.w_scale[j / size_t(w.N)]);
            // The int32 accumulators start at the bias and add up to N products of two int8 values
            // (|product| <= 128 * 128): the bias is saturated so that no sum can overflow, here or in
            // the FPGA kernels that take the same integers.
            const double headroom = double(w.N) * 128.0 * 128.0;
            const double bias_limit = 2147483647.0 - headroom;
            if (bias_limit < 0)
                return unsupported("Layer '" + L.name + "' has a fan-in of " + std::to_string(w.N) +
                                       "; the fixed-point kernels' int32 accumulators hold at most 131071 int8 products.",
                                   L.name);
            std::vector<double> acc_scale(size_t(w.M));
            w.bias.resize(size_t(w.M));
            for (int o = 0; o < w.M; ++o) {
                acc_scale[size_t(o)] = double(w.in_scale) * double(w.w_scale[size_t(o)]);
                const double b = std::round(double(bf[size_t(o)]) / acc_scale[size_t(o)]);
                w.bias[size_t(o)] = int32_t(std::clamp(b, -bias_limit, bias_limit));
            }
            // Complementarity of the declared groups (every fan-in position owned at most once).
            if (w.P > 1) {
                w.complementary = true;
                const int G = (w.M + w.P - 1) / w.P;
                for (int g = 0; g < G && w.complementary; ++g)
                    for (int n = 0; n < w.N && w.complementary; ++n) {
                        int owners = 0;
                        for (int r = 0; r < w.P && g * w.P + r < w.M; ++r)
                            owners += w.mask[size_t(g * w.P + r) * w.N + n];
                        if (owners > 1)
                            w.complementary = false;
                    }
            }
            if (int(i) >= last_weighted) {
                w.raw_out = true;
                w.dequant = acc_scale;
                w.out_scale = 0;
            }
            double measured = -1;
            if (n_cal && !w.raw_out) {
                // The fp32 (folded, unquantised) layer on the calibration items, propagated onwards.
                for (auto& x : cal) {
                    std::vector<float> y;
                    floatWeighted(w, wf, bf, x, y);
                    x.swap(y);
                }
                measured = percentileRange(cal, pct);
            }
            if (n_cal && !data_free) {
                out_range = measured > 0 ? measured : 1.0;
            } else if (out_range < 0) {
                // No batch norm to standardise the output: bound it by the largest weight-vector norm.
                double m = 0;
                for (int o = 0; o < w.M; ++o) {
                    double s = 0;
                    for (int n = 0; n < w.N; ++n)
                        s += double(wf[size_t(o) * w.N + n]) * wf[size_t(o) * w.N + n];
                    m = std::max(m, std::sqrt(s) * 127.0 * cur_scale + std::abs(double(bf[size_t(o)])));
                }
                out_range = m > 0 ? m : 1.0;
            }
            // Data-free: never below what the fp32 model itself produces on inputs of the declared domain.
            if (data_free)
                out_range = std::max(out_range, measured);
            // Requantisation multiplier per output; the raw last layer takes none (mult 0, shift 1).
            w.mult.assign(size_t(w.M), 0);
            w.shift.assign(size_t(w.M), 1);
            if (!w.raw_out) {
                w.out_scale = float(out_range / 127.0);
                for (int o = 0; o < w.M; ++o) {
                    int sh = 1;
                    multiplierFromReal(acc_scale[size_t(o)] / double(w.out_scale), &w.mult[size_t(o)], &sh);
                    w.shift[size_t(o)] = uint8_t(sh);
                }
                cur_scale = w.out_scale;
            }
            sparse_src = false;
            break;
        }
        case LayerKind::MaxPool2d: {
            st.op = QOp::MaxPool;
            st.out = L.out_shape;
            st.pool = {L.in_shape.c, L.in_shape.h, L.in_shape.w, L.pool_kernel, L.pool_stride, L.out_shape.h, L.out_shape.w};
            if (n_cal)
                for (auto& x : cal) {
                    std::vector<float> y;
                    floatPool(st.pool, x, y);
                    x.swap(y);
                }
            // conv -> (BN) -> max-pool -> ReLU: max-pool and ReLU commute (max is monotone), so the
            // ReLU folds into the conv's requantisation: clamping at 0 before the pool gives what clamping after it does.
            if (i + 1 < model.layers.size() && model.layers[i + 1].kind == LayerKind::ReLU && !net.steps.empty() &&
                net.steps.back().op == QOp::Weighted && !net.steps.back().w.relu && !net.steps.back().w.raw_out) {
                QStep& prev = net.steps.back();
                prev.w.relu = true;
                prev.name += "+" + model.layers[i + 1].name;
                ++i;
                for (auto& x : cal)
                    for (auto& v : x)
                        v = std::max(v, 0.0f);
            }
            break;
        }
        case LayerKind::KWinners:
        case LayerKind::KWinners2d: {
            if (L.kind == LayerKind::KWinners2d && L.local)
                return unsupported("Layer '" + L.name + "' is a local (per-position) k-WTA; the fixed-point Select unit runs global k-WTA only.", L.name);
            st.op = QOp::Kwta;
            st.out = L.out_shape;
            const int n = int(L.in_shape.size());
            const int HW = L.in_shape.h * L.in_shape.w;
            st.kwta.n = n;
            st.kwta.k = L.k_inference;
            st.kwta.boost.assign(size_t(n), 256);
            if (L.boost_strength > 0 && !L.duty_cycles.empty()) {
                const double target = double(L.k_inference) / n;
                for (int j = 0; j < n; ++j) {
                    const int unit = L.kind == LayerKind::KWinners2d ? j / HW : j;
                    float b = 1;
                    boostFactors(L.duty_cycles.ptr() + unit, 1, target, L.boost_strength, &b);
                    st.kwta.boost[size_t(j)] = uint16_t(std::clamp<long>(std::lround(double(b) * 256.0), 1, 65535));
                }
            }
            if (n_cal)
                for (auto& x : cal)
                    floatKwta(st.kwta, x);
            sparse_src = true;
            break;
        }
        case LayerKind::Flatten:
            continue; // (C,H,W) memory is already flat
        case LayerKind::LogSoftmax:
            if (int(i) != int(model.layers.size()) - 1)
                return unsupported("Layer '" + L.name + "': log-softmax is supported only as the last layer on the fixed-point path.", L.name);
            net.log_softmax = true;
            continue;
        case LayerKind::BatchNorm:
            return unsupported("Layer '" + L.name + "' is a batch norm not right after a conv or linear; the fixed-point path folds batch norms only.", L.name);
        case LayerKind::ReLU:
            return unsupported("Layer '" + L.name + "' is a ReLU not right after a conv/linear (+batch norm); the fixed-point path folds ReLUs only.", L.name);
        }
        if (int(i) > last_weighted && st.op != QOp::Weighted)
            return unsupported("Layer '" + L.name + "' follows the last conv/linear; the fixed-point path ends with raw class scores.", L.name);
        net.steps.push_back(std::move(st));
    }
    return net;
}

void quantiseInput(const QNet& net, const float* x, int8_t* out)
{
    const int64_t n = net.input.size();
    for (int64_t i = 0; i < n; ++i)
        out[i] = quantiseValue(x[i] + net.input_offset, net.input_scale);
}

namespace {
int64_t weightedForwardCount(const QWeighted& w, const int8_t* in, int8_t* out_q, int32_t* out_acc)
{
    const int OHW = w.out_h * w.out_w;
    std::vector<int32_t> acc(size_t(w.M) * OHW);
    for (int o = 0; o < w.M; ++o)
        std::fill(acc.begin() + size_t(o) * OHW, acc.begin() + size_t(o + 1) * OHW, w.bias[size_t(o)]);
    int64_t macs = 0;
    if (!w.conv) {
        for (int n = 0; n < w.N; ++n) {
            const int32_t v = in[n];
            if (v == 0)
                continue;
            for (int o = 0; o < w.M; ++o)
                acc[size_t(o)] += int32_t(w.weight[size_t(o) * w.N + n]) * v;
            macs += w.M;
        }
    } else {
        for (int c = 0; c < w.cin; ++c)
            for (int y = 0; y < w.in_h; ++y)
                for (int x = 0; x < w.in_w; ++x) {
                    const int32_t v = in[(size_t(c) * w.in_h + y) * w.in_w + x];
                    if (v == 0)
                        continue;
                    for (int dy = 0; dy < w.kh; ++dy) {
                        const int ty = y + w.pad - dy;
                        if (ty < 0 || ty % w.stride || ty / w.stride >= w.out_h)
                            continue;
                        for (int dx = 0; dx < w.kw; ++dx) {
                            const int tx = x + w.pad - dx;
                            if (tx < 0 || tx % w.stride || tx / w.stride >= w.out_w)
                                continue;
                            const int p = (ty / w.stride) * w.out_w + tx / w.stride;
                            const int n = (c * w.kh + dy) * w.kw + dx;
                            for (int o = 0; o < w.M; ++o)
                                acc[size_t(o) * OHW + p] += int32_t(w.weight[size_t(o) * w.N + n]) * v;
                            macs += w.M;
                        }
                    }
                }
    }
    const size_t total = acc.size();
    if (w.raw_out)
        std::copy(acc.begin(), acc.end(), out_acc);
    else
        for (size_t j = 0; j < total; ++j) {
            const size_t o = j / size_t(OHW);
            out_q[j] = requantise(acc[j], w.mult[o], w.shift[o], w.relu);
        }
    return macs;
}
} // namespace

void weightedForward(const QWeighted& w, const int8_t* in, int8_t* out_q, int32_t* out_acc)
{
    weightedForwardCount(w, in, out_q, out_acc);
}

void maxpoolForward(const QPool& p, const int8_t* in, int8_t* out)
{
    for (int c = 0; c < p.C; ++c)
        for (int oy = 0; oy < p.out_h; ++oy)
            for (int ox = 0; ox < p.out_w; ++ox) {
                int8_t m = -128;
                for (int dy = 0; dy < p.k; ++dy)
                    for (int dx = 0; dx < p.k; ++dx)
                        m = std::max(m, in[(size_t(c) * p.H + oy * p.stride + dy) * p.W + ox * p.stride + dx]);
                out[(size_t(c) * p.out_h + oy) * p.out_w + ox] = m;
            }
}

void kwtaForward(const QKwta& k, const int8_t* in, int8_t* out)
{
    const int n = k.n;
    if (k.k >= n) {
        std::copy(in, in + n, out);
        return;
    }
    std::fill(out, out + n, int8_t(0));
    if (k.k <= 0)
        return;
    std::vector<int32_t> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), 0);
    auto score = [&](int32_t i) { return int32_t(in[i]) * int32_t(k.boost[size_t(i)]); };
    std::nth_element(idx.begin(), idx.begin() + (k.k - 1), idx.end(), [&](int32_t a, int32_t b) {
        const int32_t sa = score(a), sb = score(b);
        return sa != sb ? sa > sb : a < b;
    });
    for (int j = 0; j < k.k; ++j)
        out[idx[size_t(j)]] = in[idx[size_t(j)]];
}

void finishLogits(const QNet& net, const int32_t* acc, float* logits)
{
    const QWeighted& last = net.steps.back().w;
    const int C = last.M;
    std::vector<double> z(static_cast<size_t>(C));
    for (int c = 0; c < C; ++c)
        z[size_t(c)] = double(acc[c]) * last.dequant[size_t(c)];
    if (net.log_softmax) {
        double m = -std::numeric_limits<double>::infinity();
        for (double v : z)
            m = std::max(m, v);
        double s = 0;
        for (double v : z)
            s += std::exp(v - m);
        const double lse = m + std::log(s);
        for (double& v : z)
            v -= lse;
    }
    for (int c = 0; c < C; ++c)
        logits[c] = float(z[size_t(c)]);
}

namespace {
size_t maxActivation(const QNet& net)
{
    size_t m = size_t(net.input.size());
    for (const auto& s : net.steps)
        m = std::max({m, size_t(s.in.size()), size_t(s.out.size())});
    return m;
}

// The engine: the fixed-point network on the CPU. Per-step stats like the pipeline engines'.
class Q8Engine final : public Engine {
public:
    std::string name() const override { return "q8"; }
    std::string isa() const override { return "scalar"; }
    Status prepare(const Model& model, const EngineOptions&) override
    {
        auto q = quantise(model);
        if (!q)
            return q.error();
        net_ = std::move(*q);
        a_.assign(maxActivation(net_), 0);
        b_.assign(a_.size(), 0);
        acc_.assign(a_.size(), 0);
        stats_.clear();
        for (const auto& s : net_.steps) {
            LayerStats st;
            st.layer = s.name;
            st.input_size = double(s.in.size());
            if (s.op == QOp::Weighted) {
                st.op = s.w.conv ? "conv2d" : "linear";
                st.kernel = std::string(s.w.conv ? "conv" : "linear") + ".i8.dense-zero-skip.scalar";
                st.note = "int8 fixed point (golden model of the FPGA kernels), " + net_.scale_source + " scales";
                st.weighted = true;
                st.weight_density = s.w.weight_density;
                st.macs_dense = double(s.w.M) * s.w.N * s.w.out_h * s.w.out_w;
            } else if (s.op == QOp::MaxPool) {
                st.op = "maxpool2d";
                st.kernel = "maxpool.i8.chw.scalar";
            } else {
                st.op = "kwinners";
                st.kernel = "kwinners.i8.sort.scalar";
            }
            stats_.push_back(st);
        }
        return Status::ok();
    }
    Status infer(const float* input, int batch, float* logits) override
    {
        if (net_.steps.empty())
            return runtimeError("The engine was not prepared.");
        if (batch <= 0)
            return badInput("The batch size must be at least 1.");
        for (int it = 0; it < batch; ++it) {
            quantiseInput(net_, input + size_t(it) * net_.input.size(), a_.data());
            for (size_t s = 0; s < net_.steps.size(); ++s) {
                const auto t0 = std::chrono::steady_clock::now();
                const QStep& st = net_.steps[s];
                LayerStats& ls = stats_[s];
                if (st.op == QOp::Weighted) {
                    int64_t nz = 0;
                    for (int64_t j = 0; j < st.in.size(); ++j)
                        nz += a_[size_t(j)] != 0;
                    ls.input_nonzeros += double(nz);
                    ls.macs_executed += double(weightedForwardCount(st.w, a_.data(), b_.data(), acc_.data()));
                } else {
                    ls.input_nonzeros += double(st.in.size());
                    if (st.op == QOp::MaxPool)
                        maxpoolForward(st.pool, a_.data(), b_.data());
                    else
                        kwtaForward(st.kwta, a_.data(), b_.data());
                }
                std::swap(a_, b_);
                ls.items += 1;
                ls.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            }
            finishLogits(net_, acc_.data(), logits + size_t(it) * net_.classes);
        }
        return Status::ok();
    }
    std::vector<LayerStats> layerStats() const override { return stats_; }
    void resetStats() override
    {
        for (auto& s : stats_) {
            s.items = 0;
            s.macs_executed = s.input_nonzeros = s.seconds = 0;
        }
    }

private:
    QNet net_;
    std::vector<int8_t> a_, b_;
    std::vector<int32_t> acc_;
    std::vector<LayerStats> stats_;
};
} // namespace

void forwardItem(const QNet& net, const float* input, float* logits)
{
    const size_t m = maxActivation(net);
    std::vector<int8_t> a(m), b(m);
    std::vector<int32_t> acc(m);
    quantiseInput(net, input, a.data());
    for (const auto& st : net.steps) {
        if (st.op == QOp::Weighted)
            weightedForward(st.w, a.data(), b.data(), acc.data());
        else if (st.op == QOp::MaxPool)
            maxpoolForward(st.pool, a.data(), b.data());
        else
            kwtaForward(st.kwta, a.data(), b.data());
        std::swap(a, b);
    }
    finishLogits(net, acc.data(), logits);
}

} // namespace ss::q8

namespace ss {
std::unique_ptr<Engine> makeQ8Engine() { return std::make_unique<q8::Q8Engine>(); }
} // namespace ss
