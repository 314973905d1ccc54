// Devices that run an engine (DESIGN.md §3): cpu, fpga-sim:<part> (C-simulated kernels + modelled
// time/energy), xrt[:index] (a real board through XRT). The CLI and the GUI call only this.
#pragma once

#include "bench/runner.h"
#include "engines/engine.h"
#include "util/status.h"

#include <memory>
#include <string>
#include <vector>

namespace ss::fpga {

struct DeviceSpec {
    enum class Kind { Cpu, Sim, Xrt } kind = Kind::Cpu;
    std::string part;   // Sim: "u250" | "zu3eg"
    int index = 0;      // Xrt: device index
    std::string text;   // as the user wrote it
};

// "cpu", "fpga-sim:u250", "fpga-sim:zu3eg", "xrt", "xrt:1"; the error lists what is known.
Result<DeviceSpec> parseDevice(const std::string& s);
std::vector<std::string> deviceNames(); // for help texts and the GUI's device list
bool xrtBuilt();                        // this binary has the XRT backend

// A .xclbin file must exist and start with the "xclbin2" magic; refused with one sentence otherwise.
Status checkXclbinFile(const std::string& path);

// Checks the device is usable before engines are made: for xrt, the .xclbin (when given) and that
// a board exists ("no FPGA found" otherwise, ErrorCode::Unsupported -> exit 2).
Status probeDevice(const DeviceSpec& d, const std::string& xclbin);

// The engine `engine` on device d. fpga-sim and xrt run dense, sparse-dense, sparse-sparse and q8.
Result<std::unique_ptr<Engine>> createEngineOn(const DeviceSpec& d, const std::string& engine, const std::string& xclbin);

// The boards XRT reports, as device names "xrt:0", "xrt:1", ... Empty when there are none; then
// *why_none (when given) holds the sentence saying why (no XRT backend built, or no board seen).
std::vector<std::string> xrtDeviceNames(std::string* why_none = nullptr);

// After ss::runBenchmark on device d, shared by `sparsescope-cli bench` and the GUI: on fpga-sim the
// wall time measured is the C-simulation's, so time, latency and energy are replaced by the model's
// figures (one network instance; energy_source "modelled"); on xrt the energy comes from the
// board's power sensor (measured). Returns true when r's figures are now modelled.
bool applyDeviceFigures(const DeviceSpec& d, const Engine* e, BenchResult& r);

// The warning a report of modelled figures carries (BenchContext::warnings).
std::string modelledFiguresWarning(const DeviceSpec& d);

} // namespace ss::fpga
