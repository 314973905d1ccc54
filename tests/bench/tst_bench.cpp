// Tests of core/bench: statistics, CPU detection, energy meters (on a fake powercap tree) and the
// interleaved runner with fake engines. These check behaviour, not speed (DESIGN.md §4).
#include "bench/cpu_info.h"
#include "bench/energy.h"
#include "bench/runner.h"
#include "bench/stats.h"
#include "model/summary.h"
#include "model/synth.h"
#include "report/report.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

using namespace ss;

namespace {

// Sleeps a fixed time per item and reports one fixed linear layer: 1000 dense MACs, w = 0.25,
// 100 inputs of which 10 are non-zero (a = 0.1), 250 MACs executed per item.
class SleepingEngine : public Engine {
public:
    SleepingEngine(std::string name, std::chrono::microseconds per_item) : name_(std::move(name)), per_item_(per_item) {}
    std::string name() const override { return name_; }
    Status prepare(const Model&, const EngineOptions&) override { return Status::ok(); }
    Status infer(const float*, int batch, float* logits) override
    {
        const auto t0 = std::chrono::steady_clock::now();
        std::this_thread::sleep_for(per_item_ * batch);
        logits[0] = 1.0f;
        items_ += batch;
        ++calls;
        seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return Status::ok();
    }
    std::vector<LayerStats> layerStats() const override
    {
        LayerStats s;
        s.layer = "fc1";
        s.op = "linear";
        s.kernel = "linear.f32.fake.scalar";
        s.note = "test engine";
        s.macs_dense = 1000;
        s.weight_density = 0.25;
        s.input_size = 100;
        s.weighted = true;
        s.items = items_;
        s.macs_executed = 250.0 * double(items_);
        s.input_nonzeros = 10.0 * double(items_);
        s.seconds = seconds_;
        return {s};
    }
    void resetStats() override
    {
        items_ = 0;
        seconds_ = 0;
    }
    std::string isa() const override { return "scalar"; }

    int64_t calls = 0; // every infer() call, never reset

private:
    std::string name_;
    std::chrono::microseconds per_item_;
    int64_t items_ = 0;
    double seconds_ = 0;
};

class FailingEngine : public Engine {
public:
    std::string name() const override { return "failing"; }
    Status prepare(const Model&, const EngineOptions&) override { return Status::ok(); }
    Status infer(const float*, int, float*) override { return runtimeError("The fake engine fails on purpose."); }
    std::vector<LayerStats> layerStats() const override { return {}; }
    void resetStats() override {}
    std::string isa() const override { return "scalar"; }
};

Model fakeModel()
{
    Model m;
    m.name = "fake";
    m.input = ActShape{1, 4, 4};
    m.classes = {"a", "b", "c"};
    return m;
}

std::vector<float> fakePool(const Model& m, int items)
{
    return std::vector<float>(size_t(items * m.input.size()), 0.5f);
}

bool writeFile(const QString& path, const QByteArray& content)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return f.write(content) == content.size();
}

// A powercap tree like the kernel's: two packages, one subdomain (must be ignored) and the
// control-type directory itself.
void makeDomain(const QString& root, const QString& entry, const QByteArray& name, quint64 energy, quint64 range)
{
    QVERIFY(QDir(root).mkpath(entry));
    QVERIFY(writeFile(root + "/" + entry + "/name", name + "\n"));
    QVERIFY(writeFile(root + "/" + entry + "/energy_uj", QByteArray::number(energy) + "\n"));
    QVERIFY(writeFile(root + "/" + entry + "/max_energy_range_uj", QByteArray::number(range) + "\n"));
}

} // namespace

class TestBench : public QObject {
    Q_OBJECT

private slots:
    void percentile_data();
    void percentile();
    void summaryStats();
    void cpuInfoIsConsistent();

    void raplSumsPackagesAndHandlesWrap();
    void raplRefusesWithoutDomains();
    void raplExplainsUnreadableCounter();
    void estimatedMeterIsLabelled();
    void chooserAlwaysGivesAMeter();

    void runnerMeasuresOrdersAndSurvivesFailure();
    void runnerRejectsBadPool();
    void runnerBoundsALongCall();
    void boundUsesTheModelsA();
    void runnerCancelsPromptly();
    void contextIsFilled();
};

void TestBench::percentile_data()
{
    QTest::addColumn<QList<double>>("values");
    QTest::addColumn<double>("p");
    QTest::addColumn<double>("expected");
    QTest::newRow("p0") << QList<double>{4, 1, 3, 2} << 0.0 << 1.0;
    QTest::newRow("p100") << QList<double>{4, 1, 3, 2} << 100.0 << 4.0;
    QTest::newRow("p50 even") << QList<double>{4, 1, 3, 2} << 50.0 << 2.5;
    QTest::newRow("p90 interpolated") << QList<double>{4, 1, 3, 2} << 90.0 << 3.7;
    QTest::newRow("p25") << QList<double>{10, 20, 30, 40, 50} << 25.0 << 20.0;
    QTest::newRow("p99") << QList<double>{10, 20, 30, 40, 50} << 99.0 << 49.6;
    QTest::newRow("single") << QList<double>{7} << 90.0 << 7.0;
    QTest::newRow("empty") << QList<double>{} << 50.0 << 0.0;
}

void TestBench::percentile()
{
    QFETCH(QList<double>, values);
    QFETCH(double, p);
    QFETCH(double, expected);
    const std::vector<double> v(values.begin(), values.end());
    QVERIFY2(std::fabs(ss::percentile(v, p) - expected) < 1e-12, qPrintable(QString::number(ss::percentile(v, p))));
}

void TestBench::summaryStats()
{
    const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
    QCOMPARE(mean(v), 5.0);
    QCOMPARE(median(v), 4.5);
    QCOMPARE(median({5, 1, 3}), 3.0);
    // Sample standard deviation: sum of squares 32 over n - 1 = 7.
    QVERIFY(std::fabs(stddev(v) - std::sqrt(32.0 / 7.0)) < 1e-12);
    QVERIFY(std::fabs(cv(v) - std::sqrt(32.0 / 7.0) / 5.0) < 1e-12);
    QCOMPARE(mean({}), 0.0);
    QCOMPARE(stddev({3.0}), 0.0);
    QCOMPARE(cv({0.0, 0.0}), 0.0);
}

void TestBench::cpuInfoIsConsistent()
{
    const CpuInfo& ci = cpuInfo();
    QCOMPARE(&ci, &cpuInfo()); // detected once
    QVERIFY(ci.logical_cores >= 1);
    QVERIFY(!ci.model_name.empty());
    QVERIFY(ci.best_isa == "avx512" || ci.best_isa == "avx2" || ci.best_isa == "scalar");
    if (ci.best_isa == "avx512")
        QVERIFY(ci.has("avx512f") && ci.has("avx512bw") && ci.has("avx512vl") && ci.has("avx512dq"));
    if (ci.best_isa == "avx2")
        QVERIFY(ci.has("avx2") && ci.has("fma"));
    QCOMPARE(formatBytes(48 * 1024), std::string("48 KiB"));
    QCOMPARE(formatBytes(2 * 1024 * 1024), std::string("2 MiB"));
}

void TestBench::raplSumsPackagesAndHandlesWrap()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString root = dir.path();
    QVERIFY(QDir(root).mkpath("intel-rapl")); // the control type, not a domain
    makeDomain(root, "intel-rapl:0", "package-0", 1000000, 262143328850);
    makeDomain(root, "intel-rapl:1", "package-1", 9500000, 10000000); // about to wrap
    makeDomain(root, "intel-rapl:0:0", "core", 0, 262143328850);       // inside package-0
    makeDomain(root, "intel-rapl-mmio:0", "package-0", 0, 262143328850); // duplicate counter

    auto meter = RaplMeter::open(root.toStdString());
    QVERIFY2(meter.isOk(), meter.isOk() ? "" : meter.message().c_str());
    QCOMPARE(meter.value()->domains().size(), size_t(2));
    QCOMPARE(meter.value()->name(), std::string("rapl:package-0+package-1"));
    QCOMPARE(meter.value()->source(), FigureSource::Measured);

    QVERIFY(meter.value()->start().isOk());
    QVERIFY(writeFile(root + "/intel-rapl:0/energy_uj", "3000000\n"));    // +2 J
    QVERIFY(writeFile(root + "/intel-rapl:1/energy_uj", "500000\n"));     // wrapped: +0.5 J + 0.5 J
    QVERIFY(writeFile(root + "/intel-rapl:0:0/energy_uj", "900000000\n")); // ignored
    QVERIFY(writeFile(root + "/intel-rapl-mmio:0/energy_uj", "900000000\n"));
    auto joules = meter.value()->stopJoules();
    QVERIFY(joules.isOk());
    QVERIFY2(std::fabs(*joules - 3.0) < 1e-9, qPrintable(QString::number(*joules)));

    // Restartable: a second slice measures from its own start.
    QVERIFY(meter.value()->start().isOk());
    QVERIFY(writeFile(root + "/intel-rapl:0/energy_uj", "3250000\n"));
    joules = meter.value()->stopJoules();
    QVERIFY(joules.isOk());
    QVERIFY(std::fabs(*joules - 0.25) < 1e-9);
    QVERIFY(!meter.value()->stopJoules().isOk()); // not started
}

void TestBench::raplRefusesWithoutDomains()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto meter = RaplMeter::open(dir.path().toStdString());
    QVERIFY(!meter.isOk());
    QVERIFY2(meter.message().find("no RAPL powercap domains under " + dir.path().toStdString()) != std::string::npos,
             meter.message().c_str());
    auto missing = RaplMeter::open(dir.path().toStdString() + "/does-not-exist");
    QVERIFY(!missing.isOk());
}

void TestBench::raplExplainsUnreadableCounter()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString root = dir.path();
    makeDomain(root, "intel-rapl:0", "package-0", 1000, 262143328850);
    const std::string energy = (root + "/intel-rapl:0/energy_uj").toStdString();
    QVERIFY(::chmod(energy.c_str(), 0) == 0);
    const int fd = ::open(energy.c_str(), O_RDONLY);
    if (fd >= 0) {
        ::close(fd);
        QSKIP("This user (root) can read a mode-000 file, so the unreadable counter cannot be faked.");
    }
    auto meter = RaplMeter::open(root.toStdString());
    QVERIFY(!meter.isOk());
    const std::string& msg = meter.message();
    QVERIFY2(msg.find(energy + " is readable only by root since Linux 5.10 (CVE-2020-8694)") != std::string::npos, msg.c_str());
    QVERIFY2(msg.find("sudo chmod o+r " + energy) != std::string::npos, msg.c_str());
    QVERIFY2(msg.find("using an estimate instead.") != std::string::npos, msg.c_str());
}

void TestBench::estimatedMeterIsLabelled()
{
    EstimatedMeter meter(20.0);
    QCOMPARE(meter.source(), FigureSource::Estimated);
    QCOMPARE(std::string(sourceName(meter.source())), std::string("estimated"));
    QVERIFY(meter.name().find("20 W per busy core") != std::string::npos);
    QVERIFY(meter.start().isOk());
    // Burn ~30 ms of CPU so the process CPU clock moves.
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(30);
    volatile double sink = 0;
    while (std::chrono::steady_clock::now() < until)
        sink = sink + 1.0;
    auto joules = meter.stopJoules();
    QVERIFY(joules.isOk());
    // 20 W x ~0.03 s of CPU; generous bounds for a loaded CI machine.
    QVERIFY2(*joules > 0.1 && *joules < 5.0, qPrintable(QString::number(*joules)));

    FigureSource parsed = FigureSource::Measured;
    QVERIFY(parseFigureSource("modelled", &parsed));
    QCOMPARE(parsed, FigureSource::Modelled);
    QVERIFY(!parseFigureSource("guessed", &parsed));
}

void TestBench::chooserAlwaysGivesAMeter()
{
    std::string why = "stale";
    auto meter = chooseEnergyMeter(kDefaultWattsPerCore, &why);
    QVERIFY(meter);
    if (meter->source() == FigureSource::Estimated)
        QVERIFY(!why.empty());
    else
        QVERIFY(why.empty());
}

void TestBench::runnerMeasuresOrdersAndSurvivesFailure()
{
    const Model model = fakeModel();
    const auto pool = fakePool(model, 5); // batch 2 over 5 items: some batches wrap around the pool
    SleepingEngine fast("fast", std::chrono::microseconds(1000));
    FailingEngine failing;
    SleepingEngine slow("slow", std::chrono::microseconds(3000));
    const std::vector<BenchTarget> targets{{"fast", "cpu", &fast}, {"failing", "cpu", &failing}, {"slow", "cpu", &slow}};
    BenchConfig config;
    config.batch = 2;
    config.seconds = 0.3;
    config.warmup_seconds = 0.02;

    std::vector<BenchProgress> reports;
    const auto results = runBenchmark(targets, model, pool, config, [&](const BenchProgress& p) { reports.push_back(p); });
    QCOMPARE(results.size(), size_t(3));

    const BenchResult& f = results[0];
    const BenchResult& e = results[1];
    const BenchResult& s = results[2];
    QVERIFY2(f.ok(), f.error.c_str());
    QVERIFY2(s.ok(), s.error.c_str());
    QCOMPARE(e.error, std::string("The fake engine fails on purpose."));
    QCOMPARE(e.items, int64_t(0));

    QVERIFY2(f.items_per_second > s.items_per_second, qPrintable(QString("%1 vs %2").arg(f.items_per_second).arg(s.items_per_second)));
    QVERIFY2(f.items_per_second > 200 && f.items_per_second < 1100, qPrintable(QString::number(f.items_per_second)));
    for (const BenchResult* r : {&f, &s}) {
        QCOMPARE(r->items, r->iterations * 2);
        QCOMPARE(r->batch, 2);
        QVERIFY(r->seconds >= config.seconds);
        QVERIFY(r->latency_p50_ms > 0 && r->latency_p50_ms <= r->latency_p90_ms && r->latency_p90_ms <= r->latency_p99_ms);
        QCOMPARE(r->isa, std::string("scalar"));
        QVERIFY(!r->energy_meter.empty());
        QVERIFY(r->energy_j_per_item >= 0);
        // Layer figures come from the engine and cover only the measured items (stats reset after warm-up).
        QCOMPARE(r->layers.size(), size_t(1));
        const LayerResult& l = r->layers[0];
        QCOMPARE(l.stats.items, r->items);
        QCOMPARE(l.macs_executed_per_item, 250.0);
        QVERIFY(std::fabs(l.input_density - 0.1) < 1e-12);
        QVERIFY(std::fabs(l.macs_bound_per_item - 25.0) < 1e-9);
        QVERIFY(l.seconds_per_item > 0);
        QCOMPARE(r->macs_dense, 1000.0);
        QCOMPARE(r->macs_executed, 250.0);
    }

    // Progress: reported often, for both engines, and interleaved rather than one after the other.
    QVERIFY(reports.size() >= 5);
    int last_fast = -1, first_slow = -1;
    for (int i = 0; i < int(reports.size()); ++i) {
        if (reports[size_t(i)].warming_up)
            continue;
        if (reports[size_t(i)].engine_index == 0)
            last_fast = i;
        if (reports[size_t(i)].engine_index == 2 && first_slow < 0)
            first_slow = i;
    }
    QVERIFY(last_fast >= 0 && first_slow >= 0);
    QVERIFY2(first_slow < last_fast, "engines were not interleaved");
    QVERIFY(reports.back().fraction_done > 0.9);
    for (const BenchProgress& p : reports)
        QVERIFY(p.items_per_second >= 0);
}

// One call longer than --seconds: that first call is the measurement (no second, warm call), so
// a run with a huge batch lasts about one call per engine, not warm-up plus seconds plus a call.
void TestBench::runnerBoundsALongCall()
{
    const Model model = fakeModel();
    const auto pool = fakePool(model, 40);
    SleepingEngine slow("slow", std::chrono::microseconds(2000)); // 64 ms per call of 32
    SleepingEngine fast("fast", std::chrono::microseconds(10));   // 0.3 ms per call: measured as usual
    const std::vector<BenchTarget> targets{{"slow", "cpu", &slow}, {"fast", "cpu", &fast}};
    BenchConfig config;
    config.batch = 32;
    config.seconds = 0.03;
    config.warmup_seconds = 0.3;
    const auto results = runBenchmark(targets, model, pool, config, {});
    QCOMPARE(results.size(), size_t(2));
    const BenchResult& r = results[0];
    QVERIFY2(r.ok(), r.error.c_str());
    QCOMPARE(slow.calls, int64_t(1));
    QCOMPARE(r.iterations, int64_t(1));
    QCOMPARE(r.items, int64_t(32));
    QVERIFY(r.seconds >= config.seconds);
    QVERIFY(r.items_per_second > 0 && r.items_per_second < 32 / 0.064 * 1.01);
    QVERIFY(!r.energy_meter.empty());
    QCOMPARE(r.layers.size(), size_t(1));
    QCOMPARE(r.layers[0].stats.items, int64_t(32)); // the engine's counters cover that one call
    QCOMPARE(r.throughput.size(), size_t(1));

    const BenchResult& f = results[1];
    QVERIFY2(f.ok(), f.error.c_str());
    QVERIFY(f.iterations > 1);
    QVERIFY(fast.calls > f.iterations); // warm-up calls came first and are not counted
}

// An engine whose measured a differs from the model's: cnn1 sees an int8 spectrogram with zeros
// (a = 0.75 measured; the model's a is 1), cnn2 a denser input than its k-WTA's k/n.
class DensityEngine : public Engine {
public:
    explicit DensityEngine(const Model& m) : model_(m) {}
    std::string name() const override { return "density"; }
    Status prepare(const Model&, const EngineOptions&) override { return Status::ok(); }
    Status infer(const float*, int batch, float* logits) override
    {
        items_ += batch;
        std::fill(logits, logits + size_t(batch) * size_t(model_.numClasses()), 0.0f);
        return Status::ok();
    }
    std::vector<LayerStats> layerStats() const override
    {
        std::vector<LayerStats> out;
        for (const auto& [name, measured_a] : {std::pair{"cnn1+cnn1_batchnorm+cnn1_maxpool", 0.75}, std::pair{"cnn2", 0.5}}) {
            LayerStats s;
            s.layer = name;
            s.op = "conv";
            s.weighted = true;
            s.macs_dense = 1000;
            s.weight_density = 0.5;
            s.input_size = 100;
            s.items = items_;
            s.input_nonzeros = measured_a * 100.0 * double(items_);
            s.macs_executed = 100.0 * double(items_);
            s.seconds = 1e-6 * double(items_);
            out.push_back(s);
        }
        return out;
    }
    void resetStats() override { items_ = 0; }
    std::string isa() const override { return "scalar"; }

private:
    const Model& model_;
    int64_t items_ = 0;
};

// The bound is a·w of dense with the MODEL's a (DESIGN: a = K/N; 1 for the spectrogram), the same
// on every device; the engine's measured a is reported beside it, not used for the bound.
void TestBench::boundUsesTheModelsA()
{
    SynthOptions o;
    auto model = synthModel(o);
    QVERIFY2(model, model ? "" : model.message().c_str());
    double cnn2_a = 0;
    for (const LayerSummary& l : summarize(*model).layers)
        if (l.name == "cnn2")
            cnn2_a = l.input_density;
    QVERIFY(cnn2_a > 0 && cnn2_a < 0.5);
    DensityEngine engine(*model);
    BenchConfig config;
    config.batch = 2;
    config.seconds = 0.01;
    config.warmup_seconds = 0;
    const auto pool = std::vector<float>(size_t(4 * model->input.size()), 0.5f);
    const auto results = runBenchmark({{"density", "cpu", &engine}}, *model, pool, config, {});
    QCOMPARE(results.size(), size_t(1));
    QVERIFY2(results[0].ok(), results[0].error.c_str());
    const auto& layers = results[0].layers;
    QCOMPARE(layers.size(), size_t(2));
    QVERIFY(std::fabs(layers[0].input_density - 0.75) < 1e-12);            // measured, reported
    QVERIFY(std::fabs(layers[0].macs_bound_per_item - 1000 * 0.5 * 1.0) < 1e-9); // the model's a = 1
    QVERIFY(std::fabs(*boundSpeedup(layers[0]) - 2.0) < 1e-9);
    QVERIFY(std::fabs(layers[1].input_density - 0.5) < 1e-12);
    QVERIFY(std::fabs(layers[1].macs_bound_per_item - 1000 * 0.5 * cnn2_a) < 1e-9);
    QVERIFY(std::fabs(*boundSpeedup(layers[1]) - 1.0 / (0.5 * cnn2_a)) < 1e-9);
    QVERIFY(std::fabs(results[0].macs_bound - 1000 * 0.5 * (1.0 + cnn2_a)) < 1e-9);
}

void TestBench::runnerRejectsBadPool()
{
    const Model model = fakeModel();
    SleepingEngine fast("fast", std::chrono::microseconds(100));
    const std::vector<float> pool(17, 0.0f); // not a whole number of 16-float items
    const auto results = runBenchmark({{"fast", "cpu", &fast}, {"missing", "cpu", nullptr}}, model, pool, BenchConfig{});
    QCOMPARE(results.size(), size_t(2));
    QVERIFY(results[0].error.find("17 floats") != std::string::npos);
    QVERIFY(!results[1].ok());

    const auto unprepared = runBenchmark({{"missing", "cpu", nullptr}}, model, fakePool(model, 1), BenchConfig{});
    QCOMPARE(unprepared[0].error, std::string("The engine 'missing' was not prepared."));
}

void TestBench::runnerCancelsPromptly()
{
    const Model model = fakeModel();
    const auto pool = fakePool(model, 3);
    SleepingEngine a("a", std::chrono::microseconds(1000));
    SleepingEngine b("b", std::chrono::microseconds(2000));
    BenchConfig config;
    config.seconds = 30;
    config.warmup_seconds = 0.05;

    std::atomic<bool> cancel{false};
    std::atomic<int64_t> cancelled_at_ns{0};
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        cancelled_at_ns = std::chrono::steady_clock::now().time_since_epoch().count();
        cancel = true;
    });
    const auto results = runBenchmark({{"a", "cpu", &a}, {"b", "cpu", &b}}, model, pool, config, {}, &cancel);
    const int64_t returned_ns = std::chrono::steady_clock::now().time_since_epoch().count();
    canceller.join();
    const double delay_ms = double(returned_ns - cancelled_at_ns.load()) / 1e6;
    QVERIFY2(delay_ms < 200.0, qPrintable(QString("returned %1 ms after cancel").arg(delay_ms)));
    QCOMPARE(results.size(), size_t(2));
    for (const BenchResult& r : results) {
        QVERIFY(r.error.find("Cancelled") != std::string::npos);
        QVERIFY(r.items > 0); // partial figures are kept
    }
}

void TestBench::contextIsFilled()
{
    Model model = fakeModel();
    model.info["trained"] = "true";
    const BenchContext c = makeContext("/tmp/fake.json", model);
    QCOMPARE(c.model_path, std::string("/tmp/fake.json"));
    QCOMPARE(c.model_name, std::string("fake"));
    QVERIFY(c.model_trained);
    QCOMPARE(c.version, std::string(SPARSESCOPE_VERSION));
    QCOMPARE(c.build_type, std::string(SPARSESCOPE_BUILD_TYPE));
    QVERIFY(c.date.size() >= 25 && c.date[10] == 'T'); // 2024-05-01T12:00:00+02:00
    QVERIFY(!c.host.empty());
    QVERIFY(c.cores >= 1);
    QCOMPARE(c.isa, cpuInfo().best_isa);
    const bool debug = QString::fromStdString(c.build_type).compare("Debug", Qt::CaseInsensitive) == 0;
    bool warned_debug = false, warned_energy = false;
    for (const std::string& w : c.warnings) {
        warned_debug |= w.rfind("debug build: timings are not meaningful", 0) == 0;
        warned_energy |= w.find("energy is estimated") != std::string::npos;
    }
    QCOMPARE(warned_debug, debug);
    std::string why;
    if (chooseEnergyMeter(kDefaultWattsPerCore, &why)->source() == FigureSource::Estimated)
        QVERIFY(warned_energy);
}

QTEST_GUILESS_MAIN(TestBench)
#include "tst_bench.moc"
