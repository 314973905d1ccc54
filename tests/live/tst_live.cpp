// Live recognition's core pieces, each against an independent statement of what it must do.
#include "audio/melspec.h"
#include "audio/recognize.h"
#include "audio/resample_stream.h"
#include "audio/streaming.h"
#include "audio/wav.h"
#include "datasets/gsc.h"
#include "datasets/stream.h"
#include "engines/engine.h"
#include "live/live.h"
#include "live/stream_score.h"
#include "model/synth.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <cmath>
#include <numbers>
#include <random>
#include <thread>

using namespace ss;

namespace {

std::vector<float> noisyTones(size_t n, uint64_t seed)
{
    // Speech-like dynamics: bursts of tones and noise with silent stretches, so that the window's
    // maximum (the dB reference) moves from window to window.
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    std::vector<float> x(n);
    for (size_t i = 0; i < n; ++i) {
        const double t = double(i) / 16000.0;
        const double env = std::max(0.0, std::sin(2 * std::numbers::pi * 0.7 * t)) * (1.0 + 0.5 * std::sin(2 * std::numbers::pi * 3.1 * t));
        x[i] = float(env * (0.3 * std::sin(2 * std::numbers::pi * (300 + 200 * std::sin(t)) * t) + 0.05 * nd(rng)));
    }
    return x;
}

double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b)
{
    if (a.size() != b.size())
        return INFINITY;
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i)
        m = std::max(m, double(std::fabs(a[i] - b[i])));
    return m;
}

// An engine that answers a fixed class after sleeping: for deadline tests.
class SlowEngine final : public Engine {
public:
    SlowEngine(double seconds, int classes, int answer) : seconds_(seconds), classes_(classes), answer_(answer) {}
    std::string name() const override { return "slow"; }
    Status prepare(const Model&, const EngineOptions&) override { return Status::ok(); }
    Status infer(const float*, int batch, float* logits) override
    {
        std::this_thread::sleep_for(std::chrono::duration<double>(seconds_));
        for (int b = 0; b < batch; ++b)
            for (int c = 0; c < classes_; ++c)
                logits[b * classes_ + c] = c == answer_ ? 10.0f : 0.0f;
        return Status::ok();
    }
    std::vector<LayerStats> layerStats() const override { return {}; }
    void resetStats() override {}
    std::string isa() const override { return "test"; }

private:
    double seconds_;
    int classes_, answer_;
};

// Posteriors with probability p on class c and the rest spread evenly.
std::vector<float> peaked(int classes, int c, float p)
{
    std::vector<float> v(size_t(classes), (1.0f - p) / float(classes - 1));
    v[size_t(c)] = p;
    return v;
}

} // namespace

class TestLive : public QObject {
    Q_OBJECT

private slots:
    // ---- streaming front end ------------------------------------------------------------------
    void streamingEqualsOffline_data()
    {
        QTest::addColumn<int>("n_fft");
        QTest::addColumn<int>("hop_length");
        QTest::addColumn<bool>("center");
        QTest::addColumn<int>("hop");
        QTest::addColumn<int>("chunk");
        QTest::newRow("gsc, hop 64 ms, 20 ms chunks") << 2048 << 512 << true << 1024 << 320;
        QTest::newRow("gsc, hop 32 ms, odd chunks") << 2048 << 512 << true << 512 << 777;
        QTest::newRow("gsc, hop 50 ms (not whole frames)") << 2048 << 512 << true << 800 << 160;
        QTest::newRow("gsc, hop 1.25 s (longer than the window)") << 2048 << 512 << true << 20000 << 4096;
        QTest::newRow("gsc, one sample at a time") << 2048 << 512 << true << 1536 << 1;
        QTest::newRow("25 ms/10 ms frames (Bluestein FFT)") << 400 << 160 << true << 320 << 1000;
        QTest::newRow("uncentred frames") << 1024 << 256 << false << 512 << 333;
    }

    void streamingEqualsOffline()
    {
        QFETCH(int, n_fft);
        QFETCH(int, hop_length);
        QFETCH(bool, center);
        QFETCH(int, hop);
        QFETCH(int, chunk);
        AudioSettings s;
        s.n_fft = n_fft;
        s.hop_length = hop_length;
        s.center = center;
        const LogMelFrontEnd offline(s);
        QVERIFY(offline.status().isOk());
        StreamingLogMel stream(s, hop);
        QVERIFY(stream.status().isOk());
        const auto audio = noisyTones(16000 * 4 + 1234, 7);
        std::vector<FeatureWindow> windows;
        std::mt19937 rng(5);
        for (size_t pos = 0; pos < audio.size();) {
            // chunk sizes vary around `chunk` so window ends fall anywhere inside a chunk
            const size_t n = std::min(audio.size() - pos, size_t(std::max(1, chunk + int(rng() % 3) - 1)));
            stream.push(audio.data() + pos, n, &windows);
            pos += n;
        }
        const size_t expected = (audio.size() - 16000) / size_t(hop) + 1;
        QCOMPARE(windows.size(), expected);
        for (size_t i = 0; i < windows.size(); ++i) {
            const auto& w = windows[i];
            QCOMPARE(w.index, uint64_t(i));
            QCOMPARE(w.end_sample, uint64_t(16000 + i * size_t(hop)));
            const std::vector<float> second(audio.begin() + ptrdiff_t(w.end_sample - 16000), audio.begin() + ptrdiff_t(w.end_sample));
            const double diff = maxAbsDiff(w.features, offline.compute(second));
            QVERIFY2(diff <= 1e-4, qPrintable(QString("window %1: %2 dB from the offline features").arg(i).arg(diff)));
        }
    }

    // One hop of whole frames costs its new frames plus the padded edge frames, not a second.
    void incrementalCost()
    {
        const AudioSettings s; // GSC: 32 frames, frames 0, 1, 30, 31 touch the padding
        StreamingLogMel stream(s, 1024);
        QCOMPARE(stream.frontEnd().firstInteriorFrame(), 2);
        QCOMPARE(stream.frontEnd().lastInteriorFrame(), 29);
        const auto audio = noisyTones(16000 + 1024 * 10, 3);
        std::vector<FeatureWindow> w;
        stream.push(audio.data(), 16000, &w);
        QCOMPARE(w.size(), size_t(1));
        QCOMPARE(stream.framesComputed(), uint64_t(32));
        for (int k = 1; k <= 10; ++k) {
            stream.push(audio.data() + 16000 + (k - 1) * 1024, 1024, &w);
            QCOMPARE(w.size(), size_t(k + 1));
            QCOMPARE(stream.framesComputed(), uint64_t(32 + 6 * k)); // 2 new interior + 4 edge frames
        }
        // reset() forgets the stream: the next window starts from scratch.
        stream.reset();
        w.clear();
        stream.push(audio.data(), 15999, &w);
        QVERIFY(w.empty());
        stream.push(audio.data() + 15999, 1, &w);
        QCOMPARE(w.size(), size_t(1));
        QCOMPARE(w[0].index, uint64_t(0));
        QCOMPARE(stream.framesComputed(), uint64_t(32));
    }

    void hopRounding()
    {
        const AudioSettings s;
        QCOMPARE(roundHopToFrames(50, s), 1024); // 800 samples -> 1.56 frames -> 2
        QCOMPARE(roundHopToFrames(32, s), 512);
        QCOMPARE(roundHopToFrames(1, s), 512);   // at least one frame
        QCOMPARE(roundHopToFrames(100, s), 1536);
        QVERIFY(!StreamingLogMel(s, 0).status().isOk());
        AudioSettings bad;
        bad.n_fft = 0;
        StreamingLogMel broken(bad, 512);
        QVERIFY(!broken.status().isOk());
        std::vector<FeatureWindow> w;
        std::vector<float> x(20000, 0.1f);
        broken.push(x.data(), x.size(), &w); // refused settings: nothing happens, nothing crashes
        QVERIFY(w.empty());
    }

    // ---- smoothing and suppression -------------------------------------------------------------
    void recognizerRules()
    {
        const std::vector<std::string> classes = {"yes", "no", "_silence_", "_unknown_"};
        RecognizerSettings rs; // suppression 0.5 s, minimum count 3
        rs.average_window_s = 1.0;
        rs.threshold = 0.5;
        CommandRecognizer r(classes, rs);
        QVERIFY(r.status().isOk());
        QVERIFY(r.isKeyword(0) && r.isKeyword(1) && !r.isKeyword(2) && !r.isKeyword(3));

        // Warm-up: fewer than 3 posteriors decide nothing, however sure.
        QVERIFY(!r.update(0.0, peaked(4, 0, 1.0f)).fired);
        QCOMPARE(r.update(0.1, peaked(4, 0, 1.0f)).label, -1);
        Recognition third = r.update(0.2, peaked(4, 0, 1.0f));
        QVERIFY(third.fired);
        QCOMPARE(third.label, 0);
        QCOMPARE(third.time_s, 0.2);
        // Held high: one utterance fires once, long after the suppression time too.
        for (int i = 3; i < 30; ++i)
            QVERIFY(!r.update(0.1 * i, peaked(4, 0, 1.0f)).fired);
        // The average falls (silence for a while), then "yes" again: it fires again.
        int fired_at = -1;
        for (int i = 30; i < 60; ++i) {
            const bool speaking = i >= 45;
            const Recognition x = r.update(0.1 * i, peaked(4, speaking ? 0 : 2, 0.95f));
            QVERIFY(x.label != 2 || !x.fired); // silence never fires
            if (x.fired) {
                QCOMPARE(x.label, 0);
                if (fired_at < 0)
                    fired_at = i;
            }
        }
        // Silence averaged over 1 s must fall below "yes" first: the second "yes" fires after
        // enough of its windows are in the average (the 5th: 5 x 0.95 + 5 x 0.005 > 5 x 0.05 + ...).
        QVERIFY2(fired_at >= 47 && fired_at <= 52, qPrintable(QString::number(fired_at)));

        // A one-window blip among silence: averaged over 10 windows it never reaches 0.5.
        CommandRecognizer blip(classes, rs);
        for (int i = 0; i < 30; ++i)
            QVERIFY(!blip.update(0.1 * i, peaked(4, i == 15 ? 1 : 2, 1.0f)).fired);

        // _unknown_ and _silence_ never fire, even when certain.
        CommandRecognizer quiet(classes, rs);
        for (int i = 0; i < 20; ++i) {
            const Recognition x = quiet.update(0.1 * i, peaked(4, 3, 1.0f));
            QVERIFY(!x.fired);
            QCOMPARE(x.label, i < 2 ? -1 : 3);
        }
        // A threshold of 0.9 stops a word averaging 0.8.
        rs.threshold = 0.9;
        CommandRecognizer strict(classes, rs);
        for (int i = 0; i < 20; ++i)
            QVERIFY(!strict.update(0.1 * i, peaked(4, 1, 0.8f)).fired);
    }

    void suppression()
    {
        const std::vector<std::string> classes = {"yes", "no", "_silence_", "_unknown_"};
        RecognizerSettings rs;
        rs.average_window_s = 0.05; // no averaging: each posterior decides alone
        rs.minimum_count = 1;
        rs.suppression_s = 0.5;
        CommandRecognizer r(classes, rs);
        QVERIFY(r.update(1.0, peaked(4, 0, 0.9f)).fired);  // "yes" at 1.0 s
        QVERIFY(!r.update(1.2, peaked(4, 1, 0.9f)).fired); // "no" 0.2 s later: suppressed
        QVERIFY(!r.update(1.4, peaked(4, 1, 0.9f)).fired); // 0.4 s: still suppressed
        QVERIFY(r.update(1.5, peaked(4, 1, 0.9f)).fired);  // 0.5 s: allowed
        // Times going backwards mean a new stream: state starts over.
        QVERIFY(r.update(0.1, peaked(4, 1, 0.9f)).fired);
        // Settings are checked.
        rs.threshold = 1.0;
        QVERIFY(!checkRecognizerSettings(rs).isOk());
        rs = {};
        rs.minimum_count = 0;
        QVERIFY(!CommandRecognizer(classes, rs).status().isOk());
        rs = {};
        rs.average_window_s = NAN;
        QVERIFY(!checkRecognizerSettings(rs).isOk());
        QVERIFY(!CommandRecognizer({}, {}).status().isOk());
        // Non-finite posteriors count as no evidence instead of poisoning the average.
        CommandRecognizer n(classes, {});
        std::vector<float> bad = {NAN, INFINITY, 0.0f, 0.0f};
        for (int i = 0; i < 5; ++i)
            QVERIFY(!n.update(0.1 * i, bad).fired);
        for (float v : n.averaged())
            QVERIFY(std::isfinite(v));
    }

    void softmaxIsSafe()
    {
        const float big[3] = {1000.0f, 999.0f, -INFINITY};
        const auto p = softmax(big, 3);
        QVERIFY(std::fabs(p[0] - 0.7310586f) < 1e-6f);
        QCOMPARE(p[2], 0.0f);
    }

    // ---- streaming resampler -------------------------------------------------------------------
    void resampler()
    {
        const int from = 48000, to = 16000;
        std::vector<float> x(48000);
        for (size_t i = 0; i < x.size(); ++i) {
            const double t = double(i) / from;
            x[i] = float(0.5 * std::sin(2 * std::numbers::pi * 1000 * t) + 0.3 * std::sin(2 * std::numbers::pi * 12000 * t));
        }
        StreamingResampler whole(from, to);
        std::vector<float> a;
        whole.push(x.data(), x.size(), &a);
        StreamingResampler chunked(from, to);
        std::vector<float> b;
        std::mt19937 rng(1);
        for (size_t pos = 0; pos < x.size();) {
            const size_t n = std::min(x.size() - pos, size_t(1 + rng() % 2000));
            chunked.push(x.data() + pos, n, &b);
            pos += n;
        }
        QCOMPARE(b, a); // independent of how the input was cut
        QVERIFY(a.size() >= 15900 && a.size() <= 16000);
        // 1 kHz passes at its amplitude; 12 kHz (above the new 8 kHz Nyquist) is filtered out, not
        // aliased to 4 kHz: the output carries exactly the 1 kHz sine's energy.
        double energy = 0, sine = 0;
        for (size_t j = 2000; j < 14000; ++j) {
            energy += double(a[j]) * a[j];
            sine += 0.25 * 0.5; // 0.5^2 / 2 per sample
        }
        QVERIFY2(std::fabs(energy / sine - 1.0) < 0.03, qPrintable(QString::number(energy / sine)));
        // A constant stays that constant (unit DC gain), and 44.1 kHz works too.
        StreamingResampler odd(44100, 16000);
        std::vector<float> dc(44100, 0.25f), y;
        odd.push(dc.data(), dc.size(), &y);
        for (size_t j = 100; j + 100 < y.size(); ++j)
            QVERIFY(std::fabs(y[j] - 0.25f) < 1e-3f);
    }

    // ---- stream scoring ------------------------------------------------------------------------
    void truthCsv()
    {
        auto t = parseTruthCsv("word,start_s,end_s\nyes,1.0,1.5\n\nno, 4.25 ,4.75\r\n");
        QVERIFY(t.isOk());
        QCOMPARE(t->size(), size_t(2));
        QCOMPARE((*t)[1].word, std::string("no"));
        QCOMPARE((*t)[1].start_s, 4.25);
        QVERIFY(!parseTruthCsv("yes,1.0\n").isOk());
        QVERIFY(!parseTruthCsv("yes,1.0,0.5\n").isOk());     // ends before it starts
        QVERIFY(!parseTruthCsv("yes,1,2\nno,abc,3\n").isOk()); // a header only on line 1
        auto e = parseTruthCsv("yes,1,2\nno,x,y\n", "t.csv");
        QVERIFY(!e.isOk() && e.message().find("t.csv line 2") != std::string::npos);
        QVERIFY(!readTruthCsv("/nonexistent/truth.csv").isOk());
        auto round = parseTruthCsv(truthToCsv(*t));
        QVERIFY(round.isOk() && round->size() == 2 && (*round)[0].end_s == 1.5);
    }

    void streamScoringRules()
    {
        const std::vector<TruthEvent> truth = {{"yes", 10.0, 10.5}, {"no", 20.0, 20.4}, {"up", 30.0, 30.5}, {"yes", 40.0, 40.6}};
        const std::vector<ScoredDetection> dets = {
            {"yes", 8.5},   // before the start: false positive
            {"yes", 10.6},  // hit (delay 0.1)
            {"yes", 11.2},  // within 1 s of the previous "yes": a repeat, counts once (not an FP)
            {"no", 21.4},   // exactly end + 1 s: still a hit (delay 1.0)
            {"up", 31.51},  // just after end + 1 s: false positive, "up" missed
            {"left", 40.3}, // wrong word during "yes": false positive
            {"yes", 40.5},  // hit (delay -0.1: before the utterance ended)
            {"yes", 40.8},  // a repeat within 1 s
            {"yes", 41.55}, // 1.05 s after the last counted one, inside the same utterance's window: neither hit nor FP
            {"go", 100.0},  // nothing there: false positive
        };
        const StreamScore s = scoreStream(truth, dets, 1800.0);
        QCOMPARE(s.utterances, 4);
        QCOMPARE(s.detected, 3);
        QCOMPARE(s.false_positives, 4);
        QCOMPARE(s.detections, 8);
        QCOMPARE(s.detection_rate(), 0.75);
        QCOMPARE(s.fp_per_hour(), 8.0);
        QCOMPARE(s.delays_s.size(), size_t(3));
        QCOMPARE(s.per_word.size(), size_t(3));
        QCOMPARE(s.per_word.at("yes").utterances, 2);
        QCOMPARE(s.per_word.at("yes").detected, 2);
        QCOMPARE(s.per_word.at("up").detected, 0);
        QCOMPARE(s.per_word.at("no").detected, 1);
        QVERIFY(std::fabs(s.delays_s[0] - 0.1) < 1e-9);
        QVERIFY(std::fabs(s.delays_s[1] - 1.0) < 1e-9);
        QVERIFY(std::fabs(s.delays_s[2] + 0.1) < 1e-9);
        // False accepts: other words that drew a false positive (the "go" at 100 s, and the "left"
        // at 40.3 s lands during a "yes", not an other word).
        const std::vector<TruthEvent> others = {{"bed", 99.5, 99.8}, {"cat", 50.0, 50.4}, {"dog", 8.0, 8.3}};
        const StreamScore fa = scoreStream(truth, dets, 1800.0, {}, others);
        QCOMPARE(fa.non_keywords, 3);
        QCOMPARE(fa.false_accepts, 2); // bed (go at 100.0 <= 99.8 + 1) and dog ("yes" at 8.5)
        QCOMPARE(fa.false_positives, s.false_positives);
        // Order of the detections does not matter; no truth, no rate.
        std::vector<ScoredDetection> reversed(dets.rbegin(), dets.rend());
        QCOMPARE(scoreStream(truth, reversed, 1800.0).false_positives, 4);
        QCOMPARE(scoreStream({}, dets, 0.0).fp_per_hour(), 0.0);
    }

    // ---- stream generator ----------------------------------------------------------------------
    void generatedStream()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString root = dir.path();
        // Words are tone bursts in the middle of 1 s clips (0.3-0.7 s), so their extent is known.
        const QStringList words = {"yes", "no", "bird"};
        QString testing;
        for (int w = 0; w < words.size(); ++w) {
            QDir().mkpath(root + "/" + words[w]);
            for (int k = 0; k < 3; ++k) {
                std::vector<float> x(16000, 0.0f);
                for (int i = 4800; i < 11200; ++i)
                    x[size_t(i)] = float(0.5 * std::sin(2 * std::numbers::pi * (300 + 100 * w) * i / 16000.0));
                const QString rel = words[w] + QString("/s%1_nohash_0.wav").arg(k);
                QVERIFY(writeWav((root + "/" + rel).toStdString(), x, 16000).isOk());
                testing += rel + "\n";
            }
        }
        QFile f(root + "/testing_list.txt");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(testing.toUtf8());
        f.close();
        QFile v(root + "/validation_list.txt");
        QVERIFY(v.open(QIODevice::WriteOnly));
        v.close();
        QDir().mkpath(root + "/_background_noise_");
        std::vector<float> noise(16000 * 5);
        std::mt19937 rng(2);
        for (auto& v : noise)
            v = float(int(rng() % 2001) - 1000) / 4000.0f;
        QVERIFY(writeWav((root + "/_background_noise_/n.wav").toStdString(), noise, 16000).isOk());

        auto data = openGsc(root.toStdString(), ClassPreset::Commands);
        QVERIFY2(data.isOk(), data.isOk() ? "" : data.message().c_str());
        StreamSpec spec;
        spec.minutes = 1.0;
        spec.seed = 9;
        auto a = makeKeywordStream(*data, Split::Test, spec);
        QVERIFY2(a.isOk(), a.isOk() ? "" : a.message().c_str());
        QCOMPARE(a->samples.size(), size_t(16000 * 60));
        QVERIFY(a->keywords.size() >= 8 && !a->non_keywords.empty());
        // Deterministic; another seed differs.
        auto b = makeKeywordStream(*data, Split::Test, spec);
        QVERIFY(b.isOk() && b->samples == a->samples);
        spec.seed = 10;
        auto c = makeKeywordStream(*data, Split::Test, spec);
        QVERIFY(c.isOk() && c->samples != a->samples);
        // Truth: keywords only, 0.4 s long (the bursts, found by energy), gaps of 1.5-3.5 s, inside the stream, and
        // the audio inside an utterance is far louder than the background just before it.
        double prev_end = 0;
        std::vector<TruthEvent> all = a->keywords;
        all.insert(all.end(), a->non_keywords.begin(), a->non_keywords.end());
        std::sort(all.begin(), all.end(), [](auto& x, auto& y) { return x.start_s < y.start_s; });
        for (const auto& e : a->keywords)
            QVERIFY(e.word == "yes" || e.word == "no");
        for (const auto& e : all) {
            QVERIFY(std::fabs((e.end_s - e.start_s) - 0.41) < 0.011); // the burst +- one smoothed 10 ms frame
            if (prev_end > 0)
                QVERIFY(e.start_s - prev_end >= 1.5 - 0.011 && e.start_s - prev_end <= 3.5 + 0.011);
            QVERIFY(e.end_s + 1.0 <= 60.0);
            auto rms = [&](double t0, double t1) {
                double s = 0;
                size_t n = 0;
                for (size_t i = size_t(t0 * 16000); i < size_t(t1 * 16000); ++i, ++n)
                    s += double(a->samples[i]) * a->samples[i];
                return std::sqrt(s / double(std::max<size_t>(n, 1)));
            };
            QVERIFY(rms(e.start_s + 0.05, e.end_s - 0.05) > 4 * rms(e.start_s - 0.6, e.start_s - 0.1));
            prev_end = e.end_s;
        }
        spec.minutes = 0;
        QVERIFY(!makeKeywordStream(*data, Split::Test, spec).isOk());
        spec.minutes = 1;
        QVERIFY(!makeKeywordStream(*data, Split::Validation, spec).isOk()); // no clips listed there
    }

    // ---- live recognizer -----------------------------------------------------------------------
    // The windows each engine decides are the offline features of that second of audio.
    void liveDecisionsEqualOffline()
    {
        SynthOptions so;
        so.seed = 3;
        auto model = synthModel(so);
        QVERIFY(model.isOk());
        std::vector<LiveRecognizer::NamedEngine> engines;
        for (const char* name : {"dense", "sparse-sparse"}) {
            auto e = createEngine(name);
            QVERIFY(e && e->prepare(*model, {}).isOk());
            engines.push_back({name, std::move(e)});
        }
        auto check = createEngine("sparse-sparse");
        QVERIFY(check->prepare(*model, {}).isOk());
        LiveSettings ls;
        ls.hop_ms = 100; // -> 3 frames, 96 ms
        LiveRecognizer live(*model, std::move(engines), ls);
        QVERIFY2(live.status().isOk(), live.status().isOk() ? "" : live.status().message().c_str());
        QCOMPARE(live.hopSeconds(), 0.096);
        const auto audio = noisyTones(16000 * 3, 11);
        std::vector<LiveWindow> windows;
        for (size_t pos = 0; pos < audio.size(); pos += 500)
            live.push(audio.data() + pos, std::min<size_t>(500, audio.size() - pos), &windows, nullptr);
        QCOMPARE(windows.size(), size_t((audio.size() - 16000) / 1536 + 1));
        const LogMelFrontEnd offline(model->audio);
        std::vector<float> logits(12);
        for (const auto& w : windows) {
            const size_t end = size_t(std::llround(w.end_s * 16000));
            const std::vector<float> second(audio.begin() + ptrdiff_t(end - 16000), audio.begin() + ptrdiff_t(end));
            const auto feats = offline.compute(second);
            QVERIFY(maxAbsDiff(w.features, feats) <= 1e-4);
            QVERIFY(check->infer(feats.data(), 1, logits.data()).isOk());
            const auto p = softmax(logits.data(), 12);
            QCOMPARE(w.decisions.size(), size_t(2));
            for (const auto& d : w.decisions) {
                QVERIFY(d.ran); // simulated clock, fast engines: nothing dropped
                QVERIFY(maxAbsDiff(d.posteriors, p) <= 1e-4);
                QVERIFY(d.wall_ms > 0);
            }
        }
        QCOMPARE(live.stats()[1].agreed, live.stats()[1].compared);
        QCOMPARE(live.stats()[0].dropped, uint64_t(0));
        QCOMPARE(live.stats()[0].decisions, uint64_t(windows.size()));
    }

    // An engine slower than the hop drops windows and never lags more than one hop; a fast engine
    // beside it decides every window.
    void slowEngineDropsWindows_data()
    {
        QTest::addColumn<bool>("wall");
        QTest::newRow("simulated clock") << false;
        QTest::newRow("wall clock, real time") << true;
    }

    void slowEngineDropsWindows()
    {
        QFETCH(bool, wall);
        Model model;
        model.classes = {"yes", "no", "_silence_", "_unknown_"};
        model.input = {1, 32, 32};
        std::vector<LiveRecognizer::NamedEngine> engines;
        engines.push_back({"fast", std::make_unique<SlowEngine>(0.0, 4, 0)});
        engines.push_back({"slow", std::make_unique<SlowEngine>(0.1, 4, 1)}); // 100 ms at a 64 ms hop
        LiveSettings ls;
        ls.clock = wall ? DeadlineClock::Wall : DeadlineClock::Simulated;
        LiveRecognizer live(model, std::move(engines), ls);
        QVERIFY(live.status().isOk());
        const auto audio = noisyTones(16000 * 3, 4);
        std::vector<LiveWindow> windows;
        std::vector<Detection> detections;
        const auto t0 = std::chrono::steady_clock::now();
        for (size_t pos = 0; pos < audio.size(); pos += 320) {
            if (wall) // fed at real time, as a capture device would
                std::this_thread::sleep_until(t0 + std::chrono::duration<double>(double(pos + 320) / 16000));
            live.push(audio.data() + pos, 320, &windows, &detections);
        }
        const auto& fast = live.stats()[0];
        const auto& slow = live.stats()[1];
        QCOMPARE(fast.decisions + fast.dropped, uint64_t(windows.size()));
        QCOMPARE(slow.decisions + slow.dropped, uint64_t(windows.size()));
        // The slow engine can start at most every ~1.6 hops: it decides between a quarter and
        // two thirds of the windows, and drops the rest.
        QVERIFY2(slow.dropped >= windows.size() / 3 && slow.decisions >= windows.size() / 4 &&
                     slow.decisions <= 2 * windows.size() / 3,
                 qPrintable(QString("%1 windows: slow decided %2, dropped %3").arg(windows.size()).arg(slow.decisions).arg(slow.dropped)));
        if (!wall)
            QCOMPARE(fast.dropped, uint64_t(0));
        for (const auto& d : detections)
            QCOMPARE(d.word, std::string(d.engine == 0 ? "yes" : "no"));
        QVERIFY(fast.detections >= 1 && slow.detections >= 1);
    }

    void liveRefusesBadSetups()
    {
        Model model;
        model.classes = {"yes", "_silence_"};
        model.input = {1, 32, 32};
        QVERIFY(!LiveRecognizer(model, {}, {}).status().isOk()); // no engine
        std::vector<LiveRecognizer::NamedEngine> engines;
        engines.push_back({"x", std::make_unique<SlowEngine>(0.0, 2, 0)});
        LiveSettings ls;
        ls.recognizer.threshold = 2;
        QVERIFY(!LiveRecognizer(model, std::move(engines), ls).status().isOk());
        std::vector<LiveRecognizer::NamedEngine> e2;
        e2.push_back({"x", std::make_unique<SlowEngine>(0.0, 2, 0)});
        model.input = {1, 40, 32}; // features are 32 x 32
        LiveRecognizer wrong(model, std::move(e2), {});
        QVERIFY(!wrong.status().isOk());
        std::vector<float> x(20000, 0.1f);
        std::vector<LiveWindow> w;
        wrong.push(x.data(), x.size(), &w, nullptr); // refused: no windows, no crash
        QVERIFY(w.empty());
    }
};

QTEST_GUILESS_MAIN(TestLive)
#include "tst_live.moc"
