// Model loader: arbitrary bytes -> modelFromBytes (the code behind loadModel, on bytes in memory).
// An accepted model must pass validateModel, summarise, and survive modelToBytes -> modelFromBytes.
#include "fuzz_common.h"
#include "model/model_io.h"
#include "model/summary.h"

#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::vector<uint8_t> bytes(data, data + size);
    auto m = ss::modelFromBytes(bytes, "fuzz.safetensors");
    if (!m) {
        ssfuzz::checkRefusal(m.error(), "modelFromBytes");
        return 0;
    }
    if (ss::Status s = ss::validateModel(*m); !s)
        ssfuzz::finding("validateModel refused a model the loader accepted: " + s.message());
    const ss::ModelSummary summary = ss::summarize(*m);
    (void)ss::modelWarnings(*m, summary);
    auto again = ss::modelFromBytes(ss::modelToBytes(*m), "fuzz-roundtrip.safetensors");
    if (!again)
        ssfuzz::finding("the loader refused modelToBytes' output of a model it accepted: " + again.message());
    if (again->layers.size() != m->layers.size() || !(again->input == m->input) || again->classes != m->classes)
        ssfuzz::finding("modelToBytes -> modelFromBytes changed the architecture");
    return 0;
}
