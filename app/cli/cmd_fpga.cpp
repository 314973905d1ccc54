// fpga-plan: what the FPGA kernels of each engine cost on a part and what they deliver, from the
// analytical model (fpga/model; every figure MODELLED, docs/fpga-model.md).
#include "cli.h"

#include "engines/quantised.h"
#include "fpga/model/perf_model.h"
#include "model/model_io.h"
#include "report/report.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace cli {

namespace {
nlohmann::json resJson(const ss::fpga::Resources& r)
{
    return {{"lut", r.lut}, {"ff", r.ff}, {"bram36", r.bram36}, {"uram", r.uram}, {"dsp", r.dsp}};
}

nlohmann::json estimateJson(const ss::fpga::NetworkEstimate& e)
{
    nlohmann::json je = {{"engine", e.variant}, {"source", e.source}, {"design", e.design}, {"instance", resJson(e.instance)},
                         {"instances", e.instances}, {"limiting_resource", e.limiting}, {"fits", e.fits},
                         {"interval_cycles", e.interval_cycles}, {"latency_s", e.latency_s}, {"transfer_s", e.transfer_s},
                         {"items_per_s_instance", e.items_per_s_instance}, {"items_per_s_chip", e.items_per_s_chip},
                         {"power_w_instance", e.power_w_instance}, {"power_w_chip", e.power_w_chip},
                         {"energy_j_per_item_instance", e.energy_j_per_item_instance}, {"energy_j_per_item_chip", e.energy_j_per_item_chip}};
    if (e.bottleneck >= 0)
        je["bottleneck_stage"] = e.stages[size_t(e.bottleneck)].name;
    je["stages"] = nlohmann::json::array();
    for (const auto& s : e.stages)
        je["stages"].push_back({{"name", s.name}, {"kernel", s.kernel}, {"lanes", s.lanes}, {"trips", s.trips}, {"cycles", s.cycles},
                                {"macs", s.macs}, {"resources", resJson(s.res)}, {"note", s.note},
                                {"params", {{"lanes", s.params.lanes}, {"par", s.params.par}, {"passes", s.passes}, {"text", s.paramsText()}}}});
    return je;
}

void printSummaryHeader(bool with_design)
{
    std::printf("%-14s %s%9s %9s %7s %6s %6s %10s %5s %13s %13s %10s %13s\n", "engine", with_design ? "design     interval " : "", "LUT", "FF",
                "BRAM36", "URAM", "DSP", "instances", "fits", "items/s/inst", "items/s chip", "latency us", "mJ/item chip");
}

void printSummaryRow(const ss::fpga::NetworkEstimate& e, const char* design)
{
    std::printf("%-14s ", e.variant.c_str());
    if (design)
        std::printf("%-10s %8.0f ", design, e.interval_cycles);
    std::printf("%9.0f %9.0f %7.0f %6.0f %6.0f %6d %-3s %5s %13.4g %13.4g %10.1f %13.4g\n", e.instance.lut, e.instance.ff, e.instance.bram36,
                e.instance.uram, e.instance.dsp, e.instances, e.limiting.c_str(), e.fits ? "yes" : "NO", e.items_per_s_instance,
                e.items_per_s_chip, 1e6 * e.latency_s, 1e3 * e.energy_j_per_item_chip);
}

void printStages(const ss::fpga::NetworkEstimate& e, const ss::fpga::NetworkEstimate* baseline)
{
    std::printf("  %-30s %-28s %-30s %9s %9s %8s %8s %6s %5s %5s\n", "stage", "kernel", "parameters", "cycles", baseline ? "baseline" : "",
                "LUT", "FF", "BRAM", "URAM", "DSP");
    for (size_t i = 0; i < e.stages.size(); ++i) {
        const auto& s = e.stages[i];
        char base[32] = "";
        if (baseline && i < baseline->stages.size())
            std::snprintf(base, sizeof base, "%.0f", baseline->stages[i].cycles);
        std::printf("  %-30s %-28s %-30s %9.0f %9s %8.0f %8.0f %6.0f %5.0f %5.0f%s\n", s.name.c_str(), s.kernel.c_str(), s.paramsText().c_str(),
                    s.cycles, base, s.res.lut, s.res.ff, s.res.bram36, s.res.uram, s.res.dsp, int(i) == e.bottleneck ? "  <- bottleneck" : "");
    }
}
} // namespace

namespace {
// --optimise: per engine the baseline, the fastest single instance and the balanced design chosen
// for the objective; per-stage tables of the chosen design next to the baseline's cycles.
int printExploration(const QCommandLineParser& p, const ss::Model& model, const ss::q8::QNet& net, const ss::fpga::Part& part,
                     const std::vector<ss::fpga::Variant>& variants, ss::fpga::Objective objective, const std::string& path)
{
    std::vector<ss::fpga::Exploration> xs;
    for (auto v : variants)
        xs.push_back(ss::fpga::explore(net, v, part, objective));
    auto find = [&](const char* name) -> const ss::fpga::Exploration* {
        for (const auto& x : xs)
            if (x.baseline.variant == name && x.found)
                return &x;
        return nullptr;
    };
    const bool json_stdout = p.value("json") == "-";
    if (!json_stdout) {
        std::printf("fpga-plan --optimise %s: %s on %s, %.0f MHz -- all figures MODELLED (docs/fpga-model.md)\n", ss::fpga::objectiveName(objective),
                    model.name.c_str(), part.name.c_str(), part.clock_mhz);
        const auto a = part.available();
        std::printf("available to kernels (%.0f%% of the part x %.0f%% utilisation limit): LUT %.0f  FF %.0f  BRAM36 %.0f  URAM %.0f  DSP %.0f\n",
                    100 * part.kernel_fraction, 100 * part.util_limit, a.lut, a.ff, a.bram36, a.uram, a.dsp);
        for (const auto& x : xs)
            std::printf("%s: %.3g designs in the space; exhaustive over the balanced frontier (%d intervals, %ld designs evaluated)\n",
                        x.baseline.variant.c_str(), x.space, x.intervals, x.evaluated);
        std::printf("\nbaseline = one output position per cycle, G lanes per layer; fastest = fastest single instance that fits;\n"
                    "balanced = best full-chip design for '%s'. interval = cycles per item of the slowest stage (modelled).\n\n",
                    ss::fpga::objectiveName(objective));
        printSummaryHeader(true);
        for (const auto& x : xs) {
            printSummaryRow(x.baseline, "baseline");
            if (x.found) {
                printSummaryRow(x.fastest, "fastest");
                printSummaryRow(x.chosen, "balanced");
            } else {
                std::printf("%-14s no design of this engine fits the part (smallest still exceeds it).\n", x.baseline.variant.c_str());
            }
        }
        auto ratios = [&](const char* ref_name) {
            const auto* ref = find(ref_name);
            if (!ref) {
                std::printf("\n%s: no design fits this part; ratios to it are undefined.\n", ref_name);
                return;
            }
            std::printf("\nversus %s, balanced designs (modelled):\n", ref_name);
            for (const auto& x : xs)
                if (&x != ref && x.found)
                    std::printf("  %-14s per instance x%.1f (fastest single instance x%.1f)   instances x%.2f   full chip x%.1f   energy/item x%.1f less\n",
                                x.chosen.variant.c_str(), x.chosen.items_per_s_instance / ref->chosen.items_per_s_instance,
                                x.fastest.items_per_s_instance / ref->fastest.items_per_s_instance,
                                double(x.chosen.instances) / ref->chosen.instances, x.chosen.items_per_s_chip / ref->chosen.items_per_s_chip,
                                ref->chosen.energy_j_per_item_chip / x.chosen.energy_j_per_item_chip);
        };
        ratios("dense");
        if (find("sparse-sparse"))
            ratios("sparse-dense");
        for (const auto& x : xs) {
            if (!x.found)
                continue;
            const auto& e = x.chosen;
            std::printf("\n%s, balanced for %s: interval %.0f cycles (baseline %.0f), bottleneck %s; %d instances (limited by %s)\n",
                        e.variant.c_str(), x.objective.c_str(), e.interval_cycles, x.baseline.interval_cycles,
                        e.bottleneck >= 0 ? e.stages[size_t(e.bottleneck)].name.c_str() : "-", e.instances, e.limiting.c_str());
            printStages(e, &x.baseline);
            if (e.items_per_s_chip < e.instances * e.items_per_s_instance)
                std::printf("  note: full-chip throughput capped by the host link (%.3g items/s).\n", e.host_limited_items_per_s);
        }
        std::printf("\nParts: %s.\n", part.sources.c_str());
    }
    if (p.isSet("json")) {
        nlohmann::json j = {{"schema", "sparsescope.fpga-plan/2"}, {"source", "modelled"}, {"model", model.name}, {"model_path", path},
                            {"part", part.id}, {"part_name", part.name}, {"clock_mhz", part.clock_mhz},
                            {"available", resJson(part.available())}, {"part_sources", part.sources}, {"scales", net.scale_source},
                            {"objective", ss::fpga::objectiveName(objective)}};
        j["engines"] = nlohmann::json::array();
        for (const auto& x : xs) {
            nlohmann::json je = x.found ? estimateJson(x.chosen) : estimateJson(x.baseline);
            je["found"] = x.found;
            je["design_space"] = x.space;
            je["designs_evaluated"] = x.evaluated;
            je["baseline"] = estimateJson(x.baseline);
            if (x.found)
                je["fastest_instance"] = estimateJson(x.fastest);
            j["engines"].push_back(je);
        }
        if (json_stdout)
            std::cout << j.dump(2) << "\n";
        else if (auto s = ss::writeTextFileAtomic(p.value("json").toStdString(), j.dump(2) + "\n"); !s)
            return fail(s.error());
    }
    return Ok;
}
} // namespace

int cmdFpgaPlan(const QStringList& args)
{
    QCommandLineParser p;
    p.addPositionalArgument("MODEL", "Model file.");
    p.addOption({"part", "FPGA part: u250 or zu3eg.", "PART", "u250"});
    p.addOption({"engines", "Comma-separated: dense, sparse-dense, sparse-sparse (default all three).", "LIST", "dense,sparse-dense,sparse-sparse"});
    p.addOption({"layers", "Also print every stage (kernel, lanes, cycles, resources)."});
    p.addOption({"json", "Write the plan as JSON to FILE ('-' = standard output).", "FILE"});
    p.addOption({"optimise", "Search each engine's per-stage parameters (lanes, output positions / taps per cycle, pooling width, Select "
                             "lanes) for a balanced pipeline, best for OBJECTIVE: throughput (full chip), instances (at no longer an "
                             "interval than the baseline) or energy (per item, full chip). Without it: the baseline design.",
                 "OBJECTIVE"});
    int exit = 0;
    if (!parse(p, args, "Per engine: FPGA resources of one network instance, instances per chip, throughput per network\n"
                        "and for the full chip, energy per inference, and whether it fits. All figures are MODELLED\n"
                        "(analytical model of the fpga/hls kernels, docs/fpga-model.md), not measured.", &exit))
        return exit;
    if (p.positionalArguments().size() != 1)
        return fail("fpga-plan takes exactly one MODEL (see --help).");
    const std::string part_id = p.value("part").toStdString();
    const ss::fpga::Part* part = ss::fpga::findPart(part_id);
    if (!part) {
        std::string known;
        for (const auto& pt : ss::fpga::parts())
            known += (known.empty() ? "" : ", ") + pt.id;
        return fail("Unknown part '" + part_id + "' (known: " + known + ").");
    }
    std::vector<ss::fpga::Variant> variants;
    for (const auto& n : p.value("engines").split(',', Qt::SkipEmptyParts)) {
        ss::fpga::Variant v;
        if (!ss::fpga::variantFromEngine(n.trimmed().toStdString(), &v))
            return fail("Engine '" + n.toStdString() + "' has no FPGA kernels (use dense, sparse-dense, sparse-sparse).");
        variants.push_back(v);
    }
    if (variants.empty())
        return fail("No engine named in --engines.");
    ss::fpga::Objective objective{};
    const bool optimise = p.isSet("optimise");
    if (optimise && !ss::fpga::objectiveFromName(p.value("optimise").toStdString(), &objective))
        return fail("Unknown --optimise objective '" + p.value("optimise").toStdString() + "' (use throughput, instances or energy).");
    const std::string path = p.positionalArguments()[0].toStdString();
    auto model = ss::loadModel(path);
    if (!model)
        return fail(model.error());
    auto net = ss::q8::quantise(*model);
    if (!net)
        return fail(net.error());

    if (optimise)
        return printExploration(p, *model, *net, *part, variants, objective, path);
    std::vector<ss::fpga::NetworkEstimate> est;
    for (auto v : variants)
        est.push_back(ss::fpga::estimate(*net, v, *part));
    const ss::fpga::NetworkEstimate* dense = nullptr;
    for (const auto& e : est)
        if (e.variant == "dense")
            dense = &e;

    const bool json_stdout = p.value("json") == "-";
    if (!json_stdout) {
        std::printf("fpga-plan: %s on %s, %.0f MHz -- all figures MODELLED (docs/fpga-model.md)\n", model->name.c_str(), part->name.c_str(),
                    part->clock_mhz);
        const auto a = part->available();
        std::printf("available to kernels (%.0f%% of the part x %.0f%% utilisation limit): LUT %.0f  FF %.0f  BRAM36 %.0f  URAM %.0f  DSP %.0f\n\n",
                    100 * part->kernel_fraction, 100 * part->util_limit, a.lut, a.ff, a.bram36, a.uram, a.dsp);
        std::printf("%-14s %9s %9s %7s %6s %6s %10s %5s %13s %13s %10s %13s\n", "engine", "LUT", "FF", "BRAM36", "URAM", "DSP",
                    "instances", "fits", "items/s/inst", "items/s chip", "latency us", "mJ/item chip");
        for (const auto& e : est) {
            std::printf("%-14s %9.0f %9.0f %7.0f %6.0f %6.0f %6d %-3s %5s %13.4g %13.4g %10.1f %13.4g\n", e.variant.c_str(), e.instance.lut,
                        e.instance.ff, e.instance.bram36, e.instance.uram, e.instance.dsp, e.instances, e.limiting.c_str(),
                        e.fits ? "yes" : "NO", e.items_per_s_instance, e.items_per_s_chip, 1e6 * e.latency_s, 1e3 * e.energy_j_per_item_chip);
        }
        if (dense && dense->fits) {
            std::printf("\nversus dense on the same part (modelled):\n");
            for (const auto& e : est)
                if (&e != dense && e.fits)
                    std::printf("  %-14s per instance x%.1f   instances x%.1f   full chip x%.1f   energy/item x%.1f less\n", e.variant.c_str(),
                                e.items_per_s_instance / dense->items_per_s_instance, double(e.instances) / dense->instances,
                                e.items_per_s_chip / dense->items_per_s_chip, dense->energy_j_per_item_chip / e.energy_j_per_item_chip);
        } else if (dense) {
            std::printf("\ndense does not fit this part (limited by %s); ratios to dense are undefined.\n", dense->limiting.c_str());
        }
        for (const auto& e : est)
            if (e.fits && e.items_per_s_chip < e.instances * e.items_per_s_instance)
                std::printf("note: %s full-chip throughput is capped by the host link (%.3g items/s).\n", e.variant.c_str(), e.host_limited_items_per_s);
        if (p.isSet("layers"))
            for (const auto& e : est) {
                std::printf("\n%s: interval %.0f cycles (slowest stage), latency %.1f us incl. %.1f us transfer\n", e.variant.c_str(),
                            e.interval_cycles, 1e6 * e.latency_s, 1e6 * e.transfer_s);
                std::printf("  %-32s %-30s %6s %10s %8s %8s %6s %5s %5s\n", "stage", "kernel", "lanes", "cycles", "LUT", "FF", "BRAM", "URAM", "DSP");
                for (const auto& s : e.stages)
                    std::printf("  %-32s %-30s %6d %10.0f %8.0f %8.0f %6.0f %5.0f %5.0f\n", s.name.c_str(), s.kernel.c_str(), s.lanes, s.cycles,
                                s.res.lut, s.res.ff, s.res.bram36, s.res.uram, s.res.dsp);
            }
        std::printf("\nParts: %s.\n", part->sources.c_str());
    }
    if (p.isSet("json")) {
        nlohmann::json j = {{"schema", "sparsescope.fpga-plan/1"}, {"source", "modelled"}, {"model", model->name}, {"model_path", path},
                            {"part", part->id}, {"part_name", part->name}, {"clock_mhz", part->clock_mhz},
                            {"available", resJson(part->available())}, {"part_sources", part->sources},
                            {"scales", net->scale_source}};
        j["engines"] = nlohmann::json::array();
        for (const auto& e : est) {
            nlohmann::json je = {{"engine", e.variant}, {"source", e.source}, {"instance", resJson(e.instance)}, {"instances", e.instances},
                                 {"limiting_resource", e.limiting}, {"fits", e.fits}, {"interval_cycles", e.interval_cycles},
                                 {"latency_s", e.latency_s}, {"transfer_s", e.transfer_s}, {"items_per_s_instance", e.items_per_s_instance},
                                 {"items_per_s_chip", e.items_per_s_chip}, {"power_w_instance", e.power_w_instance},
                                 {"power_w_chip", e.power_w_chip}, {"energy_j_per_item_instance", e.energy_j_per_item_instance},
                                 {"energy_j_per_item_chip", e.energy_j_per_item_chip}};
            je["stages"] = nlohmann::json::array();
            for (const auto& s : e.stages)
                je["stages"].push_back({{"name", s.name}, {"kernel", s.kernel}, {"lanes", s.lanes}, {"trips", s.trips}, {"cycles", s.cycles},
                                        {"macs", s.macs}, {"resources", resJson(s.res)}, {"note", s.note}});
            j["engines"].push_back(je);
        }
        if (json_stdout)
            std::cout << j.dump(2) << "\n";
        else if (auto s = ss::writeTextFileAtomic(p.value("json").toStdString(), j.dump(2) + "\n"); !s)
            return fail(s.error());
    }
    return Ok;
}

} // namespace cli
