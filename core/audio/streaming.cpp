// Incremental log-mel windows equal to the offline front end (see streaming.h for the recipe).
#include "audio/streaming.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace ss {

namespace {
constexpr uint64_t kEmpty = std::numeric_limits<uint64_t>::max();
} // namespace

int roundHopToFrames(double hop_ms, const AudioSettings& settings)
{
    const double samples = hop_ms * settings.sample_rate / 1000.0;
    const int hop = std::max(1, settings.hop_length);
    const double frames = std::max(1.0, std::round(samples / hop));
    return int(std::min(frames, 1e6)) * hop;
}

StreamingLogMel::StreamingLogMel(const AudioSettings& settings, int hop_samples)
    : front_end_(settings), status_(front_end_.status()), hop_(hop_samples)
{
    if (!status_)
        return;
    if (hop_samples < 1 || double(hop_samples) > 3600.0 * settings.sample_rate) {
        status_ = badInput("The hop of " + std::to_string(hop_samples) + " samples is not between 1 sample and an hour.");
        return;
    }
    frames_ = front_end_.frames();
    bands_ = front_end_.bands();
    first_interior_ = front_end_.firstInteriorFrame();
    last_interior_ = front_end_.lastInteriorFrame();
    ring_.assign(front_end_.clipSamples(), 0.0f);
    slot_pos_.assign(size_t(frames_), kEmpty);
    slot_power_.assign(size_t(frames_) * size_t(bands_), 0.0f);
    slot_db_.assign(size_t(frames_) * size_t(bands_), 0.0);
    window_.resize(ring_.size());
    frame_.resize(size_t(settings.n_fft));
    power_.resize(size_t(frames_) * size_t(bands_));
    power_db_.resize(power_.size());
    edge_.resize(size_t(bands_));
    reset();
}

void StreamingLogMel::reset()
{
    std::fill(ring_.begin(), ring_.end(), 0.0f);
    std::fill(slot_pos_.begin(), slot_pos_.end(), kEmpty);
    pushed_ = 0;
    next_end_ = ring_.size();
    windows_ = 0;
    frames_computed_ = 0;
}

void StreamingLogMel::push(const float* samples, size_t n, std::vector<FeatureWindow>* windows)
{
    if (!status_ || ring_.empty())
        return;
    const size_t cap = ring_.size();
    while (n > 0) {
        // Copy up to the end of the next window (or all of it), wrapping around the ring.
        const size_t take = size_t(std::min<uint64_t>(n, next_end_ - pushed_));
        size_t done = 0;
        while (done < take) {
            const size_t at = size_t((pushed_ + done) % cap);
            const size_t run = std::min(take - done, cap - at);
            std::copy_n(samples + done, run, ring_.begin() + ptrdiff_t(at));
            done += run;
        }
        pushed_ += take;
        samples += take;
        n -= take;
        if (pushed_ == next_end_) {
            emitWindow(windows);
            next_end_ += uint64_t(hop_);
        }
    }
}

void StreamingLogMel::emitWindow(std::vector<FeatureWindow>* windows)
{
    const AudioSettings& s = front_end_.settings();
    const uint64_t clip = ring_.size();
    const uint64_t start = pushed_ - clip; // the window is stream positions [start, pushed_)
    const int64_t pad = s.center ? s.n_fft / 2 : 0;
    const size_t frames = size_t(frames_);
    bool have_window = false;

    for (int t = 0; t < frames_; ++t) {
        float* power_col = power_.data() + t;
        double* db_col = power_db_.data() + t;
        if (t >= first_interior_ && t <= last_interior_) {
            // An interior frame: its samples are stream positions [pos, pos + n_fft), all real.
            const uint64_t pos = uint64_t(int64_t(start) + int64_t(t) * s.hop_length - pad);
            const size_t slot = size_t((pos / uint64_t(s.hop_length)) % frames);
            float* cached_power = slot_power_.data() + slot * size_t(bands_);
            double* cached_db = slot_db_.data() + slot * size_t(bands_);
            if (slot_pos_[slot] != pos) {
                for (int k = 0; k < s.n_fft; ++k)
                    frame_[size_t(k)] = ringAt(pos + uint64_t(k));
                front_end_.melFrameInterior(frame_.data(), cached_power, 1, ws_);
                for (int b = 0; b < bands_; ++b)
                    cached_db[b] = LogMelFrontEnd::powerDb(cached_power[b]);
                slot_pos_[slot] = pos;
                ++frames_computed_;
            }
            for (int b = 0; b < bands_; ++b) {
                power_col[size_t(b) * frames] = cached_power[b];
                db_col[size_t(b) * frames] = cached_db[b];
            }
        } else {
            // An edge frame reads the window's padding: computed from the window itself.
            if (!have_window) {
                for (uint64_t i = 0; i < clip; ++i)
                    window_[size_t(i)] = ringAt(start + i);
                have_window = true;
            }
            front_end_.melFrame(window_.data(), window_.size(), t, edge_.data(), 1, ws_);
            ++frames_computed_;
            for (int b = 0; b < bands_; ++b) {
                power_col[size_t(b) * frames] = edge_[size_t(b)];
                db_col[size_t(b) * frames] = LogMelFrontEnd::powerDb(edge_[size_t(b)]);
            }
        }
    }

    FeatureWindow w;
    w.index = windows_++;
    w.end_sample = pushed_;
    w.end_seconds = double(pushed_) / s.sample_rate;
    w.features.resize(power_.size());
    front_end_.toDb(power_.data(), power_db_.data(), power_.size(), w.features.data());
    if (windows)
        windows->push_back(std::move(w));
}

} // namespace ss
