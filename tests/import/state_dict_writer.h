// Writers of PyTorch state-dict files for tst_import, all through libtorch (no Python here):
//  - torch::pickle_save of a c10::Dict<str, Tensor> (libtorch's own torch.save-compatible writer);
//  - the layout Python's torch.save(module.state_dict()) writes: a zip (libtorch's PyTorchStreamWriter)
//    whose data.pkl holds a collections.OrderedDict with its _metadata set by BUILD, tensors rebuilt by
//    torch._utils._rebuild_tensor_v2 from persistent storages, memoised globals;
//  - the legacy (pre-1.6, _use_new_zipfile_serialization=False) stream of pickles + raw storages.
// Keys ending in ".zero_mask" are stored as float16 (as SparseWeights does), ".num_batches_tracked"
// as int64 scalars, ".boost_strength" as float scalars, everything else float32.
#pragma once

#include "model/tensor.h"

#include <string>
#include <utility>
#include <vector>

namespace sstest {

using Tensors = std::vector<std::pair<std::string, ss::Tensor>>;

bool writeWithPickleSave(const std::string& path, const Tensors& tensors, std::string* error);
// views = true stores ".duty_cycle(s)" tensors at an offset inside a larger storage, and 2-d weights
// as transposed views (column-major strides) — both legal in torch.save files.
bool writePythonStyle(const std::string& path, const Tensors& tensors, bool views, std::string* error);
bool writeLegacy(const std::string& path, const Tensors& tensors, std::string* error);
// Files torch.save could write that are not state dicts: "list" (a list of tensors), "int" (an int),
// "mixed" (a dict whose values are not all tensors).
// A training checkpoint: {"epoch": 3, "state_dict": {...}} (torch::pickle_save of a generic dict).
bool writeCheckpoint(const std::string& path, const Tensors& tensors, std::string* error);
bool writeNotAStateDict(const std::string& path, const std::string& what, std::string* error);

} // namespace sstest
