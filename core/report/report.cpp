#include "report/report.h"

#include "bench/cpu_info.h"
#include "util/json_depth.h"
#include "util/output_file.h"
#include "util/text.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <type_traits>

namespace ss {

using nlohmann::json;

// ---- Ratios shared by every reporter ---------------------------------------------------------

const BenchResult* findBaseline(const std::vector<BenchResult>& results, const BenchResult& r,
                                const std::string& baseline_engine)
{
    const BenchResult* any_device = nullptr;
    for (const BenchResult& b : results) {
        if (b.engine != baseline_engine || b.batch != r.batch || b.threads != r.threads || !b.ok() ||
            b.items_per_second <= 0)
            continue;
        if (b.device == r.device)
            return &b;
        if (!any_device)
            any_device = &b;
    }
    return any_device;
}

std::optional<double> speedupVs(const std::vector<BenchResult>& results, const BenchResult& r,
                                const std::string& baseline_engine)
{
    const BenchResult* b = findBaseline(results, r, baseline_engine);
    if (!b || r.items_per_second <= 0)
        return std::nullopt;
    return r.items_per_second / b->items_per_second;
}

std::optional<double> layerSpeedupVs(const BenchResult* baseline, const LayerResult& layer)
{
    if (!baseline || layer.seconds_per_item <= 0)
        return std::nullopt;
    for (const LayerResult& b : baseline->layers)
        if (b.stats.layer == layer.stats.layer)
            return b.seconds_per_item > 0 ? std::optional(b.seconds_per_item / layer.seconds_per_item) : std::nullopt;
    // A step fused in one engine and not in the baseline ("cnn2+cnn2_batchnorm+cnn2_maxpool" against
    // "cnn2+cnn2_batchnorm" and "cnn2_maxpool"): the baseline's rows whose layers all lie in this row,
    // when together they are exactly this row's layers.
    const auto parts = [](const std::string& names) {
        std::vector<std::string> out;
        for (size_t at = 0; at <= names.size();) {
            const size_t plus = std::min(names.find('+', at), names.size());
            out.push_back(names.substr(at, plus - at));
            at = plus + 1;
        }
        return out;
    };
    // a layer appears in one row of a result, so the rows inside this one cover it when their
    // layers add up to as many as it has
    const auto want = parts(layer.stats.layer);
    size_t covered = 0;
    double seconds = 0;
    for (const LayerResult& b : baseline->layers) {
        const auto have = parts(b.stats.layer);
        if (std::all_of(have.begin(), have.end(), [&](const std::string& p) { return std::find(want.begin(), want.end(), p) != want.end(); })) {
            covered += have.size();
            seconds += b.seconds_per_item;
        }
    }
    if (covered != want.size() || seconds <= 0)
        return std::nullopt;
    return seconds / layer.seconds_per_item;
}

std::optional<double> boundSpeedup(const LayerResult& layer)
{
    // 1/(a·w) with the bound's a (the model's, see the runner), i.e. dense MACs over the bound's.
    if (!layer.stats.weighted || layer.macs_bound_per_item <= 0 || layer.stats.macs_dense <= 0)
        return std::nullopt;
    return layer.stats.macs_dense / layer.macs_bound_per_item;
}

namespace {

// NaN/inf would become null in JSON and an empty CSV cell; keep every figure a number.
double finite(double v)
{
    return std::isfinite(v) ? v : 0.0;
}

json optionalNumber(const std::optional<double>& v)
{
    return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

// ---- JSON ------------------------------------------------------------------------------------

json modelLayersToJson(const std::vector<ModelLayerInfo>& layers)
{
    json a = json::array();
    for (const ModelLayerInfo& l : layers)
        a.push_back({{"name", l.name},
                     {"type", l.type},
                     {"weight_density", finite(l.weight_density)},
                     {"P", l.P},
                     {"k", l.k},
                     {"input_density", finite(l.input_density)},
                     {"input_density_exact", l.input_density_exact},
                     {"macs_dense", finite(l.macs_dense)},
                     {"macs_bound", finite(l.macs_bound)}});
    return a;
}

json fpgaPlanToJson(const std::vector<FpgaPlanEntry>& plan)
{
    json a = json::array();
    for (const FpgaPlanEntry& e : plan)
        a.push_back({{"engine", e.engine},
                     {"part", e.part},
                     {"instances", e.instances},
                     {"fits", e.fits},
                     {"limiting", e.limiting},
                     {"clock_mhz", finite(e.clock_mhz)},
                     {"items_per_s_instance", finite(e.items_per_s_instance)},
                     {"items_per_s_chip", finite(e.items_per_s_chip)},
                     {"latency_ms", finite(e.latency_ms)},
                     {"power_w_chip", finite(e.power_w_chip)},
                     {"energy_j_per_item_chip", finite(e.energy_j_per_item_chip)},
                     {"source", "modelled"}});
    return a;
}

json contextToJson(const BenchContext& c)
{
    return json{{"date", c.date},
                {"host", c.host},
                {"executable", c.executable},
                {"model_path", c.model_path},
                {"model_name", c.model_name},
                {"model_trained", c.model_trained},
                {"cpu", c.cpu},
                {"isa", c.isa},
                {"build_type", c.build_type},
                {"version", c.version},
                {"cores", c.cores},
                {"mhz", finite(c.mhz)},
                {"governor", c.governor},
                {"caches", {{"l1d", c.l1d}, {"l2", c.l2}, {"l3", c.l3}}},
                {"blas", c.blas},
                {"compiler", c.compiler},
                {"git_commit", c.git_commit},
                {"model_sha256", c.model_sha256},
                {"model_layers", modelLayersToJson(c.model_layers)},
                {"fpga_plan", fpgaPlanToJson(c.fpga_plan)},
                {"warnings", c.warnings}};
}

json layerToJson(const LayerResult& l)
{
    return json{{"layer", l.stats.layer},
                {"op", l.stats.op},
                {"kernel", l.stats.kernel},
                {"note", l.stats.note},
                {"weighted", l.stats.weighted},
                {"macs_dense", finite(l.stats.macs_dense)},
                {"macs_executed", finite(l.macs_executed_per_item)},
                {"macs_bound", finite(l.macs_bound_per_item)},
                {"bound_speedup", optionalNumber(boundSpeedup(l))},
                {"input_size", finite(l.stats.input_size)},
                {"input_density", finite(l.input_density)},
                {"weight_density", finite(l.stats.weight_density)},
                {"seconds_per_item", finite(l.seconds_per_item)}};
}

json resultToJson(const BenchResult& r, const std::vector<BenchResult>& all)
{
    json layers = json::array();
    for (const LayerResult& l : r.layers)
        layers.push_back(layerToJson(l));
    json j{{"engine", r.engine},
           {"device", r.device},
           {"batch", r.batch},
           {"threads", r.threads},
           {"items_per_second", finite(r.items_per_second)},
           {"latency_ms",
            {{"p50", finite(r.latency_p50_ms)}, {"p90", finite(r.latency_p90_ms)}, {"p99", finite(r.latency_p99_ms)}}},
           {"macs_dense", finite(r.macs_dense)},
           {"macs_executed", finite(r.macs_executed)},
           {"macs_bound", finite(r.macs_bound)},
           {"energy_j_per_item", finite(r.energy_j_per_item)},
           {"energy_source", sourceName(r.energy_source)},
           {"energy_meter", r.energy_meter},
           {"isa", r.isa},
           {"iterations", r.iterations},
           {"items", r.items},
           {"seconds", finite(r.seconds)},
           {"speedup_vs_dense", optionalNumber(speedupVs(all, r, "dense"))},
           {"layers", std::move(layers)}};
    json series = json::array();
    for (const ThroughputSample& t : r.throughput)
        series.push_back(json::array({finite(t.elapsed_seconds), finite(t.items_per_second)}));
    j["throughput_over_time"] = std::move(series);
    if (!r.ok())
        j["error"] = r.error;
    return j;
}

// Reading helpers: a missing key takes the default (older writers may omit optional keys), a null
// number reads as 0, a wrong type throws nlohmann's type_error, caught at benchFromJson's edge.
// An integer field must hold a whole number that fits T: nlohmann converts a double such as 8.9e53
// to int by a plain cast, which is undefined behaviour (found by fuzz_report).
template <class T>
T get(const json& j, const char* key, T fallback)
{
    const auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        bool fits = false;
        if (it->is_number_unsigned())
            fits = it->template get<uint64_t>() <= uint64_t(std::numeric_limits<T>::max());
        else if (it->is_number_integer())
            fits = it->template get<int64_t>() >= int64_t(std::numeric_limits<T>::min()) &&
                   (it->template get<int64_t>() < 0 || uint64_t(it->template get<int64_t>()) <= uint64_t(std::numeric_limits<T>::max()));
        else if (it->is_number_float()) {
            const double d = it->template get<double>();
            fits = std::isfinite(d) && d == std::floor(d) && d >= double(std::numeric_limits<T>::min()) &&
                   d < std::ldexp(1.0, std::numeric_limits<T>::digits); // max + 1, exact in a double
        } else {
            return it->template get<T>(); // not a number: nlohmann's type_error names the type
        }
        if (!fits)
            throw std::out_of_range(std::string("'") + key + "' must be a whole number that fits (found " +
                                    it->dump().substr(0, 40) + ")");
        return it->is_number_float() ? T(it->template get<double>()) : it->template get<T>();
    } else {
        return it->template get<T>();
    }
}

BenchContext contextFromJson(const json& j)
{
    BenchContext c;
    c.date = get<std::string>(j, "date", "");
    c.host = get<std::string>(j, "host", "");
    c.executable = get<std::string>(j, "executable", "");
    c.model_path = get<std::string>(j, "model_path", "");
    c.model_name = get<std::string>(j, "model_name", "");
    c.model_trained = get<bool>(j, "model_trained", false);
    c.cpu = get<std::string>(j, "cpu", "");
    c.isa = get<std::string>(j, "isa", "");
    c.build_type = get<std::string>(j, "build_type", "");
    c.version = get<std::string>(j, "version", "");
    c.cores = get<int>(j, "cores", 0);
    c.mhz = get<double>(j, "mhz", 0.0);
    c.governor = get<std::string>(j, "governor", "");
    c.blas = get<std::string>(j, "blas", "");
    if (const auto caches = j.find("caches"); caches != j.end() && caches->is_object()) {
        c.l1d = get<size_t>(*caches, "l1d", 0);
        c.l2 = get<size_t>(*caches, "l2", 0);
        c.l3 = get<size_t>(*caches, "l3", 0);
    }
    c.compiler = get<std::string>(j, "compiler", "");
    c.git_commit = get<std::string>(j, "git_commit", "");
    c.model_sha256 = get<std::string>(j, "model_sha256", "");
    if (const auto layers = j.find("model_layers"); layers != j.end() && layers->is_array())
        for (const json& l : *layers) {
            ModelLayerInfo info;
            info.name = get<std::string>(l, "name", "");
            info.type = get<std::string>(l, "type", "");
            info.weight_density = get<double>(l, "weight_density", 1.0);
            info.P = get<int>(l, "P", 1);
            info.k = get<int>(l, "k", 0);
            info.input_density = get<double>(l, "input_density", 1.0);
            info.input_density_exact = get<bool>(l, "input_density_exact", true);
            info.macs_dense = get<double>(l, "macs_dense", 0.0);
            info.macs_bound = get<double>(l, "macs_bound", 0.0);
            c.model_layers.push_back(std::move(info));
        }
    if (const auto plan = j.find("fpga_plan"); plan != j.end() && plan->is_array())
        for (const json& p : *plan) {
            FpgaPlanEntry e;
            e.engine = get<std::string>(p, "engine", "");
            e.part = get<std::string>(p, "part", "");
            e.instances = get<int>(p, "instances", 0);
            e.fits = get<bool>(p, "fits", false);
            e.limiting = get<std::string>(p, "limiting", "");
            e.clock_mhz = get<double>(p, "clock_mhz", 0.0);
            e.items_per_s_instance = get<double>(p, "items_per_s_instance", 0.0);
            e.items_per_s_chip = get<double>(p, "items_per_s_chip", 0.0);
            e.latency_ms = get<double>(p, "latency_ms", 0.0);
            e.power_w_chip = get<double>(p, "power_w_chip", 0.0);
            e.energy_j_per_item_chip = get<double>(p, "energy_j_per_item_chip", 0.0);
            c.fpga_plan.push_back(std::move(e));
        }
    c.warnings = get<std::vector<std::string>>(j, "warnings", {});
    return c;
}

LayerResult layerFromJson(const json& j, int64_t items)
{
    LayerResult l;
    LayerStats& s = l.stats;
    s.layer = get<std::string>(j, "layer", "");
    s.op = get<std::string>(j, "op", "");
    s.kernel = get<std::string>(j, "kernel", "");
    s.note = get<std::string>(j, "note", "");
    s.macs_dense = get<double>(j, "macs_dense", 0.0);
    s.weight_density = get<double>(j, "weight_density", 1.0);
    s.weighted = get<bool>(j, "weighted", s.op == "conv2d" || s.op == "linear");
    l.macs_executed_per_item = get<double>(j, "macs_executed", 0.0);
    l.macs_bound_per_item = get<double>(j, "macs_bound", 0.0);
    l.input_density = get<double>(j, "input_density", 1.0);
    l.seconds_per_item = get<double>(j, "seconds_per_item", 0.0);
    // Rebuild the counters as sums over the run's items, so that LayerStats' own per-item
    // accessors agree with the stored figures.
    s.items = items;
    s.input_size = get<double>(j, "input_size", 1.0);
    s.macs_executed = l.macs_executed_per_item * double(items);
    s.input_nonzeros = l.input_density * double(items) * s.input_size;
    s.seconds = l.seconds_per_item * double(items);
    return l;
}

BenchResult resultFromJson(const json& j, size_t index)
{
    BenchResult r;
    if (!j.is_object() || !j.contains("engine"))
        throw std::runtime_error("benchmarks[" + std::to_string(index) + "] has no \"engine\"");
    r.engine = j.at("engine").get<std::string>();
    r.device = get<std::string>(j, "device", "cpu");
    r.batch = get<int>(j, "batch", 1);
    r.threads = get<int>(j, "threads", 1);
    r.items_per_second = get<double>(j, "items_per_second", 0.0);
    if (const auto lat = j.find("latency_ms"); lat != j.end() && lat->is_object()) {
        r.latency_p50_ms = get<double>(*lat, "p50", 0.0);
        r.latency_p90_ms = get<double>(*lat, "p90", 0.0);
        r.latency_p99_ms = get<double>(*lat, "p99", 0.0);
    }
    r.macs_dense = get<double>(j, "macs_dense", 0.0);
    r.macs_executed = get<double>(j, "macs_executed", 0.0);
    r.macs_bound = get<double>(j, "macs_bound", 0.0);
    r.energy_j_per_item = get<double>(j, "energy_j_per_item", 0.0);
    const std::string source = get<std::string>(j, "energy_source", "estimated");
    if (!parseFigureSource(source, &r.energy_source))
        throw std::runtime_error("benchmarks[" + std::to_string(index) + "] has an unknown energy_source \"" +
                                 source + "\" (expected measured, modelled or estimated)");
    r.energy_meter = get<std::string>(j, "energy_meter", "");
    r.isa = get<std::string>(j, "isa", "");
    r.iterations = get<int64_t>(j, "iterations", 0);
    r.items = get<int64_t>(j, "items", 0);
    r.seconds = get<double>(j, "seconds", 0.0);
    r.error = get<std::string>(j, "error", "");
    if (const auto layers = j.find("layers"); layers != j.end() && !layers->is_null()) {
        if (!layers->is_array())
            throw std::runtime_error("benchmarks[" + std::to_string(index) + "].layers is not an array");
        for (const json& l : *layers)
            r.layers.push_back(layerFromJson(l, r.items));
    }
    if (const auto series = j.find("throughput_over_time"); series != j.end() && series->is_array())
        for (const json& point : *series) {
            if (!point.is_array() || point.size() != 2)
                throw std::runtime_error("benchmarks[" + std::to_string(index) +
                                         "].throughput_over_time holds a point that is not [seconds, items/s]");
            if (r.throughput.size() < kMaxThroughputSamples)
                r.throughput.push_back({point[0].get<double>(), point[1].get<double>()});
        }
    return r;
}

// ---- Text helpers ----------------------------------------------------------------------------

std::string ratio(const std::optional<double>& v)
{
    return v ? formatNumber("%.2f", *v) : std::string("-");
}

// Width on a terminal: UTF-8 continuation bytes take no column.
size_t displayWidth(const std::string& s)
{
    return size_t(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

class TextTable {
public:
    // Columns whose header starts with '<' are left-aligned (the '<' is not printed).
    explicit TextTable(std::vector<std::string> headers)
    {
        for (std::string& h : headers) {
            const bool left = !h.empty() && h[0] == '<';
            left_.push_back(left);
            headers_.push_back(left ? h.substr(1) : h);
        }
    }
    void add(std::vector<std::string> row)
    {
        row.resize(headers_.size());
        rows_.push_back(std::move(row));
    }
    std::string render(const std::string& indent = "") const
    {
        std::vector<size_t> w(headers_.size());
        for (size_t c = 0; c < headers_.size(); ++c) {
            w[c] = displayWidth(headers_[c]);
            for (const auto& r : rows_)
                w[c] = std::max(w[c], displayWidth(r[c]));
        }
        std::string out;
        auto line = [&](const std::vector<std::string>& cells) {
            std::string l = indent;
            for (size_t c = 0; c < cells.size(); ++c) {
                const std::string pad(w[c] - displayWidth(cells[c]), ' ');
                l += left_[c] ? cells[c] + pad : pad + cells[c];
                if (c + 1 < cells.size())
                    l += "  ";
            }
            while (!l.empty() && l.back() == ' ')
                l.pop_back();
            out += l + "\n";
        };
        line(headers_);
        size_t total = 0;
        for (size_t c = 0; c < w.size(); ++c)
            total += w[c] + (c + 1 < w.size() ? 2 : 0);
        out += indent + std::string(total, '-') + "\n";
        for (const auto& r : rows_)
            line(r);
        return out;
    }

private:
    std::vector<std::string> headers_;
    std::vector<bool> left_;
    std::vector<std::vector<std::string>> rows_;
};

std::string csvField(const std::string& s)
{
    if (s.find_first_of(",\"\n\r") == std::string::npos)
        return s;
    std::string q = "\"";
    for (char c : s)
        q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string csvNumber(double v)
{
    return formatNumber("%.9g", finite(v));
}

std::string csvOptional(const std::optional<double>& v)
{
    return v && std::isfinite(*v) ? csvNumber(*v) : std::string();
}

bool anyRow(const std::vector<BenchResult>& results, const std::string& engine)
{
    return std::any_of(results.begin(), results.end(), [&](const BenchResult& r) { return r.engine == engine && r.ok(); });
}

} // namespace

json benchToJson(const BenchContext& context, const std::vector<BenchResult>& results)
{
    json benchmarks = json::array();
    for (const BenchResult& r : results)
        benchmarks.push_back(resultToJson(r, results));
    return json{{"schema_version", kBenchSchemaVersion}, {"context", contextToJson(context)}, {"benchmarks", std::move(benchmarks)}};
}

Result<BenchReport> benchFromJson(const json& report)
{
    if (!report.is_object())
        return badInput("The benchmark report is not a JSON object.");
    const auto version = report.find("schema_version");
    if (version == report.end())
        return badInput("The file has no schema_version, so it is not a SparseScope benchmark report.", "schema_version");
    if (!version->is_number_integer() || version->get<int64_t>() != kBenchSchemaVersion)
        return badInput("The benchmark report has schema_version " + version->dump() + ", but this SparseScope reads version " +
                            std::to_string(kBenchSchemaVersion) + "; open it with the version that wrote it.",
                        "schema_version");
    try {
        BenchReport out;
        if (const auto ctx = report.find("context"); ctx != report.end() && ctx->is_object())
            out.first = contextFromJson(*ctx);
        const auto benchmarks = report.find("benchmarks");
        if (benchmarks == report.end() || !benchmarks->is_array())
            return badInput("The benchmark report has no \"benchmarks\" array.", "benchmarks");
        for (size_t i = 0; i < benchmarks->size(); ++i)
            out.second.push_back(resultFromJson((*benchmarks)[i], i));
        return out;
    } catch (const std::exception& e) {
        return badInput("The benchmark report is malformed: " + printableExcerpt(e.what()) + ".");
    }
}

Result<BenchReport> benchFromJsonText(const std::string& text, const std::string& where)
{
    const std::string what = where.empty() ? std::string("The benchmark report") : where;
    if (Status s = checkJsonDepth(text, what, where); !s)
        return s.error();
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        return badInput((where.empty() ? std::string("The benchmark report") : where) + " is not valid JSON: " + printableExcerpt(e.what()) + ".", where);
    }
    auto r = benchFromJson(j);
    if (!r && !where.empty())
        return Error{r.error().code, where + ": " + r.message(), where};
    return r;
}

Result<BenchReport> readBenchReport(const std::string& path)
{
    // A FIFO or a device must not block or stream forever: only regular files of sane size.
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0)
        return badInput("Could not open the benchmark report " + path + " (" + std::strerror(errno) + ").", path);
    if (!S_ISREG(st.st_mode))
        return badInput("The benchmark report " + path + " is not a regular file.", path);
    if (st.st_size > (off_t(256) << 20))
        return badInput("The benchmark report " + path + " is " + std::to_string(st.st_size >> 20) +
                            " MiB; a report is never larger than 256 MiB.", path);
    std::ifstream f(path, std::ios::binary);
    if (!f)
        return badInput("Could not open the benchmark report " + path + " (" + std::strerror(errno) + ").", path);
    std::ostringstream ss;
    ss << f.rdbuf();
    return benchFromJsonText(ss.str(), path);
}

Status writeTextFileAtomic(const std::string& path, const std::string& content)
{
    auto failure = [&](const char* what, int err) {
        return Status(runtimeError("Could not write " + path + ": " + what + " failed (" + std::strerror(err) + ").", path));
    };
    // Never rename over a device, FIFO or folder; a missing or read-only folder gets its own sentence.
    if (Status s = checkOutputTarget(path); !s)
        return s;
    // The temporary sits in the same directory so that rename() is atomic (same file system).
    std::string tmp = path + ".tmp-XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0)
        return failure("creating a temporary file", errno);
    ::fchmod(fd, 0644); // mkstemp makes 0600; a report is meant to be shared
    const char* p = content.data();
    size_t left = content.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            return failure("writing", err);
        }
        p += n;
        left -= size_t(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return failure("flushing", err);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return failure("renaming the temporary file", err);
    }
    return Status::ok();
}

// ---- CSV -------------------------------------------------------------------------------------

std::string benchCsvHeader()
{
    return "kind,engine,device,batch,threads,layer,op,kernel,items_per_second,latency_p50_ms,latency_p90_ms,"
           "latency_p99_ms,macs_dense,macs_executed,macs_bound,bound_speedup,input_density,weight_density,"
           "seconds_per_item,speedup_vs_dense,energy_j_per_item,energy_source,energy_meter,isa,iterations,items,"
           "seconds,error";
}

std::string benchToCsv(const BenchContext&, const std::vector<BenchResult>& results)
{
    std::string out = benchCsvHeader() + "\n";
    for (const BenchResult& r : results) {
        const BenchResult* dense = findBaseline(results, r, "dense");
        const std::string common = csvField(r.engine) + "," + csvField(r.device) + "," + std::to_string(r.batch) + "," +
                                   std::to_string(r.threads) + ",";
        std::optional<double> net_bound;
        if (r.macs_bound > 0)
            net_bound = r.macs_dense / r.macs_bound;
        out += "engine," + common + ",,," + csvNumber(r.items_per_second) + "," + csvNumber(r.latency_p50_ms) + "," +
               csvNumber(r.latency_p90_ms) + "," + csvNumber(r.latency_p99_ms) + "," + csvNumber(r.macs_dense) + "," +
               csvNumber(r.macs_executed) + "," + csvNumber(r.macs_bound) + "," + csvOptional(net_bound) + ",,," +
               csvNumber(r.items > 0 ? r.seconds / double(r.items) : 0.0) + "," + csvOptional(speedupVs(results, r, "dense")) +
               "," + csvNumber(r.energy_j_per_item) + "," + sourceName(r.energy_source) + "," + csvField(r.energy_meter) +
               "," + csvField(r.isa) + "," + std::to_string(r.iterations) + "," + std::to_string(r.items) + "," +
               csvNumber(r.seconds) + "," + csvField(r.error) + "\n";
        // Layer rows carry no throughput, latency or energy of their own: those are whole-network figures.
        for (const LayerResult& l : r.layers) {
            out += "layer," + common + csvField(l.stats.layer) + "," + csvField(l.stats.op) + "," + csvField(l.stats.kernel) +
                   ",,,,," + csvNumber(l.stats.macs_dense) + "," + csvNumber(l.macs_executed_per_item) + "," +
                   csvNumber(l.macs_bound_per_item) + "," + csvOptional(boundSpeedup(l)) + "," + csvNumber(l.input_density) +
                   "," + csvNumber(l.stats.weight_density) + "," + csvNumber(l.seconds_per_item) + "," +
                   csvOptional(layerSpeedupVs(dense, l)) + ",,,," + csvField(r.isa) + ",," + std::to_string(l.stats.items) +
                   "," + csvNumber(l.stats.seconds) + ",\n";
        }
    }
    return out;
}

// ---- Console ---------------------------------------------------------------------------------

std::string benchToConsole(const BenchContext& c, const std::vector<BenchResult>& results)
{
    std::ostringstream out;
    out << "SparseScope " << c.version << " benchmark, " << c.date << " on " << c.host << " ("
        << (c.build_type.empty() ? "unknown" : c.build_type) << " build)\n";
    out << "model: " << c.model_name << (c.model_trained ? " (trained)" : " (untrained)");
    if (!c.model_path.empty())
        out << ", " << c.model_path;
    out << "\n";
    out << "cpu:   " << c.cpu << ", " << c.cores << " logical cores";
    if (c.mhz > 0)
        out << ", " << formatNumber("%.0f", c.mhz) << " MHz";
    out << ", kernels " << c.isa << ", L1d " << formatBytes(c.l1d) << ", L2 " << formatBytes(c.l2) << ", L3 "
        << formatBytes(c.l3);
    if (!c.governor.empty())
        out << ", governor " << c.governor;
    if (!c.blas.empty())
        out << ", OpenBLAS " << c.blas;
    out << "\n";
    for (const std::string& w : c.warnings)
        out << "***WARNING*** " << w << "\n";
    out << "Engines ran side by side in one process, interleaved in short time slices, so ratios compare like with like.\n\n";

    const bool has_dense = anyRow(results, "dense");
    const bool has_torch = anyRow(results, "torch");
    std::vector<std::string> headers{"<engine", "<device", "batch", "threads", "items/s", "p50 ms", "MACs executed/item",
                                     "<energy J/item"};
    if (has_dense)
        headers.push_back("x dense");
    if (has_torch)
        headers.push_back("x torch");
    TextTable table(headers);
    std::set<std::string> meters;
    for (const BenchResult& r : results) {
        const bool figures = r.items > 0;
        std::vector<std::string> row{r.engine, r.device, std::to_string(r.batch), std::to_string(r.threads)};
        if (!figures) {
            row.push_back("failed");
        } else {
            row.push_back(formatNumber("%.1f", r.items_per_second));
            row.push_back(formatNumber("%.3f", r.latency_p50_ms));
            row.push_back(r.layers.empty() && r.macs_executed == 0 ? std::string("n/a") : engineeringCount(r.macs_executed));
            // The source is printed next to every energy figure, measured ones included.
            row.push_back(formatNumber("%.4g", r.energy_j_per_item) + " (" + sourceName(r.energy_source) + ")");
            if (!r.energy_meter.empty())
                meters.insert(std::string(sourceName(r.energy_source)) + ": " + r.energy_meter);
            if (has_dense)
                row.push_back(ratio(speedupVs(results, r, "dense")));
            if (has_torch)
                row.push_back(ratio(speedupVs(results, r, "torch")));
        }
        table.add(std::move(row));
    }
    out << table.render();
    for (const BenchResult& r : results)
        if (!r.ok())
            out << "  " << r.engine << " (" << r.device << "): " << r.error << "\n";
    for (const std::string& m : meters)
        out << "  energy " << m << "\n";

    for (const BenchResult& r : results) {
        if (r.layers.empty())
            continue;
        const BenchResult* dense = findBaseline(results, r, "dense");
        out << "\n" << r.engine << " (" << r.device << ", batch " << r.batch << ", " << r.threads
            << (r.threads == 1 ? " thread" : " threads") << ", isa " << r.isa << "): per layer\n";
        TextTable layers({"<layer", "<kernel", "MACs executed", "MACs dense", "executed %", "bound 1/(a·w)",
                          "achieved x dense", "% of bound"});
        for (const LayerResult& l : r.layers) {
            const auto bound = boundSpeedup(l);
            const auto achieved = layerSpeedupVs(dense, l);
            layers.add({l.stats.layer, l.stats.kernel, engineeringCount(l.macs_executed_per_item), engineeringCount(l.stats.macs_dense),
                        l.stats.macs_dense > 0 ? formatNumber("%.1f%%", 100.0 * l.macs_executed_per_item / l.stats.macs_dense) : "-",
                        bound ? formatNumber("%.2f", *bound) : "-", ratio(achieved),
                        bound && achieved ? formatNumber("%.0f%%", 100.0 * *achieved / *bound) : "-"});
        }
        // The network row: the bound is over all weighted layers, achieved is the throughput ratio.
        std::optional<double> net_bound;
        if (r.macs_bound > 0)
            net_bound = r.macs_dense / r.macs_bound;
        const auto net_achieved = speedupVs(results, r, "dense");
        layers.add({"network", "", engineeringCount(r.macs_executed), engineeringCount(r.macs_dense),
                    r.macs_dense > 0 ? formatNumber("%.1f%%", 100.0 * r.macs_executed / r.macs_dense) : "-",
                    net_bound ? formatNumber("%.2f", *net_bound) : "-", ratio(net_achieved),
                    net_bound && net_achieved ? formatNumber("%.0f%%", 100.0 * *net_achieved / *net_bound) : "-"});
        out << layers.render("  ");
    }
    return out.str();
}

} // namespace ss
