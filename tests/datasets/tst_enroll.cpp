// Enrollment (datasets/enroll.h): the voice activity detector finds a word where it is and nothing
// in silence or noise alone; the folder written is whole, laid out as Speech Commands and read back
// by the GSC reader with the takes in the right splits; bad enrollments are refused and leave
// nothing behind.
#include "audio/wav.h"
#include "datasets/enroll.h"
#include "datasets/gsc.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

using namespace ss;
namespace fs = std::filesystem;

namespace {

constexpr int kRate = 16000;

// Low noise with a vowel-like burst (two harmonics, 8 Hz tremolo) from a to b seconds.
std::vector<float> takeWithWord(double seconds, double a, double b, double noise_level, uint32_t seed)
{
    std::vector<float> x(size_t(seconds * kRate));
    uint32_t s = seed;
    for (size_t i = 0; i < x.size(); ++i) {
        s = s * 1664525u + 1013904223u;
        const double t = double(i) / kRate;
        double v = noise_level * ((double(s >> 8) / double(1u << 24)) * 2.0 - 1.0);
        if (t >= a && t < b)
            v += 0.3 * (0.6 + 0.4 * std::sin(2 * M_PI * 8 * t)) * (std::sin(2 * M_PI * 220 * t) + 0.5 * std::sin(2 * M_PI * 660 * t));
        x[i] = float(v);
    }
    return x;
}

Enrollment tinyEnrollment(int takes_per_word)
{
    Enrollment e;
    e.speaker = "tester";
    e.train_takes = 2;
    e.other_train_takes = 1;
    e.keywords = {"yes", "no"};
    uint32_t seed = 1;
    for (const std::string& w : std::vector<std::string>{"yes", "no", kEnrollOtherFolder})
        for (int i = 0; i < takes_per_word; ++i) {
            EnrollmentTake t;
            const auto x = takeWithWord(1.5, 0.5, 0.9, 0.003, seed++);
            t.span = findVoicedSpan(x, kRate);
            t.clip = clipAroundSpan(x, t.span, kRate);
            t.take_seconds = 1.5;
            e.takes[w].push_back(t);
        }
    e.background = takeWithWord(3.0, 0, 0, 0.003, 99);
    return e;
}

} // namespace

class TestEnroll : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

private slots:
    void detectorFindsTheWord()
    {
        const auto x = takeWithWord(2.0, 0.7, 1.1, 0.002, 7);
        const auto span = findVoicedSpan(x, kRate);
        QVERIFY2(span.found, span.why.c_str());
        // The margins are 80 ms; frames are 20 ms.
        QVERIFY(std::abs(double(span.begin) / kRate - (0.7 - 0.08)) <= 0.03);
        QVERIFY(std::abs(double(span.end) / kRate - (1.1 + 0.08)) <= 0.03);
        QVERIFY(span.peak_dbfs > -20 && span.noise_dbfs < -50);
        // The clip is centred on the word and carries the take's own audio around it.
        const auto clip = clipAroundSpan(x, span, kRate);
        QCOMPARE(clip.size(), size_t(kRate));
        const size_t centre = (span.begin + span.end) / 2;
        QCOMPARE(clip[kRate / 2], x[centre]);
        // Near the start of a take the clip is zero-filled before it.
        const auto early = takeWithWord(1.2, 0.0, 0.3, 0.002, 8);
        const auto s2 = findVoicedSpan(early, kRate);
        QVERIFY(s2.found && s2.begin == 0);
        const auto c2 = clipAroundSpan(early, s2, kRate);
        QCOMPARE(c2.front(), 0.0f);
    }

    void detectorRefusesSilenceNoiseAndClicks()
    {
        const std::vector<float> silence(kRate, 0.0f);
        auto s = findVoicedSpan(silence, kRate);
        QVERIFY(!s.found && s.why.starts_with("Too quiet"));
        // Steady noise: nothing stands out of it.
        s = findVoicedSpan(takeWithWord(1.5, 0, 0, 0.2, 3), kRate);
        QVERIFY(!s.found && s.why.starts_with("No word was heard"));
        // A 40 ms click is not a word.
        s = findVoicedSpan(takeWithWord(1.5, 0.5, 0.54, 0.002, 4), kRate);
        QVERIFY(!s.found);
        // Two syllables 150 ms apart are one word.
        auto x = takeWithWord(2.0, 0.5, 0.7, 0.002, 5);
        const auto y = takeWithWord(2.0, 0.85, 1.05, 0.0, 6);
        for (size_t i = 0; i < x.size(); ++i)
            x[i] += y[i];
        s = findVoicedSpan(x, kRate);
        QVERIFY(s.found && double(s.begin) / kRate < 0.5 && double(s.end) / kRate > 1.05);
        // Driven into full scale: clipped, refused.
        for (auto& v : x)
            v = std::clamp(v * 8.0f, -1.0f, 1.0f);
        s = findVoicedSpan(x, kRate);
        QVERIFY(!s.found && s.clipped && s.why.starts_with("Clipped"));
    }

    void folderIsReadBackWithItsSplits()
    {
        const std::string dir = tmp_.filePath("enrolled").toStdString();
        std::string summary;
        const auto e = tinyEnrollment(5);
        auto st = writeEnrollment(dir, e, &summary);
        QVERIFY2(st.isOk(), st.isOk() ? "" : st.message().c_str());
        QVERIFY2(summary.starts_with("15 takes of 3 words (5 train, 3 validation, 7 test)"), summary.c_str());
        QVERIFY(fs::exists(dir + "/enrollment.json") && fs::exists(dir + "/_background_noise_/room.wav"));
        QVERIFY(fs::exists(dir + "/yes/tester_nohash_0.wav") && fs::exists(dir + "/other/tester_nohash_4.wav"));
        // No temporary folder is left next to it.
        for (const auto& entry : fs::directory_iterator(tmp_.path().toStdString()))
            QVERIFY2(!entry.path().filename().string().starts_with("."), entry.path().c_str());

        auto ds = openGsc(dir, ClassPreset::Commands);
        QVERIFY2(ds.isOk(), ds.isOk() ? "" : ds.message().c_str());
        auto words = [&](const std::vector<GscClip>& part, const std::string& label) {
            return std::count_if(part.begin(), part.end(), [&](const GscClip& c) { return !c.silence && ds->classes[size_t(c.label)] == label; });
        };
        QCOMPARE(words(ds->train, "yes"), 2);
        QCOMPARE(words(ds->validation, "yes"), 1);
        QCOMPARE(words(ds->test, "yes"), 2);
        QCOMPARE(words(ds->train, kUnknownClass), 1); // "other" is a non-keyword
        QCOMPARE(words(ds->test, kUnknownClass), 3);
        // Every clip is one second of 16-bit PCM at the rate.
        WavInfo info;
        auto clip = readWav(dir + "/no/tester_nohash_3.wav", &info);
        QVERIFY(clip.isOk() && info.isPcm16() && info.frames == kRate && info.sample_rate == kRate);
    }

    void badEnrollmentsAreRefusedAndLeaveNothing()
    {
        const std::string dir = tmp_.filePath("bad").toStdString();
        auto few = tinyEnrollment(2); // 2 takes: all train, none held back
        auto st = writeEnrollment(dir, few);
        QVERIFY(!st.isOk() && st.message().find("too few for: yes (2), no (2)") != std::string::npos);
        auto e = tinyEnrollment(3);
        e.speaker = "../x";
        QVERIFY(!writeEnrollment(dir, e).isOk());
        e = tinyEnrollment(3);
        e.background.resize(100);
        st = writeEnrollment(dir, e);
        QVERIFY(!st.isOk() && st.message().find("at least 1 s") != std::string::npos);
        QVERIFY(!fs::exists(dir));
        // An existing, non-empty folder is not overwritten.
        fs::create_directories(dir);
        std::ofstream(dir + "/keep.txt") << "mine";
        st = writeEnrollment(dir, tinyEnrollment(3));
        QVERIFY(!st.isOk() && st.message().find("already exists") != std::string::npos);
        QVERIFY(fs::exists(dir + "/keep.txt") && !fs::exists(dir + "/yes"));
        // An empty folder the user made is filled.
        const std::string empty = tmp_.filePath("empty").toStdString();
        fs::create_directories(empty);
        QVERIFY(writeEnrollment(empty, tinyEnrollment(3)).isOk());
        QVERIFY(fs::exists(empty + "/yes/tester_nohash_2.wav"));
    }

    void takesFolderIsTrimmedAndSkipsEmptyTakes()
    {
        const fs::path src = tmp_.filePath("takes").toStdString();
        for (const char* w : {"yes", "no", "bed"}) {
            fs::create_directories(src / w);
            for (int i = 0; i < 3; ++i)
                QVERIFY(writeWav((src / w / ("t" + std::to_string(i) + ".wav")).string(), takeWithWord(2.0, 0.4 + 0.2 * i, 0.8 + 0.2 * i, 0.002, 10 + i), 16000)
                            .isOk());
        }
        // A silent take, at 8 kHz (resampled).
        QVERIFY(writeWav((src / "yes" / "t9.wav").string(), std::vector<float>(8000, 0.0f), 8000).isOk());
        fs::create_directories(src / "_background_noise_");
        QVERIFY(writeWav((src / "_background_noise_" / "room.wav").string(), takeWithWord(2.0, 0, 0, 0.003, 2), 16000).isOk());
        std::vector<std::string> skipped;
        auto e = readTakesFolder(src.string(), {"yes", "no"}, kRate, kRate, &skipped);
        QVERIFY2(e.isOk(), e.isOk() ? "" : e.message().c_str());
        QCOMPARE(skipped.size(), size_t(1));
        QVERIFY(skipped[0].find("t9.wav: Too quiet") != std::string::npos);
        QCOMPARE(e->takes["yes"].size(), size_t(3));
        QCOMPARE(e->takes["bed"].size(), size_t(3));
        QCOMPARE(e->background.size(), size_t(2 * kRate));
        for (const auto& t : e->takes["no"])
            QCOMPARE(t.clip.size(), size_t(kRate));
        QVERIFY(!readTakesFolder(tmp_.filePath("missing").toStdString(), {"yes"}, kRate, kRate).isOk());
    }
};

QTEST_GUILESS_MAIN(TestEnroll)
#include "tst_enroll.moc"
