// infer, eval, bench: running engines.
#include "cli.h"

#include "audio/melspec.h"
#include "audio/wav.h"
#include "bench/runner.h"
#include "datasets/evaluate.h"
#include "datasets/gsc.h"
#include "datasets/synth.h"
#include "engines/engine.h"
#include "fpga/model/devices.h"
#include "fpga/model/fpga_sim.h"
#include "fpga/model/perf_model.h"
#include "engines/quantised.h"
#include "model/model_io.h"
#include "model/npy.h"
#include "report/report.h"
#include "util/output_file.h"
#include "report_writer.h"

#include <QDir>
#include <QFileInfo>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <random>

namespace cli {

namespace {

bool parseInt(const QCommandLineParser& p, const char* name, int lo, int hi, int* out, int* exit)
{
    bool ok = false;
    const int v = p.value(name).toInt(&ok);
    if (!ok || v < lo || v > hi) {
        *exit = fail(std::string("--") + name + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + ".");
        return false;
    }
    *out = v;
    return true;
}

// cpu as before; fpga-sim:<part> and xrt[:index] are parsed and probed by fpga/model/devices.h
// (xrt with no board: "no FPGA found", exit 2).
bool checkDevice(const QCommandLineParser& p, int* exit, ss::fpga::DeviceSpec* spec = nullptr)
{
    const QString d = p.value("device");
    auto parsed = ss::fpga::parseDevice(d.toStdString());
    if (!parsed) {
        *exit = fail(parsed.error());
        return false;
    }
    const std::string xclbin = p.optionNames().contains("xclbin") ? p.value("xclbin").toStdString() : std::string();
    if (auto s = ss::fpga::probeDevice(*parsed, xclbin); !s) {
        *exit = fail(s.error());
        return false;
    }
    if (spec)
        *spec = *parsed;
    return true;
}

// Features for one input file: a .npy float32 tensor, or a WAV through the model's front end.
ss::Result<std::vector<float>> loadInput(const std::string& path, const ss::Model& m)
{
    const QString suffix = QFileInfo(QString::fromStdString(path)).suffix().toLower();
    if (!QFileInfo::exists(QString::fromStdString(path)))
        return ss::badInput("Input '" + path + "' does not exist.", path);
    if (suffix == "npy") {
        auto t = ss::readNpy(path);
        if (!t)
            return t.error();
        if (t->size() != m.input.size())
            return ss::badInput("'" + path + "' holds " + std::to_string(t->size()) + " values (shape " + ss::shapeToString(t->shape) +
                                    ") but the model takes " + m.input.toString() + " = " + std::to_string(m.input.size()) + ".", path);
        for (int64_t i = 0; i < t->size(); ++i)
            if (!std::isfinite(t->data[size_t(i)]))
                return ss::badInput("'" + path + "' holds a NaN or infinite value at index " + std::to_string(i) + ".", path);
            else if (std::abs(double(t->data[size_t(i)])) > ss::kMaxInputMagnitude)
                return ss::badInput("'" + path + "' holds " + std::to_string(t->data[size_t(i)]) + " at index " + std::to_string(i) +
                                        "; features must lie within +-" + std::to_string(int(ss::kMaxInputMagnitude)) +
                                        " (log-mel dB values lie within a few hundred of 0).", path);
        return t->data;
    }
    auto samples = ss::loadClip16k(path, m.audio);
    if (!samples)
        return samples.error();
    ss::LogMelFrontEnd fe(m.audio);
    if (!fe.status())
        return fe.status().error();
    auto f = fe.compute(*samples);
    if (int64_t(f.size()) != m.input.size())
        return ss::badInput("The model's audio settings give " + std::to_string(f.size()) + " features but it takes " +
                                m.input.toString() + ".", path);
    return f;
}

// An output file's folder must exist before a long run starts: failing after it wastes the run.
bool checkOutputPath(const QCommandLineParser& p, const char* option, int* exit)
{
    if (!p.isSet(option))
        return true;
    const QFileInfo fi(p.value(option));
    if (fi.isDir()) {
        *exit = fail(std::string("--") + option + " '" + p.value(option).toStdString() + "' is a folder; give a file name.");
        return false;
    }
    if (!fi.absoluteDir().exists()) {
        *exit = fail(std::string("--") + option + ": the folder '" + fi.absolutePath().toStdString() + "' does not exist.");
        return false;
    }
    // Also a device/FIFO at the path, or a folder without write permission: refused before the run.
    if (auto s = ss::checkOutputTarget(p.value(option).toStdString()); !s) {
        *exit = fail(std::string("--") + option + ": " + s.message());
        return false;
    }
    return true;
}

} // namespace

int cmdInfer(const QStringList& args)
{
    QCommandLineParser p;
    p.addPositionalArgument("MODEL", "Model file.");
    p.addPositionalArgument("INPUT", "A WAV clip (any rate/channels; resampled to the model's rate, cut/padded to 1 s) or a .npy float32 feature tensor.");
    p.addOption({"engine", "Engine to run (see bench --help for the list).", "NAME", "sparse-sparse"});
    p.addOption({"threads", "Threads.", "N", "1"});
    int exit = 0;
    if (!parse(p, args, "Classify one input and print the class and logits as JSON.", &exit))
        return exit;
    if (p.positionalArguments().size() != 2)
        return fail("infer takes MODEL and INPUT (see --help).");
    int threads = 1;
    if (!parseInt(p, "threads", 1, 256, &threads, &exit))
        return exit;
    auto model = ss::loadModel(p.positionalArguments()[0].toStdString());
    if (!model)
        return fail(model.error());
    const std::string input_path = p.positionalArguments()[1].toStdString();
    auto x = loadInput(input_path, *model);
    if (!x)
        return fail(x.error());
    const std::string name = p.value("engine").toStdString();
    auto names = ss::parseEngineList(name);
    if (!names)
        return fail(names.error());
    if (names->size() != 1)
        return fail("infer runs one engine but --engine '" + name + "' names " + std::to_string(names->size()) +
                    "; pick one, or compare engines with bench or eval.");
    auto engine = ss::createEngine(names->front());
    if (!engine)
        return fail("Engine '" + names->front() + "' cannot be created in this build.", RuntimeFailure);
    ss::EngineOptions opt;
    opt.threads = threads;
    if (auto s = engine->prepare(*model, opt); !s)
        return fail(s.error());
    const int K = int(model->layers.back().out_shape.size());
    std::vector<float> logits(static_cast<size_t>(K));
    if (auto s = engine->infer(x->data(), 1, logits.data()); !s)
        return fail(s.error());
    const int best = int(std::max_element(logits.begin(), logits.end()) - logits.begin());
    nlohmann::json j = {{"input", input_path}, {"engine", names->front()}, {"class_index", best},
                        {"class", best < int(model->classes.size()) ? model->classes[size_t(best)] : std::to_string(best)},
                        {"logits", logits}, {"classes", model->classes}, {"model_trained", model->trained()}};
    std::cout << j.dump(2) << "\n";
    return Ok;
}

int cmdEval(const QStringList& args)
{
    QCommandLineParser p;
    p.addPositionalArgument("MODEL", "Model file.");
    p.addOption({"data", "Dataset folder in Google Speech Commands layout.", "DIR"});
    p.addOption({"split", "train, validation, test, or all (every clip of the three).", "SPLIT", "test"});
    p.addOption({"speakers", "Only clips of these speakers of a 'dataset synth' tree: family:NAME or voice:NAME (comma lists\n"
                             "allowed), e.g. family:festival for a family left out of training. Silence clips are left out.",
                 "SPEC"});
    p.addOption({"engines", "Comma-separated engines, or 'all'.", "LIST", "all"});
    p.addOption({"threads", "Threads per engine.", "N", "1"});
    p.addOption({"batch", "Clips per engine call.", "N", "16"});
    p.addOption({"limit", "Evaluate only the first N clips (0 = all).", "N", "0"});
    p.addOption({"json", "Also write the result as JSON to FILE.", "FILE"});
    p.addOption({"device", "cpu, fpga-sim:u250, fpga-sim:zu3eg or xrt[:index] (FPGA devices run dense, sparse-dense, sparse-sparse).", "DEVICE", "cpu"});
    p.addOption({"xclbin", "Kernels for --device xrt (built with v++, see docs/fpga-model.md).", "FILE"});
    int exit = 0;
    if (!parse(p, args, "Accuracy of each engine on a dataset split, its confusion matrix, and the fraction of clips\n"
                        "on which all engines agree. Classes follow the model (keywords + _silence_ + _unknown_).", &exit))
        return exit;
    if (p.positionalArguments().size() != 1)
        return fail("eval takes exactly one MODEL (see --help).");
    if (!p.isSet("data"))
        return fail("eval needs --data DIR (see --help).");
    if (!checkOutputPath(p, "json", &exit))
        return exit;
    ss::EvalOptions eo;
    int threads = 1;
    if (!parseInt(p, "threads", 1, 256, &threads, &exit) || !parseInt(p, "batch", 1, 4096, &eo.batch, &exit) ||
        !parseInt(p, "limit", 0, 1 << 30, &eo.limit, &exit))
        return exit;
    eo.engine_options.threads = threads;
    ss::fpga::DeviceSpec device;
    if (!checkDevice(p, &exit, &device))
        return exit;
    std::vector<std::string> engine_names;
    if (device.kind != ss::fpga::DeviceSpec::Kind::Cpu && p.value("engines") == "all")
        engine_names = {"dense", "sparse-dense", "sparse-sparse"};
    else {
        auto engines = ss::parseEngineList(p.value("engines").toStdString());
        if (!engines)
            return fail(engines.error());
        engine_names = *engines;
    }
    eo.engines = engine_names;
    if (device.kind != ss::fpga::DeviceSpec::Kind::Cpu) {
        const std::string xclbin = p.value("xclbin").toStdString();
        eo.make_engine = [device, xclbin](const std::string& n) { return ss::fpga::createEngineOn(device, n, xclbin); };
    }
    const bool all_splits = p.value("split") == "all";
    auto split = all_splits ? ss::Result<ss::Split>(ss::Split::Test) : ss::parseSplit(p.value("split").toStdString());
    if (!split)
        return fail(split.error());
    auto model = ss::loadModel(p.positionalArguments()[0].toStdString());
    if (!model)
        return fail(model.error());
    auto data = ss::openGsc(p.value("data").toStdString(), ss::ClassPreset::Commands, model->classes);
    if (!data)
        return fail(data.error());
    std::string split_label = ss::splitName(*split);
    if (all_splits) {
        for (auto* part : {&data->train, &data->validation})
            data->test.insert(data->test.end(), part->begin(), part->end());
        split_label = "all";
    }
    if (p.isSet("speakers")) {
        auto chosen = ss::selectSynthSpeakers(data->root, p.value("speakers").toStdString());
        if (!chosen)
            return fail(chosen.error());
        auto& clips = data->test;
        if (*split != ss::Split::Test)
            data->test = data->split(*split);
        std::erase_if(clips, [&](const ss::GscClip& c) { return c.silence || !chosen->count(c.speaker); });
        if (clips.empty())
            return fail("No clip of the " + split_label + " split is spoken by " + p.value("speakers").toStdString() + ".");
        split = ss::Split::Test;
        split_label += " (" + p.value("speakers").toStdString() + ")";
    }
    auto rep = ss::evaluate(*model, *data, *split, eo,
                            [](int done, int total) { progressLine("eval: " + std::to_string(done) + "/" + std::to_string(total) + " clips"); },
                            &g_cancel);
    progressDone();
    if (!rep)
        return fail(rep.error());
    if (!model->trained())
        std::cout << "Note: the model is untrained (random weights); accuracy is at chance level by design.\n";
    rep->split = split_label;
    std::printf("%d clips of the %s split of %s\n", rep->clips, rep->split.c_str(), data->root.c_str());
    std::vector<ss::KeywordMetrics> km;
    for (const auto& e : rep->engines) {
        km.push_back(ss::keywordMetrics(e.confusion, rep->classes));
        std::printf("  %-14s accuracy %6.2f%%  (%d correct)  keyword recall %6.2f%%  non-keywords taken for a keyword %5.2f%%\n",
                    e.engine.c_str(), 100.0 * e.accuracy, e.correct, 100.0 * km.back().keyword_recall, 100.0 * km.back().false_accept);
    }
    if (!rep->engines.empty()) {
        std::printf("Recall per class (%s):", rep->engines.front().engine.c_str());
        for (size_t c = 0; c < rep->classes.size(); ++c)
            if (km.front().recall[c] >= 0)
                std::printf(" %s %.1f%%", rep->classes[c].c_str(), 100.0 * km.front().recall[c]);
        std::printf("\n(%d keyword clips, %d non-keyword clips, %d silence clips)\n", km.front().keyword_clips,
                    km.front().unknown_clips, km.front().silence_clips);
    }
    std::printf("All engines agree on %.2f%% of clips (%d of %d).\n", 100.0 * rep->agreement, rep->agreeing, rep->clips);
    if (p.isSet("json")) {
        nlohmann::json j = {{"clips", rep->clips}, {"agreement", rep->agreement}, {"split", rep->split},
                            {"classes", rep->classes}, {"model", model->name}, {"model_trained", model->trained()}};
        j["engines"] = nlohmann::json::array();
        for (size_t i = 0; i < rep->engines.size(); ++i) {
            const auto& e = rep->engines[i];
            nlohmann::json recall = nlohmann::json::object();
            for (size_t c = 0; c < rep->classes.size(); ++c)
                recall[rep->classes[c]] = km[i].recall[c] >= 0 ? nlohmann::json(km[i].recall[c]) : nlohmann::json(nullptr);
            j["engines"].push_back({{"engine", e.engine},
                                    {"accuracy", e.accuracy},
                                    {"keyword_recall", km[i].keyword_recall},
                                    {"non_keyword_false_accept", km[i].false_accept},
                                    {"recall", recall},
                                    {"confusion", e.confusion}});
        }
        j["keyword_clips"] = km.empty() ? 0 : km.front().keyword_clips;
        j["non_keyword_clips"] = km.empty() ? 0 : km.front().unknown_clips;
        if (p.isSet("speakers"))
            j["speakers"] = p.value("speakers").toStdString();
        if (auto s = ss::writeTextFileAtomic(p.value("json").toStdString(), j.dump(2) + "\n"); !s)
            return fail(s.error());
    }
    return Ok;
}

int cmdBench(const QStringList& args)
{
    QCommandLineParser p;
    p.addPositionalArgument("MODEL", "Model file (default: the shipped gsc-cs model).", "[MODEL]");
    QString known;
    for (const auto& n : ss::engineNames())
        known += QString::fromStdString(n) + " ";
    p.addOption({"engines", "Comma-separated engines or 'all' (this build: " + known.trimmed() + ").", "LIST", "all"});
    p.addOption({"device", "cpu, fpga-sim:u250, fpga-sim:zu3eg or xrt[:index]. On fpga-sim the outputs come from the C-simulated\n"
                           "kernels and time/energy are MODELLED; on xrt they are measured on the board.", "DEVICE", "cpu"});
    p.addOption({"xclbin", "Kernels for --device xrt (built with v++, see docs/fpga-model.md).", "FILE"});
    p.addOption({"batch", "Items per call.", "N", "1"});
    p.addOption({"threads", "Threads per engine.", "N", "1"});
    p.addOption({"seconds", "Measured run time per engine (engines run interleaved; an engine whose one call lasts longer is measured on that one call).", "S", "3"});
    p.addOption({"watts-per-core", "Power assumed per busy core when no energy meter is readable (estimated figures).", "W", "10"});
    p.addOption({"isa", "Pin the kernel ISA: scalar, avx2 or avx512 (default: the best this CPU has).", "ISA"});
    p.addOption({"json", "Write the results as JSON to FILE.", "FILE"});
    p.addOption({"csv", "Write the results as CSV to FILE.", "FILE"});
    p.addOption({"report", "Write a report with charts to FILE: .html (one self-contained file) or .pdf.", "FILE"});
    p.addOption({"page", "Page size of a PDF report: a4 or letter.", "SIZE", "a4"});
    int exit = 0;
    if (!parse(p, args, "Run engines side by side in one process (interleaved time slices, so machine noise hits all\n"
                        "alike) and print throughput, latency, MACs executed vs dense vs the bound a*w, energy per\n"
                        "item with its source (measured/estimated) and ratios to dense and torch.", &exit))
        return exit;
    QString model_arg;
    if (!modelArgument(p, "bench", &model_arg, &exit))
        return exit;
    ss::fpga::DeviceSpec device;
    if (!checkDevice(p, &exit, &device) || !checkOutputPath(p, "json", &exit) || !checkOutputPath(p, "csv", &exit) ||
        !checkOutputPath(p, "report", &exit))
        return exit;
    ss::report::PageSize page = ss::report::PageSize::A4;
    if (!ss::report::parsePageSize(p.value("page").toStdString(), &page))
        return fail("--page must be a4 or letter (got '" + p.value("page").toStdString() + "').");
    if (p.isSet("report") && ss::reportFormatOf(p.value("report").toStdString()).empty())
        return fail("--report '" + p.value("report").toStdString() + "' must end in .html or .pdf (that picks its format).");
    const bool on_fpga = device.kind != ss::fpga::DeviceSpec::Kind::Cpu;
    ss::BenchConfig cfg;
    if (!parseInt(p, "batch", 1, 4096, &cfg.batch, &exit) || !parseInt(p, "threads", 1, 256, &cfg.threads, &exit))
        return exit;
    bool ok = false;
    cfg.seconds = p.value("seconds").toDouble(&ok);
    if (!ok || !(cfg.seconds > 0) || cfg.seconds > 3600)
        return fail("--seconds must be a number of seconds between 0 and 3600.");
    cfg.watts_per_core = p.value("watts-per-core").toDouble(&ok);
    if (!ok || !(cfg.watts_per_core > 0))
        return fail("--watts-per-core must be a positive number.");
    cfg.warmup_seconds = std::min(0.3, cfg.seconds / 4);
    auto names = on_fpga && p.value("engines") == "all" ? ss::Result<std::vector<std::string>>(std::vector<std::string>{"dense", "sparse-dense", "sparse-sparse"})
                                                        : ss::parseEngineList(p.value("engines").toStdString());
    if (!names)
        return fail(names.error());
    const std::string model_path = model_arg.toStdString();
    auto model = ss::loadModel(model_path);
    if (!model)
        return fail(model.error());

    ss::EngineOptions opt;
    opt.threads = cfg.threads;
    opt.isa = p.value("isa").toStdString();
    std::vector<std::unique_ptr<ss::Engine>> engines;
    std::vector<ss::BenchTarget> targets;
    for (const auto& n : *names) {
        auto made = ss::fpga::createEngineOn(device, n, p.value("xclbin").toStdString());
        if (!made)
            return fail(made.error());
        auto e = std::move(*made);
        if (auto s = e->prepare(*model, opt); !s)
            return fail("Engine '" + n + "' cannot run this model" + (on_fpga ? " on " + device.text : std::string()) + ": " + s.message(),
                        exitCodeFor(s.error()));
        targets.push_back({n, device.text, e.get()});
        engines.push_back(std::move(e));
    }
    // A pool of distinct inputs (normal features): the engines' own counters measure the
    // activation density the k-WTA layers really produce.
    std::mt19937_64 rng(cfg.seed);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    std::vector<float> inputs(size_t(64) * size_t(model->input.size()));
    for (auto& v : inputs)
        v = nd(rng);
    auto results = ss::runBenchmark(targets, *model, inputs, cfg, [&](const ss::BenchProgress& pr) {
        char b[160];
        std::snprintf(b, sizeof b, "bench: %-14s %s %5.1f%%  %.0f items/s", pr.engine.c_str(), pr.warming_up ? "warm-up" : "running",
                      100.0 * pr.fraction_done, pr.items_per_second);
        progressLine(b);
    }, &g_cancel);
    progressDone();
    if (g_cancel)
        return fail("Cancelled; no report written.", RuntimeFailure);
    // fpga-sim: the wall time above is the C-simulation's; the model's figures replace time and
    // energy (and say so). xrt: energy from the board's power sensor, integrated over the runs.
    bool modelled = false;
    for (size_t i = 0; i < results.size() && i < engines.size(); ++i)
        modelled = ss::fpga::applyDeviceFigures(device, engines[i].get(), results[i]) || modelled;
    auto ctx = ss::makeContext(model_path, *model);
    if (modelled)
        ctx.warnings.push_back(ss::fpga::modelledFiguresWarning(device));
    // On an FPGA device the report carries the resource plan of each engine on that part (modelled).
    if (const ss::fpga::Part* part = device.kind == ss::fpga::DeviceSpec::Kind::Sim ? ss::fpga::findPart(device.part) : nullptr)
        if (auto net = ss::q8::quantise(*model))
            for (const auto& n : *names) {
                ss::fpga::Variant v;
                if (!ss::fpga::variantFromEngine(n, &v))
                    continue;
                const auto e = ss::fpga::estimate(*net, v, *part);
                ctx.fpga_plan.push_back({n, part->name, e.instances, e.fits, e.limiting, e.clock_hz / 1e6, e.items_per_s_instance,
                                         e.items_per_s_chip, e.latency_s * 1e3, e.power_w_chip, e.energy_j_per_item_chip});
            }
    std::cout << ss::benchToConsole(ctx, results);
    if (p.isSet("json"))
        if (auto s = ss::writeTextFileAtomic(p.value("json").toStdString(), ss::benchToJson(ctx, results).dump(2) + "\n"); !s)
            return fail(s.error());
    if (p.isSet("csv"))
        if (auto s = ss::writeTextFileAtomic(p.value("csv").toStdString(), ss::benchToCsv(ctx, results)); !s)
            return fail(s.error());
    if (p.isSet("report")) {
        const QString report = p.value("report");
        if (auto s = ss::report::writeReport({{"R1: " + QFileInfo(report).completeBaseName().toStdString(), ctx, results}},
                                             report.toStdString(), page);
            !s)
            return fail(s.error());
    }
    for (const auto& r : results)
        if (!r.ok())
            return RuntimeFailure;
    return Ok;
}

} // namespace cli
