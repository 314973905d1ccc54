#include "kernels/kernels.h"

#include <cstdlib>
#include <cstring>

namespace ss::kernels {
namespace scalar { extern const KernelTable kTable; }
namespace avx2 { extern const KernelTable kTable; }
namespace avx512 { extern const KernelTable kTable; }

const char* isaName(Isa isa)
{
    switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "scalar";
    }
}

bool cpuSupports(Isa isa)
{
    __builtin_cpu_init();
    switch (isa) {
    case Isa::Avx512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    case Isa::Avx2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    default:
        return true;
    }
}

Isa bestIsa()
{
    static const Isa isa = [] {
        // SPARSESCOPE_ISA lets a user (or a test) pin a lower ISA; a higher one than the CPU has is ignored.
        Isa best = cpuSupports(Isa::Avx512) ? Isa::Avx512 : cpuSupports(Isa::Avx2) ? Isa::Avx2 : Isa::Scalar;
        if (const char* env = std::getenv("SPARSESCOPE_ISA")) {
            for (Isa i : {Isa::Scalar, Isa::Avx2, Isa::Avx512})
                if (std::strcmp(env, isaName(i)) == 0 && cpuSupports(i) && int(i) <= int(best))
                    best = i;
        }
        return best;
    }();
    return isa;
}

const KernelTable& table(Isa isa)
{
    switch (isa) {
    case Isa::Avx512: return avx512::kTable;
    case Isa::Avx2: return avx2::kTable;
    default: return scalar::kTable;
    }
}

const KernelTable& best() { return table(bestIsa()); }

std::vector<Isa> allIsas() { return {Isa::Scalar, Isa::Avx2, Isa::Avx512}; }

} // namespace ss::kernels
