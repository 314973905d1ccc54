// The Google Speech Commands layout reader on tiny generated trees.
#include "datasets/gsc.h"

#include "audio/melspec.h"
#include "audio/wav.h"

#include <QTemporaryDir>
#include <QTest>

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numbers>
#include <set>

using namespace ss;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kSpeakers = {"aaaa1111", "bbbb2222", "cccc3333", "dddd4444", "eeee5555"};
constexpr const char* kValidationSpeaker = "cccc3333"; // GSC splits by speaker; so does this tree
constexpr const char* kTestSpeaker = "dddd4444";

std::vector<float> tone(double freq, size_t n, int rate = 16000, double amplitude = 0.3)
{
    std::vector<float> x(n);
    for (size_t i = 0; i < n; ++i)
        x[i] = float(amplitude * std::sin(2.0 * std::numbers::pi * freq * double(i) / rate));
    return x;
}

std::vector<float> noise(size_t n, uint32_t seed)
{
    std::vector<float> x(n);
    uint32_t s = seed;
    for (auto& v : x) {
        s = s * 1664525u + 1013904223u;
        v = (float(s >> 8) / float(1u << 24) - 0.5f) * 0.4f;
    }
    return x;
}

bool writeFile(const fs::path& p, const std::string& text)
{
    std::ofstream f(p);
    f << text;
    return bool(f);
}

bool writeEncoded(const std::string& path, const std::vector<float>& x, int subtype)
{
    SF_INFO info{};
    info.samplerate = 16000;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | subtype;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    if (!f)
        return false;
    const bool ok = sf_writef_float(f, x.data(), sf_count_t(x.size())) == sf_count_t(x.size());
    return sf_close(f) == 0 && ok;
}

// A GSC-shaped tree: `words` folders with 2 takes per speaker, lists by speaker, 2 noise files.
struct Tree {
    std::string root;
    std::set<std::string> validation, test, all; // "word/file.wav"
    std::vector<std::string> words;
};

bool makeTree(const std::string& root, const std::vector<std::string>& words, bool with_noise = true)
{
    fs::create_directories(root);
    std::string validation, testing;
    int n = 0;
    for (const auto& w : words) {
        fs::create_directories(fs::path(root) / w);
        for (const auto& spk : kSpeakers)
            for (int take = 0; take < 2; ++take) {
                const std::string rel = w + "/" + spk + "_nohash_" + std::to_string(take) + ".wav";
                // Each clip a different tone so that mix-ups would show.
                if (!writeWav(root + "/" + rel, tone(200.0 + 37.0 * n++, 16000), 16000).isOk())
                    return false;
                if (spk == kValidationSpeaker)
                    validation += rel + "\n";
                else if (spk == kTestSpeaker)
                    testing += rel + "\n";
            }
    }
    if (with_noise) {
        const fs::path nd = fs::path(root) / "_background_noise_";
        fs::create_directories(nd);
        if (!writeWav((nd / "pink.wav").string(), noise(48000, 1), 16000).isOk() ||
            !writeWav((nd / "white.wav").string(), noise(32000, 2), 16000).isOk())
            return false;
        writeFile(nd / "README.md", "not audio, and not a .wav: ignored\n");
    }
    // Folders the reader must ignore.
    fs::create_directories(fs::path(root) / "_ignored_");
    writeWav(root + "/_ignored_/x.wav", tone(100, 1600), 16000);
    fs::create_directories(fs::path(root) / ".hidden");
    writeFile(fs::path(root) / "LICENSE", "text\n");
    return writeFile(fs::path(root) / "validation_list.txt", validation) &&
           writeFile(fs::path(root) / "testing_list.txt", "\n" + testing + "\r\n"); // blank lines and CR are tolerated
}

std::string rel(const GscDataset& ds, const GscClip& c)
{
    return fs::relative(c.path, ds.root).generic_string();
}

std::vector<std::string> signature(const GscDataset& ds)
{
    std::vector<std::string> out;
    for (Split s : {Split::Train, Split::Validation, Split::Test})
        for (const auto& c : ds.split(s))
            out.push_back(std::string(splitName(s)) + " " + c.path + " " + std::to_string(c.label) + " " +
                          std::to_string(c.offset) + " " + std::to_string(c.gain));
    return out;
}

size_t countSilence(const std::vector<GscClip>& clips)
{
    return size_t(std::count_if(clips.begin(), clips.end(), [](const GscClip& c) { return c.silence; }));
}

} // namespace

class TestDatasets : public QObject {
    Q_OBJECT

private:
    QTemporaryDir tmp_;
    std::string main_; // yes no up down (keywords), bird cat (unknown), zero seven (digits)
    std::string sub(const char* name) const { return (tmp_.path() + "/" + name).toStdString(); }

private slots:
    void initTestCase()
    {
        QVERIFY(tmp_.isValid());
        main_ = sub("gsc");
        QVERIFY(makeTree(main_, {"yes", "no", "up", "down", "bird", "cat", "zero", "seven"}));
    }

    void presetsAndParsing()
    {
        const auto commands = presetClasses(ClassPreset::Commands);
        QCOMPARE(commands, (std::vector<std::string>{"yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go",
                                                     "_silence_", "_unknown_"}));
        const auto digits = presetClasses(ClassPreset::Digits);
        QCOMPARE(digits.size(), size_t(12));
        QCOMPARE(digits.front(), std::string("zero"));
        QCOMPARE(digits[9], std::string("nine"));
        QCOMPARE(digits[10], std::string("_silence_"));
        QCOMPARE(digits[11], std::string("_unknown_"));

        QVERIFY(parsePreset("digits").isOk() && *parsePreset("digits") == ClassPreset::Digits);
        QVERIFY(*parsePreset("Commands") == ClassPreset::Commands);
        auto bad = parsePreset("animals");
        QVERIFY(!bad.isOk());
        QVERIFY(bad.message().find("'animals'") != std::string::npos);

        QVERIFY(*parseSplit("train") == Split::Train);
        QVERIFY(*parseSplit("validation") == Split::Validation);
        QVERIFY(*parseSplit("test") == Split::Test);
        QVERIFY(!parseSplit("dev").isOk());
        QCOMPARE(std::string(splitName(Split::Validation)), std::string("validation"));
    }

    void splitsFollowLists()
    {
        auto ds = openGsc(main_, ClassPreset::Commands);
        QVERIFY2(ds.isOk(), ds.isOk() ? "" : ds.message().c_str());
        QCOMPARE(ds->root, main_);
        QCOMPARE(ds->noise_files.size(), size_t(2));
        QVERIFY(ds->noise_files[0].ends_with("_background_noise_/pink.wav"));

        // 8 words x 5 speakers x 2 takes; one speaker each in validation and test.
        std::set<std::string> seen;
        for (Split s : {Split::Train, Split::Validation, Split::Test}) {
            size_t words = 0;
            for (const auto& c : ds->split(s)) {
                if (c.silence)
                    continue;
                ++words;
                const std::string r = rel(*ds, c);
                QVERIFY2(seen.insert(r).second, r.c_str());
                QVERIFY(!r.starts_with("_"));
                QVERIFY(fs::exists(c.path));
                const bool in_val = c.speaker == kValidationSpeaker, in_test = c.speaker == kTestSpeaker;
                QCOMPARE(s == Split::Validation, in_val);
                QCOMPARE(s == Split::Test, in_test);
            }
            QCOMPARE(words, s == Split::Train ? size_t(48) : size_t(16));
        }
        QCOMPARE(seen.size(), size_t(80));
        // Clips are ordered by path, so everything downstream is reproducible.
        std::vector<std::string> paths;
        for (const auto& c : ds->train)
            if (!c.silence)
                paths.push_back(c.path);
        QVERIFY(std::is_sorted(paths.begin(), paths.end()));
    }

    void labelsSpeakersAndSilence()
    {
        auto ds = openGsc(main_, ClassPreset::Commands);
        QVERIFY(ds.isOk());
        QCOMPARE(ds->classes, presetClasses(ClassPreset::Commands));
        QCOMPARE(ds->classIndex("_unknown_"), 11);
        for (Split s : {Split::Train, Split::Validation, Split::Test}) {
            const auto& clips = ds->split(s);
            for (const auto& c : clips) {
                if (c.silence) {
                    QCOMPARE(c.label, 10);
                    QCOMPARE(c.word, std::string("_silence_"));
                    QVERIFY(std::find(ds->noise_files.begin(), ds->noise_files.end(), c.path) != ds->noise_files.end());
                    const int64_t frames = c.path.ends_with("pink.wav") ? 48000 : 32000;
                    QVERIFY(c.offset >= 0 && c.offset <= frames - 16000);
                    QVERIFY(c.gain >= 0.0f && c.gain <= 1.0f);
                    continue;
                }
                QVERIFY(fs::path(c.path).filename().string().starts_with(c.speaker + "_nohash_"));
                QVERIFY(std::find(kSpeakers.begin(), kSpeakers.end(), c.speaker) != kSpeakers.end());
                if (c.word == "yes") QCOMPARE(c.label, 0);
                else if (c.word == "no") QCOMPARE(c.label, 1);
                else if (c.word == "up") QCOMPARE(c.label, 2);
                else if (c.word == "down") QCOMPARE(c.label, 3);
                else QCOMPARE(c.label, 11); // bird, cat, zero, seven: _unknown_ (the word is kept)
            }
            // About 10%: ceil(10% of the split's word clips) silence clips.
            const size_t silence = countSilence(clips), words = clips.size() - silence;
            QCOMPARE(silence, size_t(std::ceil(0.1 * double(words))));
            QVERIFY(silence >= 1);
            const double share = double(silence) / double(clips.size());
            QVERIFY2(share > 0.08 && share < 0.12, qPrintable(QString::number(share)));
        }
        QVERIFY(ds->notes.empty());
    }

    void deterministicForSeed()
    {
        auto a = openGsc(main_, ClassPreset::Commands, {}, 42);
        auto b = openGsc(main_, ClassPreset::Commands, {}, 42);
        auto c = openGsc(main_, ClassPreset::Commands, {}, 43);
        QVERIFY(a.isOk() && b.isOk() && c.isOk());
        QCOMPARE(signature(*a), signature(*b));
        QVERIFY(signature(*a) != signature(*c)); // only the silence draws differ
        QCOMPARE(a->train.size(), c->train.size());

        // The drawn silence is reproducible down to the samples.
        const AudioSettings settings;
        const GscClip& s1 = a->validation.back();
        QVERIFY(s1.silence);
        auto x1 = loadClipSamples(*a, s1, settings);
        auto x2 = loadClipSamples(*b, b->validation.back(), settings);
        QVERIFY(x1.isOk() && x2.isOk());
        QCOMPARE(*x1, *x2);
    }

    void loadsSamplesAndFeatures()
    {
        auto ds = openGsc(main_, ClassPreset::Commands);
        QVERIFY(ds.isOk());
        const AudioSettings settings;

        const GscClip& word = ds->train.front();
        QVERIFY(!word.silence);
        auto x = loadClipSamples(*ds, word, settings);
        QVERIFY2(x.isOk(), x.isOk() ? "" : x.message().c_str());
        QCOMPARE(x->size(), size_t(16000));
        auto direct = readWav(word.path);
        QVERIFY(direct.isOk());
        QCOMPARE(*x, direct->samples);

        // Silence: the noise window at the clip's offset, times its gain.
        const GscClip& sil = ds->train.back();
        QVERIFY(sil.silence);
        auto s = loadClipSamples(*ds, sil, settings);
        QVERIFY(s.isOk());
        QCOMPARE(s->size(), size_t(16000));
        auto whole = readWav(sil.path);
        QVERIFY(whole.isOk());
        for (size_t i = 0; i < 16000; i += 101)
            QCOMPARE((*s)[i], whole->samples[size_t(sil.offset) + i] * sil.gain);

        auto f = loadClipFeatures(*ds, word, settings);
        QVERIFY(f.isOk());
        QCOMPARE(f->size(), size_t(32 * 32));
        QCOMPARE(*std::max_element(f->begin(), f->end()), 0.0f);
        const LogMelFrontEnd fe(settings);
        auto g = loadClipFeatures(*ds, sil, fe);
        QVERIFY(g.isOk());
        QCOMPARE(*g, fe.compute(*s));

        // Other rates and lengths go through the resampler / fitLength.
        AudioSettings s8k;
        s8k.sample_rate = 8000;
        s8k.f_max = 4000;
        s8k.clip_seconds = 0.5;
        auto y = loadClipSamples(*ds, word, s8k);
        QVERIFY(y.isOk());
        QCOMPARE(y->size(), size_t(4000));
        auto z = loadClipSamples(*ds, sil, s8k);
        QVERIFY(z.isOk());
        QCOMPARE(z->size(), size_t(4000));

        AudioSettings bad;
        bad.sample_rate = 0;
        QVERIFY(!loadClipSamples(*ds, word, bad).isOk());
        QVERIFY(!loadClipFeatures(*ds, word, bad).isOk());
    }

    void digitsPreset()
    {
        auto ds = openGsc(main_, ClassPreset::Digits);
        QVERIFY(ds.isOk());
        QCOMPARE(ds->classes, presetClasses(ClassPreset::Digits));
        std::map<std::string, int> labels;
        for (const auto& c : ds->train)
            labels[c.word] = c.label;
        QCOMPARE(labels["zero"], 0);
        QCOMPARE(labels["seven"], 7);
        QCOMPARE(labels["yes"], 11);
        QCOMPARE(labels["bird"], 11);
        QCOMPARE(labels["_silence_"], 10);
    }

    void classesOverride()
    {
        // A model's own class list: its words are the keywords, in its order.
        auto ds = openGsc(main_, ClassPreset::Commands, {"bird", "yes", "_unknown_", "_silence_"});
        QVERIFY(ds.isOk());
        QCOMPARE(ds->classes, (std::vector<std::string>{"bird", "yes", "_unknown_", "_silence_"}));
        for (const auto& c : ds->train) {
            if (c.silence) QCOMPARE(c.label, 3);
            else if (c.word == "bird") QCOMPARE(c.label, 0);
            else if (c.word == "yes") QCOMPARE(c.label, 1);
            else QCOMPARE(c.label, 2);
        }

        // Without _silence_: no silence clips. Without _unknown_: other words are left out, with a note.
        auto kw = openGsc(main_, ClassPreset::Commands, {"no", "up"});
        QVERIFY(kw.isOk());
        QCOMPARE(countSilence(kw->train), size_t(0));
        QCOMPARE(kw->train.size(), size_t(12));
        QCOMPARE(kw->validation.size(), size_t(4));
        QCOMPARE(kw->notes.size(), size_t(1));
        QVERIFY(kw->notes[0].find("left out") != std::string::npos);

        auto dup = openGsc(main_, ClassPreset::Commands, {"yes", "no", "yes"});
        QVERIFY(!dup.isOk());
        QVERIFY(dup.message().find("'yes' twice") != std::string::npos);

        auto none = openGsc(main_, ClassPreset::Commands, {"marvin", "sheila", "_silence_", "_unknown_"});
        QVERIFY(!none.isOk());
        QCOMPARE(none.error().code, ErrorCode::BadInput);
        QVERIFY(none.message().find("marvin, sheila") != std::string::npos);
    }

    void noNoiseMeansNoSilence()
    {
        const std::string root = sub("quiet");
        QVERIFY(makeTree(root, {"yes", "bird"}, false));
        auto ds = openGsc(root, ClassPreset::Commands);
        QVERIFY(ds.isOk());
        QVERIFY(ds->noise_files.empty());
        QCOMPARE(countSilence(ds->train) + countSilence(ds->validation) + countSilence(ds->test), size_t(0));
        QCOMPARE(ds->notes.size(), size_t(1));
        QVERIFY(ds->notes[0].find("_silence_") != std::string::npos);
    }

    // ---- refusals: one sentence naming the path -----------------------------------------------
    void refusesMissingAndEmptyFolders()
    {
        const std::string missing = sub("does-not-exist");
        auto a = openGsc(missing, ClassPreset::Commands);
        QVERIFY(!a.isOk());
        QCOMPARE(a.error().code, ErrorCode::BadInput);
        QVERIFY(a.message().find("'" + missing + "'") != std::string::npos);
        QVERIFY(a.message().ends_with("."));

        const std::string file = sub("plain-file");
        QVERIFY(writeFile(file, "x"));
        auto b = openGsc(file, ClassPreset::Commands);
        QVERIFY(!b.isOk());
        QVERIFY(b.message().find("'" + file + "' is not a folder") != std::string::npos);

        const std::string empty = sub("empty");
        fs::create_directories(fs::path(empty) / "_background_noise_");
        auto c = openGsc(empty, ClassPreset::Commands);
        QVERIFY(!c.isOk());
        QVERIFY2(c.message().find("'" + empty + "' has no word folders") != std::string::npos, c.message().c_str());

        const std::string nowav = sub("nowav");
        fs::create_directories(fs::path(nowav) / "yes");
        QVERIFY(writeFile(fs::path(nowav) / "yes" / "readme.txt", "no clips here"));
        auto d = openGsc(nowav, ClassPreset::Commands);
        QVERIFY(!d.isOk());
        QVERIFY2(d.message().find("'" + nowav + "'") != std::string::npos, d.message().c_str());
        QVERIFY(d.message().find("no .wav clips") != std::string::npos);
    }

    void refusesPresetWithNoKeywords()
    {
        const std::string root = sub("animals");
        QVERIFY(makeTree(root, {"bird", "cat", "dog"}));
        auto ds = openGsc(root, ClassPreset::Commands);
        QVERIFY(!ds.isOk());
        QVERIFY2(ds.message().find("'" + root + "'") != std::string::npos, ds.message().c_str());
        QVERIFY(ds.message().find("'commands' preset") != std::string::npos);
        QVERIFY(ds.message().find("bird, cat, dog") != std::string::npos);
        auto digits = openGsc(root, ClassPreset::Digits);
        QVERIFY(!digits.isOk());
        QVERIFY(digits.message().find("'digits' preset") != std::string::npos);
    }

    void refusesBadLists()
    {
        const std::string root = sub("badlist");
        QVERIFY(makeTree(root, {"yes", "no"}));

        QVERIFY(writeFile(fs::path(root) / "validation_list.txt", "yes/aaaa1111_nohash_0.wav\nyes/ffff0000_nohash_0.wav\n"));
        auto a = openGsc(root, ClassPreset::Commands);
        QVERIFY(!a.isOk());
        const std::string list = (fs::path(root) / "validation_list.txt").string();
        QVERIFY2(a.message().find("'" + list + "' line 2 names 'yes/ffff0000_nohash_0.wav', which does not exist") !=
                     std::string::npos,
                 a.message().c_str());
        QCOMPARE(a.error().where, list);

        // An entry in an ignored folder exists but is not a clip of the dataset.
        QVERIFY(writeFile(fs::path(root) / "validation_list.txt", "_ignored_/x.wav\n"));
        auto b = openGsc(root, ClassPreset::Commands);
        QVERIFY(!b.isOk());
        QVERIFY(b.message().find("'_ignored_/x.wav'") != std::string::npos);

        // Same clip in both lists.
        QVERIFY(writeFile(fs::path(root) / "validation_list.txt", "no/dddd4444_nohash_1.wav\n"));
        auto c = openGsc(root, ClassPreset::Commands);
        QVERIFY(!c.isOk());
        QVERIFY2(c.message().find("'no/dddd4444_nohash_1.wav' is listed both") != std::string::npos, c.message().c_str());

        fs::remove(fs::path(root) / "testing_list.txt");
        QVERIFY(writeFile(fs::path(root) / "validation_list.txt", ""));
        auto d = openGsc(root, ClassPreset::Commands);
        QVERIFY(!d.isOk());
        QVERIFY2(d.message().find("'" + root + "' has no testing_list.txt") != std::string::npos, d.message().c_str());
    }

    void refusesUnreadableNoise()
    {
        const std::string root = sub("badnoise");
        QVERIFY(makeTree(root, {"yes"}));
        const std::string fake = (fs::path(root) / "_background_noise_" / "broken.wav").string();
        QVERIFY(writeFile(fake, "RIFF? no."));
        auto ds = openGsc(root, ClassPreset::Commands);
        QVERIFY(!ds.isOk());
        QVERIFY2(ds.message().find("'" + fake + "'") != std::string::npos, ds.message().c_str());
    }

    void refusesNon16BitPcmOnLoad_data()
    {
        QTest::addColumn<int>("subtype");
        QTest::addColumn<QString>("described");
        QTest::newRow("24-bit") << int(SF_FORMAT_PCM_24) << "24-bit PCM";
        QTest::newRow("float") << int(SF_FORMAT_FLOAT) << "32-bit float";
        QTest::newRow("8-bit") << int(SF_FORMAT_PCM_U8) << "8-bit PCM";
    }
    void refusesNon16BitPcmOnLoad()
    {
        QFETCH(int, subtype);
        QFETCH(QString, described);
        const std::string root = sub(qPrintable("enc-" + QString::number(subtype)));
        QVERIFY(makeTree(root, {"yes"}));
        const std::string odd = root + "/yes/ffff9999_nohash_0.wav";
        QVERIFY(writeEncoded(odd, tone(440, 16000), subtype));
        auto ds = openGsc(root, ClassPreset::Commands); // lazy: opening does not decode clips
        QVERIFY(ds.isOk());
        const auto it = std::find_if(ds->train.begin(), ds->train.end(), [&](const GscClip& c) { return c.path == odd; });
        QVERIFY(it != ds->train.end());
        auto x = loadClipSamples(*ds, *it, AudioSettings{});
        QVERIFY(!x.isOk());
        QCOMPARE(x.error().code, ErrorCode::BadInput);
        QCOMPARE(x.message(), "'" + odd + "' is " + described.toStdString() +
                                  ", not 16-bit PCM: the Speech Commands reader expects 16-bit PCM WAV clips.");
        QVERIFY(!loadClipFeatures(*ds, *it, AudioSettings{}).isOk());
    }
};

QTEST_GUILESS_MAIN(TestDatasets)
#include "tst_datasets.moc"
