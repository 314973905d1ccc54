// Small text helpers shared by core and the front ends.
#pragma once

#include <cstdint>
#include <string>

namespace ss {

// 1234567 -> "1,234,567" (counts in reports and refusals).
inline std::string withThousands(int64_t n)
{
    const std::string d = std::to_string(n < 0 ? -n : n);
    std::string s = n < 0 ? "-" : "";
    for (size_t i = 0; i < d.size(); ++i) {
        if (i > 0 && (d.size() - i) % 3 == 0)
            s += ',';
        s += d[i];
    }
    return s;
}

// s without leading and trailing blanks (space, tab, CR, LF).
inline std::string trimBlanks(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos)
        return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

} // namespace ss
