#include "util/output_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <sys/stat.h>
#include <unistd.h>

namespace ss {

Status checkOutputTarget(const std::string& path)
{
    if (path.empty())
        return badInput("No output file name given.");
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return badInput("Cannot write '" + path + "': it is a folder; give a file name.", path);
        if (!S_ISREG(st.st_mode))
            return badInput("Cannot write '" + path + "': it exists and is not a regular file (a device, FIFO or socket is never replaced).",
                            path);
    } else if (errno != ENOENT) {
        return badInput("Cannot write '" + path + "': " + std::strerror(errno) + ".", path);
    }
    std::string dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty())
        dir = ".";
    if (::stat(dir.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return badInput("Cannot write '" + path + "': the folder '" + dir + "' does not exist.", path);
        return badInput("Cannot write '" + path + "': the folder '" + dir + "' cannot be reached (" + std::strerror(errno) + ").", path);
    }
    if (!S_ISDIR(st.st_mode))
        return badInput("Cannot write '" + path + "': '" + dir + "' is not a folder.", path);
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        return badInput("Cannot write '" + path + "': the folder '" + dir + "' is not writable (" + std::strerror(errno) + ").", path);
    return Status::ok();
}

} // namespace ss
