// Model files: safetensors with the architecture in __metadata__ (docs/model-format.md).
#pragma once

#include "model/model.h"
#include "util/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ss {

// Raw safetensors container: header JSON + tensors (F32, or I8/U8/BOOL masks widened to float).
struct SafeTensors {
    std::map<std::string, std::string> metadata; // __metadata__ (string -> string, as the format says)
    std::map<std::string, Tensor> tensors;
};

Result<SafeTensors> parseSafeTensors(const std::vector<uint8_t>& bytes, const std::string& where);
std::vector<uint8_t> serializeSafeTensors(const SafeTensors& st);

// Load and validate everything; the error names the file and the tensor or layer at fault.
Result<Model> loadModel(const std::string& path);
Result<Model> modelFromBytes(const std::vector<uint8_t>& bytes, const std::string& where);
// Writes atomically (temporary file + rename): never a half-written model.
Status saveModel(const Model& model, const std::string& path);
std::vector<uint8_t> modelToBytes(const Model& model);

// Checks a model in memory (shapes, masks, zeros outside masks, declared complementarity).
Status validateModel(const Model& model);
// Part of validateModel: refuses parameters that could overflow float32 for inputs within
// +-kMaxInputMagnitude (worst case over every layer; model.h).
Status checkActivationBound(const Model& model);

} // namespace ss
