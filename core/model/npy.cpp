#include "model/npy.h"

#include "util/text.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <string_view>

#include <sys/stat.h>

namespace ss {

namespace {

// Header text quoted in a sentence: printable and short (the header is the file's).
std::string printable(std::string_view v) { return printableExcerpt(v, 40); }

// The header is a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
// A small hand-written parser (no std::regex: its recursion overflows the stack on long headers)
// that reads exactly the three keys NumPy writes and refuses everything else.
class HeaderParser {
public:
    explicit HeaderParser(std::string_view text) : s_(text) {}

    std::string descr;
    bool fortran_order = false;
    Shape shape;
    std::string error; // the sentence after the file name: "has a .npy header without 'shape'"

    bool parse()
    {
        bool have_descr = false, have_order = false, have_shape = false;
        skipBlanks();
        if (!eat('{'))
            return fail("has a .npy header that does not start with '{'");
        for (;;) {
            skipBlanks();
            if (eat('}'))
                break;
            std::string key;
            if (!quoted(&key))
                return fail("has a .npy header with a key that is not a quoted string");
            skipBlanks();
            if (!eat(':'))
                return fail("has a .npy header without ':' after '" + printable(key) + "'");
            skipBlanks();
            if (key == "descr") {
                if (have_descr || !quoted(&descr))
                    return fail("has a .npy header with a malformed or repeated 'descr'");
                have_descr = true;
            } else if (key == "fortran_order") {
                if (have_order)
                    return fail("has a .npy header that repeats 'fortran_order'");
                if (word("True"))
                    fortran_order = true;
                else if (word("False"))
                    fortran_order = false;
                else
                    return fail("has a .npy header whose 'fortran_order' is neither True nor False");
                have_order = true;
            } else if (key == "shape") {
                if (have_shape)
                    return fail("has a .npy header that repeats 'shape'");
                if (!tuple())
                    return false;
                have_shape = true;
            } else {
                return fail("has a .npy header with an unknown key '" + printable(key) + "'");
            }
            skipBlanks();
            if (eat(','))
                continue;
            skipBlanks();
            if (eat('}'))
                break;
            return fail("has a .npy header without ',' or '}' after '" + printable(key) + "'");
        }
        skipBlanks();
        if (i_ != s_.size())
            return fail("has a .npy header with text after the closing '}'");
        if (!have_descr)
            return fail("has a .npy header without 'descr'");
        if (!have_order)
            return fail("has a .npy header without 'fortran_order'");
        if (!have_shape)
            return fail("has a .npy header without 'shape'");
        return true;
    }

private:
    std::string_view s_;
    size_t i_ = 0;

    bool fail(const std::string& what)
    {
        error = what;
        return false;
    }
    void skipBlanks()
    {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
            ++i_;
    }
    bool eat(char c)
    {
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    bool word(std::string_view w)
    {
        if (s_.substr(i_, w.size()) != w)
            return false;
        i_ += w.size();
        return true;
    }
    bool quoted(std::string* out)
    {
        if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"'))
            return false;
        const char q = s_[i_++];
        const size_t end = s_.find(q, i_);
        if (end == std::string_view::npos || end - i_ > 64)
            return false;
        *out = std::string(s_.substr(i_, end - i_));
        i_ = end + 1;
        return true;
    }
    // (d0, d1, ...) with an optional trailing comma; each dimension a non-negative whole number.
    bool tuple()
    {
        if (!eat('('))
            return fail("has a .npy shape that is not a tuple");
        constexpr int64_t kMaxDim = int64_t(1) << 40;
        for (;;) {
            skipBlanks();
            if (eat(')'))
                return true;
            if (shape.size() >= 32)
                return fail("has a .npy shape of more than 32 dimensions");
            size_t digits = 0;
            int64_t v = 0;
            while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
                if (v > kMaxDim)
                    return fail("has a .npy shape with a dimension above 2^40");
                v = v * 10 + (s_[i_] - '0');
                ++i_;
                ++digits;
            }
            if (digits == 0 || v > kMaxDim) {
                if (digits > 0)
                    return fail("has a .npy shape with a dimension above 2^40");
                return fail("has a .npy shape whose dimensions are not all non-negative whole numbers");
            }
            if (i_ < s_.size() && s_[i_] == 'L') // Python 2 long literal
                ++i_;
            shape.push_back(v);
            skipBlanks();
            if (eat(','))
                continue;
            skipBlanks();
            if (eat(')'))
                return true;
            return fail("has a .npy shape whose dimensions are not all non-negative whole numbers");
        }
    }
};

} // namespace

Result<Tensor> npyFromBytes(const std::vector<uint8_t>& bytes, const std::string& where)
{
    const std::string& path = where;
    if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
        return badInput("'" + path + "' is not a .npy file (no \\x93NUMPY magic).", path);
    const int major = bytes[6];
    size_t hlen = 0, hstart = 0;
    if (major == 1) {
        hlen = bytes[8] | (size_t(bytes[9]) << 8);
        hstart = 10;
    } else if ((major == 2 || major == 3) && bytes.size() >= 12) {
        hlen = bytes[8] | (size_t(bytes[9]) << 8) | (size_t(bytes[10]) << 16) | (size_t(bytes[11]) << 24);
        hstart = 12;
    } else {
        return badInput("'" + path + "' has unsupported .npy version " + std::to_string(major) + ".", path);
    }
    if (hlen > bytes.size() - hstart)
        return badInput("'" + path + "' is truncated (header runs past the end).", path);
    HeaderParser header(std::string_view(reinterpret_cast<const char*>(bytes.data()) + hstart, hlen));
    if (!header.parse())
        return badInput("'" + path + "' " + header.error + ".", path);
    const std::string& descr = header.descr;
    if (descr != "<f4" && descr != "=f4" && descr != "|f4")
        return badInput("'" + path + "' holds dtype " + printable(descr) + "; SparseScope reads float32 (<f4) feature tensors.", path);
    if (header.fortran_order)
        return badInput("'" + path + "' is in Fortran order; save it with np.ascontiguousarray first.", path);
    // Dimensions are at most 2^40 each; their product is checked before it could overflow.
    uint64_t n = 1;
    for (const int64_t d : header.shape) {
        if (d != 0 && n > (uint64_t(kMaxNpyBytes) / 4) / uint64_t(d))
            return badInput("'" + path + "' declares shape " + shapeToString(header.shape) + ", more than the " +
                                std::to_string(kMaxNpyBytes >> 30) + " GiB SparseScope reads.", path);
        n *= uint64_t(d);
    }
    const size_t data = hstart + hlen;
    if (bytes.size() - data != n * 4)
        return badInput("'" + path + "' holds " + std::to_string(bytes.size() - data) + " data bytes but its shape " +
                            shapeToString(header.shape) + " needs " + std::to_string(n * 4) + ".", path);
    Tensor t;
    t.shape = header.shape;
    t.data.resize(size_t(n));
    if (n > 0)
        std::memcpy(t.data.data(), bytes.data() + data, size_t(n) * 4);
    return t;
}

Result<Tensor> readNpy(const std::string& path)
{
    // stat first: opening a FIFO would block, a folder or a device is not a tensor.
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0)
        return badInput("'" + path + "' cannot be opened (" + std::strerror(errno) + ").", path);
    if (!S_ISREG(st.st_mode))
        return badInput("'" + path + "' is not a regular file" + (S_ISDIR(st.st_mode) ? " but a folder." : "."), path);
    if (st.st_size > kMaxNpyBytes)
        return badInput("'" + path + "' is larger than the " + std::to_string(kMaxNpyBytes >> 30) +
                            " GiB SparseScope reads as a .npy feature tensor.", path);
    std::ifstream f(path, std::ios::binary);
    if (!f)
        return badInput("'" + path + "' cannot be opened (" + std::strerror(errno) + ").", path);
    std::vector<uint8_t> bytes(size_t(st.st_size));
    f.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size()));
    if (f.gcount() != std::streamsize(bytes.size()))
        return badInput("'" + path + "' could not be read to the end.", path);
    return npyFromBytes(bytes, path);
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
