// train: the libtorch trainer (datasets/train/trainer.h). Without libtorch the command still exists
// and says what it needs.
#include "cli.h"

#ifdef SPARSESCOPE_HAVE_TRAIN
#include "datasets/train/trainer.h"
#include "engines/engines.h"

#include <nlohmann/json.hpp>
#endif

#include <cmath>
#include <cstdio>
#include <iostream>

namespace cli {

namespace {

[[maybe_unused]] std::string fmtTime(double s)
{
    char b[32];
    const long t = std::lround(std::max(0.0, s));
    if (t >= 3600)
        std::snprintf(b, sizeof b, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else
        std::snprintf(b, sizeof b, "%ldm%02lds", t / 60, t % 60);
    return b;
}

[[maybe_unused]] std::string pct(double v)
{
    char b[32];
    std::snprintf(b, sizeof b, "%.2f%%", 100.0 * v);
    return b;
}

} // namespace

int cmdTrain(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({"data", "Dataset folder in Google Speech Commands layout (e.g. made by 'dataset synth').", "DIR"});
    p.addOption({QStringList{"o", "output"}, "Model file to write (.safetensors). The checkpoint goes next to it as MODEL.ckpt.", "MODEL"});
    p.addOption({"name", "Model name stored in the file (default: the output file's name without extension).", "NAME"});
    p.addOption({"arch", "gsc or gsc-supersparse (the synth presets' densities).", "ARCH", "gsc"});
    p.addOption({"kind", "dense (all weights, ReLU), sparse (independent random masks per output) or complementary "
                         "(complementary masks: packs with zero collisions).", "KIND", "complementary"});
    p.addOption({"weight-density", "conv1,conv2,linear1[,output] weight densities (default: the arch's).", "LIST"});
    p.addOption({"classes", "Keyword set: commands (yes no up down ...) or digits (zero .. nine).", "SET", "commands"});
    p.addOption({"epochs", "Epochs (default 20).", "N"});
    p.addOption({"batch", "Items per optimiser step (default 32).", "N"});
    p.addOption({"lr", "Initial learning rate (default 0.003, 0.001 with --init; x0.9 after every epoch).", "LR"});
    p.addOption({"lr-gamma", "Learning rate x this after every epoch (default 0.9).", "G"});
    p.addOption({"optimizer", "adam (default), adamw (Adam with decoupled weight decay) or sgd (the published recipe: "
                              "--optimizer sgd --lr 0.01 --batch 16 --epochs 30 --weight-decay 0.01).", "OPT"});
    p.addOption({"weight-decay", "Weight decay (default 0): L2 in the gradient for sgd and adam, decoupled for adamw.", "WD"});
    p.addOption({"momentum", "SGD momentum (default 0, as published; sgd only).", "M", "0"});
    p.addOption({"k-inference", "k at inference = k x factor; with several (e.g. 1,1.5) the best on validation is kept "
                                "(default 1).", "LIST"});
    p.addOption({"unknown-share", "Share of the _unknown_ clips drawn afresh for each epoch (default 1 = all).", "X"});
    p.addOption({"teacher", "Distil from this trained model file (same classes and features; run by the dense engine "
                            "on every augmented item), e.g. a gsc-dense model.", "MODEL"});
    p.addOption({"distill-weight", "Share of the loss from the teacher (default 0.5; the rest from the labels).", "X"});
    p.addOption({"distill-temperature", "Softmax temperature of the distillation loss (default 2).", "T"});
    p.addOption({"seed", "Random seed: masks, initial weights, order and augmentation.", "S", "1"});
    p.addOption({"threads", "Threads (default: all cores).", "N"});
    p.addOption({"limit", "Train on a random subset of N training items (0 = all).", "N", "0"});
    p.addOption({"no-augment", "Train on the clips as they are (no augmentation at all)."});
    p.addOption({"augment-off", "Switch single augmentation steps off, comma-separated: speed, gain, shift, noise, reverb, eq,\n"
                                "bandlimit, clip, vtlp, specaugment (datasets/README.md). With --init the default is\n"
                                "reverb,eq,bandlimit,clip,vtlp,specaugment; --augment-off '' keeps every step.", "LIST"});
    p.addOption({"snr", "Background noise SNR range in dB, MIN,MAX (default 0,30).", "MIN,MAX"});
    p.addOption({"init", "Fine-tune (personalise) this trained model file: masks, routes, P and k stay as they are; weights,\n"
                         "statistics and duty cycles start from it. --data is then e.g. an enrollment folder.", "MODEL"});
    p.addOption({"mix", "With --init: a base corpus mixed in so other voices are not forgotten.", "DIR"});
    p.addOption({"mix-ratio", "Base items per --data training item (default 12; drawn once).", "X"});
    p.addOption({"patience", "Stop after N epochs without a better validation accuracy and keep the best epoch\n"
                             "(default 0 = off).", "N"});
    p.addOption({"no-reversed-negatives", "With --init: do not also train each keyword take played backwards as _unknown_\n"
                                          "(by default the speaker's own voice teaches 'not a keyword' as often as the keywords)."});
    p.addOption({"freeze-through", "With --init: layers up to and including LAYER (e.g. cnn2_kwinner) keep their weights and\n"
                                   "run as at inference; only the later layers learn. 'none' trains every layer; the default,\n"
                                   "'auto', freezes the first weighted layer's block (gsc-cs: cnn1 .. cnn1_kwinner).", "LAYER"});
    p.addOption({"leave-out", "Leave-one-family-out: drop the clips of family:NAME or voice:NAME (speakers.tsv of a\n"
                              "'dataset synth' tree) from every split, so the model never hears them. With --init and --mix it applies\n"
                              "to the --mix corpus.", "SPEC"});
    p.addOption({"verify-engines", "Engines that evaluate the exported file on the test split ('none' to skip).", "LIST",
                 "dense,sparse-dense,sparse-sparse"});
    p.addOption({"f32", "Store weights as F32 (default: F16 weights, U8 masks, F32 for the rest)."});
    p.addOption({"resume", "Continue from the checkpoint MODEL.ckpt left by an interrupted run."});
    int exit = 0;
    if (!parse(p, args,
               "Train the published GSC keyword-spotting network with libtorch and write a model file.\n"
               "Masks stay fixed and are re-applied after every step; k-WTA layers boost by duty cycle; the file\n"
               "records the training data, classes, recipe and test accuracy. After writing, the file is run by\n"
               "SparseScope's engines on the test split to show they reproduce the trainer's accuracy.\n"
               "Ctrl-C stops after the current batch: the checkpoint of the last whole epoch is kept (--resume).",
               &exit))
        return exit;
    if (!p.positionalArguments().isEmpty())
        return fail("train takes no positional arguments (see --help).");
    if (!p.isSet("data"))
        return fail("train needs --data DIR (see --help).");
    if (!p.isSet("output"))
        return fail("train needs -o MODEL (see --help).");
#ifndef SPARSESCOPE_HAVE_TRAIN
    return fail("train needs libtorch, and this build has none (install libtorch-dev and rebuild).", RuntimeFailure);
#else
    ss::TrainOptions o;
    o.data_dir = p.value("data").toStdString();
    o.output = p.value("output").toStdString();
    o.name = p.value("name").trimmed().toStdString();
    if (p.isSet("name") && o.name.empty())
        return fail("--name must not be empty.");
    o.arch = p.value("arch").toStdString();
    if (o.arch != "gsc" && o.arch != "gsc-supersparse")
        return fail("--arch must be gsc or gsc-supersparse.");
    auto kind = ss::parseTrainKind(p.value("kind").toStdString());
    if (!kind)
        return fail("--kind must be dense, sparse or complementary.");
    o.kind = *kind;
    if (p.isSet("weight-density") && !parseDoubles(p.value("weight-density"), &o.weight_density))
        return fail("--weight-density takes comma-separated numbers, e.g. 0.5,0.1,0.1.");
    o.class_preset = p.value("classes").toStdString();
    if (o.class_preset != "commands" && o.class_preset != "digits")
        return fail("--classes must be commands or digits.");
    bool ok = true;
    auto intOpt = [&](const char* name, int lo, int hi, int* out) {
        if (!p.isSet(name))
            return true;
        bool good = false;
        const int v = p.value(name).toInt(&good);
        if (!good || v < lo || v > hi) {
            exit = fail(std::string("--") + name + " must be a whole number from " + std::to_string(lo) + " to " +
                        std::to_string(hi) + ".");
            return false;
        }
        *out = v;
        return true;
    };
    if (!intOpt("epochs", 1, 10000, &o.epochs) || !intOpt("batch", 2, 65536, &o.batch) ||
        !intOpt("threads", 1, 256, &o.threads) || !intOpt("limit", 0, 1 << 30, &o.limit_train))
        return exit;
    if (p.isSet("lr")) {
        o.lr = p.value("lr").toDouble(&ok);
        if (!ok || !(o.lr > 0) || o.lr > 10)
            return fail("--lr must be a number above 0 and at most 10.");
    }
    if (p.isSet("lr-gamma")) {
        o.lr_gamma = p.value("lr-gamma").toDouble(&ok);
        if (!ok || !(o.lr_gamma > 0) || o.lr_gamma > 1)
            return fail("--lr-gamma must be a number above 0 and at most 1.");
    }
    if (p.isSet("k-inference") && !parseDoubles(p.value("k-inference"), &o.k_inference_factors))
        return fail("--k-inference takes comma-separated factors, e.g. 1,1.5.");
    if (p.isSet("unknown-share")) {
        o.unknown_share = p.value("unknown-share").toDouble(&ok);
        if (!ok || !(o.unknown_share > 0) || o.unknown_share > 1)
            return fail("--unknown-share must be a number above 0 and at most 1.");
    }
    if (p.isSet("optimizer")) {
        auto optimiser = ss::parseOptimiser(p.value("optimizer").toStdString());
        if (!optimiser)
            return fail("--optimizer must be sgd, adam or adamw.");
        o.optimizer = *optimiser;
    }
    if (p.isSet("weight-decay")) {
        o.weight_decay = p.value("weight-decay").toDouble(&ok);
        if (!ok || o.weight_decay < 0 || o.weight_decay > 1)
            return fail("--weight-decay must be a number in [0, 1].");
    }
    if (p.isSet("teacher"))
        o.teacher = p.value("teacher").toStdString();
    else if (p.isSet("distill-weight") || p.isSet("distill-temperature"))
        return fail("--distill-weight and --distill-temperature need --teacher MODEL.");
    if (p.isSet("distill-weight")) {
        o.distill_weight = p.value("distill-weight").toDouble(&ok);
        if (!ok || !(o.distill_weight >= 0 && o.distill_weight <= 1))
            return fail("--distill-weight must be a number in [0, 1].");
    }
    if (p.isSet("distill-temperature")) {
        o.distill_temperature = p.value("distill-temperature").toDouble(&ok);
        if (!ok || !(o.distill_temperature >= 0.1 && o.distill_temperature <= 100))
            return fail("--distill-temperature must be a number from 0.1 to 100.");
    }
    o.momentum = p.value("momentum").toDouble(&ok);
    if (!ok || o.momentum < 0 || o.momentum >= 1)
        return fail("--momentum must be a number in [0, 1).");
    o.seed = p.value("seed").toULongLong(&ok);
    if (!ok)
        return fail("--seed must be a non-negative integer.");
    o.augment.enabled = !p.isSet("no-augment");
    if (p.isSet("augment-off")) {
        o.mild_fine_tune_augment = false; // with --init too, exactly the steps given are off
        for (const auto& step : p.value("augment-off").split(',', Qt::SkipEmptyParts)) {
            auto& a = o.augment;
            const std::string n = step.trimmed().toStdString();
            if (n == "speed") a.max_speed_change = 0;
            else if (n == "gain") a.min_gain = a.max_gain = 1;
            else if (n == "shift") a.max_shift_seconds = 0;
            else if (n == "noise") a.noise_probability = 0;
            else if (n == "reverb") a.reverb_probability = 0;
            else if (n == "eq") a.eq_probability = 0;
            else if (n == "bandlimit") a.bandlimit_probability = 0;
            else if (n == "clip") a.clip_probability = 0;
            else if (n == "vtlp") a.vtlp_probability = 0;
            else if (n == "specaugment") a.specaugment_probability = 0;
            else
                return fail("--augment-off: unknown step '" + n +
                            "' (expected speed, gain, shift, noise, reverb, eq, bandlimit, clip, vtlp or specaugment).");
        }
    }
    if (p.isSet("snr")) {
        const auto parts = p.value("snr").split(',');
        bool ok1 = false, ok2 = false;
        const double lo = parts.size() == 2 ? parts[0].toDouble(&ok1) : 0, hi = parts.size() == 2 ? parts[1].toDouble(&ok2) : 0;
        if (!ok1 || !ok2 || lo < -20 || hi > 80 || hi <= lo)
            return fail("--snr must be MIN,MAX in dB with -20 <= MIN < MAX <= 80.");
        o.augment.min_snr_db = lo;
        o.augment.max_snr_db = hi;
    }
    o.leave_out = p.value("leave-out").toStdString();
    o.init = p.value("init").toStdString();
    o.mix_dir = p.value("mix").toStdString();
    if (p.isSet("mix-ratio")) {
        o.mix_ratio = p.value("mix-ratio").toDouble(&ok);
        if (!ok || o.mix_ratio < 0 || o.mix_ratio > 1000)
            return fail("--mix-ratio must be a number from 0 to 1000.");
    }
    o.reversed_negatives = !p.isSet("no-reversed-negatives");
    if (p.isSet("freeze-through"))
        o.freeze_through = p.value("freeze-through").toStdString();
    if (p.isSet("patience")) {
        o.patience = p.value("patience").toInt(&ok);
        if (!ok || o.patience < 0 || o.patience > 1000)
            return fail("--patience must be a whole number from 0 to 1000.");
    }
    if (!o.mix_dir.empty() && o.init.empty())
        return fail("--mix goes with --init (it mixes a base corpus into fine-tuning).");
    o.resume = p.isSet("resume");
    o.f16_weights = !p.isSet("f32");
    if (p.value("verify-engines") == "none") {
        o.verify_engines.clear();
    } else {
        auto engines = ss::parseEngineList(p.value("verify-engines").toStdString());
        if (!engines)
            return fail(engines.error());
        o.verify_engines = *engines;
    }
    o = ss::withDefaults(o);

    std::cout << "train: " << (o.init.empty() ? std::string(ss::trainKindName(o.kind)) + " " + o.arch : "fine-tune " + o.init) << " on " << o.data_dir << " for " << o.epochs
              << " epochs (batch " << o.batch << ", lr " << o.lr << ", seed " << o.seed << ", " << o.threads
              << " threads" << (o.teacher.empty() ? "" : ", teacher " + o.teacher) << ") -> " << o.output << std::endl;
    std::fflush(stdout);
    auto rep = ss::trainModel(o, [](const ss::TrainProgress& pr) {
        const std::string stage = pr.stage;
        char b[256];
        if (stage == "epoch" && pr.finished) {
            const auto& r = *pr.finished;
            progressDone();
            std::printf("epoch %d/%d: loss %.4f, train %s, validation %s, lr %.4g, boost %.3g, %s\n", r.epoch, pr.epochs,
                        r.train_loss, pct(r.train_accuracy).c_str(),
                        r.validation_accuracy >= 0 ? pct(r.validation_accuracy).c_str() : "n/a", r.lr, r.boost_strength,
                        fmtTime(r.seconds).c_str());
            std::fflush(stdout);
            return;
        }
        if (stage == "train") {
            const double frac = pr.total > 0 ? double(pr.done) / double(pr.total) : 0.0;
            const int width = 24, fill = int(frac * width);
            std::snprintf(b, sizeof b, "train: epoch %d/%d [%s%s] %5.1f%%  loss %.4f  elapsed %s  ETA %s", pr.epoch, pr.epochs,
                          std::string(size_t(fill), '#').c_str(), std::string(size_t(width - fill), '.').c_str(), 100.0 * frac,
                          pr.loss, fmtTime(pr.elapsed).c_str(), pr.eta >= 0 ? fmtTime(pr.eta).c_str() : "?");
        } else if (stage == "load") {
            std::snprintf(b, sizeof b, "train: reading training clips %lld/%lld  elapsed %s", (long long)pr.done,
                          (long long)pr.total, fmtTime(pr.elapsed).c_str());
        } else if (stage == "held-out") {
            std::snprintf(b, sizeof b, "train: features of %lld validation and test clips ...  elapsed %s",
                          (long long)pr.total, fmtTime(pr.elapsed).c_str());
        } else if (stage == "verify") {
            std::snprintf(b, sizeof b, "train: engines evaluate the exported file: %lld/%lld clips", (long long)pr.done,
                          (long long)pr.total);
        } else {
            std::snprintf(b, sizeof b, "train: %s ... elapsed %s", stage.c_str(), fmtTime(pr.elapsed).c_str());
        }
        progressLine(b);
    }, &g_cancel);
    progressDone();
    if (!rep)
        return fail(rep.error());
    std::cout << "Wrote " << rep->output << " (" << rep->train_items << " training items";
    if (rep->resumed_after_epoch > 0)
        std::cout << ", resumed after epoch " << rep->resumed_after_epoch;
    std::cout << ") in " << fmtTime(rep->seconds) << "; " << std::lround(rep->seconds_per_item * 1e6)
              << " us per training item.\n";
    if (rep->k_inference_validation.size() > 1) {
        std::cout << "k at inference:";
        for (const auto& [f, a] : rep->k_inference_validation)
            std::cout << " x" << f << " -> validation " << pct(a) << ";";
        std::cout << " kept x" << rep->k_inference_factor << ".\n";
    }
    if (rep->test_accuracy >= 0)
        std::cout << "Test accuracy (trainer, libtorch): " << pct(rep->test_accuracy) << " of " << rep->test_items << " clips.\n";
    if (rep->best_epoch > 0)
        std::cout << "Kept epoch " << rep->best_epoch << " (best validation accuracy).\n";
    if (!rep->before_after.empty()) {
        const auto ba = nlohmann::json::parse(rep->before_after);
        auto line = [&](const char* what, const nlohmann::json& j) {
            for (const char* who : {"base", "personalised"})
                std::printf("  %-16s %-13s accuracy %s  keyword recall %s  non-keywords taken for a keyword %s  (%d clips)\n", what,
                            who, pct(j[who].value("accuracy", 0.0)).c_str(), pct(j[who].value("keyword_recall", 0.0)).c_str(),
                            pct(j[who].value("non_keyword_false_accept", 0.0)).c_str(), j[who].value("clips", 0));
        };
        std::cout << "Before / after (" << ba.value("engine", std::string()) << " engine):\n";
        if (ba.contains("held_back"))
            line("held-back takes", ba["held_back"]);
        if (ba.contains("base_test_split"))
            line("base test split", ba["base_test_split"]);
    }
    if (!rep->engines.empty()) {
        std::cout << "The exported file on the test split:";
        bool same = true;
        for (const auto& e : rep->engines) {
            std::cout << " " << e.engine << " " << pct(e.accuracy) << ";";
            same = same && std::abs(e.accuracy - rep->test_accuracy) * rep->test_items < 0.5;
        }
        std::cout << " all engines agree on " << pct(rep->engine_agreement) << " of clips; "
                  << (same ? "every engine reproduces the trainer's accuracy exactly."
                           : "the engines' accuracy differs from the trainer's by a few clips.")
                  << "\n";
    }
    return Ok;
#endif
}

} // namespace cli
