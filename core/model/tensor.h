// A named, shaped float32 array: the only tensor type core needs.
#pragma once

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

namespace ss {

using Shape = std::vector<int64_t>;

inline int64_t numel(const Shape& s)
{
    return std::accumulate(s.begin(), s.end(), int64_t{1}, std::multiplies<>());
}
std::string shapeToString(const Shape& s); // "[64, 1, 5, 5]"

struct Tensor {
    Shape shape;
    std::vector<float> data;

    Tensor() = default;
    explicit Tensor(Shape s, float fill = 0.0f) : shape(std::move(s)), data(size_t(numel(shape)), fill) {}
    int64_t size() const { return int64_t(data.size()); }
    bool empty() const { return data.empty(); }
    float* ptr() { return data.data(); }
    const float* ptr() const { return data.data(); }
};

// Activation shape of one item between layers, PyTorch order (C, H, W); a vector is (C, 1, 1).
struct ActShape {
    int c = 0, h = 1, w = 1;
    int64_t size() const { return int64_t(c) * h * w; }
    bool operator==(const ActShape&) const = default;
    std::string toString() const;
};

} // namespace ss
