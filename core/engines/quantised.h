// The int8 fixed-point form of a model: exactly the arithmetic of the FPGA kernels (fpga/hls),
// computed here on the CPU by plain, independent loops so that the kernels' C-simulation can be
// checked bit-exact against it. docs/fpga-model.md ("Fixed-point scheme") gives the maths.
//
//   activations  int8, symmetric, one scale per tensor (s_x); the input centred first (input_offset)
//   weights      int8, symmetric, one scale per output channel (s_w[o]) after batch-norm folding
//   accumulator  int32:  acc = bias_q + sum w_q * x_q,          bias_q = round(b / (s_x s_w[o]))
//   requantise   y_q = clamp((acc * mult[o] + 2^(shift[o]-1)) >> shift[o], lo, 127),
//                mult[o] * 2^-shift[o] = s_x s_w[o] / s_y
//   k-WTA        score = x_q * boost_q (boost in unsigned Q8.8), top k scores, ties to the lower
//                PyTorch (C,H,W) flat index; the raw x_q of the winners pass on
//   last layer   raw int32 accumulators, logits = acc * s_x s_w[o] (then log-softmax in double, if any)
#pragma once

#include "engines/engine.h"
#include "model/model.h"
#include "util/status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ss::q8 {

// One rounding rule for every quantisation step (round half away from zero, saturate).
int8_t quantiseValue(float x, float scale);

// y = clamp((acc * mult + 2^(shift-1)) >> shift, relu ? 0 : -128, 127), arithmetic shift.
inline int8_t requantise(int32_t acc, int32_t mult, int shift, bool relu)
{
    int64_t v = (int64_t(acc) * int64_t(mult) + (int64_t(1) << (shift - 1))) >> shift;
    const int64_t lo = relu ? 0 : -128;
    v = v < lo ? lo : (v > 127 ? 127 : v);
    return int8_t(v);
}

// Real multiplier m > 0 as mult in [2^30, 2^31) and shift in [1, 62]: m ~= mult * 2^-shift.
// Multipliers below 2^-31 give mult = 0 (every output rounds to 0).
void multiplierFromReal(double m, int32_t* mult, int* shift);

enum class QOp { Weighted, MaxPool, Kwta };

struct QWeighted {
    bool conv = false;
    int M = 0, N = 0;                       // outputs, fan-in (conv: N = cin*kh*kw, PyTorch order (c,dy,dx))
    int cin = 1, in_h = 1, in_w = 1, kh = 1, kw = 1, stride = 1, pad = 0, out_h = 1, out_w = 1;
    int P = 1;                              // declared group size
    bool complementary = false;             // the masks partition the fan-in in groups of P
    bool input_sparse = false;              // fed by a k-WTA (possibly through max-pool / flatten)
    double weight_density = 1.0;
    std::vector<int8_t> weight;             // [M][N], masked, quantised
    std::vector<uint8_t> mask;              // [M][N] 0/1
    std::vector<int32_t> bias;              // [M] at scale s_x * s_w[o]
    float in_scale = 1, out_scale = 1;
    std::vector<float> w_scale;             // [M] weight scale of each output (all equal: per-layer scale)
    std::vector<int32_t> mult;              // [M] requantisation multiplier of each output
    std::vector<uint8_t> shift;             // [M] and its shift: mult[o] * 2^-shift[o] ~= s_x s_w[o] / s_y
    bool relu = false;                      // a ReLU folded into the requantisation
    bool raw_out = false;                   // last weighted layer: int32 accumulators out
    std::vector<double> dequant;            // [M] raw_out: logit o = acc[o] * dequant[o] (= s_x s_w[o])
};

struct QPool {
    int C = 0, H = 0, W = 0, k = 2, stride = 2, out_h = 0, out_w = 0;
};

struct QKwta {
    int n = 0, k = 0;
    std::vector<uint16_t> boost;            // [n] unsigned Q8.8 (256 = 1.0), PyTorch (C,H,W) order
};

struct QStep {
    QOp op = QOp::Weighted;
    std::string name;                       // model layer name(s)
    ActShape in, out;                       // PyTorch (C,H,W)
    QWeighted w;
    QPool pool;
    QKwta kwta;
};

struct QNet {
    ActShape input;
    float input_scale = 1;
    float input_offset = 0;                 // added to every input before quantising (folded into layer 1's bias)
    std::vector<QStep> steps;
    int classes = 0;
    bool log_softmax = false;
    std::string scale_source;               // "analytic" or "calibrated on N inputs"
};

struct QuantOptions {
    // Optional calibration items (model.input.size() floats each): when given, every activation
    // scale is (percentile of |x|) / 127 of the fp32 model's own activations on them.
    std::vector<float> calibration;
    // Without calibration items, for an untrained model only (a trained model's batch-norm statistics
    // already describe its training data: analytic rules): data-free calibration on this many pseudo-random items uniform over
    // the declared input domain [-top_db, 0] (fixed generator, deterministic); each activation range
    // is max(analytic rule, measured range), so a model whose batch-norm statistics do not match its
    // weights (e.g. the untrained `synth` model) does not saturate. 0 = analytic rules only.
    int synthetic_items = 8;
    // Percentile of |x| taken as an activation's range (100 = max).
    double percentile = 100.0;
    // One weight scale per output channel (s_w[o] = max_n |W'[o][n]| / 127) instead of one per layer.
    bool per_channel_weights = true;
    // Centre the one-sided input domain on 0 (see quantise); only when the first layer allows it.
    bool centre_input = true;
};

// Refuses (one sentence naming the layer) what the fixed-point kernels cannot run: stand-alone
// batch norm, ReLU not right after a conv/linear, local k-WTA, a network not ending in a vector.
Result<QNet> quantise(const Model& model, const QuantOptions& options = {});

// Quantises one input item (PyTorch C,H,W floats) to int8.
void quantiseInput(const QNet& net, const float* x, int8_t* out);

// The CPU reference of the kernels' arithmetic, one layer at a time (dense loops, zero inputs skipped).
void weightedForward(const QWeighted& w, const int8_t* in, int8_t* out_q, int32_t* out_acc);
void maxpoolForward(const QPool& p, const int8_t* in, int8_t* out);
void kwtaForward(const QKwta& k, const int8_t* in, int8_t* out);
// Final float logits from the last layer's accumulators (log-softmax applied when the net has it).
void finishLogits(const QNet& net, const int32_t* acc, float* logits);
// One item through the whole network.
void forwardItem(const QNet& net, const float* input, float* logits);

} // namespace ss::q8

namespace ss {
std::unique_ptr<Engine> makeQ8Engine();
}
