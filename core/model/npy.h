// NumPy .npy files (format 1.0/2.0/3.0), float32 little-endian C order: how Python users hand
// SparseScope a feature tensor.
#pragma once

#include "model/tensor.h"
#include "util/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ss {

// Largest .npy SparseScope reads: a feature tensor is kilobytes; 1 GiB is a wrong file.
constexpr int64_t kMaxNpyBytes = int64_t(1) << 30;

// Refuses anything but a regular file (a folder, a FIFO or a device) before opening it.
Result<Tensor> readNpy(const std::string& path);
// The parser itself, on bytes in memory (fuzzers call it directly); `where` names the source.
Result<Tensor> npyFromBytes(const std::vector<uint8_t>& bytes, const std::string& where);
Status writeNpy(const std::string& path, const Tensor& t);

} // namespace ss
