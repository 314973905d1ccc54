// info and synth: looking at and making model files.
#include "cli.h"

#include "model/model_io.h"
#include "model/summary.h"
#include "model/synth.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace cli {

namespace {

std::string fmtMacs(double m)
{
    char b[32];
    if (m >= 1e6) std::snprintf(b, sizeof b, "%.2fM", m / 1e6);
    else if (m >= 1e3) std::snprintf(b, sizeof b, "%.1fk", m / 1e3);
    else std::snprintf(b, sizeof b, "%.0f", m);
    return b;
}

std::string pad(std::string s, size_t w)
{
    if (s.size() < w) s += std::string(w - s.size(), ' ');
    return s;
}

} // namespace

int cmdInfo(const QStringList& args)
{
    QCommandLineParser p;
    p.addPositionalArgument("MODEL", "Model file (.safetensors) to describe (default: the shipped gsc-cs model).", "[MODEL]");
    p.addOption({"json", "Print the summary as JSON instead of a table."});
    int exit = 0;
    if (!parse(p, args, "Show a model's layers, shapes, weight densities, complementary group sizes P, k-WTA k\n"
                        "(and k at inference), dense MACs and the bound a*w of dense MACs.", &exit))
        return exit;
    QString model_path;
    if (!modelArgument(p, "info", &model_path, &exit))
        return exit;
    auto model = ss::loadModel(model_path.toStdString());
    if (!model)
        return fail(model.error());
    const ss::Model& m = *model;
    const auto sum = ss::summarize(m);

    if (p.isSet("json")) {
        nlohmann::json j = {{"name", m.name}, {"trained", m.trained()}, {"classes", m.classes},
                            {"input_shape", {m.input.c, m.input.h, m.input.w}}, {"macs_dense", sum.macs_dense},
                            {"macs_bound", sum.macs_bound}, {"parameters", sum.parameters},
                            {"nonzero_parameters", sum.nonzero_parameters}, {"info", m.info},
                            {"warnings", ss::modelWarnings(m, sum)}};
        for (const auto& l : sum.layers) {
            nlohmann::json lj = {{"name", l.name}, {"type", l.type}, {"in", l.in.toString()}, {"out", l.out.toString()}};
            if (l.macs_dense > 0) {
                lj["weight_density"] = l.weight_density;
                lj["group_size"] = l.P;
                lj["routes"] = l.routes;
                lj["macs_dense"] = l.macs_dense;
                lj["input_density"] = l.input_density;
                lj["input_density_source"] = l.input_density_exact ? "k/n" : "estimated";
                lj["macs_bound"] = l.macs_bound;
            }
            if (l.k_inference > 0) {
                lj["k"] = l.k;
                lj["k_inference"] = l.k_inference;
                lj["local"] = l.local;
            }
            j["layers"].push_back(lj);
        }
        std::cout << j.dump(2) << "\n";
        return Ok;
    }

    std::cout << "Model " << m.name << "  (" << model_path.toStdString() << ")\n";
    if (!m.trained())
        std::cout << "UNTRAINED: random weights for benchmarking; its predictions are meaningless.\n";
    for (const auto& [k, v] : m.info)
        if (k != "trained")
            std::cout << "  " << k << ": " << v << "\n";
    std::cout << "Input " << m.input.toString() << ", " << m.classes.size() << " classes:";
    for (const auto& c : m.classes)
        std::cout << " " << c;
    std::cout << "\n\n";
    std::cout << pad("layer", 18) << pad("type", 12) << pad("in -> out", 22) << pad("w", 7) << pad("P", 4)
              << pad("routes", 12) << pad("k (infer)", 14) << pad("a", 8) << pad("MACs dense", 12) << pad("MACs bound", 12)
              << "1/(a*w)\n";
    for (const auto& l : sum.layers) {
        char w[16] = "", a[16] = "", kk[32] = "", bound[16] = "";
        std::string P, routes, md, mb;
        if (l.macs_dense > 0) {
            std::snprintf(w, sizeof w, "%.3g", l.weight_density);
            std::snprintf(a, sizeof a, "%s%.3g", l.input_density_exact ? "" : "~", l.input_density);
            P = std::to_string(l.P);
            routes = l.routes.empty() ? "-" : l.routes;
            md = fmtMacs(l.macs_dense);
            mb = fmtMacs(l.macs_bound);
            std::snprintf(bound, sizeof bound, "%.1fx", l.macs_dense / std::max(1.0, l.macs_bound));
        }
        if (l.k_inference > 0)
            std::snprintf(kk, sizeof kk, "%d (%d)%s", l.k, l.k_inference, l.local ? " local" : "");
        std::cout << pad(l.name, 18) << pad(l.type, 12) << pad(l.in.toString() + " -> " + l.out.toString(), 22) << pad(w, 7)
                  << pad(P, 4) << pad(routes, 12) << pad(kk, 14) << pad(a, 8) << pad(md, 12) << pad(mb, 12) << bound << "\n";
    }
    std::cout << "\nTotal: " << fmtMacs(sum.macs_dense) << " dense MACs, " << fmtMacs(sum.macs_bound)
              << " at the bound a*w (" << (sum.macs_dense / std::max(1.0, sum.macs_bound)) << "x fewer); "
              << sum.nonzero_parameters << " of " << sum.parameters << " parameters non-zero.\n"
              << "a = k/n of the k-WTA feeding each layer ('~' = estimated through a max-pool; bench measures it).\n";
    const auto warnings = ss::modelWarnings(m, sum);
    if (!warnings.empty()) {
        std::cout << "\nWarnings:\n";
        for (const std::string& w : warnings)
            std::cout << "  - " << w << "\n";
    }
    return Ok;
}

int cmdSynth(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({"preset", "Architecture and default densities: gsc (conv1 0.5, conv2 0.1, linear 0.1; k-WTA 1200/12544, 200/1600, 10%) or gsc-supersparse.", "NAME", "gsc"});
    p.addOption({"weight-density", "Weight densities of conv1,conv2,linear1[,output]; P = round(1/w).", "LIST"});
    p.addOption({"act-density", "k-WTA densities after conv1,conv2,linear1.", "LIST"});
    p.addOption({"order", "pool-kwta (conv->bn->pool->k-WTA, the default) or kwta-pool.", "ORDER", "pool-kwta"});
    p.addOption({"routes", "shared (one partition per layer, SIMD-friendly; default) or independent (one per group).", "KIND", "shared"});
    p.addOption({"masks", "complementary (default) or random (independent random masks per output, no P).", "KIND", "complementary"});
    p.addOption({"seed", "Random seed.", "N", "1"});
    p.addOption({"name", "Model name stored in the file.", "NAME"});
    p.addOption({QStringList{"o", "output"}, "Where to write the model (.safetensors).", "FILE"});
    int exit = 0;
    if (!parse(p, args, "Write a model of the published GSC architecture with random weights and complementary\n"
                        "masks, for any densities, so benchmarks need no training. The file is marked untrained.", &exit))
        return exit;
    if (!p.isSet("output"))
        return fail("synth needs -o FILE (see --help).");
    ss::SynthOptions o;
    o.preset = p.value("preset").toStdString();
    if (p.isSet("weight-density") && !parseDoubles(p.value("weight-density"), &o.weight_density))
        return fail("--weight-density takes comma-separated numbers, e.g. 0.5,0.1,0.1.");
    if (p.isSet("act-density") && !parseDoubles(p.value("act-density"), &o.act_density))
        return fail("--act-density takes comma-separated numbers, e.g. 0.095,0.125,0.1.");
    const QString order = p.value("order"), routes = p.value("routes"), masks = p.value("masks");
    if (order != "pool-kwta" && order != "kwta-pool")
        return fail("--order must be pool-kwta or kwta-pool.");
    o.order = order == "pool-kwta" ? ss::KwtaOrder::PoolThenKwta : ss::KwtaOrder::KwtaThenPool;
    if (routes != "shared" && routes != "independent")
        return fail("--routes must be shared or independent.");
    o.routes = routes == "shared" ? ss::RouteLayout::Shared : ss::RouteLayout::Independent;
    if (masks != "complementary" && masks != "random")
        return fail("--masks must be complementary or random.");
    o.complementary = masks == "complementary";
    bool ok = false;
    o.seed = p.value("seed").toULongLong(&ok);
    if (!ok)
        return fail("--seed must be a non-negative integer.");
    o.name = p.value("name").toStdString();
    auto model = ss::synthModel(o);
    if (!model)
        return fail(model.error());
    const std::string out = p.value("output").toStdString();
    if (auto s = ss::saveModel(*model, out); !s)
        return fail(s.error());
    if (!o.weight_density.empty() && o.complementary) {
        size_t i = 0;
        for (const auto& L : model->layers)
            if (L.hasWeights() && i < o.weight_density.size()) {
                if (std::abs(L.weight_density - o.weight_density[i]) > 1e-9)
                    std::cout << "Note: " << L.name << " weight density " << o.weight_density[i] << " -> " << L.weight_density
                              << " (complementary groups of P=" << L.group_size << " keep exactly 1/P).\n";
                ++i;
            }
    }
    std::cout << "Wrote " << out << " (" << model->name << ", untrained)\n";
    return Ok;
}

} // namespace cli
