// Writes the seed corpora of tests/fuzz/corpus/ (small valid files, a few KB each): models of the
// GSC architecture with tiny widths and the odd shapes of tests/common, WAV files in the encodings
// the readers meet, .npy files of each format version, and split lists. Reports come from the CLI
// (`sparsescope-cli bench`, see tests/fuzz/README.md). Deterministic: the same files every run.
//   fuzz_make_seeds <corpus dir>
#include "common/test_models.h"
#include "model/model_io.h"
#include "model/npy.h"
#include "model/synth.h"

#include <sndfile.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

int failures = 0;

void check(const ss::Status& s, const std::string& what)
{
    if (!s) {
        std::fprintf(stderr, "%s: %s\n", what.c_str(), s.message().c_str());
        ++failures;
    }
}

void writeBytes(const fs::path& p, const std::vector<uint8_t>& bytes)
{
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

void writeModel(const fs::path& dir, const std::string& name, const ss::Model& m)
{
    check(ss::validateModel(m), name);
    writeBytes(dir / "model" / (name + ".safetensors"), ss::modelToBytes(m));
    writeBytes(dir / "arch" / (name + ".safetensors"), ss::modelToBytes(m));
}

void tinyGsc(const fs::path& dir, const std::string& name, ss::KwtaOrder order, ss::RouteLayout routes, bool complementary)
{
    ss::SynthOptions o;
    o.conv_channels = 2;
    o.hidden = 8;
    o.weight_density = {0.5, 0.5, 0.25, 1.0};
    o.act_density = {0.2, 0.3, 0.25};
    o.order = order;
    o.routes = routes;
    o.complementary = complementary;
    o.classes = {"yes", "no", "_silence_", "_unknown_"};
    o.name = name;
    auto m = ss::synthModel(o);
    if (!m) {
        check(m.status(), name);
        return;
    }
    m->info.erase("description"); // a long sentence the fuzzer would only have to carry around
    writeModel(dir, name, *m);
}

// A short clip (50 ms of a tone with a little noise) in one libsndfile format.
void writeAudio(const fs::path& p, int format, int rate, int channels, double seconds = 0.05)
{
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    SNDFILE* f = sf_open(p.c_str(), SFM_WRITE, &info);
    if (!f) {
        std::fprintf(stderr, "%s: %s\n", p.c_str(), sf_strerror(nullptr));
        ++failures;
        return;
    }
    const sf_count_t frames = sf_count_t(seconds * rate);
    std::vector<float> x(size_t(frames) * size_t(channels));
    uint32_t noise = 1;
    for (sf_count_t t = 0; t < frames; ++t)
        for (int c = 0; c < channels; ++c) {
            noise = noise * 1664525u + 1013904223u;
            x[size_t(t) * size_t(channels) + size_t(c)] =
                0.5f * float(std::sin(2 * std::numbers::pi * 440.0 * double(t) / rate + c)) + 0.01f * (float(noise >> 8) / float(1 << 24) - 0.5f);
        }
    sf_writef_float(f, x.data(), frames);
    sf_close(f);
}

// A .npy of format version `major` written by hand (writeNpy writes version 1.0 only).
void writeNpyVersion(const fs::path& p, int major, const std::string& shape, const std::vector<float>& values)
{
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    const size_t prefix = major == 1 ? 10 : 12;
    while ((prefix + header.size() + 1) % 64 != 0)
        header.push_back(' ');
    header.push_back('\n');
    std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(major), 0};
    const size_t len = header.size();
    out.push_back(uint8_t(len));
    out.push_back(uint8_t(len >> 8));
    if (major > 1) {
        out.push_back(uint8_t(len >> 16));
        out.push_back(uint8_t(len >> 24));
    }
    out.insert(out.end(), header.begin(), header.end());
    const auto* v = reinterpret_cast<const uint8_t*>(values.data());
    out.insert(out.end(), v, v + values.size() * sizeof(float));
    writeBytes(p, out);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    const fs::path dir = argv[1];
    for (const char* sub : {"model", "arch", "wav", "npy", "lists"})
        fs::create_directories(dir / sub);

    // Models: the GSC network with 2 channels and 8 hidden units in both k-WTA orders, both route
    // layouts and random masks; the odd shapes (padding, stride, ReLU, local k-WTA, floor pooling).
    tinyGsc(dir, "gsc-tiny-pool-kwta", ss::KwtaOrder::PoolThenKwta, ss::RouteLayout::Shared, true);
    tinyGsc(dir, "gsc-tiny-kwta-pool-independent", ss::KwtaOrder::KwtaThenPool, ss::RouteLayout::Independent, true);
    tinyGsc(dir, "gsc-tiny-random-masks", ss::KwtaOrder::PoolThenKwta, ss::RouteLayout::Shared, false);
    writeModel(dir, "odd-shared", sstest::oddModel(7, ss::RouteLayout::Shared, true));
    writeModel(dir, "odd-independent-random", sstest::oddModel(8, ss::RouteLayout::Independent, false));
    writeModel(dir, "pooled", sstest::pooledModel(9));

    // Audio: what GSC ships (16-bit PCM mono 16 kHz) and what users bring.
    writeAudio(dir / "wav" / "pcm16-mono-16k.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1);
    writeAudio(dir / "wav" / "pcm24-stereo-44k1.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 44100, 2, 0.01);
    writeAudio(dir / "wav" / "float-mono-48k.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 1, 0.01);
    writeAudio(dir / "wav" / "u8-mono-8k.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 8000, 1);
    writeAudio(dir / "wav" / "ulaw-mono-8k.wav", SF_FORMAT_WAV | SF_FORMAT_ULAW, 8000, 1);
    writeAudio(dir / "wav" / "wavex-pcm16-3ch-22k.wav", SF_FORMAT_WAVEX | SF_FORMAT_PCM_16, 22050, 3, 0.01);
    writeAudio(dir / "wav" / "flac-mono-16k.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 16000, 1);
    writeAudio(dir / "wav" / "aiff-pcm16-mono-16k.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 16000, 1, 0.02);

    // .npy: a feature tensor as Python writes it, and the other format versions and shapes.
    {
        ss::Tensor t({1, 8, 8});
        for (size_t i = 0; i < t.data.size(); ++i)
            t.data[i] = -80.0f + float(i);
        check(ss::writeNpy((dir / "npy" / "features-1x8x8.npy").string(), t), "npy");
        ss::Tensor v({3});
        v.data = {1.0f, -2.5f, 0.0f};
        check(ss::writeNpy((dir / "npy" / "vector-3.npy").string(), v), "npy");
        writeNpyVersion(dir / "npy" / "v2-2x3.npy", 2, "(2, 3)", {1, 2, 3, 4, 5, 6});
        writeNpyVersion(dir / "npy" / "v3-scalar.npy", 3, "()", {42});
        writeNpyVersion(dir / "npy" / "v1-empty.npy", 1, "(0, 4)", {});
    }

    // Split lists as GSC spells them, with the variations the reader accepts.
    std::ofstream(dir / "lists" / "testing_list.txt") << "yes/0a7c2a8d_nohash_0.wav\nno/0b09edd3_nohash_1.wav\n";
    std::ofstream(dir / "lists" / "crlf-dot-slash.txt") << "./yes/0b09edd3_nohash_1.wav\r\n\r\n  bird/0a7c2a8d_nohash_0.wav  \r\n";
    std::ofstream(dir / "lists" / "empty.txt") << "";
    std::ofstream(dir / "lists" / "missing-clip.txt") << "yes/0a7c2a8d_nohash_0.wav\ngo/ffffffff_nohash_0.wav\n";

    return failures ? 1 : 0;
}
