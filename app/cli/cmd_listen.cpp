// listen: live keyword recognition from a WAV file or a capture device through every selected
// engine (core/live), and `dataset stream`, which makes long test recordings with their truth.
#include "cli.h"
#include "listen_session.h"

#include "audio/wav.h"
#include "bench/stats.h"
#include "datasets/gsc.h"
#include "datasets/stream.h"
#include "engines/engine.h"
#include "fpga/model/devices.h"
#include "model/model_io.h"
#include "report/report.h"

#include <QDir>
#include <QFileInfo>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <thread>

namespace cli {

namespace {

using json = nlohmann::json;

std::string fixed(double v, int decimals)
{
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", decimals, v);
    return b;
}

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

bool parseNumberOption(const QCommandLineParser& p, const char* name, double lo, double hi, double* out, int* exit)
{
    bool ok = false;
    const double v = p.value(name).toDouble(&ok);
    if (!ok || !(v >= lo && v <= hi)) {
        *exit = fail(std::string("--") + name + " must be a number between " + fixed(lo, lo == std::floor(lo) ? 0 : 2) + " and " +
                     fixed(hi, hi == std::floor(hi) ? 0 : 2) + ".");
        return false;
    }
    *out = v;
    return true;
}

} // namespace

ss::Result<std::unique_ptr<ListenSession>> ListenSession::create(const ListenOptions& options)
{
    std::unique_ptr<ListenSession> s(new ListenSession());
    s->options_ = options;
    auto model = ss::loadModel(options.model_path);
    if (!model)
        return model.error();
    s->model_ = std::move(*model);
    std::vector<ss::LiveRecognizer::NamedEngine> engines;
    ss::EngineOptions eo; // one thread each: the CPU share is then one core's
    for (const auto& item : options.engines) {
        // "DEVICE/ENGINE" (fpga-sim:u250/sparse-sparse) or a CPU engine name.
        ss::fpga::DeviceSpec device;
        std::string name = item;
        if (const auto slash = item.find('/'); slash != std::string::npos) {
            auto d = ss::fpga::parseDevice(item.substr(0, slash));
            if (!d)
                return d.error();
            device = *d;
            name = item.substr(slash + 1);
            if (device.kind == ss::fpga::DeviceSpec::Kind::Sim)
                s->engine_notes_.push_back(item + ": times are the C-simulation's on this CPU (measured), not the FPGA's.");
        } else if (!ss::findEngine(name)) {
            return ss::parseEngineList(name).error();
        }
        auto made = ss::fpga::createEngineOn(device, name, "");
        if (!made)
            return made.error();
        if (auto st = (*made)->prepare(s->model_, eo); !st)
            return ss::badInput("Engine '" + item + "' cannot run this model: " + st.message());
        engines.push_back({item, std::move(*made)});
    }
    s->live_ = std::make_unique<ss::LiveRecognizer>(s->model_, std::move(engines), options.live);
    if (!s->live_->status())
        return s->live_->status().error();
    if (!options.jsonl) {
        const auto& fe = s->live_->frontEnd();
        std::cout << "listen: " << options.source << "; hop " << fixed(fe.hopSeconds() * 1000, 0) << " ms ("
                  << fe.hopSamples() / s->model_.audio.hop_length << " feature frames); engines";
        for (const auto& e : options.engines)
            std::cout << " " << e;
        std::cout << "\n" << std::flush;
    }
    return s;
}

void ListenSession::feed(const float* samples, size_t n)
{
    detections_.clear();
    live_->push(samples, n, nullptr, &detections_);
    for (size_t i = 0; i < detections_.size(); ++i) {
        const auto& d = detections_[i];
        all_detections_.push_back(d);
        if (options_.jsonl) {
            const json j = {{"type", "detection"}, {"time_s", round3(d.time_s)}, {"word", d.word}, {"engine", d.engine_name},
                            {"score", round3(d.score)}};
            std::cout << j.dump() << "\n";
            continue;
        }
        // Text: one line per window and word, naming every engine that fired it.
        bool first = true;
        for (size_t k = 0; k < i; ++k)
            first = first && !(detections_[k].time_s == d.time_s && detections_[k].word == d.word);
        if (!first)
            continue;
        std::string who;
        for (size_t k = i; k < detections_.size(); ++k)
            if (detections_[k].time_s == d.time_s && detections_[k].word == d.word)
                who += (who.empty() ? "" : ", ") + detections_[k].engine_name + " " + fixed(detections_[k].score, 2);
        std::cout << fixed(d.time_s, 2) << " s  " << d.word << std::string(d.word.size() < 8 ? 8 - d.word.size() : 1, ' ') << "(" << who
                  << ")\n";
    }
    if (!detections_.empty())
        std::cout << std::flush;
}

int ListenSession::finish(bool cancelled)
{
    const auto& stats = live_->stats();
    const double stream_s = live_->streamSeconds();
    const auto& rs = options_.live.recognizer;
    json summary = {{"type", "summary"},
                    {"source", options_.source},
                    {"model", options_.model_path},
                    {"stream_s", round3(stream_s)},
                    {"hop_ms", round3(live_->hopSeconds() * 1000)},
                    {"windows", live_->frontEnd().windowsEmitted()},
                    {"clock", options_.live.clock == ss::DeadlineClock::Wall ? "wall" : "simulated"},
                    {"cancelled", cancelled},
                    {"smoothing", {{"average_s", rs.average_window_s}, {"threshold", rs.threshold},
                                   {"suppression_s", rs.suppression_s}, {"minimum_count", rs.minimum_count}}},
                    {"notes", engine_notes_},
                    // The features, shared by every engine: CPU per audio second, and STFT frames per window.
                    {"front_end", {{"cpu_share", stream_s > 0 ? std::round(live_->frontEndCpuSeconds() / stream_s * 1e5) / 1e5 : 0.0},
                                   {"frames_per_window", live_->frontEnd().windowsEmitted()
                                                             ? std::round(double(live_->frontEnd().framesComputed()) /
                                                                          double(live_->frontEnd().windowsEmitted()) * 100) / 100
                                                             : 0.0}}}};
    json engines = json::array();
    for (size_t i = 0; i < stats.size(); ++i) {
        const auto& st = stats[i];
        json e = {{"engine", st.name},
                  {"decisions", st.decisions},
                  {"dropped", st.dropped},
                  {"failed", st.failed},
                  {"detections", st.detections},
                  {"latency_ms", {{"p50", round3(ss::percentile(st.wall_ms, 50))}, {"p90", round3(ss::percentile(st.wall_ms, 90))},
                                  {"p99", round3(ss::percentile(st.wall_ms, 99))}, {"max", round3(ss::percentile(st.wall_ms, 100))}}},
                  {"cpu_ms", {{"p50", round3(ss::percentile(st.cpu_ms, 50))}, {"p99", round3(ss::percentile(st.cpu_ms, 99))},
                              {"mean", round3(ss::mean(st.cpu_ms))}}},
                  // CPU time spent deciding per second of audio: the share of one core at this hop.
                  {"cpu_share", stream_s > 0 ? std::round(st.cpu_seconds / stream_s * 1e5) / 1e5 : 0.0}};
        if (i > 0)
            e["agreement_with_" + stats[0].name] = st.compared ? std::round(double(st.agreed) / double(st.compared) * 1e4) / 1e4 : 0.0;
        if (!st.last_error.empty())
            e["last_error"] = st.last_error;
        if (options_.truth) {
            std::vector<ss::ScoredDetection> mine;
            for (const auto& d : all_detections_)
                if (d.engine == int(i))
                    mine.push_back({d.word, d.time_s});
            const auto sc = ss::scoreStream(*options_.truth, mine, stream_s, {}, options_.others);
            json per_word = json::object();
            for (const auto& [word, c] : sc.per_word)
                per_word[word] = {{"keywords", c.utterances}, {"detected", c.detected}};
            if (!options_.others.empty())
                e["non_keywords"] = {{"utterances", sc.non_keywords}, {"false_accepts", sc.false_accepts},
                                     {"false_accept_rate", std::round(sc.false_accept_rate() * 1e4) / 1e4}};
            e["score"] = {{"per_word", per_word},{"keywords", sc.utterances},
                          {"detected", sc.detected},
                          {"detection_rate", std::round(sc.detection_rate() * 1e4) / 1e4},
                          {"false_positives", sc.false_positives},
                          {"fp_per_hour", std::round(sc.fp_per_hour() * 10) / 10},
                          {"fp_per_minute", std::round(sc.fp_per_minute() * 1000) / 1000},
                          {"delay_s", {{"median", round3(ss::median(sc.delays_s))}, {"p90", round3(ss::percentile(sc.delays_s, 90))},
                                       {"mean", round3(ss::mean(sc.delays_s))}}}};
        }
        engines.push_back(std::move(e));
    }
    summary["engines"] = engines;
    if (options_.truth)
        summary["scoring"] = "MLPerf Tiny streaming: a hit lands between an utterance's start and 1 s after its end; repeats "
                             "of a word within 1 s count once; other detections are false positives; delay = hit - utterance end";

    if (options_.jsonl) {
        std::cout << summary.dump() << "\n" << std::flush;
        return Ok;
    }
    std::cout << "\n" << fixed(stream_s, 1) << " s of audio, " << live_->frontEnd().windowsEmitted() << " windows"
              << (cancelled ? " (stopped by Ctrl-C)" : "") << "; smoothing: average " << fixed(rs.average_window_s, 2)
              << " s, threshold " << fixed(rs.threshold, 2) << ", suppression " << fixed(rs.suppression_s, 2) << " s, minimum count "
              << rs.minimum_count << "; deadlines on the " << summary["clock"].get<std::string>() << " clock; features "
              << fixed(100.0 * summary["front_end"]["cpu_share"].get<double>(), 2) << "% CPU, "
              << fixed(summary["front_end"]["frames_per_window"].get<double>(), 2) << " STFT frames per window.\n";
    char line[256];
    std::snprintf(line, sizeof line, "%-28s %9s %7s %8s %8s %8s %9s %7s %10s\n", "engine", "decisions", "dropped", "p50 ms", "p90 ms",
                  "p99 ms", "CPU share", "agree", "detections");
    std::cout << line;
    for (size_t i = 0; i < engines.size(); ++i) {
        const auto& e = engines[i];
        const std::string agree = i == 0 ? "-" : fixed(100.0 * e["agreement_with_" + stats[0].name].get<double>(), 1) + "%";
        std::snprintf(line, sizeof line, "%-28s %9llu %7llu %8.3f %8.3f %8.3f %8.2f%% %7s %10llu\n", stats[i].name.c_str(),
                      (unsigned long long)stats[i].decisions, (unsigned long long)stats[i].dropped, e["latency_ms"]["p50"].get<double>(),
                      e["latency_ms"]["p90"].get<double>(), e["latency_ms"]["p99"].get<double>(), 100.0 * e["cpu_share"].get<double>(),
                      agree.c_str(), (unsigned long long)stats[i].detections);
        std::cout << line;
    }
    if (options_.truth) {
        std::cout << "\nScore (MLPerf Tiny streaming rules) over " << options_.truth->size() << " keywords:\n";
        std::snprintf(line, sizeof line, "%-28s %9s %7s %6s %8s %7s %15s\n", "engine", "detected", "rate", "FP", "FP/hour", "FP/min",
                      "delay median s");
        std::cout << line;
        for (size_t i = 0; i < engines.size(); ++i) {
            const auto& sc = engines[i]["score"];
            std::snprintf(line, sizeof line, "%-28s %9d %6.1f%% %6d %8.1f %7.2f %15.2f\n", stats[i].name.c_str(), sc["detected"].get<int>(),
                          100.0 * sc["detection_rate"].get<double>(), sc["false_positives"].get<int>(), sc["fp_per_hour"].get<double>(),
                          sc["fp_per_minute"].get<double>(), sc["delay_s"]["median"].get<double>());
            std::cout << line;
        }
        if (!options_.others.empty())
            std::cout << "Non-keywords (" << stats[0].name << "): " << engines[0]["non_keywords"]["false_accepts"].get<int>() << " of "
                      << engines[0]["non_keywords"]["utterances"].get<int>() << " other words drew a false positive.\n";
        std::cout << "Per word (" << stats[0].name << "):";
        for (const auto& [word, c] : engines[0]["score"]["per_word"].items())
            std::cout << " " << word << " " << c["detected"].get<int>() << "/" << c["keywords"].get<int>();
        std::cout << "\n";
    }
    for (const auto& n : engine_notes_)
        std::cout << "Note: " << n << "\n";
    std::cout << std::flush;
    return Ok;
}

int listenDevice(const QString& device, double seconds, ListenSession& session); // listen_device.cpp
int listDevices();                                                                 // listen_device.cpp

int cmdListen(const QStringList& args)
{
    QCommandLineParser p;
    p.addPositionalArgument("MODEL", "Model file.");
    p.addOption({"wav", "Listen to a WAV file (any rate/channels; resampled to the model's rate).", "FILE"});
    p.addOption({"device", "Listen to a capture device (a name or part of one as 'listen --list-devices' shows; 'default' for the "
                           "system's default input).", "NAME"});
    p.addOption({"list-devices", "Print the capture devices and exit."});
    p.addOption({"engines", "Comma-separated engines, or 'all'; DEVICE/ENGINE runs one on an FPGA device "
                            "(e.g. fpga-sim:u250/sparse-sparse). Default: all.", "LIST", "all"});
    p.addOption({"hop-ms", "Time between decisions. Rounded to whole feature frames (32 ms for the GSC models) so that "
                           "each hop computes only its new frames: 50 asks for 64 (default 64).", "MS", QString::number(ss::LiveSettings{}.hop_ms)});
    const ss::RecognizerSettings defaults; // documented in core/audio/recognize.h
    p.addOption({"average-ms", "Smoothing: posteriors averaged over this long (default " + QString::number(defaults.average_window_s * 1000) + ").", "MS", QString::number(defaults.average_window_s * 1000)});
    p.addOption({"threshold", "Smoothing: a keyword fires when its averaged posterior exceeds this (default " + QString::number(defaults.threshold) + ").", "P", QString::number(defaults.threshold)});
    p.addOption({"suppression-ms", "Smoothing: no detection this soon after the previous one (default " + QString::number(defaults.suppression_s * 1000) + ").", "MS", QString::number(defaults.suppression_s * 1000)});
    p.addOption({"min-count", "Smoothing: fewer posteriors than this in the average window decide nothing (default " + QString::number(defaults.minimum_count) + ").", "N",
                 QString::number(defaults.minimum_count)});
    p.addOption({"jsonl", "One JSON object per detection, then one summary object (latency p50/p90/p99, CPU share, score)."});
    p.addOption({"truth", "Score the detections against FILE.csv (word,start_s,end_s) with the MLPerf Tiny streaming rules.", "FILE"});
    p.addOption({"others", "With --truth: the other (non-keyword) words said, FILE.csv as `dataset stream --others` writes: "
                           "reports how many drew a false positive (false accepts).", "FILE"});
    p.addOption({"realtime", "With --wav: play the file at real time (the default reads it as fast as possible, and the "
                             "deadlines are then simulated per engine in stream time)."});
    p.addOption({"seconds", "Stop after this many seconds of audio (0 = at the end of the file, or at Ctrl-C).", "S", "0"});
    int exit = 0;
    if (!parse(p, args,
               "Recognise keywords in a stream: a 1 s window every hop through every selected engine, posteriors smoothed per\n"
               "engine, detections printed as they happen with their stream time. An engine that cannot start a window within one\n"
               "hop of its arrival drops it (counted) instead of falling behind. Ctrl-C stops and prints the summary.",
               &exit))
        return exit;
    if (p.isSet("list-devices"))
        return listDevices();
    if (p.positionalArguments().size() != 1)
        return fail("listen takes exactly one MODEL (see --help).");
    if (p.isSet("wav") == p.isSet("device"))
        return fail("listen needs exactly one of --wav FILE or --device NAME.");
    if (p.isSet("realtime") && !p.isSet("wav"))
        return fail("--realtime paces a --wav file; a device is always real time.");

    ListenOptions o;
    o.model_path = p.positionalArguments()[0].toStdString();
    auto names = ss::Result<std::vector<std::string>>(std::vector<std::string>{});
    {
        std::vector<std::string> items;
        for (const QString& item : p.value("engines").split(',', Qt::SkipEmptyParts)) {
            const std::string s = item.trimmed().toStdString();
            if (s.find('/') != std::string::npos) {
                items.push_back(s);
                continue;
            }
            auto parsed = ss::parseEngineList(s);
            if (!parsed)
                return fail(parsed.error());
            for (const auto& n : *parsed)
                if (std::find(items.begin(), items.end(), n) == items.end())
                    items.push_back(n);
        }
        if (items.empty())
            return fail("--engines names no engine (see --help).");
        o.engines = items;
    }
    double hop_ms = 0, average_ms = 0, suppression_ms = 0, threshold = 0, min_count = 0, seconds = 0;
    if (!parseNumberOption(p, "hop-ms", 1, 60000, &hop_ms, &exit) || !parseNumberOption(p, "average-ms", 0, 3600000, &average_ms, &exit) ||
        !parseNumberOption(p, "suppression-ms", 0, 3600000, &suppression_ms, &exit) ||
        !parseNumberOption(p, "threshold", 0, 0.999, &threshold, &exit) || !parseNumberOption(p, "min-count", 1, 100000, &min_count, &exit) ||
        !parseNumberOption(p, "seconds", 0, 1e7, &seconds, &exit))
        return exit;
    if (min_count != std::floor(min_count))
        return fail("--min-count must be a whole number.");
    o.live.hop_ms = hop_ms;
    o.live.recognizer = {average_ms / 1000.0, threshold, suppression_ms / 1000.0, int(min_count)};
    o.live.keep_features = false;
    o.jsonl = p.isSet("jsonl");
    if (p.isSet("truth")) {
        auto truth = ss::readTruthCsv(p.value("truth").toStdString());
        if (!truth)
            return fail(truth.error());
        o.truth = std::move(*truth);
    }
    if (p.isSet("others")) {
        if (!o.truth)
            return fail("--others needs --truth (the keywords of the same stream).");
        auto others = ss::readTruthCsv(p.value("others").toStdString());
        if (!others)
            return fail(others.error());
        o.others = std::move(*others);
    }

    if (p.isSet("device")) {
        o.source = "device " + p.value("device").toStdString();
        o.live.clock = ss::DeadlineClock::Wall;
        auto session = ListenSession::create(o);
        if (!session)
            return fail(session.error());
        return listenDevice(p.value("device"), seconds, **session);
    }

    const std::string wav = p.value("wav").toStdString();
    ss::WavInfo info;
    auto clip = ss::readWav(wav, &info);
    if (!clip)
        return fail(clip.error());
    o.source = "file " + wav;
    const bool realtime = p.isSet("realtime");
    o.live.clock = realtime ? ss::DeadlineClock::Wall : ss::DeadlineClock::Simulated;
    auto made = ListenSession::create(o);
    if (!made)
        return fail(made.error());
    ListenSession& session = **made;
    std::vector<float> audio = ss::resample(clip->samples, clip->sample_rate, session.sampleRate());
    clip->samples.clear();
    if (seconds > 0)
        audio.resize(std::min(audio.size(), size_t(seconds * session.sampleRate())));
    // Chunks of 20 ms, like a capture device's periods; at real time each is fed when it "arrives".
    const size_t chunk = size_t(session.sampleRate()) / 50;
    const auto t0 = std::chrono::steady_clock::now();
    bool cancelled = false;
    for (size_t pos = 0; pos < audio.size(); pos += chunk) {
        if (g_cancel) {
            cancelled = true;
            break;
        }
        const size_t n = std::min(chunk, audio.size() - pos);
        if (realtime)
            std::this_thread::sleep_until(t0 + std::chrono::duration<double>(double(pos + n) / session.sampleRate()));
        session.feed(audio.data() + pos, n);
    }
    return session.finish(cancelled);
}

int datasetStream(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({"data", "Dataset folder in Google Speech Commands layout.", "DIR"});
    p.addOption({"split", "train, validation or test.", "SPLIT", "test"});
    p.addOption({QStringList{"o", "output"}, "The WAV file to write (16 kHz mono 16-bit).", "FILE"});
    p.addOption({"truth", "The keywords' truth to write: CSV word,start_s,end_s.", "FILE"});
    p.addOption({"minutes", "Length of the recording.", "N", "10"});
    p.addOption({"seed", "Random seed: the same seed and folder give the same files.", "S", "1"});
    p.addOption({"words", "Which words are keywords: commands (default) or digits.", "SET", "commands"});
    p.addOption({"others", "Also write the other (non-keyword) words said: CSV word,start_s,end_s (for listen --others).", "FILE"});
    p.addOption({"keyword-fraction", "Share of utterances that are keywords (the rest are the split's other words).", "F", "0.75"});
    int exit = 0;
    if (!parse(p, args,
               "Write a long recording for streaming tests: the split's keywords and other words at random gaps (1.5-3.5 s of\n"
               "silence between words) over the set's _background_noise_ (level and file changing every 3-8 s), word peaks\n"
               "varied from -20 to -3 dBFS, and the truth of every keyword. Deterministic for a folder and seed.",
               &exit))
        return exit;
    if (!p.positionalArguments().isEmpty())
        return fail("dataset stream takes no positional arguments (see --help).");
    if (!p.isSet("data") || !p.isSet("output") || !p.isSet("truth"))
        return fail("dataset stream needs --data DIR, -o FILE.wav and --truth FILE.csv (see --help).");
    ss::StreamSpec spec;
    bool ok = false;
    spec.minutes = p.value("minutes").toDouble(&ok);
    if (!ok || !(spec.minutes > 0) || spec.minutes > 600)
        return fail("--minutes must be a number above 0 and at most 600.");
    spec.seed = p.value("seed").toULongLong(&ok);
    if (!ok)
        return fail("--seed must be a non-negative integer.");
    spec.keyword_fraction = p.value("keyword-fraction").toDouble(&ok);
    if (!ok || !(spec.keyword_fraction >= 0 && spec.keyword_fraction <= 1))
        return fail("--keyword-fraction must be between 0 and 1.");
    auto split = ss::parseSplit(p.value("split").toStdString());
    if (!split)
        return fail(split.error());
    auto preset = ss::parsePreset(p.value("words").toStdString());
    if (!preset)
        return fail(preset.error());
    for (const char* option : {"output", "truth", "others"}) {
        if (!p.isSet(option))
            continue;
        const QFileInfo fi(p.value(option));
        if (fi.isDir())
            return fail(std::string("--") + option + " '" + p.value(option).toStdString() + "' is a folder; give a file name.");
        if (!fi.absoluteDir().exists())
            return fail(std::string("--") + option + ": the folder '" + fi.absolutePath().toStdString() + "' does not exist.");
    }
    auto data = ss::openGsc(p.value("data").toStdString(), *preset);
    if (!data)
        return fail(data.error());
    auto stream = ss::makeKeywordStream(*data, *split, spec);
    if (!stream)
        return fail(stream.error());
    if (auto s = ss::writeWav(p.value("output").toStdString(), stream->samples, stream->sample_rate); !s)
        return fail(s.error());
    if (auto s = ss::writeTextFileAtomic(p.value("truth").toStdString(), ss::truthToCsv(stream->keywords)); !s)
        return fail(s.error());
    if (p.isSet("others"))
        if (auto s = ss::writeTextFileAtomic(p.value("others").toStdString(), ss::truthToCsv(stream->non_keywords)); !s)
            return fail(s.error());
    for (const auto& n : stream->notes)
        std::cerr << "Note: " << n << "\n";
    std::cout << "Wrote " << fixed(double(stream->samples.size()) / stream->sample_rate / 60.0, 1) << " minutes to "
              << p.value("output").toStdString() << ": " << stream->keywords.size() << " keywords (truth in "
              << p.value("truth").toStdString() << ") and " << stream->non_keywords.size() << " other words.\n";
    return Ok;
}

} // namespace cli
