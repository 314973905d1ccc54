// Keyword streams for streaming evaluation (see stream.h).
#include "datasets/stream.h"

#include "audio/wav.h"
#include "util/splitmix.h"

#include <algorithm>
#include <cmath>

namespace ss {

namespace {

double dbToGain(double db) { return std::pow(10.0, db / 20.0); }

bool finiteRange(double lo, double hi) { return std::isfinite(lo) && std::isfinite(hi) && lo <= hi; }

// A shuffled, endlessly cycling deck of clip indices.
struct Deck {
    std::vector<size_t> cards;
    size_t next = 0;
    size_t draw(SplitMix64& rng)
    {
        if (next == 0)
            for (size_t i = cards.size(); i > 1; --i)
                std::swap(cards[i - 1], cards[size_t(rng.below(i))]);
        const size_t c = cards[next];
        next = (next + 1) % cards.size();
        return c;
    }
};

} // namespace

Status checkStreamSpec(const StreamSpec& s)
{
    if (!(s.minutes > 0) || s.minutes > 600)
        return badInput("A stream's length must be more than 0 and at most 600 minutes.");
    if (!(s.keyword_fraction >= 0 && s.keyword_fraction <= 1))
        return badInput("The keyword fraction must be between 0 and 1.");
    if (!finiteRange(s.gap_min_s, s.gap_max_s) || s.gap_min_s < 0)
        return badInput("The gaps between words must be a range of non-negative seconds.");
    if (!std::isfinite(s.lead_in_s) || s.lead_in_s < 0)
        return badInput("The lead-in must be a non-negative number of seconds.");
    if (!finiteRange(s.peak_dbfs_min, s.peak_dbfs_max) || s.peak_dbfs_max > 0)
        return badInput("Word peak levels must be a range of dB at or below 0 dBFS.");
    if (!finiteRange(s.noise_rms_dbfs_min, s.noise_rms_dbfs_max) || s.noise_rms_dbfs_max > 0)
        return badInput("Background levels must be a range of dB at or below 0 dBFS.");
    if (!finiteRange(s.noise_segment_min_s, s.noise_segment_max_s) || s.noise_segment_min_s < 0.1)
        return badInput("Background segments must be a range of at least 0.1 s.");
    return Status::ok();
}

std::pair<size_t, size_t> speechExtent(const std::vector<float>& clip, int sample_rate, double below_peak_db)
{
    const size_t frame = size_t(std::max(1, sample_rate / 100));
    const size_t frames = clip.size() / frame;
    if (frames == 0)
        return {0, 0};
    std::vector<double> raw(frames, 0.0), rms(frames, 0.0);
    for (size_t f = 0; f < frames; ++f) {
        double e = 0;
        for (size_t i = 0; i < frame; ++i)
            e += double(clip[f * frame + i]) * clip[f * frame + i];
        raw[f] = std::sqrt(e / double(frame));
    }
    // 30 ms smoothing, so one quiet frame inside a word does not end it.
    for (size_t f = 0; f < frames; ++f)
        rms[f] = (raw[f == 0 ? 0 : f - 1] + raw[f] + raw[std::min(frames - 1, f + 1)]) / 3.0;
    const double loudest = *std::max_element(rms.begin(), rms.end());
    if (!(loudest > 0))
        return {0, 0};
    // Clips often carry background noise: speech is what rises clearly (8 dB) above the clip's own
    // noise floor (its quietest tenth of frames) as well as being within below_peak_db of the
    // peak; in a very noisy clip at least the frames within 6 dB of the peak count.
    std::vector<double> sorted = rms;
    std::sort(sorted.begin(), sorted.end());
    const double noise_floor = sorted[sorted.size() / 10];
    const double floor = std::min(std::max(loudest * dbToGain(-below_peak_db), noise_floor * dbToGain(8.0)), loudest * dbToGain(-6.0));
    size_t first = 0, last = frames;
    while (first < frames && rms[first] < floor)
        ++first;
    while (last > first && rms[last - 1] < floor)
        --last;
    return {first * frame, last * frame};
}

Result<GeneratedStream> makeKeywordStream(const GscDataset& data, Split split, const StreamSpec& spec, const AudioSettings& audio)
{
    if (Status s = checkStreamSpec(spec); !s)
        return s;
    if (Status s = checkClipSettings(audio); !s)
        return s;
    const int rate = audio.sample_rate;
    std::vector<bool> is_keyword(data.classes.size(), false);
    for (size_t c = 0; c < data.classes.size(); ++c)
        is_keyword[c] = !data.classes[c].empty() && data.classes[c][0] != '_';

    Deck keywords, others;
    const auto& clips = data.split(split);
    for (size_t i = 0; i < clips.size(); ++i) {
        const GscClip& c = clips[i];
        if (c.silence || c.label < 0)
            continue;
        (is_keyword[size_t(c.label)] ? keywords : others).cards.push_back(i);
    }
    if (keywords.cards.empty())
        return badInput("The " + std::string(splitName(split)) + " split of '" + data.root + "' has no keyword clips to build a stream from.",
                        data.root);

    GeneratedStream out;
    out.sample_rate = rate;
    const size_t total = size_t(std::llround(spec.minutes * 60.0 * rate));
    out.samples.assign(total, 0.0f);
    SplitMix64 rng(spec.seed * 0x9E3779B97F4A7C15ull + 0x5EED);

    // Background: segments of the noise files at random offsets and levels; the level glides over
    // 200 ms at each change so a new segment does not click louder than the words.
    std::vector<std::vector<float>> noise;
    for (const auto& path : data.noise_files) {
        auto clip = readWav(path);
        if (!clip)
            return clip.error();
        auto x = resample(clip->samples, clip->sample_rate, rate);
        if (x.size() >= size_t(rate) / 2)
            noise.push_back(std::move(x));
    }
    if (noise.empty())
        out.notes.push_back("'" + data.root + "' has no usable _background_noise_ files: the stream's background is generated white noise.");
    const size_t glide = size_t(rate) / 5;
    double prev_gain = 0;
    for (size_t pos = 0; pos < total;) {
        const size_t len = std::min(total - pos, size_t(rng.uniform(spec.noise_segment_min_s, spec.noise_segment_max_s) * rate));
        const double target_rms = dbToGain(rng.uniform(spec.noise_rms_dbfs_min, spec.noise_rms_dbfs_max));
        std::vector<float> seg(len);
        if (!noise.empty()) {
            const auto& src = noise[size_t(rng.below(noise.size()))];
            size_t at = size_t(rng.below(src.size()));
            for (size_t i = 0; i < len; ++i, ++at)
                seg[i] = src[at % src.size()];
        } else {
            for (auto& v : seg)
                v = float(rng.uniform(-1.0, 1.0));
        }
        double e = 0;
        for (float v : seg)
            e += double(v) * v;
        const double rms = len ? std::sqrt(e / double(len)) : 0.0;
        const double gain = rms > 0 ? target_rms / rms : 0.0;
        if (pos == 0)
            prev_gain = gain;
        for (size_t i = 0; i < len; ++i) {
            const double g = i < glide ? prev_gain + (gain - prev_gain) * double(i) / double(glide) : gain;
            out.samples[pos + i] = float(seg[i] * g);
        }
        prev_gain = gain;
        pos += len;
    }

    // Utterances: speech starts at the cursor; the next starts a random gap after this one ends.
    double cursor = spec.lead_in_s;
    size_t silent_in_a_row = 0;
    while (true) {
        const bool keyword = others.cards.empty() || rng.uniform() < spec.keyword_fraction;
        Deck& deck = keyword && !keywords.cards.empty() ? keywords : others;
        const GscClip& c = clips[deck.draw(rng)];
        auto samples = loadClipSamples(data, c, audio);
        if (!samples)
            return samples.error();
        const auto [first, end] = speechExtent(*samples, rate);
        if (end <= first) { // a silent clip says nothing
            if (++silent_in_a_row > keywords.cards.size() + others.cards.size())
                return badInput("Every clip of the " + std::string(splitName(split)) + " split of '" + data.root + "' is silent.", data.root);
            continue;
        }
        silent_in_a_row = 0;
        const double speech_s = double(end - first) / rate;
        if (cursor + speech_s + 1.0 > double(total) / rate)
            break; // leave a second after the last word for its detection
        float peak = 0;
        for (size_t i = first; i < end; ++i)
            peak = std::max(peak, std::fabs((*samples)[i]));
        const double gain = peak > 0 ? dbToGain(rng.uniform(spec.peak_dbfs_min, spec.peak_dbfs_max)) / peak : 0.0;
        const int64_t offset = std::llround(cursor * rate) - int64_t(first); // where clip sample 0 lands
        for (size_t i = 0; i < samples->size(); ++i) {
            const int64_t at = offset + int64_t(i);
            if (at >= 0 && at < int64_t(total))
                out.samples[size_t(at)] += float((*samples)[i] * gain);
        }
        TruthEvent e{c.word, double(offset + int64_t(first)) / rate, double(offset + int64_t(end)) / rate};
        (keyword ? out.keywords : out.non_keywords).push_back(e);
        cursor = e.end_s + rng.uniform(spec.gap_min_s, spec.gap_max_s);
    }
    for (auto& v : out.samples)
        v = std::clamp(v, -1.0f, 1.0f);
    return out;
}

} // namespace ss
