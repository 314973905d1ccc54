// Shared by the fuzz targets: what every refusal must look like. A fuzzer only reports what stops
// the process, so a broken promise about messages (DESIGN.md §3: one clear sentence) aborts too.
#pragma once

#include "util/status.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace ssfuzz {

// Longest refusal a user should have to read; a quoted 100k-dimension shape is a bug, not a sentence.
constexpr size_t kMaxMessageBytes = 4096;

[[noreturn]] inline void finding(const std::string& what)
{
    std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
    std::fflush(stderr);
    std::abort();
}

// A refusal is one non-empty sentence of printable text (UTF-8 allowed, no control characters or
// terminal escapes copied from the input) of bounded length.
inline void checkRefusal(const ss::Error& e, const char* what)
{
    const std::string& m = e.message;
    if (m.empty())
        finding(std::string(what) + ": empty refusal");
    if (m.size() > kMaxMessageBytes)
        finding(std::string(what) + ": refusal of " + std::to_string(m.size()) + " bytes: " + m.substr(0, 200) + "...");
    for (unsigned char c : m)
        if (c < 0x20 || c == 0x7f)
            finding(std::string(what) + ": control character " + std::to_string(int(c)) + " in the refusal: " + m.substr(0, 300));
}

} // namespace ssfuzz
