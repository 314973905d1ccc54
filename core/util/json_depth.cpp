#include "util/json_depth.h"

namespace ss {

Status checkJsonDepth(std::string_view text, const std::string& what, const std::string& where, int max_depth)
{
    int depth = 0;
    bool in_string = false, escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth)
                return badInput(what + " nests arrays or objects more than " + std::to_string(max_depth) +
                                    " levels deep; SparseScope refuses such input.",
                                where);
        } else if (c == ']' || c == '}') {
            --depth; // unbalanced text is the parser's to refuse
        }
    }
    return Status::ok();
}

} // namespace ss
