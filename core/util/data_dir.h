// Where the shipped models and example clips are, for programs run from a build tree or installed
// (issue 17): <executable>/../share/sparsescope first (a relocated install, or the build tree's
// staging), then the compiled-in install prefix's share/sparsescope, then the source tree's
// resources/ (a build tree). Qt-free so the CLI and the app ask the same question.
#pragma once

#include <string>
#include <vector>

namespace ss {

// Candidate data folders in the order they are tried; each holds models/ and audio/.
std::vector<std::string> dataDirCandidates();
// The default model (models/gsc-cs.safetensors) in the first candidate that has it; "" when none.
std::string defaultModelPath();
// The folder of the running executable (from /proc/self/exe); "" when unknown.
std::string executableDir();

} // namespace ss
