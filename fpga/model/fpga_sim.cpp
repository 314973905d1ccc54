#include "fpga/model/fpga_sim.h"

#include "ss_kernels.h"

#include <algorithm>
#include <chrono>

namespace ss::fpga {

PackedKernelLayer packForKernels(const q8::QWeighted& w, Variant v)
{
    PackedKernelLayer pk;
    pk.plan = planLayer(w, v);
    const int P = pk.plan.P, G = pk.plan.G;
    pk.wc.assign(size_t(w.N) * G, 0);
    pk.route.assign(size_t(w.N) * G, 0);
    for (int g = 0; g < G; ++g)
        for (int r = 0; r < P; ++r) {
            const int o = g * P + r;
            if (o >= w.M)
                break;
            for (int n = 0; n < w.N; ++n)
                if (w.mask[size_t(o) * w.N + n] || P == 1) {
                    // complementary: exactly one owner per (n, g); P = 1: the dense row itself
                    pk.wc[size_t(n) * G + g] = w.weight[size_t(o) * w.N + n];
                    pk.route[size_t(n) * G + g] = uint8_t(r);
                }
        }
    return pk;
}

namespace {
Status checkCapacity(const q8::QStep& s, const LayerPlan& lp)
{
    const auto& w = s.w;
    const auto fail = [&](const std::string& what) {
        return unsupported("Layer '" + s.name + "' is too large for the synthesised kernels: " + what + ".", s.name);
    };
    if (lp.P > sshls::kMaxP)
        return fail("group size " + std::to_string(lp.P) + " > " + std::to_string(sshls::kMaxP));
    if (s.in.size() > sshls::kMaxAct || s.out.size() > sshls::kMaxAct)
        return fail("more than " + std::to_string(sshls::kMaxAct) + " activations");
    if (int64_t(lp.G) * lp.P > sshls::kMaxOut)
        return fail(std::to_string(w.M) + " outputs (the requantisation tables hold " + std::to_string(sshls::kMaxOut) + ")");
    if (w.conv) {
        if (lp.G > sshls::kConvMaxG || int64_t(w.N) * lp.G > sshls::kConvMaxW)
            return fail(std::to_string(lp.G) + " lanes x fan-in " + std::to_string(w.N));
        if (lp.sparse_input && int64_t(lp.P) * w.out_h * w.out_w > sshls::kConvMaxBank)
            return fail("accumulator bank deeper than " + std::to_string(sshls::kConvMaxBank));
    } else if (lp.G > sshls::kLinMaxG || int64_t(w.N) * lp.G > sshls::kLinMaxW) {
        return fail(std::to_string(lp.G) + " lanes x fan-in " + std::to_string(w.N));
    }
    return Status::ok();
}
} // namespace

Status KernelRunner::prepare(const q8::QNet& net, Variant v)
{
    net_ = net;
    variant_ = v;
    packed_.assign(net.steps.size(), {});
    kernel_names_.assign(net.steps.size(), {});
    last_macs_.assign(net.steps.size(), 0);
    last_nz_.assign(net.steps.size(), 0);
    size_t m = size_t(net.input.size());
    for (size_t i = 0; i < net.steps.size(); ++i) {
        const auto& s = net.steps[i];
        m = std::max({m, size_t(s.in.size()), size_t(s.out.size())});
        if (s.op == q8::QOp::Weighted) {
            packed_[i] = packForKernels(s.w, v);
            if (auto st = checkCapacity(s, packed_[i].plan); !st)
                return st;
            kernel_names_[i] = std::string(s.w.conv ? "conv" : "linear") + (packed_[i].plan.sparse_input ? ".i8.cs-sparse.hls-csim" : ".i8.cs-dense.hls-csim");
        } else if (s.op == q8::QOp::MaxPool) {
            if (s.pool.k > 4)
                return unsupported("Layer '" + s.name + "': the max-pool kernel takes windows up to 4x4.", s.name);
            kernel_names_[i] = "maxpool.i8.chw.hls-csim";
        } else {
            kernel_names_[i] = "kwinners.i8.radix-select.hls-csim";
        }
        if (s.in.size() > sshls::kMaxAct || s.out.size() > sshls::kMaxAct)
            return unsupported("Layer '" + s.name + "' has more activations than the kernels hold (" + std::to_string(sshls::kMaxAct) + ").", s.name);
    }
    a_.assign(m, 0);
    b_.assign(m, 0);
    win_val_.assign(m, 0);
    win_idx_.assign(m, 0);
    acc_.assign(m, 0);
    return Status::ok();
}

void KernelRunner::runItem(const float* input, float* logits)
{
    q8::quantiseInput(net_, input, a_.data());
    int32_t count = -1; // winners / non-zeros list valid for the next weighted layer (-1: none)
    for (size_t i = 0; i < net_.steps.size(); ++i) {
        const auto& s = net_.steps[i];
        if (s.op == q8::QOp::Weighted) {
            const auto& w = s.w;
            const auto& pk = packed_[i];
            const int flags = sshls::kFlagLoadWeights | (w.relu ? sshls::kFlagRelu : 0) | (w.raw_out ? sshls::kFlagRawOut : 0);
            const int32_t* mult = w.mult.data(); // per output channel (raw last layer: unused)
            const uint8_t* shift = w.shift.data();
            const bool sparse = pk.plan.sparse_input && count >= 0;
            const int64_t taps = w.conv ? int64_t(w.kh) * w.kw : 1;
            if (sparse) {
                last_nz_[i] = count;
                last_macs_[i] = int64_t(count) * taps * pk.plan.G;
                if (w.conv)
                    ss_cs_sparse_conv(win_idx_.data(), win_val_.data(), count, pk.wc.data(), pk.route.data(), w.bias.data(), b_.data(),
                                      acc_.data(), w.cin, w.in_h, w.in_w, w.kh, w.kw, w.stride, w.pad, w.out_h, w.out_w, w.M,
                                      pk.plan.P, pk.plan.G, mult, shift, flags);
                else
                    ss_cs_sparse_linear(win_idx_.data(), win_val_.data(), count, pk.wc.data(), pk.route.data(), w.bias.data(), b_.data(),
                                        acc_.data(), w.N, w.M, pk.plan.P, pk.plan.G, mult, shift, flags);
            } else {
                int64_t nz = 0;
                for (int64_t j = 0; j < s.in.size(); ++j)
                    nz += a_[size_t(j)] != 0;
                last_nz_[i] = nz;
                last_macs_[i] = int64_t(w.N) * w.out_h * w.out_w * pk.plan.G;
                if (w.conv)
                    ss_cs_dense_conv(a_.data(), pk.wc.data(), pk.route.data(), w.bias.data(), b_.data(), acc_.data(), w.cin, w.in_h,
                                     w.in_w, w.kh, w.kw, w.stride, w.pad, w.out_h, w.out_w, w.M, pk.plan.P, pk.plan.G, mult, shift, flags);
                else
                    ss_cs_dense_linear(a_.data(), pk.wc.data(), pk.route.data(), w.bias.data(), b_.data(), acc_.data(), w.N, w.M,
                                       pk.plan.P, pk.plan.G, mult, shift, flags);
            }
            count = -1;
        } else if (s.op == q8::QOp::MaxPool) {
            const auto& p = s.pool;
            int32_t nz = 0;
            ss_maxpool(a_.data(), p.C, p.H, p.W, p.k, p.stride, p.out_h, p.out_w, b_.data(), win_idx_.data(), win_val_.data(), &nz);
            // Pooled k-WTA output: its non-zeros feed a following sparse layer.
            count = count >= 0 ? nz : -1;
            last_nz_[i] = int64_t(s.in.size());
        } else {
            int32_t k = 0;
            ss_kwta_select(a_.data(), s.kwta.boost.data(), s.kwta.n, s.kwta.k, b_.data(), win_idx_.data(), win_val_.data(), &k);
            count = k;
            last_nz_[i] = int64_t(s.in.size());
        }
        std::swap(a_, b_);
    }
    q8::finishLogits(net_, acc_.data(), logits);
}

Status FpgaSimEngine::prepare(const Model& model, const EngineOptions&)
{
    auto q = q8::quantise(model);
    if (!q)
        return q.error();
    if (auto s = runner_.prepare(*q, variant_); !s)
        return s;
    estimate_ = fpga::estimate(*q, variant_, part_);
    stats_.clear();
    for (size_t i = 0; i < q->steps.size(); ++i) {
        const auto& s = q->steps[i];
        LayerStats st;
        st.layer = s.name;
        st.kernel = runner_.kernels()[i];
        st.input_size = double(s.in.size());
        st.note = "fpga-sim:" + part_.id + ": outputs from the C-simulated kernels; time modelled (" +
                  std::to_string(int64_t(estimate_.stages[i].cycles)) + " cycles)";
        if (s.op == q8::QOp::Weighted) {
            st.op = s.w.conv ? "conv2d" : "linear";
            st.weighted = true;
            st.weight_density = s.w.weight_density;
            st.macs_dense = double(s.w.M) * s.w.N * s.w.out_h * s.w.out_w;
        } else {
            st.op = s.op == q8::QOp::MaxPool ? "maxpool2d" : "kwinners";
        }
        stats_.push_back(st);
    }
    return Status::ok();
}

Status FpgaSimEngine::infer(const float* input, int batch, float* logits)
{
    if (stats_.empty())
        return runtimeError("The engine was not prepared.");
    if (batch <= 0)
        return badInput("The batch size must be at least 1.");
    const auto& net = runner_.net();
    for (int it = 0; it < batch; ++it) {
        runner_.runItem(input + size_t(it) * net.input.size(), logits + size_t(it) * net.classes);
        for (size_t i = 0; i < stats_.size(); ++i) {
            stats_[i].items += 1;
            stats_[i].macs_executed += double(runner_.lastMacs()[i]);
            stats_[i].input_nonzeros += double(runner_.lastNonzeros()[i]);
            stats_[i].seconds += estimate_.stages[i].cycles / estimate_.clock_hz; // MODELLED
        }
    }
    return Status::ok();
}

std::vector<LayerStats> FpgaSimEngine::layerStats() const { return stats_; }

void FpgaSimEngine::resetStats()
{
    for (auto& s : stats_) {
        s.items = 0;
        s.macs_executed = s.input_nonzeros = s.seconds = 0;
    }
}

const NetworkEstimate* modelledFigures(const Engine* e)
{
    const auto* f = dynamic_cast<const FpgaSimEngine*>(e);
    return f ? &f->estimate() : nullptr;
}

} // namespace ss::fpga
