// The synthetic Speech Commands generator (datasets/synth.h) on tiny sets: layout, read-back by
// openGsc, speaker-disjoint splits, WAV format, determinism, cancellation and refused inputs.
#include "datasets/synth.h"

#include "audio/wav.h"
#include "datasets/gsc.h"

#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace ss;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kClips = 60;

SynthDatasetOptions tiny(const std::string& dir, uint64_t seed, int jobs = 2)
{
    SynthDatasetOptions o;
    o.output_dir = dir;
    o.clips = kClips;
    o.seed = seed;
    o.jobs = jobs;
    o.noise_seconds = 5;
    return o;
}

// Relative path -> file bytes, for every file below dir.
std::map<std::string, std::string> snapshot(const std::string& dir)
{
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file())
            continue;
        std::ifstream f(e.path(), std::ios::binary);
        std::stringstream ss;
        ss << f.rdbuf();
        out[fs::relative(e.path(), dir).generic_string()] = ss.str();
    }
    return out;
}

std::set<std::string> speakersOf(const std::vector<GscClip>& clips)
{
    std::set<std::string> s;
    for (const auto& c : clips)
        if (!c.silence)
            s.insert(c.speaker);
    return s;
}

} // namespace

class TestSynth : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::string m_a; // a tiny set every test can read

    std::string path(const std::string& name) const { return m_tmp.filePath(QString::fromStdString(name)).toStdString(); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        if (findProgram("espeak-ng").empty() || findProgram("festival").empty() || findProgram("sox").empty())
            QSKIP("espeak-ng, festival or sox is not installed (make deps)");
        m_a = path("a");
        auto rep = synthesizeGsc(tiny(m_a, 7));
        QVERIFY2(rep.isOk(), rep.isOk() ? "" : rep.message().c_str());
        QCOMPARE(rep->clips, kClips);
        QCOMPARE(rep->train + rep->validation + rep->test, kClips);
    }

    void wordSets()
    {
        QCOMPARE(synthWords(SynthWordSet::All).size(), size_t(35));
        QCOMPARE(synthWords(SynthWordSet::Commands).size(), size_t(25));
        QCOMPARE(synthWords(SynthWordSet::Digits).size(), size_t(25));
        QVERIFY(parseSynthWordSet("digits").isOk());
        QVERIFY(!parseSynthWordSet("letters").isOk());
        // The default size: >= 30,000 clips, ~10% of the speakers each for validation and test.
        SynthDatasetOptions o;
        QVERIFY(o.clips >= 30000);
        const auto sp = synthSpeakers(o);
        std::map<std::string, std::map<std::string, int>> n; // family -> split -> speakers
        std::map<std::string, int> per_family;
        std::set<std::string> ids, profiles;
        for (const auto& s : sp) {
            n[s.family][s.split]++;
            per_family[s.family]++;
            ids.insert(s.id);
            profiles.insert(s.family + "/" + s.voice + "/" + std::to_string(s.pitch) + "/" + std::to_string(s.rate));
            QVERIFY(s.id.find("_nohash_") == std::string::npos);
        }
        QCOMPARE(ids.size(), sp.size());
        QCOMPARE(profiles.size(), sp.size()); // every speaker its own voice (and pitch and rate)
        QVERIFY(sp.size() >= 300);
        // Both families, in the default shares (0.7 / 0.3), each split ~10% / 10% by speaker.
        QCOMPARE(per_family.size(), size_t(2));
        QVERIFY(std::abs(per_family["festival"] - int(std::lround(0.3 * double(sp.size())))) <= 1);
        for (const auto& [fam, count] : per_family) {
            QVERIFY2(std::abs(n[fam]["test"] - count / 10) <= 1, fam.c_str());
            QVERIFY2(std::abs(n[fam]["validation"] - count / 10) <= 1, fam.c_str());
        }
        // Festival speakers cycle through every Festival voice.
        std::set<std::string> festival;
        for (const auto& s : sp)
            if (s.family == "festival")
                festival.insert(s.voice);
        QCOMPARE(festival.size(), festivalVoices().size());
        // One family only: every speaker from it.
        o.families = {"festival"};
        o.family_shares = {1.0};
        for (const auto& s : synthSpeakers(o))
            QCOMPARE(s.family, std::string("festival"));
    }

    void layoutReadsBack()
    {
        QVERIFY(fs::is_regular_file(fs::path(m_a) / "validation_list.txt"));
        QVERIFY(fs::is_regular_file(fs::path(m_a) / "testing_list.txt"));
        int noise = 0;
        for (const auto& e : fs::directory_iterator(fs::path(m_a) / kBackgroundNoiseFolder))
            noise += e.path().extension() == ".wav";
        QCOMPARE(noise, 5);
        for (ClassPreset preset : {ClassPreset::Commands, ClassPreset::Digits}) {
            auto ds = openGsc(m_a, preset);
            QVERIFY2(ds.isOk(), ds.isOk() ? "" : ds.message().c_str());
            int words = 0;
            for (Split s : {Split::Train, Split::Validation, Split::Test}) {
                QVERIFY(!ds->split(s).empty());
                for (const auto& c : ds->split(s))
                    words += !c.silence;
            }
            QCOMPARE(words, int(kClips));
            // Test and validation speakers never occur in training, nor in each other.
            const auto tr = speakersOf(ds->train), va = speakersOf(ds->validation), te = speakersOf(ds->test);
            for (const auto& s : te)
                QVERIFY(!tr.count(s) && !va.count(s));
            for (const auto& s : va)
                QVERIFY(!tr.count(s));
            QVERIFY(tr.size() >= 6);
            // Clips decode into features.
            auto f = loadClipFeatures(*ds, ds->test.front(), AudioSettings{});
            QVERIFY2(f.isOk(), f.isOk() ? "" : f.message().c_str());
        }
    }

    void speakersTsvNamesFamilies()
    {
        auto sp = readSpeakersTsv((fs::path(m_a) / "speakers.tsv").string());
        QVERIFY2(sp.isOk(), sp.isOk() ? "" : sp.message().c_str());
        std::map<std::string, std::string> family_of;
        for (const auto& s : *sp)
            family_of[s.id] = s.family;
        // Every word clip's speaker is listed, and both families have clips in the tiny set.
        auto ds = openGsc(m_a, ClassPreset::Commands);
        QVERIFY(ds.isOk());
        std::map<std::string, int> clips;
        for (Split split : {Split::Train, Split::Validation, Split::Test})
            for (const auto& c : ds->split(split))
                if (!c.silence) {
                    QVERIFY2(family_of.count(c.speaker), c.speaker.c_str());
                    clips[family_of[c.speaker]]++;
                }
        QVERIFY(clips["espeak-ng"] > 0);
        QVERIFY(clips["festival"] > 0);
        // A malformed file is refused with a sentence.
        const std::string bad = path("bad_speakers.tsv");
        { std::ofstream(bad) << "speaker\tvoice\nabc\n"; }
        auto r = readSpeakersTsv(bad);
        QVERIFY(!r.isOk());
        QVERIFY(r.message().find("line 2") != std::string::npos);
    }

    void everyWavIs16kMono16Bit1s()
    {
        int n = 0;
        for (const auto& e : fs::recursive_directory_iterator(m_a)) {
            if (!e.is_regular_file() || e.path().extension() != ".wav")
                continue;
            auto info = probeWav(e.path().string());
            QVERIFY2(info.isOk(), e.path().c_str());
            QCOMPARE(info->sample_rate, 16000);
            QCOMPARE(info->channels, 1);
            QVERIFY(info->isPcm16());
            if (e.path().parent_path().filename() != kBackgroundNoiseFolder) {
                QCOMPARE(info->frames, int64_t(16000));
                QVERIFY(e.path().filename().string().find("_nohash_") != std::string::npos);
                // Not silent: there is speech in it.
                auto clip = readWav(e.path().string());
                QVERIFY(clip.isOk());
                float peak = 0;
                for (float v : clip->samples)
                    peak = std::max(peak, std::abs(v));
                QVERIFY2(peak > 0.01f, e.path().c_str());
                ++n;
            }
        }
        QCOMPARE(n, int(kClips));
    }

    void deterministicForSeed()
    {
        // Same seed, different --jobs: the same files, byte for byte.
        const std::string b = path("b");
        auto rep = synthesizeGsc(tiny(b, 7, 1));
        QVERIFY2(rep.isOk(), rep.isOk() ? "" : rep.message().c_str());
        const auto sa = snapshot(m_a), sb = snapshot(b);
        QCOMPARE(sa.size(), sb.size());
        QVERIFY(sa == sb);
        // Another seed: other speakers, other audio.
        const std::string c = path("c");
        QVERIFY(synthesizeGsc(tiny(c, 8)).isOk());
        const auto sc = snapshot(c);
        QVERIFY(sc.at("testing_list.txt") != sa.at("testing_list.txt"));
        QVERIFY(sc.at("_background_noise_/white_noise.wav") != sa.at("_background_noise_/white_noise.wav"));
    }

    void cancelLeavesNoPartialFile()
    {
        const std::string d = path("cancelled");
        std::atomic<bool> cancel{false};
        auto o = tiny(d, 3);
        o.clips = 400;
        auto rep = synthesizeGsc(o, [&](const SynthProgress& p) { if (p.done >= 5) cancel = true; }, &cancel);
        QVERIFY(!rep.isOk());
        QCOMPARE(rep.error().code, ErrorCode::Runtime);
        QVERIFY(rep.message().find("Cancelled") != std::string::npos);
        QVERIFY(!fs::exists(fs::path(d) / "validation_list.txt"));
        QVERIFY(!fs::exists(fs::path(d) / "testing_list.txt"));
        int wavs = 0;
        for (const auto& e : fs::recursive_directory_iterator(d)) {
            if (!e.is_regular_file())
                continue;
            QVERIFY2(e.path().extension() == ".wav", e.path().c_str()); // no temporary files left
            auto info = probeWav(e.path().string());
            QVERIFY2(info.isOk() && info->isPcm16(), e.path().c_str());
            if (e.path().parent_path().filename() != kBackgroundNoiseFolder) {
                QCOMPARE(info->frames, int64_t(16000));
                ++wavs;
            }
        }
        QVERIFY(wavs >= 5 && wavs < 400);
    }

    void refusesBadInput()
    {
        auto expectBad = [](const SynthDatasetOptions& o, const std::string& part) {
            auto r = synthesizeGsc(o);
            if (r.isOk())
                return false;
            return r.error().code == ErrorCode::BadInput && r.message().find(part) != std::string::npos;
        };
        auto o = tiny(path("bad"), 1);
        o.clips = 0;
        QVERIFY(expectBad(o, "at least 1"));
        QVERIFY(!fs::exists(path("bad")));
        o = tiny(path("bad"), 1);
        o.espeak = "/nonexistent/espeak-ng";
        QVERIFY(expectBad(o, "espeak-ng is not installed; run `make deps`"));
        o.espeak = "no-such-espeak-program";
        QVERIFY(expectBad(o, "espeak-ng is not installed"));
        QVERIFY(!fs::exists(path("bad")));
        o = tiny(path("bad"), 1);
        o.festival = "/nonexistent/festival";
        QVERIFY(expectBad(o, "Festival is not installed"));
        o = tiny(path("bad"), 1);
        o.families = {"espeak-ng", "flite"};
        QVERIFY(expectBad(o, "Unknown synthesis family 'flite'"));
        o.families = {};
        QVERIFY(expectBad(o, "No synthesis family"));
        QVERIFY(!fs::exists(path("bad")));
        // A non-empty folder is refused unless forced; nothing in it changes.
        const auto before = snapshot(m_a);
        QVERIFY(expectBad(tiny(m_a, 9), "is not empty"));
        QVERIFY(snapshot(m_a) == before);
        // A file where the folder should be, and a folder below a file.
        { std::ofstream(path("file.txt")) << "x"; }
        QVERIFY(expectBad(tiny(path("file.txt"), 1), "not a folder"));
        QVERIFY(expectBad(tiny(path("file.txt/sub"), 1), "Cannot write to"));
    }

    void forceWritesIntoNonEmptyFolder()
    {
        const std::string d = path("forced");
        fs::create_directories(d);
        { std::ofstream(fs::path(d) / "notes.txt") << "mine"; }
        auto o = tiny(d, 7);
        o.force = true;
        QVERIFY(synthesizeGsc(o).isOk());
        QVERIFY(fs::exists(fs::path(d) / "notes.txt"));
        QVERIFY(openGsc(d, ClassPreset::Commands).isOk());
    }
};

QTEST_GUILESS_MAIN(TestSynth)
#include "tst_synth.moc"
