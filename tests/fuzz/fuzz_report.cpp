// Benchmark report reader (what the GUI opens): arbitrary text -> benchFromJsonText. An accepted
// report must render (console, CSV) and survive benchToJson -> benchFromJson.
#include "fuzz_common.h"
#include "report/report.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto r = ss::benchFromJsonText(text, "fuzz.json");
    if (!r) {
        ssfuzz::checkRefusal(r.error(), "benchFromJsonText");
        return 0;
    }
    const auto& [context, results] = *r;
    (void)ss::benchToConsole(context, results);
    (void)ss::benchToCsv(context, results);
    for (const auto& row : results) {
        (void)ss::speedupVs(results, row, "dense");
        for (const auto& layer : row.layers) {
            (void)ss::boundSpeedup(layer);
            (void)ss::layerSpeedupVs(ss::findBaseline(results, row, "dense"), layer);
        }
    }
    const nlohmann::json written = ss::benchToJson(context, results);
    auto back = ss::benchFromJson(written);
    if (!back)
        ssfuzz::finding("benchFromJson refused benchToJson's output of a report it accepted: " + back.message());
    if (back->second.size() != results.size())
        ssfuzz::finding("benchToJson -> benchFromJson changed the number of results");
    // The text form too: what `bench --json` writes is what the GUI reads.
    auto back_text = ss::benchFromJsonText(written.dump(2), "fuzz-roundtrip.json");
    if (!back_text)
        ssfuzz::finding("benchFromJsonText refused the dump of a report it accepted: " + back_text.message());
    return 0;
}
