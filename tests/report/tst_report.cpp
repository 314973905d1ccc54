// Tests of core/report: the JSON schema (every key, round trip, refusals), the CSV header (golden)
// and the console table's ratio columns and energy labels.
#include "report/report.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <sstream>

using namespace ss;
using nlohmann::json;

namespace {

LayerResult makeLayer(const std::string& name, const std::string& op, bool weighted, double macs_dense, double w,
                      double executed, double density, double seconds_per_item, int64_t items)
{
    LayerResult l;
    l.stats.layer = name;
    l.stats.op = op;
    l.stats.kernel = op + ".f32.test.scalar";
    l.stats.note = "note, with a comma and \"quotes\"";
    l.stats.weighted = weighted;
    l.stats.macs_dense = macs_dense;
    l.stats.weight_density = w;
    l.stats.input_size = 100;
    l.stats.items = items;
    l.stats.macs_executed = executed * double(items);
    l.stats.input_nonzeros = density * 100 * double(items);
    l.stats.seconds = seconds_per_item * double(items);
    l.macs_executed_per_item = executed;
    l.input_density = density;
    l.macs_bound_per_item = macs_dense * w * density;
    l.seconds_per_item = seconds_per_item;
    return l;
}

BenchResult makeResult(const std::string& engine, double ips, double layer_speed, FigureSource source)
{
    BenchResult r;
    r.engine = engine;
    r.device = "cpu";
    r.batch = 1;
    r.threads = 1;
    r.items = 1000;
    r.iterations = 1000;
    r.seconds = double(r.items) / ips;
    r.items_per_second = ips;
    r.latency_p50_ms = 1000.0 / ips;
    r.latency_p90_ms = 1.1 * r.latency_p50_ms;
    r.latency_p99_ms = 1.5 * r.latency_p50_ms;
    const bool sparse = engine == "sparse-sparse";
    r.layers.push_back(makeLayer("cnn1", "conv2d", true, 1.6e6, sparse ? 0.5 : 1.0, sparse ? 0.8e6 : 1.6e6, 1.0,
                                 1e-4 / layer_speed, r.items));
    r.layers.push_back(makeLayer("cnn1_kwinners", "kwinners2d", false, 0, 1.0, 0, 1.0, 1e-5 / layer_speed, r.items));
    r.layers.push_back(makeLayer("linear1", "linear", true, 1.6e6, sparse ? 0.1 : 1.0, sparse ? 0.02e6 : 1.6e6,
                                 sparse ? 0.125 : 1.0, 2e-4 / layer_speed, r.items));
    for (const LayerResult& l : r.layers) {
        r.macs_dense += l.stats.macs_dense;
        r.macs_executed += l.macs_executed_per_item;
        r.macs_bound += l.macs_bound_per_item;
    }
    r.energy_j_per_item = 0.5 / ips;
    r.energy_source = source;
    r.energy_meter = source == FigureSource::Estimated ? "estimate: 10 W per busy core x process CPU time" : "rapl:package-0";
    r.isa = engine == "torch" ? "libtorch" : "avx512";
    return r;
}

BenchContext makeContextFixture()
{
    BenchContext c;
    c.date = "2024-05-01T12:00:00+02:00";
    c.host = "testhost";
    c.executable = "/usr/bin/sparsescope-cli";
    c.model_path = "/models/gsc.json";
    c.model_name = "gsc-sparse";
    c.model_trained = true;
    c.cpu = "Test CPU";
    c.isa = "avx512";
    c.build_type = "Release";
    c.version = "0.1.0";
    c.cores = 8;
    c.mhz = 3000;
    c.governor = "performance";
    c.l1d = 48 * 1024;
    c.l2 = 2 * 1024 * 1024;
    c.l3 = 32 * 1024 * 1024;
    c.warnings = {"energy is estimated (process CPU time x watts per core), not measured: no RAPL."};
    return c;
}

std::vector<BenchResult> makeResults()
{
    BenchResult failed;
    failed.engine = "csr";
    failed.device = "cpu";
    failed.error = "The csr engine cannot run this model, \"as a test\".";
    return {makeResult("dense", 1000, 1.0, FigureSource::Estimated), makeResult("sparse-sparse", 4000, 5.0, FigureSource::Estimated),
            makeResult("torch", 800, 0.8, FigureSource::Estimated), failed};
}

} // namespace

class TestReport : public QObject {
    Q_OBJECT

private slots:
    void jsonHasEveryKey();
    void jsonSpeedupNullWithoutDense();
    void layerSpeedupOfAFusedRow();
    void jsonRoundTrip();
    void jsonFileRoundTrip();
    void wrongSchemaRefused();
    void malformedReportRefused();
    void atomicWriteNamesPath();
    void atomicWriteRefusesSpecialFiles();
    void deeplyNestedReportRefused();
    void csvHeaderGolden();
    void consoleTable();
};

void TestReport::jsonHasEveryKey()
{
    const json j = benchToJson(makeContextFixture(), makeResults());
    QCOMPARE(j.at("schema_version").get<int>(), 1);
    for (const char* key : {"date", "host", "executable", "model_path", "model_name", "model_trained", "cpu", "isa",
                            "build_type", "version", "cores", "caches", "warnings"})
        QVERIFY2(j.at("context").contains(key), key);
    const json& benchmarks = j.at("benchmarks");
    QCOMPARE(benchmarks.size(), size_t(4));
    for (const json& b : benchmarks) {
        for (const char* key : {"engine", "device", "batch", "threads", "items_per_second", "latency_ms", "macs_dense",
                                "macs_executed", "macs_bound", "energy_j_per_item", "energy_source", "energy_meter", "isa",
                                "iterations", "items", "seconds", "speedup_vs_dense", "layers"})
            QVERIFY2(b.contains(key), key);
        for (const char* key : {"p50", "p90", "p99"})
            QVERIFY2(b.at("latency_ms").contains(key), key);
        for (const json& l : b.at("layers"))
            for (const char* key : {"layer", "op", "kernel", "note", "macs_dense", "macs_executed", "macs_bound",
                                    "bound_speedup", "input_density", "weight_density", "seconds_per_item"})
                QVERIFY2(l.contains(key), key);
    }
    // "error" only on the failed row.
    QVERIFY(!benchmarks[0].contains("error"));
    QCOMPARE(benchmarks[3].at("error").get<std::string>(), std::string("The csr engine cannot run this model, \"as a test\"."));
    QCOMPARE(benchmarks[0].at("energy_source").get<std::string>(), std::string("estimated"));
    QCOMPARE(benchmarks[0].at("speedup_vs_dense").get<double>(), 1.0);
    QCOMPARE(benchmarks[1].at("speedup_vs_dense").get<double>(), 4.0);
    QVERIFY(benchmarks[3].at("speedup_vs_dense").is_null());
    // sparse-sparse linear1: a = 0.125, w = 0.1 -> bound 1/(a*w) = 80; a k-WTA layer has no bound.
    const json& linear = benchmarks[1].at("layers")[2];
    QVERIFY(std::fabs(linear.at("bound_speedup").get<double>() - 80.0) < 1e-9);
    QVERIFY(benchmarks[1].at("layers")[1].at("bound_speedup").is_null());
}

void TestReport::layerSpeedupOfAFusedRow()
{
    // sparse-sparse pools in its conv2 step; the dense baseline runs the pool as its own row
    BenchResult dense;
    dense.layers.push_back(makeLayer("cnn2+cnn2_batchnorm", "conv2d", true, 1e7, 1.0, 1e7, 1.0, 300e-6, 10));
    dense.layers.push_back(makeLayer("cnn2_maxpool", "maxpool", false, 0, 1.0, 0, 1.0, 20e-6, 10));
    dense.layers.push_back(makeLayer("cnn2_kwinner", "kwinners2d", false, 0, 1.0, 0, 1.0, 5e-6, 10));
    const auto fused = makeLayer("cnn2+cnn2_batchnorm+cnn2_maxpool", "conv2d", true, 1e7, 0.1, 1e5, 0.1, 40e-6, 10);
    const auto s = layerSpeedupVs(&dense, fused);
    QVERIFY(s.has_value());
    QCOMPARE(*s, 320e-6 / 40e-6); // both of the baseline's rows, not the k-WTA after them
    // the same name still matches one row
    QCOMPARE(*layerSpeedupVs(&dense, makeLayer("cnn2_kwinner", "kwinners2d", false, 0, 1.0, 0, 1.0, 1e-6, 10)), 5.0);
    // no exact cover: the baseline lacks the pool row, or has it fused the other way
    BenchResult partial;
    partial.layers.push_back(dense.layers[0]);
    QVERIFY(!layerSpeedupVs(&partial, fused).has_value());
    BenchResult other;
    other.layers.push_back(makeLayer("cnn2+cnn2_batchnorm+cnn2_maxpool+cnn2_kwinner", "conv2d", true, 1e7, 1.0, 1e7, 1.0, 1e-4, 10));
    QVERIFY(!layerSpeedupVs(&other, fused).has_value());
}

void TestReport::jsonSpeedupNullWithoutDense()
{
    const json j = benchToJson(makeContextFixture(), {makeResult("sparse-sparse", 4000, 5.0, FigureSource::Measured)});
    QVERIFY(j.at("benchmarks")[0].at("speedup_vs_dense").is_null());
    QCOMPARE(j.at("benchmarks")[0].at("energy_source").get<std::string>(), std::string("measured"));
}

void TestReport::jsonRoundTrip()
{
    const BenchContext c = makeContextFixture();
    const auto results = makeResults();
    const json j = benchToJson(c, results);
    auto back = benchFromJson(j);
    QVERIFY2(back.isOk(), back.isOk() ? "" : back.message().c_str());
    const BenchContext& c2 = back->first;
    QCOMPARE(c2.date, c.date);
    QCOMPARE(c2.host, c.host);
    QCOMPARE(c2.model_path, c.model_path);
    QCOMPARE(c2.model_trained, c.model_trained);
    QCOMPARE(c2.cores, c.cores);
    QCOMPARE(c2.l2, c.l2);
    QCOMPARE(c2.warnings, c.warnings);
    QCOMPARE(back->second.size(), results.size());
    for (size_t i = 0; i < results.size(); ++i) {
        const BenchResult& a = results[i];
        const BenchResult& b = back->second[i];
        QCOMPARE(b.engine, a.engine);
        QCOMPARE(b.error, a.error);
        QCOMPARE(b.items, a.items);
        QCOMPARE(b.items_per_second, a.items_per_second);
        QCOMPARE(b.latency_p99_ms, a.latency_p99_ms);
        QCOMPARE(b.macs_bound, a.macs_bound);
        QCOMPARE(b.energy_source, a.energy_source);
        QCOMPARE(b.energy_meter, a.energy_meter);
        QCOMPARE(b.layers.size(), a.layers.size());
        for (size_t k = 0; k < a.layers.size(); ++k) {
            QCOMPARE(b.layers[k].stats.layer, a.layers[k].stats.layer);
            QCOMPARE(b.layers[k].stats.note, a.layers[k].stats.note);
            QCOMPARE(b.layers[k].stats.weighted, a.layers[k].stats.weighted);
            QCOMPARE(b.layers[k].seconds_per_item, a.layers[k].seconds_per_item);
            QVERIFY(std::fabs(b.layers[k].stats.inputDensity() - a.layers[k].input_density) < 1e-12);
            QVERIFY(std::fabs(b.layers[k].macs_bound_per_item - a.layers[k].macs_bound_per_item) < 1e-6);
        }
    }
    // Writing the read-back report gives the same JSON.
    QCOMPARE(benchToJson(back->first, back->second), j);
}

void TestReport::jsonFileRoundTrip()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("bench.json").toStdString();
    const std::string text = benchToJson(makeContextFixture(), makeResults()).dump(2);
    QVERIFY(writeTextFileAtomic(path, text).isOk());
    QVERIFY(writeTextFileAtomic(path, text).isOk()); // replaces an existing file
    auto back = readBenchReport(path);
    QVERIFY2(back.isOk(), back.isOk() ? "" : back.message().c_str());
    QCOMPARE(back->second.size(), size_t(4));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1); // no temporary left behind
}

void TestReport::wrongSchemaRefused()
{
    json j = benchToJson(makeContextFixture(), makeResults());
    j["schema_version"] = 2;
    auto r = benchFromJson(j);
    QVERIFY(!r.isOk());
    QVERIFY2(r.message().find("schema_version 2") != std::string::npos, r.message().c_str());
    QVERIFY(r.message().find("reads version 1") != std::string::npos);

    j.erase("schema_version");
    r = benchFromJson(j);
    QVERIFY(!r.isOk());
    QVERIFY(r.message().find("no schema_version") != std::string::npos);
}

void TestReport::malformedReportRefused()
{
    json j = benchToJson(makeContextFixture(), makeResults());
    j["benchmarks"][0]["items_per_second"] = "fast";
    auto r = benchFromJson(j); // a type error inside nlohmann becomes a Status, not an exception
    QVERIFY(!r.isOk());
    QVERIFY2(r.message().find("malformed") != std::string::npos, r.message().c_str());

    j = benchToJson(makeContextFixture(), makeResults());
    j["benchmarks"][1]["energy_source"] = "guessed";
    QVERIFY(!benchFromJson(j).isOk());

    // Integer fields: a huge or fractional number is refused with the field's name (a plain cast
    // of 8.9e53 to int was undefined behaviour, found by fuzz_report); a whole double that fits reads.
    for (const json& bad : {json(8.9e53), json(64.5), json(int64_t(1) << 40), json(-1e300)}) {
        j = benchToJson(makeContextFixture(), makeResults());
        j["benchmarks"][0]["batch"] = bad;
        r = benchFromJson(j);
        QVERIFY2(!r.isOk(), bad.dump().c_str());
        QVERIFY2(r.message().find("'batch' must be a whole number") != std::string::npos, r.message().c_str());
        QVERIFY2(r.message().find("\n") == std::string::npos, r.message().c_str());
    }
    j = benchToJson(makeContextFixture(), makeResults());
    j["benchmarks"][0]["batch"] = 8.0;
    r = benchFromJson(j);
    QVERIFY2(r.isOk(), r.isOk() ? "" : r.message().c_str());
    QCOMPARE(r->second[0].batch, 8);

    auto text = benchFromJsonText("{ not json", "report.json");
    QVERIFY(!text.isOk());
    QVERIFY(text.message().rfind("report.json is not valid JSON", 0) == 0);
    QVERIFY(!benchFromJson(json::array()).isOk());
    QVERIFY(!readBenchReport("/nonexistent/bench.json").isOk());
}

void TestReport::atomicWriteNamesPath()
{
    const Status s = writeTextFileAtomic("/nonexistent-dir/sub/report.json", "{}");
    QVERIFY(!s.isOk());
    QVERIFY2(s.message().find("/nonexistent-dir/sub/report.json") != std::string::npos, s.message().c_str());
}

// Issue 20: the rename of an atomic write replaced a device node (--json /dev/full as root) or a
// FIFO with a regular file. Anything that exists and is not a regular file is refused and kept.
void TestReport::atomicWriteRefusesSpecialFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string fifo = dir.filePath("fifo.json").toStdString();
    QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
    Status s = writeTextFileAtomic(fifo, "{}");
    QVERIFY(!s.isOk());
    QVERIFY2(s.message().find("is not a regular file") != std::string::npos, s.message().c_str());
    struct stat st{};
    QCOMPARE(::stat(fifo.c_str(), &st), 0);
    QVERIFY(S_ISFIFO(st.st_mode));
    s = writeTextFileAtomic("/dev/full", "{}");
    QVERIFY(!s.isOk());
    QVERIFY2(s.message().find("is not a regular file") != std::string::npos, s.message().c_str());
    s = writeTextFileAtomic(dir.path().toStdString(), "{}");
    QVERIFY(!s.isOk());
    QVERIFY2(s.message().find("is a folder") != std::string::npos, s.message().c_str());
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::System | QDir::Hidden).size(), 1); // the FIFO, no temporary
    const auto missing = writeTextFileAtomic(dir.filePath("no-such-folder/r.json").toStdString(), "{}");
    QVERIFY2(missing.message().find("does not exist") != std::string::npos, missing.message().c_str());
    if (::geteuid() != 0) { // root writes anywhere
        const QString ro = dir.filePath("read-only");
        QVERIFY(QDir().mkdir(ro));
        QVERIFY(QFile::setPermissions(ro, QFile::ReadOwner | QFile::ExeOwner));
        s = writeTextFileAtomic((ro + "/r.json").toStdString(), "{}");
        QVERIFY(!s.isOk());
        QVERIFY2(s.message().find("is not writable (Permission denied)") != std::string::npos, s.message().c_str());
        QVERIFY(QFile::setPermissions(ro, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    }
}

void TestReport::deeplyNestedReportRefused()
{
    const std::string deep = "{\"benchmarks\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
    auto r = benchFromJsonText(deep, "deep.json");
    QVERIFY(!r.isOk());
    QVERIFY2(r.message().find("nests arrays or objects more than 64 levels deep") != std::string::npos, r.message().c_str());
}

void TestReport::csvHeaderGolden()
{
    const std::string csv = benchToCsv(makeContextFixture(), makeResults());
    const std::string golden =
        "kind,engine,device,batch,threads,layer,op,kernel,items_per_second,latency_p50_ms,latency_p90_ms,latency_p99_ms,"
        "macs_dense,macs_executed,macs_bound,bound_speedup,input_density,weight_density,seconds_per_item,speedup_vs_dense,"
        "energy_j_per_item,energy_source,energy_meter,isa,iterations,items,seconds,error";
    std::istringstream in(csv);
    std::string line;
    std::getline(in, line);
    QCOMPARE(line, golden);
    QCOMPARE(benchCsvHeader(), golden);
    int engines = 0, layers = 0;
    while (std::getline(in, line)) {
        if (line.rfind("engine,", 0) == 0) {
            ++engines;
            QVERIFY2(line.find(",estimated,") != std::string::npos, line.c_str()); // energy source column
        } else if (line.rfind("layer,", 0) == 0) {
            ++layers;
        }
    }
    QCOMPARE(engines, 4);
    QCOMPARE(layers, 9);
    // Fields with commas or quotes are quoted (RFC 4180).
    QVERIFY2(csv.find(",\"The csr engine cannot run this model, \"\"as a test\"\".\"\n") != std::string::npos, csv.c_str());
}

void TestReport::consoleTable()
{
    const std::string out = benchToConsole(makeContextFixture(), makeResults());
    for (const char* needle : {"x dense", "x torch", "(estimated)", "items/s", "p50 ms", "MACs executed/item",
                               "energy J/item", "bound 1/(a·w)", "achieved x dense", "% of bound", "sparse-sparse",
                               "The csr engine cannot run this model", "energy is estimated", "side by side"})
        QVERIFY2(out.find(needle) != std::string::npos, needle);
    // sparse-sparse vs dense 4.00, vs torch 5.00; its linear1 layer: achieved 5.00 of a bound of 80 -> 6%.
    QVERIFY2(out.find("4.00") != std::string::npos && out.find("5.00") != std::string::npos, out.c_str());
    QVERIFY2(out.find("80.00") != std::string::npos && out.find("6%") != std::string::npos, out.c_str());

    // Without dense or torch rows, no ratio columns.
    const std::string alone = benchToConsole(makeContextFixture(), {makeResult("sparse-sparse", 4000, 5.0, FigureSource::Measured)});
    const std::string header = alone.substr(alone.find("\nengine") + 1, alone.find('\n', alone.find("\nengine") + 1) - alone.find("\nengine") - 1);
    QVERIFY2(header.find("items/s") != std::string::npos, header.c_str());
    QVERIFY(header.find("x dense") == std::string::npos);
    QVERIFY(header.find("x torch") == std::string::npos);
    QVERIFY(alone.find("(measured)") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestReport)
#include "tst_report.moc"
