// NumPy .npy files (format 1.0/2.0/3.0), float32 little-endian C order: how Python users hand
// SparseScope a feature tensor.
#pragma once

#include "model/tensor.h"
#include "util/status.h"

#include <string>

namespace ss {

Result<Tensor> readNpy(const std::string& path);
Status writeNpy(const std::string& path, const Tensor& t);

} // namespace ss
