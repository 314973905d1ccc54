// Architecture JSON -> engines: the inputs are model files (the corpus: small valid models), and a
// custom mutator changes what a user could get wrong in one — mostly the architecture JSON in
// __metadata__ (kernel sizes, padding, k, boost, orders, input shape, audio settings...), sometimes
// one value of one tensor (batch-norm statistics, duty cycles, biases) — and re-serialises a valid
// container, so the loader's checks are what gets exercised rather than the container's.
// On every model the loader accepts, every CPU engine (not torch) is prepared and run on one input
// and must give the reference's logits within 1e-4 relative (the tolerance of tests/engines); the
// quantised engine (q8) must not crash. A disagreement aborts: it is a finding.
#include "engines/engine.h"
#include "fuzz_common.h"
#include "model/model_io.h"
#include "model/reference.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

// Budget per input: the engines run in an instrumented build, and a bigger model adds time, not coverage.
constexpr double kMaxDenseMacs = 4e6;

// One value from the edges of float: what a careless export or a hand edit produces.
float edgeValue(std::mt19937& rng)
{
    static const float values[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 1e-3f, 1e3f, 1e9f, -1e9f, 1e30f, -1e30f, 1e-30f,
                                   std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max(),
                                   std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()};
    return values[rng() % (sizeof(values) / sizeof(values[0]))];
}

std::string describeLogits(const std::vector<float>& v)
{
    std::string s;
    for (float x : v)
        s += (s.empty() ? "" : " ") + std::to_string(x);
    return s;
}

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed)
{
    auto st = ss::parseSafeTensors(std::vector<uint8_t>(data, data + size), "corpus");
    if (!st || !st->metadata.count("sparsescope"))
        return LLVMFuzzerMutate(data, size, max_size);
    std::mt19937 rng(seed);
    if (rng() % 4 == 0 && !st->tensors.empty()) {
        auto it = st->tensors.begin();
        std::advance(it, rng() % st->tensors.size());
        if (!it->second.data.empty())
            it->second.data[rng() % it->second.data.size()] = edgeValue(rng);
    } else {
        std::string& arch = st->metadata["sparsescope"];
        // The file grows by what the text grows (escapes can triple it): leave the text a third of the room.
        const size_t room = max_size > size ? (max_size - size) / 3 : 0;
        std::vector<uint8_t> text(arch.begin(), arch.end());
        text.resize(arch.size() + room);
        const size_t n = LLVMFuzzerMutate(text.data(), arch.size(), text.size());
        arch.assign(text.begin(), text.begin() + std::ptrdiff_t(n));
    }
    std::vector<uint8_t> out;
    try {
        out = ss::serializeSafeTensors(*st);
    } catch (const std::exception&) { // the mutated text is not UTF-8: JSON cannot hold it as a string
        return LLVMFuzzerMutate(data, size, max_size);
    }
    if (out.size() > max_size)
        return LLVMFuzzerMutate(data, size, max_size);
    std::memcpy(data, out.data(), out.size());
    return out.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto m = ss::modelFromBytes(std::vector<uint8_t>(data, data + size), "fuzz.safetensors");
    if (!m) {
        ssfuzz::checkRefusal(m.error(), "modelFromBytes");
        return 0;
    }
    if (m->macsDense() > kMaxDenseMacs)
        return 0;
    const int K = int(m->layers.back().out_shape.size());
    std::mt19937_64 rng(1);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(size_t(m->input.size()));
    for (auto& v : x)
        v = normal(rng);

    std::vector<float> ref(static_cast<size_t>(K));
    if (ss::Status s = ss::referenceForward(*m, x.data(), 1, ref.data()); !s) {
        ssfuzz::checkRefusal(s.error(), "referenceForward");
        return 0;
    }
    for (float v : ref)
        if (!std::isfinite(v))
            ssfuzz::finding("the loader accepted a model whose reference logits are not finite: " + describeLogits(ref));

    for (const auto& info : ss::engineRegistry()) {
        if (info.name == "torch" || info.name == "reference")
            continue;
        for (const char* isa : {"", "scalar"}) {
            if (!info.fp32 && *isa)
                continue;
            auto engine = info.make();
            ss::EngineOptions opt;
            opt.isa = isa;
            if (ss::Status s = engine->prepare(*m, opt); !s) {
                ssfuzz::checkRefusal(s.error(), "prepare");
                continue;
            }
            std::vector<float> got(size_t(K), std::nanf(""));
            if (ss::Status s = engine->infer(x.data(), 1, got.data()); !s) {
                ssfuzz::checkRefusal(s.error(), "infer");
                continue;
            }
            if (!info.fp32)
                continue; // q8 is checked against its own golden model in tests/engines
            double err = 0, scale = 1e-6;
            for (int i = 0; i < K; ++i) {
                if (!std::isfinite(got[size_t(i)]))
                    err = std::numeric_limits<double>::infinity();
                scale = std::max(scale, double(std::abs(ref[size_t(i)])));
                err = std::max(err, double(std::abs(ref[size_t(i)] - got[size_t(i)])));
            }
            if (!(err <= 1e-4 * scale))
                ssfuzz::finding("engine '" + info.name + "' (isa '" + isa + "') differs from the reference by " + std::to_string(err) +
                                " (scale " + std::to_string(scale) + ")\n  reference: " + describeLogits(ref) +
                                "\n  " + info.name + ": " + describeLogits(got));
        }
    }
    return 0;
}
