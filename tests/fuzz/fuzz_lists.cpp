// Dataset split lists: arbitrary text -> parseSplitList, then the same text as testing_list.txt of a
// small Speech Commands tree in /dev/shm -> openGsc (the list applied to real word folders: entries
// that name missing clips, folders, absolute paths or '..' must be refused with a sentence).
#include "datasets/gsc.h"
#include "fuzz_common.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

// yes/, no/ and bird/ with two (empty: openGsc decodes no audio) clips each, and an empty validation list.
const fs::path& tree()
{
    static const fs::path root = [] {
        const fs::path r = fs::path("/dev/shm") / ("sparsescope-fuzz-gsc-" + std::to_string(getpid()));
        fs::remove_all(r);
        for (const char* word : {"yes", "no", "bird"}) {
            fs::create_directories(r / word);
            for (const char* file : {"0a7c2a8d_nohash_0.wav", "0b09edd3_nohash_1.wav"})
                std::ofstream(r / word / file).put('\0');
        }
        std::ofstream(r / "validation_list.txt") << "";
        std::atexit([] { std::error_code ec; fs::remove_all(tree(), ec); });
        return r;
    }();
    return root;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto entries = ss::parseSplitList(text, "testing_list.txt");
    if (!entries) {
        ssfuzz::checkRefusal(entries.error(), "parseSplitList");
    } else {
        for (const auto& e : *entries)
            if (e.rel.empty() || e.line <= 0 || e.rel.size() > ss::kMaxSplitListEntryBytes)
                ssfuzz::finding("parseSplitList returned an empty, overlong or unnumbered entry");
    }

    const fs::path& root = tree();
    std::ofstream(root / "testing_list.txt", std::ios::binary | std::ios::trunc).write(text.data(), std::streamsize(text.size()));
    auto ds = ss::openGsc(root.string(), ss::ClassPreset::Commands);
    if (!ds) {
        ssfuzz::checkRefusal(ds.error(), "openGsc");
        return 0;
    }
    if (!entries)
        ssfuzz::finding("openGsc accepted a testing list that parseSplitList refused");
    if (ds->test.size() > 6 || ds->train.size() + ds->validation.size() + ds->test.size() < 6)
        ssfuzz::finding("openGsc placed " + std::to_string(ds->test.size()) + " clips in the test split");
    return 0;
}
