// XRT native API (xrt::device, load_xclbin, xrt::kernel, xrt::bo, xrt::run). Buffers are created
// and filled once per model in prepare(); infer() only writes the input, starts runs and reads back.
#include "fpga/host/xrt_backend.h"

#include "engines/quantised.h"
#include "fpga/model/fpga_sim.h"
#include "ss_kernels.h"

#include <experimental/xrt_system.h>
#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

namespace ss::fpga::xrt_backend {

namespace {

Error xrtError(const std::string& what, const std::exception& e)
{
    return runtimeError(what + ": " + std::string(e.what()) + (std::string(e.what()).empty() || std::string(e.what()).back() == '.' ? "" : "."));
}

// Board power in watts from xrt::info::device::electrical (JSON; values may be strings).
double boardWatts(const xrt::device& dev)
{
    try {
        const auto j = nlohmann::json::parse(dev.get_info<xrt::info::device::electrical>());
        const auto it = j.find("power_consumption_watts");
        if (it == j.end())
            return -1;
        if (it->is_number())
            return it->get<double>();
        if (it->is_string())
            return std::stod(it->get<std::string>());
    } catch (const std::exception&) {
    }
    return -1;
}

// Samples board power every 10 ms while running and integrates it (trapezoids).
class PowerSampler {
public:
    explicit PowerSampler(const xrt::device& dev) : dev_(dev) {}
    void start()
    {
        running_ = true;
        last_w_ = boardWatts(dev_);
        last_t_ = std::chrono::steady_clock::now();
        thread_ = std::thread([this] {
            while (running_) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
                sample();
            }
        });
    }
    void stop()
    {
        running_ = false;
        if (thread_.joinable())
            thread_.join();
        sample();
    }
    double joules() const { return valid_ ? joules_ : -1; }
    double seconds() const { return seconds_; }
    void reset() { joules_ = seconds_ = 0; valid_ = true; }

private:
    void sample()
    {
        std::lock_guard lock(m_);
        const double w = boardWatts(dev_);
        const auto t = std::chrono::steady_clock::now();
        const double dt = std::chrono::duration<double>(t - last_t_).count();
        if (w < 0 || last_w_ < 0)
            valid_ = false;
        else
            joules_ += 0.5 * (w + last_w_) * dt;
        seconds_ += dt;
        last_w_ = w;
        last_t_ = t;
    }
    xrt::device dev_;
    std::atomic<bool> running_{false};
    std::thread thread_;
    std::mutex m_;
    double last_w_ = -1, joules_ = 0, seconds_ = 0;
    bool valid_ = true;
    std::chrono::steady_clock::time_point last_t_;
};

struct LayerBuffers {
    xrt::kernel kernel;
    xrt::bo wc, route, bias, mult, shift;
    PackedKernelLayer packed;
};

class XrtEngine final : public Engine {
public:
    XrtEngine(int index, std::string xclbin, Variant v) : index_(index), xclbin_(std::move(xclbin)), variant_(v) {}
    std::string name() const override { return variantName(variant_); }
    std::string isa() const override { return "xrt"; }

    Status prepare(const Model& model, const EngineOptions&) override
    {
        auto q = q8::quantise(model);
        if (!q)
            return q.error();
        net_ = std::move(*q);
        try {
            device_ = xrt::device(unsigned(index_));
            uuid_ = device_.load_xclbin(xclbin_);
            size_t m = size_t(net_.input.size());
            for (const auto& s : net_.steps)
                m = std::max({m, size_t(s.in.size()), size_t(s.out.size())});
            layers_.clear();
            for (const auto& s : net_.steps) {
                LayerBuffers lb;
                const char* kname = nullptr;
                if (s.op == q8::QOp::Weighted) {
                    lb.packed = packForKernels(s.w, variant_);
                    const bool sparse = lb.packed.plan.sparse_input;
                    kname = s.w.conv ? (sparse ? "ss_cs_sparse_conv" : "ss_cs_dense_conv") : (sparse ? "ss_cs_sparse_linear" : "ss_cs_dense_linear");
                    lb.kernel = xrt::kernel(device_, uuid_, kname);
                    const int a = sparse ? 3 : 1; // index of the wc argument
                    lb.wc = xrt::bo(device_, lb.packed.wc.size(), lb.kernel.group_id(a));
                    lb.route = xrt::bo(device_, lb.packed.route.size(), lb.kernel.group_id(a + 1));
                    lb.bias = xrt::bo(device_, s.w.bias.size() * 4, lb.kernel.group_id(a + 2));
                    // Per-output requantisation tables (the argument after the P, G, ... scalars).
                    const int am = sparse ? (s.w.conv ? 20 : 12) : (s.w.conv ? 18 : 10); // index of the mult argument
                    lb.mult = xrt::bo(device_, s.w.mult.size() * 4, lb.kernel.group_id(am));
                    lb.shift = xrt::bo(device_, s.w.shift.size(), lb.kernel.group_id(am + 1));
                    lb.wc.write(lb.packed.wc.data());
                    lb.route.write(lb.packed.route.data());
                    lb.bias.write(s.w.bias.data());
                    lb.mult.write(s.w.mult.data());
                    lb.shift.write(s.w.shift.data());
                    for (auto* bo : {&lb.wc, &lb.route, &lb.bias, &lb.mult, &lb.shift})
                        bo->sync(XCL_BO_SYNC_BO_TO_DEVICE);
                } else {
                    kname = s.op == q8::QOp::MaxPool ? "ss_maxpool" : "ss_kwta_select";
                    lb.kernel = xrt::kernel(device_, uuid_, kname);
                    if (s.op == q8::QOp::Kwta) {
                        lb.wc = xrt::bo(device_, s.kwta.boost.size() * 2, lb.kernel.group_id(1));
                        lb.wc.write(s.kwta.boost.data());
                        lb.wc.sync(XCL_BO_SYNC_BO_TO_DEVICE);
                    }
                }
                layers_.push_back(std::move(lb));
            }
            // Activations ping-pong, winners list, count and accumulators: one set per model.
            act_[0] = xrt::bo(device_, m, layers_.front().kernel.group_id(0));
            act_[1] = xrt::bo(device_, m, layers_.front().kernel.group_id(0));
            win_idx_ = xrt::bo(device_, m * 4, layers_.front().kernel.group_id(0));
            win_val_ = xrt::bo(device_, m, layers_.front().kernel.group_id(0));
            count_ = xrt::bo(device_, 4, layers_.front().kernel.group_id(0));
            acc_ = xrt::bo(device_, size_t(net_.classes) * 4, layers_.front().kernel.group_id(0));
            sampler_ = std::make_unique<PowerSampler>(device_);
            sampler_->reset();
        } catch (const std::exception& e) {
            return xrtError("XRT could not set up '" + xclbin_ + "' on device " + std::to_string(index_), e);
        }
        stats_.assign(net_.steps.size(), LayerStats{});
        for (size_t i = 0; i < net_.steps.size(); ++i) {
            stats_[i].layer = net_.steps[i].name;
            stats_[i].kernel = "xrt";
            stats_[i].input_size = double(net_.steps[i].in.size());
            stats_[i].weighted = net_.steps[i].op == q8::QOp::Weighted;
            stats_[i].op = stats_[i].weighted ? (net_.steps[i].w.conv ? "conv2d" : "linear") : (net_.steps[i].op == q8::QOp::MaxPool ? "maxpool2d" : "kwinners");
        }
        return Status::ok();
    }

    Status infer(const float* input, int batch, float* logits) override
    {
        if (layers_.empty())
            return runtimeError("The engine was not prepared.");
        std::vector<int8_t> xq(size_t(net_.input.size()));
        std::vector<int32_t> acc(size_t(net_.classes));
        sampler_->start();
        try {
            for (int it = 0; it < batch; ++it) {
                q8::quantiseInput(net_, input + size_t(it) * net_.input.size(), xq.data());
                act_[0].write(xq.data(), xq.size(), 0);
                act_[0].sync(XCL_BO_SYNC_BO_TO_DEVICE, xq.size(), 0);
                int cur = 0;
                int32_t count = -1;
                for (size_t i = 0; i < net_.steps.size(); ++i) {
                    const auto t0 = std::chrono::steady_clock::now();
                    const auto& s = net_.steps[i];
                    auto& lb = layers_[i];
                    xrt::run run;
                    if (s.op == q8::QOp::Weighted) {
                        const auto& w = s.w;
                        const auto& lp = lb.packed.plan;
                        const int flags = sshls::kFlagLoadWeights | (w.relu ? sshls::kFlagRelu : 0) | (w.raw_out ? sshls::kFlagRawOut : 0);
                        auto& mult = lb.mult;
                        auto& shift = lb.shift;
                        if (lp.sparse_input && count >= 0)
                            run = w.conv ? lb.kernel(win_idx_, win_val_, count, lb.wc, lb.route, lb.bias, act_[1 - cur], acc_, w.cin, w.in_h, w.in_w,
                                                     w.kh, w.kw, w.stride, w.pad, w.out_h, w.out_w, w.M, lp.P, lp.G, mult, shift, flags)
                                         : lb.kernel(win_idx_, win_val_, count, lb.wc, lb.route, lb.bias, act_[1 - cur], acc_, w.N, w.M, lp.P, lp.G,
                                                     mult, shift, flags);
                        else
                            run = w.conv ? lb.kernel(act_[cur], lb.wc, lb.route, lb.bias, act_[1 - cur], acc_, w.cin, w.in_h, w.in_w, w.kh, w.kw,
                                                     w.stride, w.pad, w.out_h, w.out_w, w.M, lp.P, lp.G, mult, shift, flags)
                                         : lb.kernel(act_[cur], lb.wc, lb.route, lb.bias, act_[1 - cur], acc_, w.N, w.M, lp.P, lp.G, mult, shift, flags);
                        run.wait();
                        count = -1;
                    } else if (s.op == q8::QOp::MaxPool) {
                        const auto& p = s.pool;
                        run = lb.kernel(act_[cur], p.C, p.H, p.W, p.k, p.stride, p.out_h, p.out_w, act_[1 - cur], win_idx_, win_val_, count_);
                        run.wait();
                        if (count >= 0) {
                            count_.sync(XCL_BO_SYNC_BO_FROM_DEVICE);
                            count_.read(&count, 4, 0);
                        }
                    } else {
                        run = lb.kernel(act_[cur], lb.wc, s.kwta.n, s.kwta.k, act_[1 - cur], win_idx_, win_val_, count_);
                        run.wait();
                        count_.sync(XCL_BO_SYNC_BO_FROM_DEVICE);
                        count_.read(&count, 4, 0);
                    }
                    cur = 1 - cur;
                    stats_[i].items += 1;
                    stats_[i].seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                }
                acc_.sync(XCL_BO_SYNC_BO_FROM_DEVICE);
                acc_.read(acc.data(), acc.size() * 4, 0);
                q8::finishLogits(net_, acc.data(), logits + size_t(it) * net_.classes);
            }
        } catch (const std::exception& e) {
            sampler_->stop();
            return xrtError("An XRT run failed on device " + std::to_string(index_), e);
        }
        sampler_->stop();
        return Status::ok();
    }

    std::vector<LayerStats> layerStats() const override { return stats_; }
    void resetStats() override
    {
        for (auto& s : stats_) {
            s.items = 0;
            s.seconds = s.macs_executed = s.input_nonzeros = 0;
        }
        if (sampler_)
            sampler_->reset();
    }
    std::pair<double, double> energy() const { return sampler_ ? std::make_pair(sampler_->joules(), sampler_->seconds()) : std::make_pair(-1.0, 0.0); }

private:
    int index_;
    std::string xclbin_;
    Variant variant_;
    q8::QNet net_;
    xrt::device device_;
    xrt::uuid uuid_;
    std::vector<LayerBuffers> layers_;
    xrt::bo act_[2], win_idx_, win_val_, count_, acc_;
    std::unique_ptr<PowerSampler> sampler_;
    std::vector<LayerStats> stats_;
};

} // namespace

Result<std::vector<XrtDeviceInfo>> enumerate()
{
    std::vector<XrtDeviceInfo> out;
    try {
        const unsigned n = xrt::system::enumerate_devices();
        for (unsigned i = 0; i < n; ++i) {
            xrt::device d(i);
            out.push_back({int(i), d.get_info<xrt::info::device::name>(), d.get_info<xrt::info::device::bdf>()});
        }
    } catch (const std::exception&) {
        // No driver / no board: XRT throws rather than returning 0; for the user both are "no FPGA found".
        return out;
    }
    return out;
}

Result<std::unique_ptr<Engine>> createXrtEngine(int index, const std::string& xclbin, Variant v)
{
    return std::unique_ptr<Engine>(std::make_unique<XrtEngine>(index, xclbin, v));
}

std::pair<double, double> measuredEnergy(const Engine* e)
{
    const auto* x = dynamic_cast<const XrtEngine*>(e);
    return x ? x->energy() : std::make_pair(-1.0, 0.0);
}

} // namespace ss::fpga::xrt_backend
