#include "report/report_doc.h"

#include "bench/cpu_info.h"
#include "util/text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace ss {

namespace {

// A ratio for a table cell: two decimals, or an en dash when there is none.
std::string ratioCell(const std::optional<double>& v)
{
    return v ? formatNumber("%.2f", *v) : std::string("–");
}

// Energy per item in a unit that keeps 3 digits: J, mJ, µJ, nJ.
std::string energyText(double j)
{
    const double a = std::fabs(j);
    if (a >= 1)
        return formatNumber("%.3g J", j);
    if (a >= 1e-3)
        return formatNumber("%.3g mJ", j * 1e3);
    if (a >= 1e-6)
        return formatNumber("%.3g µJ", j * 1e6);
    return formatNumber("%.3g nJ", j * 1e9);
}

constexpr uint32_t kLayerPalette[] = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, 0xedc948,
                                      0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
constexpr uint32_t kBoundColor = 0x8c8c8c;

bool hasFigures(const BenchResult& r) { return r.items > 0 && r.items_per_second > 0; }

// The row's name in charts: engine, its device when not the CPU, and the result's tag when the
// report holds several results.
std::string rowLabel(const std::string& tag, const BenchResult& r, bool mixed_batch)
{
    std::string s = tag.empty() ? r.engine : tag + " " + r.engine;
    if (r.device != "cpu")
        s += " (" + r.device + ")";
    if (mixed_batch)
        s += " b" + std::to_string(r.batch) + " t" + std::to_string(r.threads);
    return s;
}

ReportBlock heading(int level, std::string text)
{
    ReportBlock b;
    b.kind = ReportBlock::Kind::Heading;
    b.level = level;
    b.text = std::move(text);
    return b;
}

ReportBlock paragraph(std::string text)
{
    ReportBlock b;
    b.kind = ReportBlock::Kind::Paragraph;
    b.text = std::move(text);
    return b;
}

ReportBlock tableBlock(ReportTable t)
{
    ReportBlock b;
    b.kind = ReportBlock::Kind::Table;
    b.table = std::move(t);
    return b;
}

ReportBlock chartBlock(Chart c)
{
    ReportBlock b;
    b.kind = ReportBlock::Kind::Chart;
    b.chart = std::move(c);
    return b;
}

std::string layerType(const std::string& t) { return t; }

} // namespace

FigureSource timeSource(const BenchResult& r)
{
    return r.device.rfind("fpga-sim", 0) == 0 ? FigureSource::Modelled : FigureSource::Measured;
}

uint32_t reportEngineColor(const std::string& engine)
{
    static const std::map<std::string, uint32_t> known = {{"dense", 0x4e79a7},        {"csr", 0xf28e2b},
                                                          {"sparse-dense", 0x59a14f}, {"sparse-sparse", 0xe15759},
                                                          {"torch", 0x9c755f},        {"reference", 0xbab0ac}};
    if (auto it = known.find(engine); it != known.end())
        return it->second;
    static const uint32_t others[] = {0x76b7b2, 0xedc948, 0xb07aa1, 0xff9da7};
    size_t h = 0;
    for (char c : engine)
        h = h * 31 + static_cast<unsigned char>(c);
    return others[h % 4];
}

std::string reportFormatOf(const std::string& path)
{
    const auto dot = path.rfind('.');
    if (dot == std::string::npos || path.find('/', dot) != std::string::npos)
        return {};
    std::string ext = path.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (ext == "html" || ext == "htm")
        return "html";
    if (ext == "pdf")
        return "pdf";
    return {};
}

Result<std::vector<LabelledReport>> readLabelledReports(const std::vector<std::string>& paths)
{
    std::vector<LabelledReport> out;
    for (size_t i = 0; i < paths.size(); ++i) {
        auto r = readBenchReport(paths[i]);
        if (!r)
            return r.error();
        const auto slash = paths[i].rfind('/');
        const std::string name = slash == std::string::npos ? paths[i] : paths[i].substr(slash + 1);
        out.push_back({"R" + std::to_string(i + 1) + ": " + name, std::move(r->first), std::move(r->second)});
    }
    return out;
}

ReportDocument buildReportDocument(const std::vector<LabelledReport>& reports)
{
    ReportDocument doc;
    doc.title = "SparseScope benchmark report";
    std::set<std::string> models;
    for (const auto& rep : reports)
        models.insert(rep.context.model_name.empty() ? std::string("unnamed model") : rep.context.model_name);
    std::string model_list;
    for (const auto& m : models)
        model_list += (model_list.empty() ? "" : ", ") + m;
    doc.subtitle = model_list + " — " + std::to_string(reports.size()) + (reports.size() == 1 ? " result" : " results") +
                   (reports.empty() ? std::string() : ", run " + reports.front().context.date);

    const bool several = reports.size() > 1;
    bool mixed_batch = false;
    {
        std::set<std::pair<int, int>> configs;
        for (const auto& rep : reports)
            for (const auto& r : rep.results)
                configs.insert({r.batch, r.threads});
        mixed_batch = configs.size() > 1;
    }
    auto tagOf = [&](size_t i) { return several ? "R" + std::to_string(i + 1) : std::string(); };

    doc.blocks.push_back(paragraph(
        "Every figure says where it comes from. Measured: timed or metered on the machine named below. Estimated: "
        "derived from a measurement and an assumption (energy from process CPU time × watts per core when no energy "
        "meter is readable). Modelled: computed by SparseScope's FPGA performance model, not observed. Charts draw "
        "estimated and modelled bars hatched. Engines ran interleaved in short time slices in one process, so ratios "
        "between engines of one result compare like with like."));

    if (several) {
        doc.blocks.push_back(heading(2, "Results in this report"));
        ReportTable t;
        t.header = {"result", "model", "host", "CPU", "date", "engines", "batch / threads"};
        t.numeric = {false, false, false, false, false, false, false};
        for (size_t i = 0; i < reports.size(); ++i) {
            const auto& rep = reports[i];
            std::set<std::string> engines;
            std::set<std::string> cfg;
            for (const auto& r : rep.results) {
                engines.insert(r.engine + (r.device == "cpu" ? "" : " (" + r.device + ")"));
                cfg.insert(std::to_string(r.batch) + " / " + std::to_string(r.threads));
            }
            auto join = [](const std::set<std::string>& s) {
                std::string o;
                for (const auto& x : s)
                    o += (o.empty() ? "" : ", ") + x;
                return o;
            };
            t.rows.push_back({rep.label, rep.context.model_name, rep.context.host, rep.context.cpu, rep.context.date,
                              join(engines), join(cfg)});
        }
        doc.blocks.push_back(tableBlock(std::move(t)));
    }

    // ---- Charts over every row of every result ----------------------------------------------
    doc.blocks.push_back(heading(2, "Charts"));
    Chart thr{ChartKind::Bars, "throughput", "Throughput", "items per second", "", "", {}, {}, {}, 0};
    // Energy in the unit that keeps the largest figure under a few thousand: J, mJ, µJ or nJ.
    double max_energy = 0;
    for (const auto& rep : reports)
        for (const auto& r : rep.results)
            if (hasFigures(r))
                max_energy = std::max(max_energy, r.energy_j_per_item);
    const auto [energy_scale, energy_unit] = max_energy >= 1      ? std::pair<double, const char*>{1.0, "J"}
                                             : max_energy >= 1e-3 ? std::pair<double, const char*>{1e3, "mJ"}
                                             : max_energy >= 1e-6 ? std::pair<double, const char*>{1e6, "µJ"}
                                                                  : std::pair<double, const char*>{1e9, "nJ"};
    Chart energy{ChartKind::Bars, "energy", "Energy per item", std::string(energy_unit) + " per item", "", "", {}, {}, {}, 0};
    Chart speed{ChartKind::Bars, "speedup", "Speed-up against dense and the bound 1/(a·w)", "× dense", "", "", {}, {}, {}, 1.0};
    Chart stack{ChartKind::Stacked, "layers", "Time per item by layer", "µs per item", "", "", {}, {}, {}, 0};
    Chart over{ChartKind::Lines, "over-time", "Throughput over time", "items per second", "seconds since the measured phase began",
               "", {}, {}, {}, 0};
    std::set<std::string> energy_sources, time_sources, meters;
    std::map<std::string, uint32_t> layer_colors;
    std::vector<std::string> layer_order;
    std::set<std::string> engines_seen;
    bool any_fpga_sim_layers = false, any_fpga_sim = false;
    for (size_t i = 0; i < reports.size(); ++i) {
        const auto& rep = reports[i];
        for (const BenchResult& r : rep.results) {
            if (!hasFigures(r))
                continue;
            const std::string label = rowLabel(tagOf(i), r, mixed_batch);
            const uint32_t color = reportEngineColor(r.engine);
            const FigureSource ts = timeSource(r);
            const bool time_hatched = ts != FigureSource::Measured;
            time_sources.insert(sourceName(ts));
            any_fpga_sim = any_fpga_sim || time_hatched;
            engines_seen.insert(r.engine);
            thr.groups.push_back({label, {{r.engine, r.items_per_second, color, time_hatched,
                                           engineeringCount(r.items_per_second) + " (" + sourceName(ts) + ")"}}});
            if (r.energy_j_per_item > 0) {
                const bool hatched = r.energy_source != FigureSource::Measured;
                energy.groups.push_back({label, {{r.engine, r.energy_j_per_item * energy_scale, color, hatched,
                                                  energyText(r.energy_j_per_item) + " (" + sourceName(r.energy_source) + ")"}}});
                energy_sources.insert(sourceName(r.energy_source));
                if (!r.energy_meter.empty())
                    meters.insert(std::string(sourceName(r.energy_source)) + ": " + r.energy_meter);
            }
            ChartGroup sg{label, {}};
            if (const auto s = speedupVs(rep.results, r, "dense"))
                sg.bars.push_back({"achieved × dense", *s, color, time_hatched, formatNumber("%.2f×", *s)});
            if (r.macs_bound > 0)
                sg.bars.push_back({"bound 1/(a·w)", r.macs_dense / r.macs_bound, kBoundColor, false,
                                   formatNumber("%.1f×", r.macs_dense / r.macs_bound)});
            if (!sg.bars.empty())
                speed.groups.push_back(std::move(sg));
            if (!r.layers.empty()) {
                ChartGroup lg{label, {}};
                for (const LayerResult& l : r.layers) {
                    if (!layer_colors.count(l.stats.layer)) {
                        layer_colors[l.stats.layer] = kLayerPalette[layer_order.size() % std::size(kLayerPalette)];
                        layer_order.push_back(l.stats.layer);
                    }
                    lg.bars.push_back({l.stats.layer, l.seconds_per_item * 1e6, layer_colors[l.stats.layer], time_hatched, ""});
                }
                double total = 0;
                for (const auto& b : lg.bars)
                    total += b.value;
                if (!lg.bars.empty())
                    lg.bars.back().text = formatNumber(total >= 100 ? "%.0f µs" : "%.3g µs", total);
                any_fpga_sim_layers = any_fpga_sim_layers || time_hatched;
                stack.groups.push_back(std::move(lg));
            }
            if (!time_hatched && !r.throughput.empty()) {
                ChartLine line{label, color, false, {}};
                for (const auto& p : r.throughput)
                    line.points.push_back({p.elapsed_seconds, p.items_per_second});
                over.lines.push_back(std::move(line));
            }
        }
    }
    for (const auto& e : engines_seen)
        thr.legend.push_back({e, reportEngineColor(e), false});
    if (any_fpga_sim)
        thr.legend.push_back({"modelled (hatched)", 0x808080, true});
    auto joinSet = [](const std::set<std::string>& s, const char* sep) {
        std::string o;
        for (const auto& x : s)
            o += (o.empty() ? "" : sep) + x;
        return o;
    };
    thr.caption = "Items per second over the measured run, per engine. Source: " + joinSet(time_sources, ", ") +
                  (any_fpga_sim ? " (fpga-sim rows are the performance model's figures, not wall time; hatched)." : ".");
    for (const auto& e : engines_seen)
        energy.legend.push_back({e, reportEngineColor(e), false});
    if (energy_sources.count("estimated") || energy_sources.count("modelled"))
        energy.legend.push_back({"estimated or modelled (hatched)", 0x808080, true});
    energy.caption = "Energy per item. Source: " + (energy_sources.empty() ? std::string("none recorded") : joinSet(energy_sources, ", ")) +
                     (meters.empty() ? std::string(".") : " — " + joinSet(meters, "; ") + ".");
    speed.legend = thr.legend; // achieved bars take their engine's colour
    speed.legend.push_back({"bound 1/(a·w): dense MACs ÷ a·w MACs", kBoundColor, false});
    speed.caption = "Throughput over the dense engine's of the same result, batch and threads (measured"
                    + std::string(any_fpga_sim ? "; modelled for fpga-sim rows, hatched" : "") +
                    "), beside the network's bound: dense MACs over the a·w MACs the sparsity allows, with a measured from "
                    "the run's own activations. The dashed line marks 1× dense.";
    // A legend of more than a screenful of layers helps nobody: the first ones, then a count (the
    // colours repeat after ten anyway; the per-layer tables name every layer).
    constexpr size_t kMaxLayerLegend = 20;
    for (size_t i = 0; i < layer_order.size() && i < kMaxLayerLegend; ++i)
        stack.legend.push_back({layer_order[i], layer_colors[layer_order[i]], false});
    if (layer_order.size() > kMaxLayerLegend)
        stack.legend.push_back({"and " + std::to_string(layer_order.size() - kMaxLayerLegend) + " more layers (see the tables)", 0xffffff, false});
    stack.caption = "Time per item spent in each layer (measured by the engines' own timers" +
                    std::string(any_fpga_sim_layers ? "; fpga-sim rows are C-simulation time, hatched" : "") + ").";
    for (const auto& l : over.lines)
        over.legend.push_back({l.label, l.color, false});
    over.caption = "Rate over each time slice of the measured run (measured; engines ran interleaved, so their lines "
                   "share the same stretch of wall time)" + std::string(any_fpga_sim ? "; fpga-sim rows are left out (simulation time)." : ".");
    for (Chart* c : {&thr, &energy, &speed, &stack, &over})
        if (!c->groups.empty() || !c->lines.empty())
            doc.blocks.push_back(chartBlock(*c));

    // ---- One section per result -------------------------------------------------------------
    for (size_t i = 0; i < reports.size(); ++i) {
        const auto& rep = reports[i];
        const BenchContext& c = rep.context;
        doc.blocks.push_back(heading(2, rep.label + " — " + (c.model_name.empty() ? std::string("unnamed model") : c.model_name) +
                                            " on " + (c.host.empty() ? std::string("unknown host") : c.host)));
        ReportBlock facts;
        facts.kind = ReportBlock::Kind::Facts;
        auto add = [&](const std::string& k, const std::string& v) {
            if (!v.empty())
                facts.facts.push_back({k, v});
        };
        add("Model", c.model_name + (c.model_trained ? " (trained)" : " (untrained: random weights)"));
        add("Model file", c.model_path);
        add("SHA-256", c.model_sha256.empty() ? std::string("not recorded") : c.model_sha256);
        add("Date", c.date);
        std::string cpu = c.cpu + ", " + std::to_string(c.cores) + " logical cores";
        if (c.mhz > 0)
            cpu += ", " + formatNumber("%.0f", c.mhz) + " MHz";
        add("CPU", cpu);
        add("Kernels", c.isa + "; L1d " + formatBytes(c.l1d) + ", L2 " + formatBytes(c.l2) + ", L3 " + formatBytes(c.l3) +
                           (c.governor.empty() ? std::string() : "; governor " + c.governor));
        add("OpenBLAS core", c.blas);
        add("Build", "SparseScope " + c.version + ", " + (c.build_type.empty() ? std::string("unknown") : c.build_type) + " build" +
                         (c.compiler.empty() ? std::string() : ", " + c.compiler));
        add("Git commit", c.git_commit.empty() ? std::string("not recorded") : c.git_commit + (c.git_commit.find("+changes") != std::string::npos ? " (the build had uncommitted changes)" : ""));
        std::set<std::string> threads;
        for (const auto& r : rep.results)
            threads.insert(std::to_string(r.threads));
        add("Threads per engine", joinSet(threads, ", "));
        add("Executable", c.executable);
        doc.blocks.push_back(std::move(facts));
        for (const std::string& w : c.warnings) {
            ReportBlock b;
            b.kind = ReportBlock::Kind::Warning;
            b.text = w;
            doc.blocks.push_back(std::move(b));
        }

        if (!c.model_layers.empty()) {
            ReportTable t;
            t.caption = "Layers of the model (figures of the model file: w and k declared, a = k/n of the k-WTA feeding "
                        "the layer, marked ≈ where a max-pool after it makes it an estimate).";
            t.header = {"layer", "type", "w", "P", "k", "a", "dense MACs", "bound MACs (a·w)", "bound 1/(a·w)"};
            t.numeric = {false, false, true, true, true, true, true, true, true};
            for (const ModelLayerInfo& l : c.model_layers)
                t.rows.push_back({l.name, layerType(l.type), formatNumber("%.3g", l.weight_density), std::to_string(l.P),
                                  l.k > 0 ? std::to_string(l.k) : "–",
                                  (l.input_density_exact ? "" : "≈") + formatNumber("%.3g", l.input_density),
                                  l.macs_dense > 0 ? engineeringCount(l.macs_dense) : "–", l.macs_bound > 0 ? engineeringCount(l.macs_bound) : "–",
                                  l.macs_bound > 0 ? formatNumber("%.1f", l.macs_dense / l.macs_bound) : "–"});
            doc.blocks.push_back(tableBlock(std::move(t)));
        } else {
            doc.blocks.push_back(paragraph("This result does not record the model's layers (it was written by an older "
                                           "SparseScope); run `sparsescope-cli info` on the model file for them."));
        }

        ReportTable speedt;
        speedt.caption = "Throughput and latency per infer() call.";
        speedt.header = {"engine", "device", "batch", "threads", "items/s", "p50 ms", "p90 ms", "p99 ms", "× dense", "source"};
        speedt.numeric = {false, false, true, true, true, true, true, true, true, false};
        ReportTable work;
        work.caption = "Work and energy per item: MACs executed (counted by the engine), the bound a·w of dense with a "
                       "measured, and energy with its source.";
        work.header = {"engine", "dense MACs", "MACs executed", "bound MACs", "executed ÷ bound", "energy/item", "energy source"};
        work.numeric = {false, true, true, true, true, true, false};
        for (const BenchResult& r : rep.results) {
            if (!hasFigures(r)) {
                speedt.rows.push_back({r.engine, r.device, std::to_string(r.batch), std::to_string(r.threads), "failed", "", "",
                                       "", "", r.error});
                continue;
            }
            speedt.rows.push_back({r.engine, r.device, std::to_string(r.batch), std::to_string(r.threads),
                                   formatNumber("%.1f", r.items_per_second), formatNumber("%.3f", r.latency_p50_ms), formatNumber("%.3f", r.latency_p90_ms),
                                   formatNumber("%.3f", r.latency_p99_ms), ratioCell(speedupVs(rep.results, r, "dense")),
                                   std::string(sourceName(timeSource(r))) + (r.ok() ? "" : "; " + r.error)});
            const bool counted = !(r.layers.empty() && r.macs_executed == 0);
            work.rows.push_back({r.engine, engineeringCount(r.macs_dense), counted ? engineeringCount(r.macs_executed) : "n/a",
                                 r.macs_bound > 0 ? engineeringCount(r.macs_bound) : "–",
                                 counted && r.macs_bound > 0 ? formatNumber("%.2f", r.macs_executed / r.macs_bound) : "–",
                                 r.energy_j_per_item > 0 ? energyText(r.energy_j_per_item) : "–", sourceName(r.energy_source)});
        }
        doc.blocks.push_back(tableBlock(std::move(speedt)));
        doc.blocks.push_back(tableBlock(std::move(work)));

        for (const BenchResult& r : rep.results) {
            if (r.layers.empty() || !hasFigures(r))
                continue;
            const BenchResult* dense = findBaseline(rep.results, r, "dense");
            ReportTable t;
            t.caption = r.engine + " (" + r.device + ", batch " + std::to_string(r.batch) + ", " + std::to_string(r.threads) +
                        (r.threads == 1 ? " thread" : " threads") + ", isa " + r.isa + ") per layer; time " +
                        (timeSource(r) == FigureSource::Measured ? "measured" : "of the C-simulation (not the FPGA's)") +
                        ", achieved against the dense engine's same layer.";
            t.header = {"layer", "kernel", "µs/item", "MACs executed", "dense MACs", "bound 1/(a·w)", "achieved × dense", "% of bound"};
            t.numeric = {false, false, true, true, true, true, true, true};
            for (const LayerResult& l : r.layers) {
                const auto bound = boundSpeedup(l);
                const auto achieved = layerSpeedupVs(dense, l);
                t.rows.push_back({l.stats.layer, l.stats.kernel, formatNumber("%.2f", l.seconds_per_item * 1e6), engineeringCount(l.macs_executed_per_item),
                                  engineeringCount(l.stats.macs_dense), bound ? formatNumber("%.2f", *bound) : "–", ratioCell(achieved),
                                  bound && achieved ? formatNumber("%.0f%%", 100.0 * *achieved / *bound) : "–"});
            }
            doc.blocks.push_back(tableBlock(std::move(t)));
        }

        if (!c.fpga_plan.empty()) {
            ReportTable t;
            t.caption = "FPGA plan (modelled: SparseScope's cycle, resource and power model of the kernels; docs/fpga-model.md).";
            t.header = {"engine", "part", "instances", "limited by", "clock MHz", "items/s (instance)", "items/s (chip)",
                        "latency ms", "power W (chip)", "energy/item"};
            t.numeric = {false, false, true, false, true, true, true, true, true, true};
            for (const FpgaPlanEntry& e : c.fpga_plan)
                t.rows.push_back({e.engine, e.part, e.fits ? std::to_string(e.instances) : "does not fit", e.limiting,
                                  formatNumber("%.0f", e.clock_mhz), engineeringCount(e.items_per_s_instance), engineeringCount(e.items_per_s_chip),
                                  formatNumber("%.3f", e.latency_ms), formatNumber("%.1f", e.power_w_chip), energyText(e.energy_j_per_item_chip)});
            doc.blocks.push_back(tableBlock(std::move(t)));
        }
    }
    return doc;
}

} // namespace ss
