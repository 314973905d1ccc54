#include "engines/engines.h"

#include <algorithm>
#include <sstream>

namespace ss {

const std::vector<EngineInfo>& engineRegistry()
{
    static const std::vector<EngineInfo> registry = {
        {"dense", "dense fp32: every weight multiplied (SIMD, outputs in registers)", true, makeDenseEngine},
        {"csr", "weight sparsity: CSR lists of non-zero weights, dense activations", true, makeCsrEngine},
        {"sparse-dense", "Complementary Sparsity: packed kernels + routes, dense activations", true, makeSparseDenseEngine},
        {"sparse-sparse", "Complementary Sparsity + Select: only k-WTA winners' packed rows", true, makeSparseSparseEngine},
#ifdef SPARSESCOPE_HAVE_TORCH
        {"torch", "libtorch (PyTorch C++), dense eager execution", true, makeTorchEngine},
#endif
        {"q8", "int8 fixed point: exactly the FPGA kernels' arithmetic (golden model for fpga-sim/xrt)", false, makeQ8Engine, /*fp32=*/false},
        {"reference", "scalar PyTorch-semantics reference (double accumulation); slow", false, makeReferenceEngine},
    };
    return registry;
}

const EngineInfo* findEngine(const std::string& name)
{
    for (const auto& e : engineRegistry())
        if (e.name == name)
            return &e;
    return nullptr;
}

std::unique_ptr<Engine> createEngine(const std::string& name)
{
    const EngineInfo* e = findEngine(name);
    return e ? e->make() : nullptr;
}

std::vector<std::string> engineNames(bool default_set_only)
{
    std::vector<std::string> names;
    for (const auto& e : engineRegistry())
        if (!default_set_only || e.in_default_set)
            names.push_back(e.name);
    return names;
}

Result<std::vector<std::string>> parseEngineList(const std::string& list)
{
    std::vector<std::string> out;
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item.empty())
            continue;
        if (item == "all") {
            for (const auto& n : engineNames(true))
                out.push_back(n);
            continue;
        }
        if (!findEngine(item)) {
            std::string known;
            for (const auto& n : engineNames())
                known += (known.empty() ? "" : ", ") + n;
            return badInput("Unknown engine '" + item + "' (this build has: " + known + ").", item);
        }
        out.push_back(item);
    }
    if (out.empty())
        return badInput("No engine named; use --engines with one or more of: dense, csr, sparse-dense, sparse-sparse, all.");
    // keep order, drop repeats
    std::vector<std::string> uniq;
    for (const auto& n : out)
        if (std::find(uniq.begin(), uniq.end(), n) == uniq.end())
            uniq.push_back(n);
    return uniq;
}

} // namespace ss
