#include "fpga/model/devices.h"

#include "fpga/model/fpga_sim.h"
#include "fpga/model/perf_model.h"
#ifdef SPARSESCOPE_HAVE_XRT
#include "fpga/host/xrt_backend.h"
#endif

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace ss::fpga {

bool xrtBuilt()
{
#ifdef SPARSESCOPE_HAVE_XRT
    return true;
#else
    return false;
#endif
}

std::vector<std::string> deviceNames()
{
    std::vector<std::string> names{"cpu"};
    for (const auto& p : parts())
        names.push_back("fpga-sim:" + p.id);
    if (xrtBuilt())
        names.push_back("xrt[:index]");
    return names;
}

Result<DeviceSpec> parseDevice(const std::string& s)
{
    DeviceSpec d;
    d.text = s;
    auto known = [] {
        std::string k;
        for (const auto& n : deviceNames())
            k += (k.empty() ? "" : ", ") + n;
        return k;
    };
    if (s == "cpu")
        return d;
    if (s.rfind("fpga-sim:", 0) == 0) {
        d.kind = DeviceSpec::Kind::Sim;
        d.part = s.substr(9);
        if (!findPart(d.part))
            return badInput("Unknown FPGA part '" + d.part + "' in device '" + s + "' (known devices: " + known() + ").", s);
        return d;
    }
    if (s == "fpga-sim")
        return badInput("Device 'fpga-sim' needs a part, e.g. fpga-sim:u250 (known devices: " + known() + ").", s);
    if (s == "xrt" || s.rfind("xrt:", 0) == 0) {
        d.kind = DeviceSpec::Kind::Xrt;
        if (s.size() > 4) {
            const std::string idx = s.substr(4);
            if (idx.empty() || idx.size() > 3 || idx.find_first_not_of("0123456789") != std::string::npos)
                return badInput("Device '" + s + "': the XRT device index must be a whole number, e.g. xrt:0.", s);
            d.index = std::stoi(idx);
        }
        if (!xrtBuilt())
            return unsupported("Device '" + s + "' is not available: this build has no XRT backend (XRT headers were not found).", s);
        return d;
    }
    return badInput("Unknown device '" + s + "' (known: " + known() + ").", s);
}

Status checkXclbinFile(const std::string& path)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (path.empty())
        return badInput("No .xclbin given; pass --xclbin FILE (built with 'make -C fpga/hls xclbin', see docs/fpga-model.md).");
    if (!fs::exists(path, ec))
        return badInput("The .xclbin '" + path + "' does not exist.", path);
    if (!fs::is_regular_file(path, ec))
        return badInput("The .xclbin '" + path + "' is not a regular file.", path);
    std::ifstream f(path, std::ios::binary);
    char magic[8] = {};
    if (!f.read(magic, sizeof magic))
        return badInput("The .xclbin '" + path + "' is malformed: it is too short to hold an xclbin header.", path);
    if (std::memcmp(magic, "xclbin2", 8) != 0)
        return badInput("The .xclbin '" + path + "' is malformed: it does not start with the 'xclbin2' magic of an AXLF container.", path);
    const auto size = fs::file_size(path, ec);
    if (ec || size < 496) // sizeof(struct axlf) with one section header
        return badInput("The .xclbin '" + path + "' is malformed: truncated at " + std::to_string(size) + " bytes.", path);
    return Status::ok();
}

Status probeDevice(const DeviceSpec& d, const std::string& xclbin)
{
    if (d.kind != DeviceSpec::Kind::Xrt)
        return Status::ok();
    if (!xclbin.empty())
        if (auto s = checkXclbinFile(xclbin); !s)
            return s;
#ifdef SPARSESCOPE_HAVE_XRT
    auto devs = xrt_backend::enumerate();
    if (!devs)
        return devs.error();
    if (devs->empty())
        return unsupported("Device '" + d.text + "': no FPGA found (XRT sees no board on this machine).", d.text);
    if (d.index >= int(devs->size()))
        return unsupported("Device '" + d.text + "': no FPGA found at index " + std::to_string(d.index) + " (XRT sees " +
                               std::to_string(devs->size()) + " board(s)).", d.text);
    if (xclbin.empty())
        return checkXclbinFile(xclbin);
    return Status::ok();
#else
    return unsupported("Device '" + d.text + "' is not available: this build has no XRT backend.", d.text);
#endif
}

Result<std::unique_ptr<Engine>> createEngineOn(const DeviceSpec& d, const std::string& engine, const std::string& xclbin)
{
    if (d.kind == DeviceSpec::Kind::Cpu) {
        auto e = createEngine(engine);
        if (!e)
            return parseEngineList(engine).error();
        return e;
    }
    Variant v;
    if (engine == "q8" && d.kind == DeviceSpec::Kind::Sim)
        v = Variant::SparseSparse; // the kernels compute q8 exactly; run it as sparse-sparse
    else if (!variantFromEngine(engine, &v))
        return unsupported("Engine '" + engine + "' has no FPGA kernels; on " + d.text + " use dense, sparse-dense or sparse-sparse.", engine);
    if (d.kind == DeviceSpec::Kind::Sim)
        return std::unique_ptr<Engine>(std::make_unique<FpgaSimEngine>(*findPart(d.part), v));
#ifdef SPARSESCOPE_HAVE_XRT
    if (auto s = probeDevice(d, xclbin); !s)
        return s.error();
    return xrt_backend::createXrtEngine(d.index, xclbin, v);
#else
    (void)xclbin;
    return unsupported("Device '" + d.text + "' is not available: this build has no XRT backend.", d.text);
#endif
}

std::vector<std::string> xrtDeviceNames(std::string* why_none)
{
    std::vector<std::string> names;
#ifdef SPARSESCOPE_HAVE_XRT
    auto devs = xrt_backend::enumerate();
    if (!devs) {
        if (why_none)
            *why_none = devs.message();
        return names;
    }
    for (const auto& info : *devs)
        names.push_back("xrt:" + std::to_string(info.index));
    if (names.empty() && why_none)
        *why_none = "No FPGA found: XRT sees no board on this machine.";
#else
    if (why_none)
        *why_none = "This build has no XRT backend (XRT headers were not found when it was configured).";
#endif
    return names;
}

bool applyDeviceFigures(const DeviceSpec& d, const Engine* e, BenchResult& r)
{
    if (!r.ok())
        return false;
    if (const auto* est = modelledFigures(e)) {
        r.items_per_second = est->items_per_s_instance;
        const double call_s = est->latency_s + (r.batch - 1) * est->interval_cycles / est->clock_hz;
        r.latency_p50_ms = r.latency_p90_ms = r.latency_p99_ms = 1e3 * call_s;
        r.seconds = double(r.items) / std::max(1e-30, r.items_per_second);
        r.energy_j_per_item = est->energy_j_per_item_instance;
        r.energy_source = FigureSource::Modelled;
        r.energy_meter = "fpga-model:" + est->part + " (time, latency and energy modelled; one network instance)";
        r.isa = "hls-csim";
        for (auto& l : r.layers)
            l.seconds_per_item = l.stats.items ? l.stats.seconds / double(l.stats.items) : 0;
        return true;
    }
#ifdef SPARSESCOPE_HAVE_XRT
    if (d.kind == DeviceSpec::Kind::Xrt) {
        const auto [joules, secs] = xrt_backend::measuredEnergy(e);
        if (joules >= 0 && r.items > 0) {
            r.energy_j_per_item = joules / double(r.items);
            r.energy_source = FigureSource::Measured;
            r.energy_meter = "xrt electrical: board power sampled every 10 ms over " + std::to_string(secs) + " s";
        }
    }
#else
    (void)d;
#endif
    return false;
}

std::string modelledFiguresWarning(const DeviceSpec& d)
{
    return "Device " + d.text + ": outputs come from the C-simulated HLS kernels; throughput, latency and energy are MODELLED "
           "(docs/fpga-model.md), not measured.";
}

} // namespace ss::fpga
