// import: a PyTorch state dict (torch.save) of the GSC sparse CNN -> SparseScope model file, with the
// masks derived from the weights' zeros and complementarity measured per layer (core/model/torch_import.h).
#include "cli.h"

#ifdef SPARSESCOPE_HAVE_TORCH_IMPORT
#include "model/model_io.h"
#include "model/summary.h"
#include "model/torch_import.h"
#include "util/text.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#endif

#include <iostream>

namespace cli {

#ifdef SPARSESCOPE_HAVE_TORCH_IMPORT
namespace {

std::string padTo(std::string s, size_t w)
{
    if (s.size() < w)
        s += std::string(w - s.size(), ' ');
    else
        s += ' ';
    return s;
}

std::string verdict(const ss::ImportLayerReport& l)
{
    if (l.dense)
        return "dense (no mask)";
    if (l.complementary())
        return std::string("yes, ") + (l.shared_routes ? "shared routes" : "independent routes");
    return "NO (counts at P=" + std::to_string(l.checked_P) + ")";
}

nlohmann::json reportJson(const ss::ImportResult& r, const std::string& out)
{
    const auto& rep = r.report;
    nlohmann::json j = { { "file", rep.file }, { "container", rep.container }, { "naming", rep.naming },
        { "tensors", rep.tensors }, { "ignored", rep.ignored }, { "notes", rep.notes }, { "output", out },
        { "name", r.model.name }, { "classes", r.model.classes } };
    for (const auto& l : rep.layers) {
        nlohmann::json lj = { { "layer", l.layer }, { "source", l.source }, { "shape", l.shape },
            { "weight_density", l.density }, { "dense", l.dense }, { "group_size", l.P },
            { "complementary", l.complementary() }, { "checked_group_size", l.checked_P }, { "groups", l.groups },
            { "collisions", l.collisions }, { "uncovered", l.uncovered }, { "shared_routes", l.shared_routes } };
        lj["bad_groups"] = nlohmann::json::array();
        for (const auto& g : l.bad_groups)
            lj["bad_groups"].push_back(
                { { "group", g.group }, { "collisions", g.collisions }, { "uncovered", g.uncovered } });
        j["layers"].push_back(lj);
    }
    for (const auto& L : r.model.layers)
        if (L.kind == ss::LayerKind::KWinners || L.kind == ss::LayerKind::KWinners2d)
            j["kwinners"].push_back({ { "layer", L.name }, { "k", L.k }, { "k_inference", L.k_inference },
                { "n", L.in_shape.size() }, { "boost_strength", L.boost_strength } });
    return j;
}

void printReport(const ss::ImportResult& r)
{
    const auto& rep = r.report;
    std::cout << "Read " << rep.file << ": " << rep.container << ", " << rep.tensors << " tensors, " << rep.naming
              << " names.\n\n";
    std::cout << padTo("layer", 10) << padTo("from", 24) << padTo("shape", 16) << padTo("w", 7) << padTo("P", 4)
              << padTo("groups", 7) << padTo("colliding", 10) << padTo("uncovered", 10) << "complementary\n";
    for (const auto& l : rep.layers) {
        char w[16];
        std::snprintf(w, sizeof w, "%.3f", l.density);
        const bool counts = !l.dense && l.groups > 0;
        std::cout << padTo(l.layer, 10) << padTo(l.source, 24) << padTo(ss::shapeToString(l.shape), 16) << padTo(w, 7)
                  << padTo(std::to_string(l.P), 4) << padTo(counts ? std::to_string(l.groups) : "-", 7)
                  << padTo(counts ? ss::withThousands(l.collisions) : "-", 10)
                  << padTo(counts ? ss::withThousands(l.uncovered) : "-", 10) << verdict(l) << "\n";
    }
    // Per group, the groups where the partition breaks (all of them with --json).
    constexpr size_t kShown = 6;
    for (const auto& l : rep.layers) {
        if (l.bad_groups.empty() || l.dense)
            continue;
        std::cout << "  " << l.layer << " at P=" << l.checked_P << ": " << l.bad_groups.size() << " of " << l.groups
                  << " groups have colliding or uncovered positions (group: colliding/uncovered):";
        for (size_t i = 0; i < l.bad_groups.size() && i < kShown; ++i)
            std::cout << (i ? ", " : " ") << l.bad_groups[i].group << ": " << l.bad_groups[i].collisions << "/"
                      << l.bad_groups[i].uncovered;
        if (l.bad_groups.size() > kShown)
            std::cout << ", ... (" << l.bad_groups.size() - kShown << " more; --json lists all)";
        std::cout << "\n";
    }
    std::cout << "\nk-WTA:";
    bool first = true;
    for (const auto& L : r.model.layers)
        if (L.kind == ss::LayerKind::KWinners || L.kind == ss::LayerKind::KWinners2d) {
            char b[160];
            std::snprintf(b, sizeof b, "%s %s %d of %lld (boost %.4g)", first ? "" : ";", L.name.c_str(), L.k_inference,
                static_cast<long long>(L.in_shape.size()), L.boost_strength);
            std::cout << b;
            first = false;
        }
    std::cout << "\n";
    if (!rep.ignored.empty()) {
        std::cout << "Ignored (not needed for inference):";
        for (size_t i = 0; i < rep.ignored.size(); ++i)
            std::cout << (i ? ", " : " ") << rep.ignored[i];
        std::cout << "\n";
    }
    for (const auto& n : rep.notes)
        std::cout << "Note: " << n << "\n";
}

bool parseNames(const QString& s, std::vector<std::string>* out)
{
    out->clear();
    for (const QString& part : s.split(',', Qt::SkipEmptyParts))
        if (!part.trimmed().isEmpty())
            out->push_back(part.trimmed().toStdString());
    return !out->empty();
}

} // namespace
#endif

int cmdImport(const QStringList& args)
{
    QCommandLineParser p;
    p.addPositionalArgument(
        "STATE_DICT", "A file written by torch.save(model.state_dict(), ...) (zip or legacy format).");
    p.addOption({ "arch", "Architecture: gsc (GSCSparseCNN) or gsc-supersparse.", "NAME", "gsc" });
    p.addOption({ "order",
        "Where k-WTA sits: pool-kwta (conv->bn->pool->k-WTA, the default) or kwta-pool "
        "(conv->bn->k-WTA->pool, nupic.torch's current GSCSparseCNN). The state dict cannot tell.",
        "ORDER", "pool-kwta" });
    p.addOption({ "act-density",
        "k-WTA densities (percent_on) after conv1,conv2,linear1; a state dict does not store them. "
        "Default: the arch preset's for pool-kwta (gsc: 1200/12544, 200/1600, 0.1), nupic.torch's "
        "0.095,0.125,0.1 for kwta-pool.",
        "LIST" });
    p.addOption({ "k-inference-factor",
        "k at inference = k x this factor (nupic.torch: 1.0 now, 1.5 in early versions).", "X", "1.0" });
    p.addOption({ "boost-strength",
        "k-WTA boost strength at inference (default: the state dict's *.boost_strength, "
        "else 1.5 x 0.9^30).",
        "X" });
    p.addOption(
        { "classes", "Class names, comma-separated, one per output (default: the 12 GSC command classes).", "LIST" });
    p.addOption({ "name", "Model name stored in the file (default: the state dict's file name).", "NAME" });
    p.addOption({ "sample-rate", "Audio front end: sample rate in Hz (default 16000).", "HZ" });
    p.addOption({ "clip-seconds", "Audio front end: clip length in seconds (default 1).", "S" });
    p.addOption({ "n-mels", "Audio front end: mel bands (default 32).", "N" });
    p.addOption({ "n-fft", "Audio front end: FFT size (default 2048).", "N" });
    p.addOption({ "hop-length", "Audio front end: hop in samples (default 512).", "N" });
    p.addOption({ "f-min", "Audio front end: lowest mel frequency in Hz (default 0).", "HZ" });
    p.addOption({ "f-max", "Audio front end: highest mel frequency in Hz (default 8000).", "HZ" });
    p.addOption({ "top-db", "Audio front end: dB floor below the clip's maximum (default 80; 0 = none).", "DB" });
    p.addOption(
        { "json", "Print the import report as JSON (every group that breaks complementarity) instead of a table." });
    p.addOption({ QStringList { "o", "output" }, "Where to write the model (.safetensors).", "FILE" });
    int exit = 0;
    if (!parse(p, args,
            "Turn a PyTorch state dict of a GSCSparseCNN-shaped network into a SparseScope model. Accepts\n"
            "nupic.torch's names (cnn1.weight or SparseWeights' cnn1.module.weight, *_kwinner.duty_cycle,\n"
            "batch-norm running statistics) and SparseScope's own. Masks come from the weights' zeros; for each\n"
            "layer the importer finds the complementary group size P (or 1) and reports colliding and uncovered\n"
            "positions per group. Class names and audio settings default to the architecture's and can be set.",
            &exit))
        return exit;
#ifndef SPARSESCOPE_HAVE_TORCH_IMPORT
    return fail(
        "import needs libtorch, and this sparsescope-cli was built without it (install libtorch-dev and rebuild).",
        RuntimeFailure);
#else
    if (p.positionalArguments().size() != 1)
        return fail("import takes exactly one STATE_DICT file (see --help).");
    if (!p.isSet("output"))
        return fail("import needs -o FILE (see --help).");
    ss::ImportOptions o;
    o.arch = p.value("arch").toStdString();
    if (o.arch != "gsc" && o.arch != "gsc-supersparse")
        return fail("--arch must be gsc or gsc-supersparse.");
    const QString order = p.value("order");
    if (order != "pool-kwta" && order != "kwta-pool")
        return fail("--order must be pool-kwta or kwta-pool.");
    o.order = order == "pool-kwta" ? ss::KwtaOrder::PoolThenKwta : ss::KwtaOrder::KwtaThenPool;
    if (p.isSet("act-density") && !parseDoubles(p.value("act-density"), &o.act_density))
        return fail("--act-density takes comma-separated numbers, e.g. 0.095,0.125,0.1.");
    bool ok = false;
    o.k_inference_factor = p.value("k-inference-factor").toDouble(&ok);
    if (!ok || !(o.k_inference_factor > 0))
        return fail("--k-inference-factor must be a positive number.");
    if (p.isSet("boost-strength")) {
        const double b = p.value("boost-strength").toDouble(&ok);
        if (!ok || !(b >= 0))
            return fail("--boost-strength must be a number >= 0.");
        o.boost_strength = b;
    }
    if (p.isSet("classes") && !parseNames(p.value("classes"), &o.classes))
        return fail("--classes takes comma-separated names, e.g. yes,no,up.");
    o.name = p.value("name").toStdString();

    ss::AudioSettings audio;
    bool audio_set = false;
    auto number = [&](const char* opt, double* out) {
        if (!p.isSet(opt))
            return true;
        audio_set = true;
        bool good = false;
        *out = p.value(opt).toDouble(&good);
        return good;
    };
    double sr = audio.sample_rate, mels = audio.n_mels, nfft = audio.n_fft, hop = audio.hop_length;
    if (!number("sample-rate", &sr) || !number("clip-seconds", &audio.clip_seconds) || !number("n-mels", &mels)
        || !number("n-fft", &nfft) || !number("hop-length", &hop) || !number("f-min", &audio.f_min)
        || !number("f-max", &audio.f_max) || !number("top-db", &audio.top_db))
        return fail("Audio options take numbers (see --help).");
    audio.sample_rate = int(sr);
    audio.n_mels = int(mels);
    audio.n_fft = int(nfft);
    audio.hop_length = int(hop);
    if (audio_set)
        o.audio = audio;

    const std::string in = p.positionalArguments()[0].toStdString();
    const std::string out = p.value("output").toStdString();
    auto r = ss::importStateDict(in, o);
    if (!r)
        return fail(r.error());
    // saveModel writes a temporary file and renames it: never a half-written model.
    if (auto s = ss::saveModel(r->model, out); !s)
        return fail(s.error());
    if (auto back = ss::loadModel(out); !back) { // what we wrote must load: otherwise leave nothing behind
        std::error_code ec;
        std::filesystem::remove(out, ec);
        return fail("The imported model did not load back (" + back.message() + ") and was removed.", RuntimeFailure);
    }
    if (p.isSet("json")) {
        std::cout << reportJson(*r, out).dump(2) << "\n";
        return Ok;
    }
    printReport(*r);
    const auto sum = ss::summarize(r->model);
    std::cout << "\nWrote " << out << " (" << r->model.name << ", " << r->model.classes.size() << " classes; "
              << sum.nonzero_parameters << " of " << sum.parameters << " parameters non-zero).\n";
    return Ok;
#endif
}

} // namespace cli
