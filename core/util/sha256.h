// SHA-256 (FIPS 180-4) of a file, so that a report names the exact model it measured. Written out
// here (about 80 lines) rather than pulling a crypto library into core for one checksum.
#pragma once

#include "util/status.h"

#include <cstdint>
#include <string>

namespace ss {

// Lower-case hex digest of `data`.
std::string sha256Hex(const std::string& data);
// Lower-case hex digest of the file's bytes; one sentence naming the file when it cannot be read.
Result<std::string> sha256File(const std::string& path);

} // namespace ss
