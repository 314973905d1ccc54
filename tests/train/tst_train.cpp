// The trainer (datasets/train) on tiny sets: augmentation keeps shapes and is deterministic per seed;
// one-epoch runs lower the loss and export models that load, pack with zero collisions
// (complementary) and give the trainer's accuracy on every engine; cancel + resume; and the CLI
// refuses bad data with one sentence and exit 2.
#include "common/cli_run.h"
#include "datasets/train/augment.h"
#include "datasets/train/trainer.h"

#include "audio/melspec.h"
#include "audio/wav.h"
#include "datasets/evaluate.h"
#include "datasets/gsc.h"
#include "datasets/synth.h"
#include "model/model_io.h"
#include "model/synth.h"
#include "sparsity/complementary.h"

#include <nlohmann/json.hpp>
#include <sndfile.h>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

using namespace ss;
namespace fs = std::filesystem;

namespace {

std::vector<float> burst(size_t n, double freq, size_t start, size_t len, int rate = 16000)
{
    std::vector<float> x(n, 0.0f);
    for (size_t i = start; i < std::min(n, start + len); ++i)
        x[i] = float(0.5 * std::sin(2.0 * std::numbers::pi * freq * double(i) / rate));
    return x;
}

NoiseBank testBank()
{
    NoiseBank b;
    SplitMix64 r(5);
    std::vector<float> noise(48000);
    for (auto& v : noise)
        v = float(r.uniform(-0.5, 0.5));
    b.noises.push_back(noise);
    b.names.push_back("white.wav");
    return b;
}

double energy(const std::vector<float>& x, size_t b, size_t e)
{
    double s = 0;
    for (size_t i = b; i < e; ++i)
        s += double(x[i]) * x[i];
    return s;
}

using sstest::runCli;
using Run = sstest::CliRun;

// A hand-written GSC tree: `per_word` tone clips for yes/no/bird, two in the test list, one noise file.
void writeTree(const std::string& root, int per_word)
{
    const std::vector<std::pair<std::string, double>> words = {{"yes", 440}, {"no", 880}, {"bird", 1500}};
    fs::create_directories(root);
    std::ofstream test(root + "/testing_list.txt");
    for (const auto& [w, f] : words) {
        fs::create_directories(root + "/" + w);
        for (int i = 0; i < per_word; ++i) {
            const std::string name = "spk" + std::to_string(i) + "_nohash_0.wav";
            QVERIFY(writeWav(root + "/" + w + "/" + name, burst(16000, f + 10 * i, 2000, 8000), 16000));
            if (i == 0)
                test << w << "/" << name << "\n";
        }
    }
    std::ofstream(root + "/validation_list.txt");
    fs::create_directories(root + "/_background_noise_");
    SplitMix64 r(9);
    std::vector<float> noise(32000);
    for (auto& v : noise)
        v = float(r.uniform(-0.3, 0.3));
    QVERIFY(writeWav(root + "/_background_noise_/white.wav", noise, 16000));
}

} // namespace

class TestTrain : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string data_; // tiny synthetic GSC tree (espeak-ng), shared by the training tests
    std::string skip_;

    TrainOptions tinyOptions(TrainKind kind, const std::string& out) const
    {
        TrainOptions o;
        o.data_dir = data_;
        o.output = out;
        o.kind = kind;
        o.epochs = 1;
        o.batch = 8;           // ~40 steps in the one epoch, so that the loss clearly falls
        o.unknown_share = 1.0; // every clip of the tiny set
        o.threads = 2;
        o.verify_engines = {"dense", "csr", "sparse-dense", "sparse-sparse", "torch", "reference"};
        return o;
    }

    // The exported file loads, and every engine gives exactly the trainer's test accuracy (ties in
    // the logits could flip one clip, so at most one clip of difference is tolerated).
    void checkExport(const TrainReport& rep, const std::string& path)
    {
        auto m = loadModel(path);
        QVERIFY2(m.isOk(), m.isOk() ? "" : m.message().c_str());
        QVERIFY(m->trained());
        QVERIFY(m->info.count("test_accuracy"));
        QVERIFY(m->info.count("training_data"));
        QVERIFY(m->info.count("recipe"));
        QCOMPARE(m->classes, presetClasses(ClassPreset::Commands));
        QVERIFY(rep.test_items > 0);
        QCOMPARE(int(rep.engines.size()), 6);
        for (const auto& e : rep.engines)
            QVERIFY2(std::abs(e.accuracy - rep.test_accuracy) * rep.test_items <= 1.01,
                     (e.engine + " " + std::to_string(e.accuracy) + " vs trainer " + std::to_string(rep.test_accuracy)).c_str());
        QVERIFY(rep.engine_agreement >= 1.0 - 1.01 / rep.test_items);
        QVERIFY(!fs::exists(checkpointPath(path))); // done: no checkpoint left behind
    }

private slots:
    void initTestCase()
    {
        QVERIFY(tmp_.isValid());
        if (findProgram("espeak-ng").empty()) {
            skip_ = "espeak-ng is not installed";
            return;
        }
        SynthDatasetOptions o;
        o.output_dir = tmp_.path().toStdString() + "/gsc";
        o.clips = 300;
        o.seed = 4;
        o.jobs = 2;
        o.noise_seconds = 5;
        o.words = SynthWordSet::Commands;
        auto r = synthesizeGsc(o);
        QVERIFY2(r.isOk(), r.isOk() ? "" : r.message().c_str());
        data_ = o.output_dir;
    }

    void augmentKeepsShapeAndIsDeterministic()
    {
        const auto bank = testBank();
        const auto clip = burst(16000, 500, 4000, 8000);
        AugmentOptions o;
        const auto a = augmentClip(clip, bank, o, 42);
        const auto b = augmentClip(clip, bank, o, 42);
        const auto c = augmentClip(clip, bank, o, 43);
        QCOMPARE(a.size(), clip.size());
        QCOMPARE(c.size(), clip.size());
        QVERIFY(a == b);
        QVERIFY(a != c);
        QVERIFY(a != clip);
        for (float v : a)
            QVERIFY(v >= -1.0f && v <= 1.0f);
        // A different length stays that length too.
        QCOMPARE(augmentClip(burst(12345, 500, 0, 5000), bank, o, 1).size(), size_t(12345));
        // Off = unchanged.
        AugmentOptions off;
        off.enabled = false;
        QVERIFY(augmentClip(clip, bank, off, 42) == clip);
        // Per-item seeds: same (seed, epoch, item) -> same seed; any change -> another.
        QCOMPARE(itemSeed(1, 2, 3), itemSeed(1, 2, 3));
        QVERIFY(itemSeed(1, 2, 3) != itemSeed(1, 2, 4));
        QVERIFY(itemSeed(1, 2, 3) != itemSeed(1, 3, 3));
        QVERIFY(itemSeed(1, 2, 3) != itemSeed(2, 2, 3));
        // Silence: noise window x gain in [0, 1], deterministic, right length.
        const auto s1 = silenceClip(bank, 16000, 7), s2 = silenceClip(bank, 16000, 7);
        QCOMPARE(s1.size(), size_t(16000));
        QVERIFY(s1 == s2);
        QVERIFY(silenceClip(bank, 16000, 8) != s1);
        for (float v : s1)
            QVERIFY(std::abs(v) <= 0.5f);
        QVERIFY(silenceClip(NoiseBank{}, 100, 7) == std::vector<float>(100, 0.0f));
    }

    void filtersHaveTheirResponse()
    {
        const int rate = 16000;
        const auto peak = Biquad::peaking(1000, 1.0, 9.0, rate);
        QVERIFY(std::abs(20 * std::log10(peak.gainAt(1000, rate)) - 9.0) < 0.01);
        QVERIFY(std::abs(20 * std::log10(peak.gainAt(60, rate))) < 0.5);
        const auto shelf = Biquad::highShelf(1000, -6.0, rate);
        QVERIFY(std::abs(20 * std::log10(shelf.gainAt(7000, rate)) + 6.0) < 0.5);
        QVERIFY(std::abs(20 * std::log10(shelf.gainAt(50, rate))) < 0.5);
        const auto hp = Biquad::highPass(300, 0.707, rate), lp = Biquad::lowPass(3400, 0.707, rate);
        QVERIFY(hp.gainAt(50, rate) < 0.05 && hp.gainAt(2000, rate) > 0.95);
        QVERIFY(lp.gainAt(7500, rate) < 0.1 && lp.gainAt(500, rate) > 0.95);
        // Running a filter on a sine scales it by its gain at that frequency (after the transient).
        auto x = burst(16000, 1000, 0, 16000);
        const double before = energy(x, 8000, 16000);
        peak.run(x);
        QVERIFY(std::abs(energy(x, 8000, 16000) / before - std::pow(peak.gainAt(1000, rate), 2)) < 0.02);
    }

    void roomsReverberate()
    {
        const RoomBank rooms(8, 16000, 16000, 5);
        QCOMPARE(rooms.size(), size_t(8));
        const RoomBank again(8, 16000, 16000, 5);
        for (size_t i = 0; i < rooms.size(); ++i) {
            const auto& h = rooms.response(i);
            QCOMPARE(h.size(), size_t(0.35 * 16000));
            QVERIFY(std::abs(h[0] - 1.0f) < 1e-6); // direct path first, gain 1
            QVERIFY(h == again.response(i));      // deterministic in the seed
            // Reflections arrive later and weaker: the tail carries less energy than the start.
            QVERIFY(energy(h, 0, 800) > energy(h, 3200, 5600));
            QVERIFY(energy(h, 1, 5600) > 0.0);
            QVERIFY(rooms.rt60(i) > 0.05 && rooms.rt60(i) < 2.0);
            // Convolving an impulse gives the response back (FFT convolution, float precision).
            std::vector<float> impulse(16000, 0.0f);
            impulse[100] = 1.0f;
            const auto y = rooms.apply(impulse, i);
            QCOMPARE(y.size(), impulse.size());
            for (size_t k = 0; k < 2000; ++k)
                QVERIFY(std::abs(y[100 + k] - h[k]) < 1e-4f);
            QVERIFY(std::abs(y[50]) < 1e-4f); // nothing before the sound
        }
    }

    void noiseIsMixedAtTheDrawnSnr()
    {
        AugmentOptions o;
        o.max_speed_change = 0;
        o.min_gain = o.max_gain = 1;
        o.max_shift_seconds = 0;
        o.reverb_probability = o.eq_probability = o.bandlimit_probability = o.clip_probability = 0;
        o.noise_probability = 1;
        o.min_snr_db = 10;
        o.max_snr_db = 10.0001;
        const auto bank = testBank();
        const auto clip = burst(16000, 500, 0, 16000); // speech active everywhere
        for (uint64_t seed : {1u, 2u, 3u}) {
            const auto y = augmentClip(clip, bank, o, seed);
            std::vector<float> noise(y.size());
            for (size_t i = 0; i < y.size(); ++i)
                noise[i] = y[i] - clip[i];
            const double snr = 10 * std::log10(energy(clip, 0, 16000) / energy(noise, 0, 16000));
            QVERIFY2(std::abs(snr - 10.0) < 0.5, std::to_string(snr).c_str());
        }
    }

    void featureAugmentationWarpsAndMasks()
    {
        FeatureAugmentShape sh;
        sh.bands = 32;
        sh.frames = 32;
        sh.edges_hz = melBandEdgesHz(32, 0.0, 8000.0);
        // One bright band (12) on a dark map.
        std::vector<float> f(32 * 32, -80.0f);
        for (int t = 0; t < 32; ++t)
            f[size_t(12 * 32 + t)] = 0.0f;
        auto centroid = [&](const std::vector<float>& g) {
            double num = 0, den = 0;
            for (int b = 0; b < 32; ++b) {
                const double w = g[size_t(b * 32)] + 80.0;
                num += w * b;
                den += w;
            }
            return num / den;
        };
        AugmentOptions o;
        o.specaugment_probability = 0;
        o.vtlp_probability = 1;
        // Over many seeds the warp moves the band both up (alpha > 1) and down (alpha < 1), a band or so.
        double lo = 12, hi = 12;
        for (uint64_t seed = 1; seed < 40; ++seed) {
            auto g = f;
            augmentFeatures(g, sh, o, seed);
            lo = std::min(lo, centroid(g));
            hi = std::max(hi, centroid(g));
        }
        QVERIFY2(lo < 11.6 && hi > 12.4 && lo > 9 && hi < 15, (std::to_string(lo) + " " + std::to_string(hi)).c_str());
        // SpecAugment alone: masked rows / columns become the map's mean; the rest is untouched.
        o.vtlp_probability = 0;
        o.specaugment_probability = 1;
        std::vector<float> r(32 * 32);
        for (size_t i = 0; i < r.size(); ++i)
            r[i] = -float(i % 97);
        double mean = 0;
        for (float v : r)
            mean += v;
        mean /= double(r.size());
        int changed = 0;
        for (uint64_t seed = 1; seed < 20; ++seed) {
            auto g = r;
            augmentFeatures(g, sh, o, seed);
            for (size_t i = 0; i < g.size(); ++i)
                if (g[i] != r[i]) {
                    QVERIFY(std::abs(g[i] - float(mean)) < 1e-3f);
                    ++changed;
                }
        }
        QVERIFY(changed > 0);
        // Off: unchanged.
        o.enabled = false;
        auto g = r;
        augmentFeatures(g, sh, o, 3);
        QVERIFY(g == r);
    }

    void speedAndShiftMoveTheSignal()
    {
        // An impulse 3000 samples after the centre lands at 3000 / factor after a speed change.
        std::vector<float> x(16001, 0.0f);
        x[8000 + 3000] = 1.0f;
        QVERIFY(changeSpeed(x, 1.0) == x);
        const auto fast = changeSpeed(x, 1.2);
        QCOMPARE(fast.size(), x.size());
        const auto peak = size_t(std::max_element(fast.begin(), fast.end()) - fast.begin());
        QCOMPARE(peak, size_t(8000 + 2500));
        const auto slow = changeSpeed(x, 0.8);
        QCOMPARE(size_t(std::max_element(slow.begin(), slow.end()) - slow.begin()), size_t(8000 + 3750));
        // Time shift: energy moves later, the start is zero-filled.
        const auto clip = burst(16000, 500, 4000, 4000);
        const auto later = timeShift(clip, 1600);
        QCOMPARE(later.size(), clip.size());
        QCOMPARE(energy(later, 0, 5600), 0.0);
        QVERIFY(std::abs(energy(later, 5600, 9600) - energy(clip, 4000, 8000)) < 1e-6);
    }

    void tinyComplementaryRunLowersLossAndExports()
    {
        if (!skip_.empty())
            QSKIP(skip_.c_str());
        const std::string out = tmp_.path().toStdString() + "/cs.safetensors";
        auto o = tinyOptions(TrainKind::Complementary, out);
        int epochs_reported = 0;
        auto rep = trainModel(o, [&](const TrainProgress& p) { epochs_reported += std::string(p.stage) == "epoch"; });
        QVERIFY2(rep.isOk(), rep.isOk() ? "" : rep.message().c_str());
        QCOMPARE(epochs_reported, 1);
        QCOMPARE(int(rep->epochs.size()), 1);
        // The tiny set holds back a test and a validation speaker per synthesis family.
        QVERIFY2(rep->train_items >= 150, std::to_string(rep->train_items).c_str());
        qInfo("loss %.4f -> %.4f", rep->first_loss, rep->last_loss);
        QVERIFY2(rep->last_loss < rep->first_loss,
                 (std::to_string(rep->first_loss) + " -> " + std::to_string(rep->last_loss)).c_str());
        checkExport(*rep, out);
        auto m = loadModel(out);
        QVERIFY(m.isOk());
        int packed = 0;
        for (const auto& L : m->layers) {
            if (L.kind == LayerKind::KWinners || L.kind == LayerKind::KWinners2d) {
                // The decayed boost strength and the learnt duty cycles are what the engines read.
                QVERIFY(std::abs(L.boost_strength - 1.5 * 0.9) < 1e-9);
                double sum = 0;
                for (float d : L.duty_cycles.data)
                    sum += d;
                QVERIFY(sum > 0);
            }
            if (!L.hasWeights() || L.group_size <= 1)
                continue;
            ++packed;
            const auto report = checkComplementary(L.mask.ptr(), L.outputs(), L.fanIn(), L.group_size);
            QCOMPARE(report.collisions, 0);
            PackedLayer pl;
            QVERIFY(combine(L.weight.ptr(), L.mask.ptr(), L.outputs(), L.fanIn(), L.group_size, &pl));
            // Masks were re-applied: no weight outside its mask.
            for (int64_t i = 0; i < L.weight.size(); ++i)
                QVERIFY(L.mask.data[size_t(i)] != 0.0f || L.weight.data[size_t(i)] == 0.0f);
        }
        QCOMPARE(packed, 3);
    }

    void fineTuneKeepsMasksAndChangesWeights()
    {
        if (!skip_.empty())
            QSKIP(skip_.c_str());
        const std::string base = tmp_.path().toStdString() + "/cs.safetensors"; // from the test above
        if (!QFile::exists(QString::fromStdString(base)))
            QSKIP("needs tinyComplementaryRunLowersLossAndExports");
        const std::string out = tmp_.path().toStdString() + "/cs-personal.safetensors";
        auto o = tinyOptions(TrainKind::Complementary, out);
        o.init = base;
        o.mix_dir = o.data_dir;
        o.mix_ratio = 0.5;
        o.epochs = 1;
        auto rep = trainModel(o);
        QVERIFY2(rep.isOk(), rep.isOk() ? "" : rep.message().c_str());
        QVERIFY(rep->mixed_items > 0);
        QVERIFY(rep->reversed_items > 0); // every keyword take also trains backwards, as _unknown_
        QVERIFY(rep->reversed_items < rep->train_items - rep->mixed_items);
        QVERIFY(!rep->before_after.empty());
        const auto ba = nlohmann::json::parse(rep->before_after);
        QVERIFY(ba.contains("held_back") && ba.contains("base_test_split"));
        auto a = loadModel(base), b = loadModel(out);
        QVERIFY(a.isOk() && b.isOk());
        QVERIFY(b->info.count("fine_tuned_from") && b->info.count("before_after"));
        QVERIFY(b->info.at("enrollment").find("+" + std::to_string(rep->reversed_items) + " played backwards") != std::string::npos);
        QCOMPARE(a->layers.size(), b->layers.size());
        bool weights_changed = false;
        for (size_t i = 0; i < a->layers.size(); ++i) {
            const auto &La = a->layers[i], &Lb = b->layers[i];
            QCOMPARE(La.group_size, Lb.group_size);
            QCOMPARE(La.k, Lb.k);
            QCOMPARE(La.k_inference, Lb.k_inference);
            QVERIFY(La.mask.data == Lb.mask.data); // masks (hence routes) untouched
            weights_changed = weights_changed || La.weight.data != Lb.weight.data;
            if (Lb.hasWeights() && Lb.group_size > 1)
                QCOMPARE(checkComplementary(Lb.mask.ptr(), Lb.outputs(), Lb.fanIn(), Lb.group_size).collisions, 0);
        }
        QVERIFY(weights_changed);
        // By default the first weighted layer's block is frozen: everything before the second one.
        size_t second = 0;
        for (size_t i = 0, w = 0; i < a->layers.size() && !second; ++i)
            if (a->layers[i].hasWeights() && ++w == 2)
                second = i;
        QVERIFY(second > 0);
        QVERIFY(b->info.at("recipe").find("\"freeze_through\":\"" + a->layers[second - 1].name + "\"") != std::string::npos);
        for (size_t i = 0; i < second; ++i)
            QVERIFY2(a->layers[i].weight.data == b->layers[i].weight.data &&
                         a->layers[i].running_var.data == b->layers[i].running_var.data,
                     a->layers[i].name.c_str());
        // --mix without --init, and an untrained base, are refused.
        auto bad = tinyOptions(TrainKind::Complementary, out + ".x");
        bad.init = (fs::path(SS_BINARY_DIR) / "resources/models/gsc-cs-synth.safetensors").string();
        auto r = trainModel(bad);
        QVERIFY(!r.isOk());
        QVERIFY(r.message().find("untrained") != std::string::npos);
        bad.init.clear();
        bad.mix_dir = o.data_dir;
        QVERIFY(!trainModel(bad).isOk());
    }

    void fineTuneFreezesThroughALayer()
    {
        if (!skip_.empty())
            QSKIP(skip_.c_str());
        const std::string base = tmp_.path().toStdString() + "/cs.safetensors"; // from the test above
        if (!QFile::exists(QString::fromStdString(base)))
            QSKIP("needs tinyComplementaryRunLowersLossAndExports");
        const std::string out = tmp_.path().toStdString() + "/cs-frozen.safetensors";
        auto o = tinyOptions(TrainKind::Complementary, out);
        o.init = base;
        o.epochs = 1;
        o.freeze_through = "cnn2_kwinner";
        auto rep = trainModel(o);
        QVERIFY2(rep.isOk(), rep.isOk() ? "" : rep.message().c_str());
        auto a = loadModel(base), b = loadModel(out);
        QVERIFY(a.isOk() && b.isOk());
        bool frozen = true, later_changed = false;
        for (size_t i = 0; i < a->layers.size(); ++i) {
            const auto &La = a->layers[i], &Lb = b->layers[i];
            QVERIFY(La.mask.data == Lb.mask.data);
            const bool same = La.weight.data == Lb.weight.data && La.bias.data == Lb.bias.data &&
                              La.running_mean.data == Lb.running_mean.data && La.running_var.data == Lb.running_var.data &&
                              La.duty_cycles.data == Lb.duty_cycles.data && La.boost_strength == Lb.boost_strength;
            if (frozen)
                QVERIFY2(same, (La.name + " changed although it is frozen").c_str());
            else
                later_changed = later_changed || !same;
            if (La.name == o.freeze_through)
                frozen = false;
        }
        QVERIFY(!frozen); // the layer was found
        QVERIFY(later_changed);
        QVERIFY(b->info.at("recipe").find("\"freeze_through\":\"cnn2_kwinner\"") != std::string::npos);
        // An unknown layer, a layer that leaves nothing to train, and freezing without --init are refused.
        for (const char* bad : {"cnn9", "output"}) {
            auto r = o;
            r.output = out + ".x";
            r.freeze_through = bad;
            auto res = trainModel(r);
            QVERIFY(!res.isOk());
            QVERIFY2(res.message().find("--freeze-through") != std::string::npos, res.message().c_str());
            QVERIFY(!QFile::exists(QString::fromStdString(r.output)));
        }
        // "none": the first layer learns too.
        auto all = o;
        all.output = out + ".all";
        all.freeze_through = "none";
        auto rall = trainModel(all);
        QVERIFY2(rall.isOk(), rall.isOk() ? "" : rall.message().c_str());
        auto c = loadModel(all.output);
        QVERIFY(c.isOk());
        QVERIFY(a->layers[0].hasWeights() && a->layers[0].weight.data != c->layers[0].weight.data);
        QVERIFY(c->info.at("recipe").find("\"freeze_through\":\"\"") != std::string::npos);
        auto r = tinyOptions(TrainKind::Complementary, out + ".y");
        r.freeze_through = "cnn1";
        auto res = trainModel(r);
        QVERIFY(!res.isOk());
        QVERIFY2(res.message().find("--init") != std::string::npos, res.message().c_str());
    }

    void tinySparseAndDenseRuns()
    {
        if (!skip_.empty())
            QSKIP(skip_.c_str());
        {
            const std::string out = tmp_.path().toStdString() + "/sparse.safetensors";
            auto rep = trainModel(tinyOptions(TrainKind::Sparse, out));
            QVERIFY2(rep.isOk(), rep.isOk() ? "" : rep.message().c_str());
            checkExport(*rep, out);
            auto m = loadModel(out);
            for (const auto& L : m->layers)
                if (L.name == "linear1") {
                    QCOMPARE(L.group_size, 1);
                    QVERIFY(std::abs(L.weight_density - 0.1) < 1e-9);
                    // Independent masks: some group of consecutive outputs collides.
                    QVERIFY(checkComplementary(L.mask.ptr(), L.outputs(), L.fanIn(), 10).collisions > 0);
                }
        }
        {
            const std::string out = tmp_.path().toStdString() + "/dense.safetensors";
            auto rep = trainModel(tinyOptions(TrainKind::Dense, out));
            QVERIFY2(rep.isOk(), rep.isOk() ? "" : rep.message().c_str());
            checkExport(*rep, out);
            auto m = loadModel(out);
            int relus = 0;
            for (const auto& L : m->layers) {
                QVERIFY(L.kind != LayerKind::KWinners && L.kind != LayerKind::KWinners2d);
                relus += L.kind == LayerKind::ReLU;
                if (L.hasWeights())
                    QCOMPARE(L.weight_density, 1.0);
            }
            QCOMPARE(relus, 3);
        }
    }

    // Distillation: the teacher's outputs enter the loss (the run differs from one without it), the
    // file records the teacher, and a teacher of other classes or features is refused.
    void distilledRunRecordsTheTeacher()
    {
        if (!skip_.empty())
            QSKIP(skip_.c_str());
        const std::string root = tmp_.path().toStdString();
        const std::string teacher = root + "/teacher.safetensors";
        {
            auto o = tinyOptions(TrainKind::Dense, teacher);
            o.verify_engines.clear();
            auto rep = trainModel(o);
            QVERIFY2(rep.isOk(), rep.isOk() ? "" : rep.message().c_str());
        }
        auto o = tinyOptions(TrainKind::Complementary, root + "/plain.safetensors");
        o.verify_engines = {"dense", "sparse-sparse"};
        auto plain = trainModel(o);
        QVERIFY2(plain.isOk(), plain.isOk() ? "" : plain.message().c_str());

        o.output = root + "/student.safetensors";
        o.teacher = teacher;
        o.distill_weight = 0.7;
        o.distill_temperature = 3;
        auto rep = trainModel(o);
        QVERIFY2(rep.isOk(), rep.isOk() ? "" : rep.message().c_str());
        QVERIFY2(rep->first_loss != plain->first_loss, "the teacher did not change the loss");
        QVERIFY2(rep->last_loss < rep->first_loss,
                 (std::to_string(rep->first_loss) + " -> " + std::to_string(rep->last_loss)).c_str());
        for (const auto& e : rep->engines)
            QVERIFY(std::abs(e.accuracy - rep->test_accuracy) * rep->test_items <= 1.01);
        auto m = loadModel(o.output);
        QVERIFY(m.isOk());
        QVERIFY(m->info.count("teacher"));
        QVERIFY2(m->info.at("teacher").find("teacher") != std::string::npos, m->info.at("teacher").c_str());
        QVERIFY(m->info.at("recipe").find("\"distillation\"") != std::string::npos);
        QVERIFY(m->info.at("recipe").find("\"temperature\":3") != std::string::npos);

        // A teacher with other classes: one sentence, nothing written.
        SynthOptions so;
        so.classes = presetClasses(ClassPreset::Digits);
        auto digits = synthModel(so);
        QVERIFY(digits.isOk());
        QVERIFY(saveModel(*digits, root + "/digits.safetensors").isOk());
        o.output = root + "/refused.safetensors";
        o.teacher = root + "/digits.safetensors";
        auto bad = trainModel(o);
        QVERIFY(!bad.isOk());
        QVERIFY(bad.error().code == ErrorCode::BadInput);
        QVERIFY2(bad.message().find("other classes") != std::string::npos, bad.message().c_str());
        QVERIFY(!fs::exists(o.output));
        // From the command line: a missing teacher file, and distillation settings without one.
        const Run r = runCli({"train", "--data", QString::fromStdString(data_), "-o", QString::fromStdString(o.output),
                              "--teacher", QString::fromStdString(root + "/none.safetensors")});
        QCOMPARE(r.exit, 2);
        QVERIFY2(!r.err.trimmed().contains('\n') && r.err.contains("none.safetensors"), qPrintable(r.err));
        const Run r2 = runCli({"train", "--data", QString::fromStdString(data_), "-o", QString::fromStdString(o.output),
                               "--distill-weight", "0.5"});
        QCOMPARE(r2.exit, 2);
        QVERIFY2(r2.err.contains("--teacher"), qPrintable(r2.err));
        QVERIFY(!fs::exists(o.output));
    }

    // --name sets the model's name (default: the output file's stem); an empty one is refused.
    // --name lands in the file, and the optimiser options in its recipe.
    void cliNamesTheModelAndRecordsTheRecipe()
    {
        if (!skip_.empty())
            QSKIP(skip_.c_str());
        const QString out = QString::fromStdString(tmp_.path().toStdString() + "/named.safetensors");
        const QStringList common{"train", "--data", QString::fromStdString(data_), "-o", out, "--limit", "64", "--epochs", "1",
                                 "--batch", "8", "--verify-engines", "none"};
        const Run bad = runCli(common + QStringList{"--name", " "});
        QCOMPARE(bad.exit, 2);
        QVERIFY2(bad.err.contains("--name"), qPrintable(bad.err));
        const Run r = runCli(common + QStringList{"--name", "gsc-cs", "--optimizer", "adamw", "--weight-decay", "0.05",
                                                  "--lr-gamma", "0.95"});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        auto m = loadModel(out.toStdString());
        QVERIFY(m.isOk());
        QCOMPARE(m->name, std::string("gsc-cs"));
        const auto recipe = nlohmann::json::parse(m->info.at("recipe"));
        QCOMPARE(recipe.at("optimizer").get<std::string>(), std::string("adamw"));
        QCOMPARE(recipe.at("weight_decay").get<double>(), 0.05);
        QCOMPARE(recipe.at("lr_gamma_per_epoch").get<double>(), 0.95);
    }

    void cancelKeepsCheckpointAndResumeFinishes()
    {
        if (!skip_.empty())
            QSKIP(skip_.c_str());
        const std::string out = tmp_.path().toStdString() + "/resume.safetensors";
        auto o = tinyOptions(TrainKind::Complementary, out);
        o.epochs = 2;
        o.limit_train = 96;
        o.verify_engines = {"sparse-sparse"};
        std::atomic<bool> cancel{false};
        auto first = trainModel(o, [&](const TrainProgress& p) {
            if (std::string(p.stage) == "epoch" && p.epoch == 1)
                cancel = true;
        }, &cancel);
        QVERIFY(!first.isOk());
        QVERIFY(first.error().code == ErrorCode::Runtime);
        QVERIFY2(first.message().find("Cancel") != std::string::npos, first.message().c_str());
        QVERIFY(!fs::exists(out));
        QVERIFY(fs::exists(checkpointPath(out)));

        o.resume = true;
        auto second = trainModel(o);
        QVERIFY2(second.isOk(), second.isOk() ? "" : second.message().c_str());
        QCOMPARE(second->resumed_after_epoch, 1);
        QCOMPARE(int(second->epochs.size()), 2);
        QVERIFY(fs::exists(out));
        QVERIFY(!fs::exists(checkpointPath(out)));

        // A checkpoint made with other settings is refused, not silently mixed in.
        o.resume = false;
        o.epochs = 1;
        std::atomic<bool> stop{false};
        auto third = trainModel(o, [&](const TrainProgress& p) {
            if (std::string(p.stage) == "verify")
                stop = true;
        }, &stop);
        QVERIFY(!third.isOk()); // cancelled while verifying: the model is written, the checkpoint kept
        QVERIFY(fs::exists(checkpointPath(out)));
        o.resume = true;
        o.seed = 99;
        auto fourth = trainModel(o);
        QVERIFY(!fourth.isOk());
        QVERIFY(fourth.error().code == ErrorCode::BadInput);
        QVERIFY2(fourth.message().find("other settings") != std::string::npos, fourth.message().c_str());
    }

    void cliRefusesBadData()
    {
        const std::string root = tmp_.path().toStdString();
        auto expectOneSentence = [](const Run& r, const char* needle) {
            QCOMPARE(r.exit, 2);
            const QString err = r.err.trimmed();
            QVERIFY2(!err.contains('\n'), qPrintable(err));
            QVERIFY2(err.contains(QString::fromUtf8(needle), Qt::CaseInsensitive), qPrintable(err));
        };
        auto train = [&](const std::string& data, const std::string& out) {
            return runCli({"train", "--data", QString::fromStdString(data), "-o", QString::fromStdString(out), "--epochs", "1",
                           "--batch", "4"});
        };
        // Missing folder, empty folder.
        expectOneSentence(train(root + "/nope", root + "/m.safetensors"), "does not exist");
        fs::create_directories(root + "/empty");
        {
            const Run r = train(root + "/empty", root + "/m.safetensors");
            QCOMPARE(r.exit, 2);
            QVERIFY(!r.err.trimmed().contains('\n'));
        }
        // A list naming a missing clip.
        writeTree(root + "/badlist", 4);
        {
            std::ofstream(root + "/badlist/testing_list.txt", std::ios::app) << "yes/ghost_nohash_0.wav\n";
        }
        expectOneSentence(train(root + "/badlist", root + "/m.safetensors"), "ghost_nohash_0.wav");
        // A 24-bit clip among the training clips.
        writeTree(root + "/bits", 4);
        {
            SF_INFO info{};
            info.samplerate = 16000;
            info.channels = 1;
            info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_24;
            const std::string path = root + "/bits/yes/spk9_nohash_0.wav";
            SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
            QVERIFY(f);
            const auto x = burst(16000, 300, 0, 16000);
            sf_write_float(f, x.data(), sf_count_t(x.size()));
            sf_close(f);
        }
        expectOneSentence(train(root + "/bits", root + "/m.safetensors"), "16-bit");
        QVERIFY(!fs::exists(root + "/m.safetensors"));
        // Usage errors.
        expectOneSentence(runCli({"train", "-o", "x.safetensors"}), "--data");
        expectOneSentence(runCli({"train", "--data", QString::fromStdString(root + "/bits"), "-o", "x.safetensors", "--kind", "odd"}),
                          "--kind");
        expectOneSentence(runCli({"train", "--data", QString::fromStdString(root + "/bits"), "-o", "x.safetensors", "--kind", "dense",
                                  "--weight-density", "0.5,0.1,0.1"}),
                          "dense");
        expectOneSentence(runCli({"train", "--data", QString::fromStdString(root + "/bits"), "-o", "x.safetensors", "--optimizer",
                                  "rmsprop"}),
                          "--optimizer");
        expectOneSentence(runCli({"train", "--data", QString::fromStdString(root + "/bits"), "-o", "x.safetensors", "--lr-gamma", "0"}),
                          "--lr-gamma");
    }
};

QTEST_GUILESS_MAIN(TestTrain)
#include "tst_train.moc"
