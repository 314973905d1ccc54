// The libtorch trainer behind `sparsescope-cli train`: trains the published GSC network
// (core/model/synth.h is the skeleton) as dense, weight-sparse (independent random masks, as
// nupic.torch) or complementary-sparse (core's complementary masks, so it packs with no collisions),
// and writes the model file the engines read. Qt-free; libtorch stays inside trainer.cpp.
//
// Training semantics (nupic.torch's GSCSparseCNN; DESIGN.md §2):
//  - Conv2d / Linear keep fixed 0/1 masks, re-applied after every optimiser step.
//  - BatchNorm without affine parameters (running statistics, momentum 0.1, eps 1e-5).
//  - KWinners2d (global over C*H*W) / KWinners: winners picked on x * exp((k/n - duty) * strength),
//    raw values pass on; duty cycles follow nupic.torch's update (period 1000 items); the boost
//    strength decays by boost_decay after every epoch. The exported file holds the duty cycles and
//    the decayed strength, which is exactly what the engines read.
//  - dense: every weight density 1 and ReLU instead of k-WTA (nupic.torch's GSCDenseCNN shape).
#pragma once

#include "datasets/train/augment.h"
#include "model/synth.h"
#include "util/status.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ss {

enum class TrainKind { Dense, Sparse, Complementary };
const char* trainKindName(TrainKind k); // "dense", "sparse", "complementary"
Result<TrainKind> parseTrainKind(const std::string& s);

// sgd and adam put the weight decay into the gradient (L2); adamw decouples it (PyTorch's AdamW).
enum class Optimiser { Sgd, Adam, AdamW };
const char* optimiserName(Optimiser o); // "sgd", "adam", "adamw"
Result<Optimiser> parseOptimiser(const std::string& s);

struct TrainOptions {
    std::string data_dir;
    std::string output;                  // model file; the checkpoint is checkpointPath(output)
    std::string arch = "gsc";            // gsc | gsc-supersparse (synthModel presets)
    TrainKind kind = TrainKind::Complementary;
    std::vector<double> weight_density;  // conv1, conv2, linear1[, output]; empty = the preset's
    std::string name;                    // model name; empty = the output file's stem
    std::string class_preset = "commands"; // commands | digits (datasets/gsc.h)
    uint64_t seed = 1;                   // masks, initial weights, order, augmentation

    // The recipe. Defaults: see kDefault* in trainer.cpp and datasets/README.md for why they
    // depart from the published one (time budget on 2 cores).
    int epochs = 0;                      // 0 = default
    int batch = 0;                       // 0 = default
    double lr = 0;                       // 0 = default
    double lr_gamma = 0.9;               // learning rate x this after every epoch
    Optimiser optimizer = Optimiser::Adam; // the published recipe: sgd, lr 0.01, batch 16, 30 epochs
    double momentum = 0.0;               // sgd only
    double weight_decay = 0.0;           // L2 in the gradient (sgd, adam; published SGD recipe: 0.01) or decoupled (adamw)
    double boost_strength = 1.5;
    double boost_decay = 0.9;            // boost strength x this after every epoch
    int duty_cycle_period = 1000;
    AugmentOptions augment;
    // Knowledge distillation: a trained model file (same classes, input and front end) run by the
    // dense engine on every augmented training item; the loss becomes
    // (1 - distill_weight) * NLL(labels) + distill_weight * T^2 * KL(teacher_T || student_T),
    // with both distributions softened by the temperature T (Hinton et al. 2015). Empty = none.
    std::string teacher;
    double distill_weight = 0.5;
    double distill_temperature = 2.0;
    // Share of the _unknown_ clips used in each epoch (a fresh random subset every epoch); 1 = all.
    // 0 = default (1). Less makes epochs shorter on sets where most clips are unknown words (the
    // synthetic set: 71%), at the price of a training prior unlike the test split's.
    double unknown_share = 0;

    // k at inference = k x factor (nupic.torch's GSC variants use 1.0 and 1.5). With several, the
    // factor giving the best validation accuracy after training is kept (the first one on a tie, or
    // without a validation split).
    std::vector<double> k_inference_factors = {1.0};

    // Fine-tuning (personalisation): start from this trained model file instead of a fresh
    // skeleton. Its masks, routes, group sizes, k and k at inference stay as they are (masks are
    // re-applied after every step, as in any run); weights, biases, batch-norm statistics and duty
    // cycles start from the file, and the boost strength from the file's decayed value. Empty = none.
    std::string init;
    // With init: a base corpus (Speech Commands layout, the model's classes) mixed into training so
    // that other voices are not forgotten: mix_ratio x the data set's training items, drawn once.
    std::string mix_dir;
    double mix_ratio = 12.0;
    // Early stopping: stop after this many epochs without a better validation accuracy and keep the
    // best epoch's weights (0 = off, train every epoch: the default, with init too, where a dozen
    // held-back takes judge too coarsely to stop on; -1 = the default).
    int patience = -1;
    // With init: the room and microphone steps (reverb, eq, band-limit, clipping, VTLP, SpecAugment)
    // are off and the published steps + noise stay: the takes already come through the speaker's
    // own room and microphone, and the extra steps cost recall on them (datasets/README.md).
    bool mild_fine_tune_augment = true;
    // With init: every keyword take of the enrollment also trains played backwards, as _unknown_.
    // The speaker's voice then occurs under _unknown_ as often as under the keywords, so that
    // fine-tuning learns the words rather than "this voice means a keyword" (docs: datasets/README.md,
    // "Enrollment"). Reversed speech keeps the voice's pitch, timbre and spectrum but is no word.
    bool reversed_negatives = true;
    // With init: the layers up to and including this one (a layer name of the model, e.g. "cnn2_kwinner")
    // keep their weights, batch-norm statistics, duty cycles and boost, and run during training as at
    // inference, without gradients; only the layers after it learn. "auto" (the default): the first
    // weighted layer's block, i.e. every layer before the second weighted layer (gsc-cs: cnn1 up to
    // cnn1_kwinner; measured in datasets/README.md: fewer false accepts, less forgetting, ~20% less
    // time). "none" or empty: every layer learns. Without init only "auto" and "none" are allowed.
    std::string freeze_through = "auto";

    // Leave-one-family-out: "family:NAME" or "voice:NAME" (datasets/synth.h, selectSynthSpeakers):
    // those speakers' clips are dropped from every split, so the model never hears them. Empty = none.
    std::string leave_out;

    int threads = 0;                     // 0 = all cores
    bool f16_weights = true;             // store Conv2d/Linear weights as F16 (half the file; accuracy is
                                         // measured on the file as written)
    bool resume = false;                 // continue from the checkpoint next to the output
    int limit_train = 0;                 // > 0: use only the first N training items (tests, quick looks)
    // Engines that evaluate the exported file on the test split (empty = skip the check).
    std::vector<std::string> verify_engines = {"dense", "sparse-dense", "sparse-sparse"};
};

struct TrainProgress {
    const char* stage = "";   // "load", "held-out", "train", "validate", "epoch", "test", "verify"
    int epoch = 0, epochs = 0; // 1-based current epoch while training
    int64_t done = 0, total = 0; // items of the stage (whole run for "train": done over all epochs)
    double loss = 0;          // running mean of the current epoch's loss
    double elapsed = 0;       // seconds since the run (or the resumed run) started
    double eta = -1;          // seconds left for the whole run (< 0 = unknown)
    const struct EpochRecord* finished = nullptr; // stage "epoch": the epoch just finished
};

struct EpochRecord {
    int epoch = 0;
    double train_loss = 0, train_accuracy = 0, validation_accuracy = -1;
    double lr = 0, boost_strength = 0, seconds = 0;
};

struct EngineCheck {
    std::string engine;
    double accuracy = 0;
};

struct TrainReport {
    int best_epoch = 0;                  // early stopping: the epoch whose state was kept (0 = the last)
    int mixed_items = 0;                 // fine-tuning: base-corpus items mixed into training
    int reversed_items = 0;              // fine-tuning: keyword takes also played backwards as _unknown_
    std::string before_after;            // fine-tuning: JSON of base vs personalised figures (held-back takes,
                                         // base test split), also in the file's info.before_after
    std::string output, checkpoint;
    int resumed_after_epoch = 0;         // epochs already done by the checkpoint (0 = fresh start)
    int train_items = 0, validation_items = 0, test_items = 0;
    std::vector<EpochRecord> epochs;
    double test_accuracy = -1;           // the trainer's own (libtorch, eval mode) on the test split
    double k_inference_factor = 1.0;     // the one kept
    std::vector<std::pair<double, double>> k_inference_validation; // (factor, validation accuracy) tried
    std::vector<EngineCheck> engines;    // the exported file run by core engines on the test split
    double engine_agreement = -1;        // fraction of test clips where all verify engines agree
    double seconds = 0;                  // wall time of this run
    double seconds_per_item = 0;         // measured training cost per item (forward+backward+step)
    double first_loss = -1;              // mean loss of the first fifth of this run's first epoch's batches
    double last_loss = -1;               // mean loss of the last fifth of the final epoch's batches
    std::string recipe;                  // the recipe as recorded in the model
};

std::string checkpointPath(const std::string& output); // output + ".ckpt"

// The defaults trainModel fills in for epochs/batch/lr left at 0.
TrainOptions withDefaults(TrainOptions o);

// Runs the whole thing: open + check the data, decode clips, train, validate every epoch, test,
// export atomically, re-evaluate the exported file with core engines. progress is called often;
// a set cancel flag stops at the next batch: the checkpoint of the last finished epoch stays, the
// model file is not written, and the error says so.
Result<TrainReport> trainModel(const TrainOptions& options, const std::function<void(const TrainProgress&)>& progress = {},
                               const std::atomic<bool>* cancel = nullptr);

} // namespace ss
