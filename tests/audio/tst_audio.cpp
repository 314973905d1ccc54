// WAV I/O, resampling, the FFT and the librosa-compatible log-mel front end.
#include "audio/fft.h"
#include "audio/melspec.h"
#include "audio/wav.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>

#include <sys/stat.h>

using namespace ss;

namespace {

std::vector<float> sine(double freq, double amplitude, int rate, size_t n, double phase = 0.0)
{
    std::vector<float> x(n);
    for (size_t i = 0; i < n; ++i)
        x[i] = float(amplitude * std::sin(2.0 * std::numbers::pi * freq * double(i) / rate + phase));
    return x;
}

std::vector<float> noise(size_t n, uint32_t seed, float amplitude = 0.5f)
{
    std::mt19937 gen(seed);
    std::vector<float> x(n);
    for (auto& v : x)
        v = amplitude * (float(gen()) / float(std::mt19937::max()) * 2.0f - 1.0f);
    return x;
}

// Amplitude of the component at `freq` over x[first, first + count): 2/N |sum x e^{-i w n}|.
double toneAmplitude(const std::vector<float>& x, double freq, int rate, size_t first, size_t count)
{
    std::complex<double> acc = 0.0;
    for (size_t i = first; i < first + count; ++i)
        acc += double(x[i]) * std::polar(1.0, -2.0 * std::numbers::pi * freq * double(i) / rate);
    return 2.0 * std::abs(acc) / double(count);
}

bool writeStereo(const std::string& path, const std::vector<float>& left, const std::vector<float>& right, int rate,
                 int subtype = SF_FORMAT_PCM_16)
{
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = 2;
    info.format = SF_FORMAT_WAV | subtype;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    if (!f)
        return false;
    std::vector<float> interleaved(left.size() * 2);
    for (size_t i = 0; i < left.size(); ++i) {
        interleaved[2 * i] = left[i];
        interleaved[2 * i + 1] = right[i];
    }
    const bool ok = sf_writef_float(f, interleaved.data(), sf_count_t(left.size())) == sf_count_t(left.size());
    return sf_close(f) == 0 && ok;
}

// A mono 16-bit PCM WAV written byte by byte, so that its header may declare any sample rate.
std::vector<char> rawWav(uint32_t rate, uint32_t samples)
{
    std::vector<char> b;
    auto u32 = [&](uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back(char(v >> (8 * i))); };
    auto u16 = [&](uint16_t v) { for (int i = 0; i < 2; ++i) b.push_back(char(v >> (8 * i))); };
    auto tag = [&](const char* t) { b.insert(b.end(), t, t + 4); };
    tag("RIFF");
    u32(36 + samples * 2);
    tag("WAVE");
    tag("fmt ");
    u32(16);
    u16(1); // PCM
    u16(1); // mono
    u32(rate);
    u32(uint32_t(uint64_t(rate) * 2));
    u16(2);
    u16(16);
    tag("data");
    u32(samples * 2);
    for (uint32_t i = 0; i < samples; ++i)
        u16(uint16_t(int16_t((i % 64) * 100 - 3200)));
    return b;
}

bool writeRaw(const std::string& path, const std::vector<char>& bytes)
{
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
    return bool(f);
}

} // namespace

class TestAudio : public QObject {
    Q_OBJECT

private:
    QTemporaryDir tmp_;
    std::string path(const char* name) const { return (tmp_.path() + "/" + name).toStdString(); }

private slots:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    // ---- WAV ----------------------------------------------------------------------------------
    void wavRoundTrip16()
    {
        const std::string p = path("round.wav");
        std::vector<float> x = noise(4000, 7, 0.9f);
        x[0] = 1.0f;       // full scale clips to 32767
        x[1] = -1.0f;      // exactly representable
        x[2] = 0.25f;      // k / 32768: exact
        QVERIFY2(writeWav(p, x, 16000).isOk(), "writeWav failed");

        auto info = probeWav(p);
        QVERIFY(info.isOk());
        QCOMPARE(info->sample_rate, 16000);
        QCOMPARE(info->channels, 1);
        QCOMPARE(info->frames, int64_t(x.size()));
        QVERIFY(info->isPcm16());

        auto clip = readWav(p);
        QVERIFY2(clip.isOk(), clip.isOk() ? "" : clip.message().c_str());
        QCOMPARE(clip->sample_rate, 16000);
        QCOMPARE(clip->samples.size(), x.size());
        double worst = 0.0;
        for (size_t i = 0; i < x.size(); ++i)
            worst = std::max(worst, std::abs(double(clip->samples[i]) - double(x[i])));
        QVERIFY2(worst <= 1.0 / 32768.0, qPrintable(QString::number(worst)));
        QCOMPARE(clip->samples[1], -1.0f);
        QCOMPARE(clip->samples[2], 0.25f);

        // Atomic write: no temporary file is left behind.
        int entries = 0;
        for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tmp_.path().toStdString()))
            if (e.path().filename().string().starts_with("round.wav"))
                ++entries;
        QCOMPARE(entries, 1);
    }

    void wavWriteRefusals()
    {
        const std::string missing = path("no-such-folder/x.wav");
        Status s = writeWav(missing, {0.0f, 0.1f}, 16000);
        QVERIFY(!s.isOk());
        QVERIFY(s.message().find(missing) != std::string::npos);
        QVERIFY(s.message().ends_with("."));

        s = writeWav(path("nan.wav"), {0.0f, NAN}, 16000);
        QVERIFY(!s.isOk());
        QCOMPARE(s.error().code, ErrorCode::BadInput);
        QVERIFY(!std::filesystem::exists(path("nan.wav")));

        s = writeWav(path("rate.wav"), {0.0f}, 0);
        QVERIFY(!s.isOk());
    }

    void readRange()
    {
        const std::string p = path("range.wav");
        std::vector<float> x(1000);
        for (size_t i = 0; i < x.size(); ++i)
            x[i] = float(int(i) - 500) / 32768.0f; // exactly representable ramp
        QVERIFY(writeWav(p, x, 8000).isOk());
        auto part = readWavRange(p, 100, 50);
        QVERIFY(part.isOk());
        QCOMPARE(part->samples.size(), size_t(50));
        QCOMPARE(part->samples[0], x[100]);
        QCOMPARE(part->samples[49], x[149]);
        auto tail = readWavRange(p, 980, 50); // runs past the end: what is there
        QVERIFY(tail.isOk());
        QCOMPARE(tail->samples.size(), size_t(20));
        auto after = readWavRange(p, 5000, 10);
        QVERIFY(after.isOk());
        QVERIFY(after->samples.empty());
    }

    void stereo44kReadsAsMono16k()
    {
        const std::string p = path("stereo44.wav");
        const auto left = sine(1000.0, 0.6, 44100, 44100);
        const auto right = sine(1000.0, 0.2, 44100, 44100);
        QVERIFY(writeStereo(p, left, right, 44100));

        auto info = probeWav(p);
        QVERIFY(info.isOk());
        QCOMPARE(info->channels, 2);
        QCOMPARE(info->sample_rate, 44100);

        auto clip = readWav(p);
        QVERIFY(clip.isOk());
        QCOMPARE(clip->sample_rate, 44100);
        QCOMPARE(clip->samples.size(), size_t(44100));
        for (size_t i = 0; i < 2000; i += 37) // the average of the channels
            QVERIFY(std::abs(clip->samples[i] - 0.5f * (left[i] + right[i])) < 2e-4f);

        AudioSettings settings;
        auto x = loadClip16k(p, settings);
        QVERIFY2(x.isOk(), x.isOk() ? "" : x.message().c_str());
        QCOMPARE(x->size(), size_t(16000));
        const double amp = toneAmplitude(*x, 1000.0, 16000, 800, 14400);
        QVERIFY2(std::abs(amp - 0.4) < 0.004, qPrintable(QString::number(amp)));

        // A shorter file is zero-padded at the end to clip_seconds.
        const std::string shortp = path("short44.wav");
        QVERIFY(writeStereo(shortp, sine(440, 0.5, 44100, 22050), sine(440, 0.5, 44100, 22050), 44100));
        auto y = loadClip16k(shortp, settings);
        QVERIFY(y.isOk());
        QCOMPARE(y->size(), size_t(16000));
        for (size_t i = 8100; i < 16000; ++i)
            QCOMPARE((*y)[i], 0.0f);
    }

    // ---- resampling ---------------------------------------------------------------------------
    void resampleKeepsToneFrequencyAndAmplitude_data()
    {
        QTest::addColumn<int>("from");
        QTest::addColumn<int>("to");
        QTest::newRow("44100->16000") << 44100 << 16000;
        QTest::newRow("48000->16000") << 48000 << 16000;
        QTest::newRow("8000->16000") << 8000 << 16000;
        QTest::newRow("22050->16000") << 22050 << 16000;
        QTest::newRow("44100->16001 (untabulated)") << 44100 << 16001;
    }
    void resampleKeepsToneFrequencyAndAmplitude()
    {
        QFETCH(int, from);
        QFETCH(int, to);
        const double amplitude = 0.5;
        const auto x = sine(1000.0, amplitude, from, size_t(from)); // 1 s
        const auto y = resample(x, from, to);
        QCOMPARE(y.size(), size_t((uint64_t(from) * uint64_t(to) + uint64_t(from) - 1) / uint64_t(from)));

        // Frequency: positive-going zero crossings over the middle 0.8 s (edges ramp in and out).
        const size_t first = size_t(to / 10), count = size_t(to) * 8 / 10;
        int crossings = 0;
        for (size_t i = first + 1; i < first + count; ++i)
            if (y[i - 1] < 0.0f && y[i] >= 0.0f)
                ++crossings;
        QVERIFY2(std::abs(crossings - 800) <= 1, qPrintable(QString::number(crossings)));

        // Amplitude within 1%, and the tone is where it should be.
        const double amp = toneAmplitude(y, 1000.0, to, first, count);
        QVERIFY2(std::abs(amp - amplitude) < 0.01 * amplitude, qPrintable(QString::number(amp)));
        // Sample-by-sample against the ideal tone at the new rate.
        double worst = 0.0;
        for (size_t i = first; i < first + count; ++i)
            worst = std::max(worst, std::abs(double(y[i]) - amplitude * std::sin(2.0 * std::numbers::pi * 1000.0 * double(i) / to)));
        QVERIFY2(worst < 1e-3, qPrintable(QString::number(worst)));
    }

    void resampleIsBandLimited()
    {
        // 12 kHz cannot exist at 16 kHz: it must be removed, not folded down to 4 kHz.
        const auto x = sine(12000.0, 0.5, 44100, 44100);
        const auto y = resample(x, 44100, 16000);
        const double alias = toneAmplitude(y, 4000.0, 16000, 1600, 12800);
        QVERIFY2(alias < 0.5 * 1e-3, qPrintable(QString::number(alias))); // better than -60 dB
        double peak = 0.0;
        for (size_t i = 1600; i < 14400; ++i)
            peak = std::max(peak, std::abs(double(y[i])));
        QVERIFY2(peak < 1e-3, qPrintable(QString::number(peak)));
    }

    void resamplePassthroughAndDc()
    {
        const auto x = noise(1234, 3);
        QCOMPARE(resample(x, 16000, 16000), x); // bit-exact
        QVERIFY(resample(x, 0, 16000).empty());
        QVERIFY(resample({}, 44100, 16000).empty());

        const std::vector<float> dc(4410, 0.3f);
        const auto y = resample(dc, 44100, 16000);
        QCOMPARE(y.size(), size_t(1600));
        for (size_t i = 200; i < 1400; ++i)
            QVERIFY(std::abs(y[i] - 0.3f) < 1e-5f);
    }

    void fitLengthPadsAndCuts()
    {
        const std::vector<float> x = {1, 2, 3};
        QCOMPARE(fitLength(x, 5), (std::vector<float>{1, 2, 3, 0, 0}));
        QCOMPARE(fitLength(x, 2), (std::vector<float>{1, 2}));
        QCOMPARE(fitLength(x, 3), x);
        QVERIFY(fitLength(x, 0).empty());
        QCOMPARE(fitLength({}, 2), (std::vector<float>{0, 0}));
    }

    void nonAudioRefused()
    {
        const std::string p = path("notes.txt");
        {
            std::ofstream f(p);
            f << "these are not samples\n";
        }
        auto clip = readWav(p);
        QVERIFY(!clip.isOk());
        QCOMPARE(clip.error().code, ErrorCode::BadInput);
        QVERIFY2(clip.message().starts_with("'" + p + "' is not a WAV file libsndfile can read: "), clip.message().c_str());
        QVERIFY(clip.message().ends_with("."));
        QCOMPARE(clip.error().where, p);
        QVERIFY(!probeWav(p).isOk());
        QVERIFY(!loadClip16k(p, AudioSettings{}).isOk());

        const std::string missing = path("missing.wav");
        auto gone = readWav(missing);
        QVERIFY(!gone.isOk());
        QCOMPARE(gone.message(), "'" + missing + "' does not exist.");

        auto folder = readWav(tmp_.path().toStdString());
        QVERIFY(!folder.isOk());
        QVERIFY(folder.message().find("is a folder") != std::string::npos);
    }

    // Issue 20: a WAV declaring 1 Hz, 2 Hz or 2e9 Hz hung the resampler (or asked for gigabytes).
    void absurdSampleRatesRefusedQuickly_data()
    {
        QTest::addColumn<uint>("rate");
        QTest::addColumn<uint>("samples");
        QTest::newRow("1 Hz, 2 KB") << 1u << 1000u;
        QTest::newRow("2 Hz, 200 KB") << 2u << 100000u;
        QTest::newRow("999 Hz") << 999u << 1000u;
        QTest::newRow("2e9 Hz") << 2000000000u << 1000u;
    }
    void absurdSampleRatesRefusedQuickly()
    {
        QFETCH(uint, rate);
        QFETCH(uint, samples);
        const std::string p = path("absurd.wav");
        QVERIFY(writeRaw(p, rawWav(rate, samples)));
        QElapsedTimer timer;
        timer.start();
        auto clip = loadClip16k(p, AudioSettings{});
        QVERIFY(!clip.isOk());
        QCOMPARE(clip.error().code, ErrorCode::BadInput);
        const std::string expect = "declares a sample rate of " + std::to_string(rate) + " Hz";
        QVERIFY2(clip.message().find(expect) != std::string::npos, clip.message().c_str());
        QVERIFY(!readWav(p).isOk());
        QVERIFY(timer.elapsed() < 5000);
    }

    void headerOnlyWavRefused()
    {
        const std::string p = path("header-only.wav");
        QVERIFY(writeRaw(p, rawWav(16000, 0)));
        auto clip = loadClip16k(p, AudioSettings{});
        QVERIFY(!clip.isOk());
        QVERIFY2(clip.message().find("holds no samples") != std::string::npos, clip.message().c_str());
        QVERIFY(writeRaw(p, rawWav(16000, 1))); // one sample is a (very short) clip
        QVERIFY(loadClip16k(p, AudioSettings{}).isOk());
    }

    void fifoRefusedWithoutBlocking()
    {
        const std::string p = path("fifo.wav");
        QCOMPARE(::mkfifo(p.c_str(), 0600), 0);
        QElapsedTimer timer;
        timer.start();
        auto clip = readWav(p);
        QVERIFY(!clip.isOk());
        QVERIFY2(clip.message().find("is not a regular file") != std::string::npos, clip.message().c_str());
        QVERIFY(!loadClip16k(p, AudioSettings{}).isOk());
        QVERIFY(timer.elapsed() < 5000);
        std::remove(p.c_str());
    }

    // loadClip16k reads only the frames the clip needs; the result is bit-identical to resampling
    // the whole file and cutting it.
    void longFileGivesTheSameClip_data()
    {
        QTest::addColumn<int>("rate");
        QTest::newRow("44.1 kHz") << 44100;
        QTest::newRow("8 kHz") << 8000;
        QTest::newRow("16 kHz") << 16000;
        QTest::newRow("48 kHz") << 48000;
    }
    void longFileGivesTheSameClip()
    {
        QFETCH(int, rate);
        const std::string p = path("long.wav");
        QVERIFY(writeWav(p, noise(size_t(rate) * 5, 9), rate).isOk());
        auto all = readWav(p);
        QVERIFY(all.isOk());
        const auto expected = fitLength(resample(all->samples, rate, 16000), 16000);
        auto clip = loadClip16k(p, AudioSettings{});
        QVERIFY(clip.isOk());
        QVERIFY(*clip == expected);
    }

    void floatWavWithNanRefused()
    {
        const std::string p = path("nan-float.wav");
        std::vector<float> l(100, 0.1f), r(100, 0.1f);
        l[42] = NAN;
        QVERIFY(writeStereo(p, l, r, 16000, SF_FORMAT_FLOAT));
        auto info = probeWav(p);
        QVERIFY(info.isOk());
        QCOMPARE(info->encoding, SampleEncoding::Float);
        QCOMPARE(info->bits, 32);
        auto clip = readWav(p);
        QVERIFY(!clip.isOk());
        QVERIFY(clip.message().find(p) != std::string::npos);
        QVERIFY(clip.message().find("frame 42") != std::string::npos);
    }

    // ---- FFT ----------------------------------------------------------------------------------
    void realFftMatchesDft_data()
    {
        QTest::addColumn<int>("n");
        for (int n : {1, 2, 4, 7, 16, 400, 2048, 1000})
            QTest::newRow(qPrintable(QString::number(n))) << n;
    }
    void realFftMatchesDft()
    {
        QFETCH(int, n);
        const auto xf = noise(size_t(n), uint32_t(n) + 11u, 1.0f);
        const std::vector<double> x(xf.begin(), xf.end());
        RealFft fft(n);
        RealFft::Workspace ws;
        std::vector<std::complex<double>> out(size_t(fft.bins()));
        fft.forward(x.data(), out.data(), ws);
        double worst = 0.0;
        for (int k = 0; k < fft.bins(); ++k) {
            std::complex<double> ref = 0.0;
            for (int t = 0; t < n; ++t)
                ref += x[size_t(t)] * std::polar(1.0, -2.0 * std::numbers::pi * double((int64_t(k) * t) % n) / n);
            worst = std::max(worst, std::abs(ref - out[size_t(k)]));
        }
        QVERIFY2(worst < 1e-9 * std::max(1, n), qPrintable(QString::number(worst)));
    }

    // ---- log-mel ------------------------------------------------------------------------------
    void slaneyMelScale()
    {
        QCOMPARE(hzToMelSlaney(0.0), 0.0);
        QCOMPARE(hzToMelSlaney(1000.0), 15.0);
        QVERIFY(std::abs(hzToMelSlaney(500.0) - 7.5) < 1e-12);
        // Above 1 kHz: 15 + 27 * ln(f / 1000) / ln(6.4).
        QVERIFY(std::abs(hzToMelSlaney(2000.0) - 25.081880157308) < 1e-9);
        QVERIFY(std::abs(hzToMelSlaney(8000.0) - 45.245640471925) < 1e-9);
        for (double f : {0.0, 123.0, 999.0, 1000.0, 1001.0, 4321.0, 8000.0})
            QVERIFY(std::abs(melToHzSlaney(hzToMelSlaney(f)) - f) < 1e-9);

        const auto edges = melBandEdgesHz(32, 0.0, 8000.0);
        QCOMPARE(edges.size(), size_t(34));
        QCOMPARE(edges.front(), 0.0);
        QCOMPARE(edges.back(), 8000.0);
        QVERIFY(std::abs(edges[1] - 91.405334287) < 1e-6);
        QVERIFY(std::abs(edges[16] - 1611.153442174) < 1e-6);
        QVERIFY(std::abs(edges[32] - 7280.338466000) < 1e-6);
    }

    void melFilterbankValues()
    {
        // Hand-computed from librosa's definition (Slaney scale, norm='slaney') for sr 16000,
        // n_fft 2048, 32 bands, 0-8000 Hz: weight = max(0, min(rise, fall)) * 2 / (right - left).
        const auto fb = melFilterbank(16000, 2048, 32, 0.0, 8000.0);
        const int bins = 1025;
        QCOMPARE(fb.size(), size_t(32 * bins));
        auto w = [&](int band, int bin) { return double(fb[size_t(band) * bins + size_t(bin)]); };
        struct Point { int band, bin; double value; };
        const Point points[] = {
            {0, 5, 4.6753804026e-03},  {0, 12, 1.0659648115e-02}, {1, 20, 7.7612410698e-03},
            {10, 128, 9.8258109052e-03}, {10, 131, 8.5970511911e-03}, {20, 330, 4.0486389039e-03},
            {20, 333, 3.7769580378e-03}, {31, 950, 1.1688322289e-03}, {31, 1000, 3.7908072290e-04},
            {10, 100, 0.0}, {20, 300, 0.0}, {15, 150, 0.0},
        };
        for (const auto& p : points)
            QVERIFY2(std::abs(w(p.band, p.bin) - p.value) <= 1e-6 * std::max(1e-3, p.value),
                     qPrintable(QString("band %1 bin %2: %3 vs %4").arg(p.band).arg(p.bin).arg(w(p.band, p.bin)).arg(p.value)));
        // Slaney normalisation: every triangle has (about) unit area in Hz.
        for (int b = 0; b < 32; ++b) {
            double area = 0.0;
            for (int k = 0; k < bins; ++k)
                area += w(b, k) * (16000.0 / 2048.0);
            QVERIFY2(std::abs(area - 1.0) < 0.03, qPrintable(QString("band %1 area %2").arg(b).arg(area)));
        }
    }

    void logMelShapeAndRange()
    {
        const AudioSettings settings;
        const LogMelFrontEnd fe(settings);
        QVERIFY(fe.status().isOk());
        QCOMPARE(fe.bands(), 32);
        QCOMPARE(fe.frames(), 32);
        QCOMPARE(fe.clipSamples(), size_t(16000));
        auto x = noise(16000, 5);
        const auto tone = sine(700.0, 0.3, 16000, 16000);
        for (size_t i = 0; i < x.size(); ++i)
            x[i] = 0.05f * x[i] + tone[i];
        const auto features = fe.compute(x);
        QCOMPARE(features.size(), size_t(32 * 32));
        const auto [mn, mx] = std::minmax_element(features.begin(), features.end());
        QCOMPARE(*mx, 0.0f); // exactly: dB relative to the clip's own maximum
        QVERIFY(*mn >= -80.0f);
        for (float v : features)
            QVERIFY(std::isfinite(v));

        // A quiet start makes the floor bite: the minimum sits exactly at -top_db.
        std::vector<float> y = tone;
        for (size_t i = 0; i < 8000; ++i)
            y[i] = 0.0f;
        const auto fy = fe.compute(y);
        QCOMPARE(*std::min_element(fy.begin(), fy.end()), -80.0f);

        // Other frame geometries: 25 ms / 10 ms windows (n_fft 400 is not a power of two), uncentred.
        AudioSettings s2;
        s2.n_fft = 400;
        s2.hop_length = 160;
        s2.n_mels = 40;
        const LogMelFrontEnd fe2(s2);
        QVERIFY(fe2.status().isOk());
        QCOMPARE(fe2.frames(), 101);
        QCOMPARE(fe2.compute(x).size(), size_t(40 * 101));
        s2.center = false;
        QCOMPARE(LogMelFrontEnd(s2).frames(), 98);
    }

    void toneEnergyPeaksInNearestBand_data()
    {
        QTest::addColumn<int>("band");
        QTest::addColumn<double>("offset"); // fraction of the way to the next band's centre
        for (int b : {2, 5, 8, 15, 22, 27, 30})
            for (double off : {0.0, 0.25, -0.25}) {
                const QString name = QString("band %1 %2").arg(b).arg(off);
                QTest::newRow(qPrintable(name)) << b << off;
            }
    }
    void toneEnergyPeaksInNearestBand()
    {
        QFETCH(int, band);
        QFETCH(double, offset);
        const AudioSettings settings;
        const LogMelFrontEnd fe(settings);
        const auto edges = melBandEdgesHz(32, 0.0, 8000.0);
        const double centre = edges[size_t(band) + 1];
        const double f = offset >= 0 ? centre + offset * (edges[size_t(band) + 2] - centre)
                                     : centre + offset * (centre - edges[size_t(band)]);
        const auto power = fe.melPower(sine(f, 0.5, 16000, 16000).data(), 16000);
        std::vector<double> per_band(32, 0.0);
        for (int b = 0; b < 32; ++b)
            for (int t = 0; t < 32; ++t)
                per_band[size_t(b)] += power[size_t(b) * 32 + size_t(t)];
        const int peak = int(std::max_element(per_band.begin(), per_band.end()) - per_band.begin());
        int nearest = 0;
        for (int b = 1; b < 32; ++b)
            if (std::abs(edges[size_t(b) + 1] - f) < std::abs(edges[size_t(nearest) + 1] - f))
                nearest = b;
        QCOMPARE(nearest, band);
        QCOMPARE(peak, nearest);
    }

    void silenceGivesConstantFiniteOutput()
    {
        const LogMelFrontEnd fe(AudioSettings{});
        const std::vector<float> zeros(16000, 0.0f);
        const auto features = fe.compute(zeros);
        QCOMPARE(features.size(), size_t(1024));
        for (float v : features) {
            QVERIFY(std::isfinite(v));
            QCOMPARE(v, features[0]);
        }
        QCOMPARE(features[0], 0.0f); // librosa: 10 log10(1e-10) - 10 log10(1e-10)
        // Degenerate inputs stay finite too.
        QCOMPARE(fe.compute(nullptr, 0).size(), size_t(32));
        QCOMPARE(fe.compute(zeros.data(), 1).size(), size_t(32));
    }

    void paddingReflectsLikeNumpy()
    {
        // The first centred frame sees x reflected about sample 0: an impulse at sample k
        // reappears at -k. Compare against the same signal with its reflection written out.
        AudioSettings s;
        s.clip_seconds = 0.25;
        s.n_fft = 64;
        s.hop_length = 16;
        s.n_mels = 8;
        const LogMelFrontEnd fe(s);
        QVERIFY(fe.status().isOk());
        const auto x = noise(4000, 9);
        const auto centred = fe.melPower(x.data(), x.size());
        s.center = false;
        const LogMelFrontEnd plain(s);
        std::vector<float> padded;
        for (int i = 32; i >= 1; --i)
            padded.push_back(x[size_t(i)]);
        padded.insert(padded.end(), x.begin(), x.end());
        for (int i = 1; i <= 32; ++i)
            padded.push_back(x[x.size() - 1 - size_t(i)]);
        const auto explicit_pad = plain.melPower(padded.data(), padded.size());
        QCOMPARE(centred.size(), explicit_pad.size());
        for (size_t i = 0; i < centred.size(); ++i)
            QVERIFY(std::abs(centred[i] - explicit_pad[i]) <= 1e-6f * std::max(1.0f, std::abs(centred[i])));
    }

    void invalidSettingsRefused()
    {
        AudioSettings s;
        s.f_max = 9000.0;
        const LogMelFrontEnd fe(s);
        QVERIFY(!fe.status().isOk());
        QVERIFY(fe.status().message().find("9000") != std::string::npos);
        QVERIFY(fe.compute(std::vector<float>(16000, 0.1f)).empty());
        s = AudioSettings{};
        s.hop_length = 0;
        QVERIFY(!checkAudioSettings(s).isOk());
        s = AudioSettings{};
        s.n_mels = 0;
        QVERIFY(!checkAudioSettings(s).isOk());
        s = AudioSettings{};
        s.clip_seconds = -1;
        QVERIFY(!checkAudioSettings(s).isOk());
        QVERIFY(!loadClip16k(path("whatever.wav"), s).isOk());
        QVERIFY(checkAudioSettings(AudioSettings{}).isOk());
        // Issue 20: resource limits from the settings alone, before anything is allocated.
        s = AudioSettings{};
        s.sample_rate = 500;
        QVERIFY(!checkAudioSettings(s).isOk());
        s = AudioSettings{};
        s.clip_seconds = 3600;
        s.hop_length = 1;
        s.n_mels = 1024;
        QVERIFY(!checkAudioSettings(s).isOk());
        QVERIFY2(checkAudioSettings(s).message().find("features per clip") != std::string::npos, checkAudioSettings(s).message().c_str());
    }

    void streamingEqualsBatch()
    {
        const AudioSettings settings;
        StreamingFrontEnd stream(settings);
        const LogMelFrontEnd batch(settings);
        QVERIFY(stream.status().isOk());

        const auto audio = noise(27000, 21);
        // Before a whole window has arrived, the missing past is silence.
        stream.push(audio.data(), 5000);
        QVERIFY(!stream.filled());
        std::vector<float> expected(16000, 0.0f);
        std::copy_n(audio.begin(), 5000, expected.begin() + 11000);
        QCOMPARE(stream.window(), expected);
        QCOMPARE(stream.features(), batch.compute(expected));

        // Odd chunk sizes, wrapping around the ring several times.
        size_t pos = 5000;
        const size_t chunks[] = {1, 333, 4097, 7000, 2, 10567};
        for (size_t c : chunks) {
            stream.push(audio.data() + pos, c);
            pos += c;
            const size_t have = std::min<size_t>(pos, 16000);
            std::vector<float> want(16000, 0.0f);
            std::copy(audio.begin() + ptrdiff_t(pos - have), audio.begin() + ptrdiff_t(pos), want.begin() + ptrdiff_t(16000 - have));
            QCOMPARE(stream.window(), want);
        }
        QCOMPARE(pos, audio.size());
        QVERIFY(stream.filled());
        QCOMPARE(stream.samplesPushed(), uint64_t(audio.size()));
        const std::vector<float> last(audio.end() - 16000, audio.end());
        QCOMPARE(stream.features(), batch.compute(last));

        // A push longer than the window keeps only its newest samples.
        const auto big = noise(40000, 22);
        stream.push(big);
        QCOMPARE(stream.window(), std::vector<float>(big.end() - 16000, big.end()));

        stream.reset();
        QCOMPARE(stream.samplesPushed(), uint64_t(0));
        QCOMPARE(stream.window(), std::vector<float>(16000, 0.0f));
    }
};

QTEST_GUILESS_MAIN(TestAudio)
#include "tst_audio.moc"
