// .npy reader: arbitrary bytes -> npyFromBytes. An accepted tensor must be consistent (element count
// equals the product of its shape) and survive writeNpy -> npyFromBytes unchanged.
#include "fuzz_common.h"
#include "model/npy.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::vector<uint8_t> bytes(data, data + size);
    auto t = ss::npyFromBytes(bytes, "fuzz.npy");
    if (!t) {
        ssfuzz::checkRefusal(t.error(), "npyFromBytes");
        return 0;
    }
    int64_t n = 1;
    for (int64_t d : t->shape) {
        if (d < 0)
            ssfuzz::finding("npyFromBytes accepted a negative dimension");
        if (__builtin_mul_overflow(n, d, &n))
            ssfuzz::finding("npyFromBytes accepted a shape whose element count overflows 64 bits");
    }
    if (size_t(n) != t->data.size())
        ssfuzz::finding("npyFromBytes: shape product " + std::to_string(n) + " but " + std::to_string(t->data.size()) + " elements");
    // Round trip through the writer (a file in /dev/shm: writeNpy writes atomically by path).
    static const std::string path = "/dev/shm/sparsescope-fuzz-npy-" + std::to_string(getpid()) + ".npy";
    if (ss::Status s = ss::writeNpy(path, *t); !s)
        ssfuzz::finding("writeNpy refused what npyFromBytes accepted: " + s.message());
    std::ifstream f(path, std::ios::binary);
    const std::vector<uint8_t> again((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    unlink(path.c_str());
    auto back = ss::npyFromBytes(again, path);
    if (!back)
        ssfuzz::finding("npyFromBytes refused writeNpy's output: " + back.message());
    if (back->shape != t->shape || back->data.size() != t->data.size() ||
        (!t->data.empty() && std::memcmp(back->data.data(), t->data.data(), t->data.size() * sizeof(float)) != 0))
        ssfuzz::finding("writeNpy -> npyFromBytes changed the tensor");
    return 0;
}
