// WAV reader: arbitrary bytes -> a file in /dev/shm -> probeWav, readWav, readWavRange and
// loadClip16k (read + mono + resample + fit, what every front end calls). The real path-based
// readers run, special-file checks included; tmpfs keeps it at memory speed.
#include "audio/wav.h"
#include "fuzz_common.h"
#include "model/model.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace {

const std::string& scratchPath()
{
    static const std::string path = "/dev/shm/sparsescope-fuzz-wav-" + std::to_string(getpid()) + ".wav";
    return path;
}

void checkSamples(const std::vector<float>& samples, const char* what)
{
    for (float v : samples)
        if (!std::isfinite(v))
            ssfuzz::finding(std::string(what) + " returned a non-finite sample");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string& path = scratchPath();
    {
        FILE* f = std::fopen(path.c_str(), "wb");
        if (!f)
            ssfuzz::finding("cannot write " + path);
        if (size && std::fwrite(data, 1, size, f) != size)
            ssfuzz::finding("cannot write " + path);
        std::fclose(f);
    }
    auto probed = ss::probeWav(path);
    if (!probed)
        ssfuzz::checkRefusal(probed.error(), "probeWav");

    ss::WavInfo info;
    auto clip = ss::readWav(path, &info);
    if (!clip) {
        ssfuzz::checkRefusal(clip.error(), "readWav");
    } else {
        if (clip->sample_rate < ss::kMinSampleRate || clip->sample_rate > ss::kMaxWavSampleRate)
            ssfuzz::finding("readWav accepted a sample rate of " + std::to_string(clip->sample_rate) + " Hz");
        if (clip->samples.empty())
            ssfuzz::finding("readWav accepted a clip without samples");
        checkSamples(clip->samples, "readWav");
    }

    auto range = ss::readWavRange(path, 3, 100);
    if (!range)
        ssfuzz::checkRefusal(range.error(), "readWavRange");
    else if (range->samples.size() > 100)
        ssfuzz::finding("readWavRange returned more frames than asked for");

    ss::AudioSettings settings; // the GSC front end at 16 kHz, on a quarter-second clip (4x the executions)
    settings.clip_seconds = 0.25;
    auto samples = ss::loadClip16k(path, settings);
    if (!samples) {
        ssfuzz::checkRefusal(samples.error(), "loadClip16k");
    } else {
        if (samples->size() != ss::clipSamples(settings))
            ssfuzz::finding("loadClip16k returned " + std::to_string(samples->size()) + " samples");
        checkSamples(*samples, "loadClip16k");
    }
    unlink(path.c_str());
    return 0;
}
