// One sentence from a libtorch exception, without its C++ backtrace (for refusals and runtime
// errors). Include only from sources compiled with libtorch's headers.
#pragma once

#include <c10/util/Exception.h>

#include <exception>
#include <string>

namespace ss {

inline std::string torchMessage(const std::exception& e)
{
    std::string m;
    if (const auto* ce = dynamic_cast<const c10::Error*>(&e))
        m = ce->what_without_backtrace();
    else
        m = e.what();
    if (auto nl = m.find('\n'); nl != std::string::npos)
        m.resize(nl);
    while (!m.empty() && (m.back() == ' ' || m.back() == '.'))
        m.pop_back();
    return m.empty() ? std::string("unknown error") : m;
}

} // namespace ss
