// The XRT backend: the fpga/hls kernels on a real board through the XRT native API. This header
// has no XRT types; xrt_backend.cpp is the only file of SparseScope that includes XRT. Every XRT
// exception is caught at this edge and becomes a Status sentence.
#pragma once

#include "engines/engine.h"
#include "fpga/model/perf_model.h"
#include "util/status.h"

#include <memory>
#include <string>
#include <vector>

namespace ss::fpga::xrt_backend {

struct XrtDeviceInfo {
    int index = 0;
    std::string name; // e.g. "xilinx_u250_gen3x16_xdma_shell_4_1"
    std::string bdf;  // PCIe address
};

// The boards XRT sees (empty when none, or when XRT's runtime has no driver to talk to).
Result<std::vector<XrtDeviceInfo>> enumerate();

// Engine `v` on board `index` running the kernels of `xclbin`. Board power is sampled from the
// device's electrical info while infer() runs and integrated (measuredJoules(); source "measured").
Result<std::unique_ptr<Engine>> createXrtEngine(int index, const std::string& xclbin, Variant v);

// Energy measured by an XRT engine since its last resetStats(): {joules, seconds}; {-1, 0} if the
// board reports no power or e is not an XRT engine.
std::pair<double, double> measuredEnergy(const Engine* e);

} // namespace ss::fpga::xrt_backend
