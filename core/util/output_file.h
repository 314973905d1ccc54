// Output files are written atomically (a temporary in the same folder, then rename). That rename
// would replace whatever sits at the path, so the target is checked first: absent or a regular
// file, in a folder that exists and is writable. Commands call this before a long run too, so
// that a bad --json path fails in a second rather than after the run.
#pragma once

#include "util/status.h"

#include <string>

namespace ss {

// One sentence naming the path when it cannot be written: a folder, a device or FIFO (never
// replaced), a missing folder, or a folder without write permission.
Status checkOutputTarget(const std::string& path);

} // namespace ss
