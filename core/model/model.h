// The network graph SparseScope runs: a chain of layers with PyTorch semantics.
// docs/model-format.md describes how it is stored; docs/technique.md the maths.
#pragma once

#include "model/tensor.h"
#include "util/status.h"

#include <map>
#include <string>
#include <vector>

namespace ss {

// Limits every model is checked against when it is loaded, before anything is allocated: far
// beyond any keyword-spotting network, far below a machine's memory (docs/model-format.md).
constexpr int64_t kMaxExtent = 65536;                      // channels, height, width, kernel, stride, padding
constexpr int64_t kMaxUnits = int64_t(1) << 28;           // features, k, classes
constexpr int64_t kMaxValuesPerItem = int64_t(1) << 28;   // activations of one item at any layer (1 GiB of float32)
constexpr int64_t kMaxWeightsPerLayer = int64_t(1) << 28; // fan-in x outputs of one layer
constexpr double kMaxBoostStrength = 20.0;                // exp(+-20) keeps every boost factor a normal float
constexpr int kMinSampleRate = 1000;                      // Hz; audio files and models alike
constexpr int kMaxModelSampleRate = 192000;               // Hz, a model's front end
constexpr double kMaxModelClipSeconds = 10.0;             // a model's input window
// Inputs (features) the engines are proven safe for: log-mel dB lies within a few hundred of 0, and
// `infer` refuses a .npy input beyond this. The loader refuses a model whose parameters could carry
// such an input past kMaxActivationBound at any layer (worst case, every weight adding up), so that
// float32 never overflows and every engine computes the same finite logits.
constexpr double kMaxInputMagnitude = 1e4;
constexpr double kMaxActivationBound = 1e28;             // x exp(20), the largest boost, stays below FLT_MAX

enum class LayerKind { Conv2d, Linear, MaxPool2d, BatchNorm, ReLU, KWinners, KWinners2d, Flatten, LogSoftmax };

const char* layerKindName(LayerKind k);          // "Conv2d", ...
bool parseLayerKind(const std::string& s, LayerKind* out);

// Strongly typed layer index, so that it cannot be swapped with a channel or group index.
struct LayerId {
    int value = -1;
    bool operator==(const LayerId&) const = default;
};

struct Layer {
    std::string name; // PyTorch module name, prefix of its tensors ("cnn1", "linear1_kwinners")
    LayerKind kind = LayerKind::ReLU;

    // Conv2d
    int in_channels = 0, out_channels = 0, kernel_h = 0, kernel_w = 0;
    int stride = 1, padding = 0;
    // Linear
    int in_features = 0, out_features = 0;
    // MaxPool2d (kernel == stride when stride is omitted, as in PyTorch)
    int pool_kernel = 2, pool_stride = 2;
    // BatchNorm (1d over features or 2d over channels)
    int num_features = 0;
    float eps = 1e-5f;
    bool affine = false;
    // KWinners / KWinners2d
    double percent_on = 0.1;
    double k_inference_factor = 1.0;
    double boost_strength = 0.0;
    bool local = false; // KWinners2d only: k winners per spatial position
    int k = 0;          // winners while training
    int k_inference = 0;// winners at inference (what the engines use)

    // Sparsity of Conv2d / Linear weights
    double weight_density = 1.0; // fraction of weights that may be non-zero
    int group_size = 1;          // complementary group size P (1 = not complementary)

    // Parameters, shaped like PyTorch's state_dict
    Tensor weight, bias, mask;                 // conv: [M, C, kh, kw]; linear: [M, N]
    Tensor running_mean, running_var;          // batch norm
    Tensor bn_weight, bn_bias;                 // batch norm affine (stored as .weight/.bias)
    Tensor duty_cycles;                        // k-WTA: [n] or [1, C, 1, 1]

    // Filled by Model::inferShapes()
    ActShape in_shape, out_shape;

    bool hasWeights() const { return kind == LayerKind::Conv2d || kind == LayerKind::Linear; }
    int fanIn() const { return kind == LayerKind::Conv2d ? in_channels * kernel_h * kernel_w : in_features; }
    int outputs() const { return kind == LayerKind::Conv2d ? out_channels : out_features; }
    // Dense multiply-accumulates for one item.
    double macsDense() const;
};

struct AudioSettings {
    int sample_rate = 16000;
    double clip_seconds = 1.0;
    int n_mels = 32;
    int n_fft = 2048;
    int hop_length = 512;
    double f_min = 0.0;
    double f_max = 8000.0;
    bool center = true;      // librosa-style centred frames (pad n_fft/2 each side)
    double top_db = 80.0;    // dB floor below the clip's maximum (0 = none)
    bool operator==(const AudioSettings&) const = default;
};

struct Model {
    std::string name;
    ActShape input{1, 32, 32};
    std::vector<std::string> classes;
    AudioSettings audio;
    std::vector<Layer> layers;
    // Free-form descriptive metadata kept as JSON text: "trained", "training_data", "accuracy", ...
    std::map<std::string, std::string> info;

    int numClasses() const { return int(classes.size()); }
    // Walk the chain and fill in_shape/out_shape; also computes KWinners k from percent_on when k == 0.
    // Refuses inconsistent chains with a sentence naming the layer.
    Status inferShapes();
    const Layer* find(const std::string& name) const;
    double macsDense() const;
    bool trained() const; // info["trained"] == "true"
};

} // namespace ss
