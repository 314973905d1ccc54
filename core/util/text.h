// Small text helpers shared by core and the front ends.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

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

// Text from a file or a parser's message quoted in a refusal: printable ASCII only (control
// characters, terminal escapes and non-ASCII bytes become '?'), cut to max_chars with "...".
inline std::string printableExcerpt(std::string_view s, size_t max_chars = 160)
{
    std::string out;
    for (char c : s.substr(0, max_chars))
        out += (static_cast<unsigned char>(c) >= 32 && static_cast<unsigned char>(c) < 127) ? c : '?';
    if (s.size() > max_chars)
        out += "...";
    return out;
}

// One number through a printf format ("%.2f", 3.14159 -> "3.14").
inline std::string formatNumber(const char* format, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

// Counts in engineering notation, three significant digits: 13.1 M, 819 k, 12.6.
inline std::string engineeringCount(double v)
{
    const double a = std::fabs(v);
    if (a >= 1e9)
        return formatNumber("%.3g G", v / 1e9);
    if (a >= 1e6)
        return formatNumber("%.3g M", v / 1e6);
    if (a >= 1e3)
        return formatNumber("%.3g k", v / 1e3);
    return formatNumber("%.3g", v);
}

} // namespace ss
