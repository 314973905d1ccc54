// The streaming front end of live recognition (DESIGN.md §5): audio arrives in chunks of any size,
// a 1 s window of features comes out every hop, and each window's features EQUAL
// LogMelFrontEnd::compute() of the same second of audio.
//
// How the offline recipe is reproduced incrementally (melspec.h): the offline features of a window
// are centred STFT frames (reflect padding of n_fft/2 at both ends of the window) projected on the
// mel filterbank, then converted to dB relative to the window's loudest cell with a top_db floor.
//  - Interior frames (firstInteriorFrame()..lastInteriorFrame(), 2..29 for the GSC settings) read
//    only real samples of the window, so the same frame of the continuous stream serves every
//    window that contains it: its mel power and 10 log10(power) are cached by stream position.
//  - Edge frames (0, 1, 30, 31) read the reflect padding, which depends on where the window starts:
//    they are recomputed for every window from the window itself.
//  - The dB step (reference = the window's maximum, top_db floor) is a per-window operation on the
//    cached values: a max and a subtraction per cell, no logarithms.
// When the hop is a whole number m of feature hops (hop_length samples; 32 ms for GSC) a window
// costs m new interior frames + the edge frames (2 + 4 STFTs at the default 64 ms hop instead of
// 32). Any other hop still gives exact features, but the windows' frame grids do not line up, so
// almost every frame is new: roundHopToFrames() picks the nearest whole-frame hop.
#pragma once

#include "audio/melspec.h"
#include "model/model.h"
#include "util/status.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ss {

struct FeatureWindow {
    uint64_t index = 0;      // 0 for the first window since reset(), then 1, 2, ...
    uint64_t end_sample = 0; // samples pushed when the window completed: it is [end - clip, end)
    double end_seconds = 0;  // end_sample / sample_rate
    std::vector<float> features; // [n_mels][frames], the model input (== LogMelFrontEnd::compute)
};

// The hop (in samples) nearest to hop_ms that is a whole number (>= 1) of feature hops.
int roundHopToFrames(double hop_ms, const AudioSettings& settings);

class StreamingLogMel {
public:
    // hop_samples: distance between consecutive windows (>= 1). The first window completes once a
    // whole clip of audio has arrived. Bad settings or hop leave status() failed; push() then
    // does nothing.
    StreamingLogMel(const AudioSettings& settings, int hop_samples);

    const Status& status() const { return status_; }
    const LogMelFrontEnd& frontEnd() const { return front_end_; }
    int hopSamples() const { return hop_; }
    double hopSeconds() const { return double(hop_) / front_end_.settings().sample_rate; }

    // Appends samples (any count, including 0); every window completed on the way is appended to
    // *windows in order.
    void push(const float* samples, size_t n, std::vector<FeatureWindow>* windows);
    void reset();

    uint64_t samplesPushed() const { return pushed_; }
    // STFT frames computed since construction/reset (interior + edge), so tests and the CLI can
    // show what a window costs.
    uint64_t framesComputed() const { return frames_computed_; }
    uint64_t windowsEmitted() const { return windows_; }

private:
    void emitWindow(std::vector<FeatureWindow>* windows);
    float ringAt(uint64_t stream_pos) const { return ring_[size_t(stream_pos % ring_.size())]; }

    LogMelFrontEnd front_end_;
    Status status_;
    int hop_ = 0;
    int frames_ = 0, bands_ = 0;
    int first_interior_ = 0, last_interior_ = -1;
    std::vector<float> ring_; // the last clip of samples, indexed by stream position % size
    uint64_t pushed_ = 0, next_end_ = 0, windows_ = 0, frames_computed_ = 0;

    // Interior-frame cache: slot (position / hop_length) % frames_, tagged with the frame's start
    // position in the stream (UINT64_MAX = empty).
    std::vector<uint64_t> slot_pos_;
    std::vector<float> slot_power_;  // [slot][band]
    std::vector<double> slot_db_;    // [slot][band]: powerDb(power)

    // Per-window scratch.
    LogMelFrontEnd::FrameWorkspace ws_;
    std::vector<float> window_, frame_, power_, edge_;
    std::vector<double> power_db_;
};

} // namespace ss
