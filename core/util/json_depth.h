// One guard for every JSON SparseScope parses from a file (model headers, the architecture,
// benchmark reports): nlohmann::json builds nested values and prints them recursively, so a
// header nested 100,000 levels deep would overflow the stack. A linear pre-scan that counts
// brackets outside strings refuses such text before the parser sees it, without allocating.
#pragma once

#include "util/status.h"

#include <string>
#include <string_view>

namespace ss {

// No file SparseScope writes nests deeper than 6; 64 leaves room for free-form metadata.
constexpr int kMaxJsonDepth = 64;

// Refuses text whose arrays/objects nest deeper than max_depth, with a sentence naming `what`
// ("'m.safetensors': the architecture JSON"). Does not validate the JSON otherwise.
Status checkJsonDepth(std::string_view text, const std::string& what, const std::string& where = {},
                      int max_depth = kMaxJsonDepth);

} // namespace ss
