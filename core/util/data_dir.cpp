#include "util/data_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#ifndef SPARSESCOPE_INSTALL_DATADIR
#define SPARSESCOPE_INSTALL_DATADIR ""
#endif
#ifndef SPARSESCOPE_SOURCE_RESOURCES
#define SPARSESCOPE_SOURCE_RESOURCES ""
#endif

namespace ss {

namespace {
bool isFile(const std::string& p)
{
    struct stat st{};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
} // namespace

std::string executableDir()
{
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return {};
    std::string exe(buf, size_t(n));
    const auto slash = exe.rfind('/');
    return slash == std::string::npos ? std::string() : exe.substr(0, slash);
}

std::vector<std::string> dataDirCandidates()
{
    std::vector<std::string> dirs;
    if (const std::string exe = executableDir(); !exe.empty())
        dirs.push_back(exe + "/../share/sparsescope");
    if (const std::string installed = SPARSESCOPE_INSTALL_DATADIR; !installed.empty())
        dirs.push_back(installed);
    if (const std::string src = SPARSESCOPE_SOURCE_RESOURCES; !src.empty())
        dirs.push_back(src);
    return dirs;
}

std::string defaultModelPath()
{
    for (const std::string& d : dataDirCandidates()) {
        const std::string p = d + "/models/gsc-cs.safetensors";
        if (isFile(p))
            return p;
    }
    return {};
}

} // namespace ss
