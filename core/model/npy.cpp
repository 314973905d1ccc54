#include "model/npy.h"

#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

namespace ss {

Result<Tensor> readNpy(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f)
        return badInput("'" + path + "' cannot be opened.", path);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
        return badInput("'" + path + "' is not a .npy file (no \\x93NUMPY magic).", path);
    const int major = uint8_t(bytes[6]);
    size_t hlen = 0, hstart = 0;
    if (major == 1) {
        hlen = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
        hstart = 10;
    } else if ((major == 2 || major == 3) && bytes.size() >= 12) {
        hlen = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8) | (size_t(uint8_t(bytes[10])) << 16) | (size_t(uint8_t(bytes[11])) << 24);
        hstart = 12;
    } else {
        return badInput("'" + path + "' has unsupported .npy version " + std::to_string(major) + ".", path);
    }
    if (hstart + hlen > bytes.size())
        return badInput("'" + path + "' is truncated (header runs past the end).", path);
    const std::string header = bytes.substr(hstart, hlen);
    std::smatch m;
    if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")))
        return badInput("'" + path + "' has a .npy header without 'descr'.", path);
    const std::string descr = m[1];
    if (descr != "<f4" && descr != "=f4" && descr != "|f4")
        return badInput("'" + path + "' holds dtype " + descr + "; SparseScope reads float32 (<f4) feature tensors.", path);
    if (std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*True")))
        return badInput("'" + path + "' is in Fortran order; save it with np.ascontiguousarray first.", path);
    if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")))
        return badInput("'" + path + "' has a .npy header without 'shape'.", path);
    Tensor t;
    std::stringstream dims(m[1].str());
    std::string d;
    while (std::getline(dims, d, ',')) {
        d.erase(0, d.find_first_not_of(" \t"));
        if (d.empty())
            continue;
        t.shape.push_back(std::stoll(d));
    }
    const size_t n = size_t(numel(t.shape));
    const size_t data = hstart + hlen;
    if (bytes.size() - data != n * 4)
        return badInput("'" + path + "' holds " + std::to_string(bytes.size() - data) + " data bytes but its shape " +
                            shapeToString(t.shape) + " needs " + std::to_string(n * 4) + ".", path);
    t.data.resize(n);
    std::memcpy(t.data.data(), bytes.data() + data, n * 4);
    return t;
}

Status writeNpy(const std::string& path, const Tensor& t)
{
    std::string shape = "(";
    for (size_t i = 0; i < t.shape.size(); ++i)
        shape += std::to_string(t.shape[i]) + (t.shape.size() == 1 ? "," : (i + 1 < t.shape.size() ? ", " : ""));
    shape += ")";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    while ((10 + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f)
        return badInput("Cannot write '" + path + "'.", path);
    f.write("\x93NUMPY\x01\x00", 8);
    const uint16_t hl = uint16_t(header.size());
    f.put(char(hl & 0xff));
    f.put(char(hl >> 8));
    f.write(header.data(), std::streamsize(header.size()));
    f.write(reinterpret_cast<const char*>(t.data.data()), std::streamsize(t.data.size() * 4));
    return f ? Status::ok() : runtimeError("Writing '" + path + "' failed.", path);
}

} // namespace ss
