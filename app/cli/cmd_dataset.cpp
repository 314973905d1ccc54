// dataset: making data sets. `dataset synth` writes a synthetic Speech Commands tree (datasets/synth.h).
#include "cli.h"

#include "datasets/synth.h"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <thread>

namespace cli {

namespace {

std::string fmtDuration(double s)
{
    char b[32];
    const long t = std::lround(std::max(0.0, s));
    if (t >= 3600)
        std::snprintf(b, sizeof b, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else
        std::snprintf(b, sizeof b, "%ldm%02lds", t / 60, t % 60);
    return b;
}

int datasetSynth(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringList{"o", "output"}, "Folder to write (created; must be empty unless --force).", "DIR"});
    p.addOption({"clips", "Number of word clips (default 36000; background noise comes on top).", "N", "36000"});
    p.addOption({"seed", "Random seed: the same seed gives the same files, byte for byte.", "S", "1"});
    p.addOption({"jobs", "Parallel espeak-ng workers (default: the number of cores).", "J"});
    p.addOption({"words", "Which words: commands (10 commands + unknown words), digits (zero..nine + unknown words) "
                          "or all (both, the default).", "SET", "all"});
    p.addOption({"force", "Write into a non-empty folder (files of the same name are replaced)."});
    p.addOption({"families", "Synthesis families, comma-separated: espeak-ng, festival (default both).", "LIST",
                 "espeak-ng,festival"});
    p.addOption({"festival-share", "Share of the speakers that Festival voices (default 0.3; the rest espeak-ng).", "X", "0.3"});
    int exit = 0;
    if (!parse(p, args,
               "Write a synthetic Google Speech Commands data set: one folder per word of 16 kHz mono 16-bit 1 s WAVs\n"
               "named <speaker>_nohash_<i>.wav, validation_list.txt, testing_list.txt and _background_noise_/.\n"
               "Speech comes from two synthesis families: espeak-ng's English voices and variants, and Festival's\n"
               "diphone voices (English, Italian, Czech, Finnish) with pitch shifts, all with random rate, amplitude,\n"
               "speed, level, reverb, time offset and background noise. speakers.tsv names each speaker's family and\n"
               "voice. Test and validation speakers (per family) never occur in training. Deterministic for a seed.",
               &exit))
        return exit;
    if (!p.positionalArguments().isEmpty())
        return fail("dataset synth takes no positional arguments (see --help).");
    if (!p.isSet("output"))
        return fail("dataset synth needs -o DIR (see --help).");
    ss::SynthDatasetOptions o;
    o.output_dir = p.value("output").toStdString();
    bool ok = false;
    o.clips = p.value("clips").toLongLong(&ok);
    if (!ok || o.clips < 1)
        return fail("--clips must be a whole number of at least 1.");
    o.seed = p.value("seed").toULongLong(&ok);
    if (!ok)
        return fail("--seed must be a non-negative integer.");
    if (p.isSet("jobs")) {
        o.jobs = p.value("jobs").toInt(&ok);
        if (!ok || o.jobs < 1)
            return fail("--jobs must be a whole number of at least 1.");
    }
    auto words = ss::parseSynthWordSet(p.value("words").toStdString());
    if (!words)
        return fail("--words must be commands, digits or all.");
    o.words = *words;
    o.force = p.isSet("force");
    o.families.clear();
    for (const auto& f : p.value("families").split(',', Qt::SkipEmptyParts))
        o.families.push_back(f.trimmed().toStdString());
    const double fshare = p.value("festival-share").toDouble(&ok);
    if (!ok || fshare < 0 || fshare > 1)
        return fail("--festival-share must be a number from 0 to 1.");
    o.family_shares.clear();
    for (const auto& f : o.families)
        o.family_shares.push_back(f == "festival" ? fshare : 1.0 - fshare);
    if (o.families.size() == 1)
        o.family_shares = {1.0};

    auto rep = ss::synthesizeGsc(o, [](const ss::SynthProgress& pr) {
        char b[200];
        if (pr.done == 0 && std::string(pr.stage) == "noise") {
            std::snprintf(b, sizeof b, "dataset synth: background noise ... %s", fmtDuration(pr.elapsed_seconds).c_str());
        } else {
            const double frac = pr.total > 0 ? double(pr.done) / double(pr.total) : 0.0;
            const std::string eta = pr.done > 0 ? fmtDuration(pr.elapsed_seconds * (1.0 / frac - 1.0)) : "?";
            std::snprintf(b, sizeof b, "dataset synth: %lld/%lld clips %5.1f%%  elapsed %s  ETA %s", (long long)pr.done,
                          (long long)pr.total, 100.0 * frac, fmtDuration(pr.elapsed_seconds).c_str(), eta.c_str());
        }
        progressLine(b);
    }, &g_cancel);
    progressDone();
    if (!rep)
        return fail(rep.error());
    int ntrain = 0, nval = 0, ntest = 0;
    for (const auto& s : rep->speakers)
        (s.split == "test" ? ntest : s.split == "validation" ? nval : ntrain)++;
    std::cout << "Wrote " << rep->clips << " clips of " << rep->words << " words to " << o.output_dir << " in "
              << fmtDuration(rep->seconds) << ": train " << rep->train << ", validation " << rep->validation << ", test "
              << rep->test << " clips; speakers " << ntrain << " / " << nval << " / " << ntest << "; "
              << rep->noise_files.size() << " background noise files; " << rep->espeak_runs << " synthesiser runs ("
              << rep->fallback_speakers << " speakers said their words one by one).\n";
    return Ok;
}

} // namespace

int cmdDataset(const QStringList& args)
{
    if (args.size() < 2 || args[1] == "--help" || args[1] == "-h") {
        std::cout << "Usage: sparsescope-cli dataset <subcommand> [options]\n\nSubcommands:\n"
                     "  synth     Write a synthetic Speech Commands data set (espeak-ng and Festival voices).\n"
                     "  stream    Write a long recording of a split's words over its background noise, with the truth.\n\n"
                     "Run 'sparsescope-cli dataset synth --help' (or stream --help) for the options.\n";
        return args.size() < 2 ? BadUsage : Ok;
    }
    if (args[1] == "synth") {
        QStringList sub = args.mid(1);
        sub[0] = args[0] + " synth";
        return datasetSynth(sub);
    }
    if (args[1] == "stream") {
        QStringList sub = args.mid(1);
        sub[0] = args[0] + " stream";
        return datasetStream(sub);
    }
    return fail("unknown dataset subcommand '" + args[1].toStdString() + "' (expected synth or stream; see --help).");
}

} // namespace cli
