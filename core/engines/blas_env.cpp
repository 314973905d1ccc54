#include "engines/blas_env.h"

#include <dlfcn.h>
#include <strings.h>
#include <unistd.h>

#include <cstdlib>

namespace ss {

const char* blasCoreName()
{
    using CoreNameFn = char* (*)();
    // Looked up, not linked: core does not depend on OpenBLAS; libtorch brings it in when built.
    auto fn = reinterpret_cast<CoreNameFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
    const char* name = fn ? fn() : nullptr;
    return name ? name : "";
}

void fixBlasCoreType(char** argv)
{
    if (std::getenv("OPENBLAS_CORETYPE") || !argv || !argv[0])
        return;
    if (strcasecmp(blasCoreName(), "prescott") != 0)
        return;
    const char* core = nullptr;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq"))
        core = "SkylakeX";
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        core = "Haswell";
    if (!core)
        return;
    // The resolved path, not /proc/self/exe itself: the process would be named "exe" in ps and top.
    char path[4096];
    const ssize_t len = readlink("/proc/self/exe", path, sizeof(path) - 1);
    if (len <= 0)
        return;
    path[len] = '\0';
    setenv("OPENBLAS_CORETYPE", core, 1); // also stops a second round if the exec'd program still says Prescott
    execv(path, argv);
    unsetenv("OPENBLAS_CORETYPE"); // exec failed: carry on as we were
}

} // namespace ss
