// Formulas: docs/fpga-model.md. Constants that are estimates say so next to them.
#include "fpga/model/perf_model.h"

#include <algorithm>
#include <cmath>

namespace ss::fpga {

namespace {
// Loop constants of fpga/hls (ss_kernels.h).
constexpr double kDepth = 4;      // kMacDepth: pipeline depth of one MAC iteration
constexpr double kSelLanes = 16;  // kSelLanes
constexpr double kPoolLoad = 4;   // ss_maxpool load unroll
// Per-kernel control + AXI adapters (estimate: typical Vitis HLS m_axi/s_axilite adapter sizes).
constexpr double kCtrlLut = 1500, kCtrlFf = 2000;
// Per-instance interconnect / host DMA glue (estimate).
constexpr double kInstLut = 5000, kInstFf = 8000, kInstBram = 8;

// Dynamic power, W per unit per MHz at XPE's default 12.5% toggle rate (UG440). ESTIMATES of the
// right order for 16 nm UltraScale+, not read from XPE tables; docs/fpga-model.md says how to replace them.
constexpr double kWLut = 0.10e-6, kWFf = 0.03e-6, kWBram = 12e-6, kWUram = 30e-6, kWDsp = 8e-6;

double ceilDiv(double a, double b) { return std::ceil(a / b); }
double log2Ceil(int P)
{
    int b = 0;
    while ((1 << b) < P)
        ++b;
    return b;
}

// Memory of `depth` words of `width` bits: LUTRAM when tiny, URAM when the part has it and the
// memory is deep, else BRAM36 (512 x 72 mode).
void addMemory(Resources& r, const Part& part, double width, double depth)
{
    const double bits = width * depth;
    if (bits <= 0)
        return;
    if (bits <= 16384)
        r.lut += std::ceil(bits / 64);
    else if (part.total.uram > 0 && depth > 1024)
        r.uram += ceilDiv(width, 72) * ceilDiv(depth, 4096);
    else {
        // Best BRAM36 aspect ratio (UG573): 32Kx1, 16Kx2, 8Kx4, 4Kx9, 2Kx18, 1Kx36, 512x72.
        const double cfg[][2] = {{32768, 1}, {16384, 2}, {8192, 4}, {4096, 9}, {2048, 18}, {1024, 36}, {512, 72}};
        double best = 1e30;
        for (const auto& c : cfg)
            best = std::min(best, ceilDiv(width, c[1]) * ceilDiv(depth, c[0]));
        r.bram36 += best;
    }
}

double dynamicWatts(const Resources& r, double mhz)
{
    return mhz * (r.lut * kWLut + r.ff * kWFf + r.bram36 * kWBram + r.uram * kWUram + r.dsp * kWDsp);
}
} // namespace

Resources& Resources::operator+=(const Resources& o)
{
    lut += o.lut;
    ff += o.ff;
    bram36 += o.bram36;
    uram += o.uram;
    dsp += o.dsp;
    return *this;
}

Resources Part::available() const
{
    const double f = kernel_fraction * util_limit;
    return {total.lut * f, total.ff * f, total.bram36 * f, total.uram * f, total.dsp * f};
}

const std::vector<Part>& parts()
{
    static const std::vector<Part> list = {
        {"u250", "AMD Alveo U250 (XCU250, xilinx_u250_gen3x16_xdma_4_1_202210_1)",
         {1728000, 3456000, 2688, 1280, 12288}, 0.80, 0.80, 300.0, 30.0, 12.0, 10.0,
         "resources: Alveo U250 data sheet DS962; 300 MHz default kernel clock of the XDMA platforms; "
         "shell share 20%, 30 W idle board power, 12 GB/s effective PCIe Gen3 x16 (15.75 GB/s raw) and 10 us per "
         "transfer are estimates"},
        {"zu3eg", "AMD Zynq UltraScale+ ZU3EG (XCZU3EG, e.g. Ultra96-V2)",
         {70560, 141120, 216, 0, 360}, 1.00, 0.80, 200.0, 0.5, 3.2, 2.0,
         "resources: Zynq UltraScale+ MPSoC overview DS891; 200 MHz PL clock, 0.5 W PL static power, 3.2 GB/s "
         "(one 128-bit AXI HP port at 200 MHz, UG1085) and 2 us per transfer are estimates"},
    };
    return list;
}

const Part* findPart(const std::string& id)
{
    for (const auto& p : parts())
        if (p.id == id)
            return &p;
    return nullptr;
}

const char* variantName(Variant v)
{
    switch (v) {
    case Variant::Dense: return "dense";
    case Variant::SparseDense: return "sparse-dense";
    case Variant::SparseSparse: return "sparse-sparse";
    }
    return "?";
}

bool variantFromEngine(const std::string& engine, Variant* out)
{
    if (engine == "dense")
        *out = Variant::Dense;
    else if (engine == "sparse-dense")
        *out = Variant::SparseDense;
    else if (engine == "sparse-sparse")
        *out = Variant::SparseSparse;
    else
        return false;
    return true;
}

LayerPlan planLayer(const q8::QWeighted& w, Variant v)
{
    LayerPlan p;
    p.P = (v != Variant::Dense && w.complementary) ? w.P : 1;
    p.G = (w.M + p.P - 1) / p.P;
    p.sparse_input = v == Variant::SparseSparse && w.input_sparse;
    return p;
}

namespace {
// Non-zeros entering a sparse layer, per item: k of the k-WTA before it (through a max-pool the
// pooled count is at most k and at most the pooled size: the upper bound is used).
std::vector<double> sparseCounts(const q8::QNet& net)
{
    std::vector<double> counts(net.steps.size(), 0.0);
    double k = -1;
    for (size_t i = 0; i < net.steps.size(); ++i) {
        const auto& s = net.steps[i];
        if (s.op == q8::QOp::Kwta)
            k = std::min<double>(s.kwta.k, s.kwta.n);
        else if (s.op == q8::QOp::MaxPool && k >= 0)
            k = std::min<double>(k, double(s.out.size()));
        else if (s.op == q8::QOp::Weighted) {
            counts[i] = k >= 0 ? k : double(s.in.size());
            k = -1;
        }
    }
    return counts;
}
} // namespace

namespace {

int ceilDivInt(int a, int b) { return (a + b - 1) / b; }

// One stage of the net under the given parameters (lanes resolved against the baseline).
StageEstimate stageEstimate(const q8::QStep& s, Variant v, double K, const Part& part, StageParams prm)
{
    StageEstimate st;
    st.name = s.name;
    Resources& r = st.res;
    r.lut = kCtrlLut;
    r.ff = kCtrlFf;
    if (s.op == q8::QOp::Weighted) {
        const auto& w = s.w;
        const LayerPlan lp = planLayer(w, v);
        if (prm.lanes <= 0 || prm.lanes > lp.G)
            prm.lanes = lp.G;
        prm.par = std::max(1, prm.par);
        const double P = lp.P, N = w.N, M = w.M, OHW = double(w.out_h) * w.out_w;
        const double T = double(w.kh) * w.kw;
        const double L = prm.lanes, U = prm.par;
        const double passes = ceilDiv(lp.G, L);
        st.passes = int(passes);
        st.lanes = int(L * U);
        r.dsp = std::ceil(L * U / 2); // two int8 MACs sharing one operand per DSP48E2 (WP486)
        const double rb = log2Ceil(lp.P);
        addMemory(r, part, 32, M); // bias
        // Per-output requantisation table (per-channel weight scales): mult 32 bits + shift 6 bits per
        // output. The sparse-input kernels read one entry per result (one memory, M deep); the
        // dense-input kernels one per lane and cycle (group-major, partitioned L ways): L banks of
        // P * passes entries each, LUTRAM at these depths.
        if (lp.sparse_input) {
            addMemory(r, part, 38, M);
        } else {
            Resources bank{};
            addMemory(bank, part, 38, P * passes);
            r.lut += L * bank.lut;
            r.bram36 += L * bank.bram36;
            r.uram += L * bank.uram;
        }
        if (lp.sparse_input) {
            st.kernel = std::string(w.conv ? "conv" : "linear") + ".i8.cs-sparse.hls";
            addMemory(r, part, 40, 2 * std::max(1.0, K)); // winners list, ping-pong
            if (w.conv) {
                // U taps of a winner per cycle, each into its own copy of the accumulator banks (summed
                // by an adder tree on the drain); each copy reads its own packed row: ceil(U/2)
                // replicas of the dual-ported weight memory.
                const double per_winner = std::ceil(T / U);
                st.trips = passes * K * per_winner;
                st.cycles = passes * (2 * P * OHW + K * per_winner + kDepth - 1); // init + MAC + drain per pass
                for (int rep = 0; rep < int(std::ceil(U / 2)); ++rep)
                    addMemory(r, part, L * (8 + rb), N * passes);
                r.lut += L * U * 56 + 32 * L * (U - 1);
                r.ff += L * U * 96;
                r.bram36 += L * U * std::max(1.0, ceilDiv(P * OHW, 1024)); // accumulator bank per lane and copy
            } else {
                addMemory(r, part, L * (8 + rb), N * passes);
                st.trips = passes * K;
                st.cycles = passes * (P + (kDepth + K - 1) + P);
                r.lut += L * (40 + 32 * std::ceil((P - 1) / 3));
                r.ff += L * (32 * P + 48);
            }
            st.macs = K * (w.conv ? T : 1) * lp.G; // upper bound (border taps emit nothing)
            st.note = "Select winners x packed rows: K=" + std::to_string(int(K));
        } else {
            st.kernel = std::string(w.conv ? "conv" : "linear") + ".i8.cs-dense.hls";
            const double acc_lut = 40 + 32 * std::ceil((P - 1) / 3), acc_ff = 32 * P + 48;
            if (w.conv) {
                // U output positions per cycle share each weight row (broadcast) and read U inputs
                // (the input buffer partitioned U ways, modelled by its total size).
                addMemory(r, part, L * (8 + rb), N * passes);
                r.lut += L * U * acc_lut;
                r.ff += L * U * acc_ff;
                st.trips = passes * std::ceil(OHW / U) * N;
                st.cycles = passes * std::ceil(OHW / U) * (N + P + kDepth);
                addMemory(r, part, 8, 2 * double(s.in.size())); // input window buffer, ping-pong
            } else {
                // U fan-in positions per cycle: U rows read at once (the memory reshaped U wide); with
                // P > 1 the U products of a lane may hit different accumulators: one copy each.
                addMemory(r, part, L * U * (8 + rb), std::ceil(N / U) * passes);
                r.lut += L * (P > 1 ? U : 1) * acc_lut + 32 * L * (U - 1);
                r.ff += L * (P > 1 ? U : 1) * acc_ff;
                st.trips = passes * std::ceil(N / U);
                st.cycles = passes * (std::ceil(N / U) + log2Ceil(int(U)) + 2 * P + kDepth - 1);
            }
            st.macs = (w.conv ? OHW * N : N) * lp.G;
            st.note = lp.P > 1 ? "dense input, Complementary Sparsity P=" + std::to_string(lp.P) : "dense (P=1)";
        }
    } else if (s.op == q8::QOp::MaxPool) {
        const auto& p = s.pool;
        if (prm.lanes <= 0)
            prm.lanes = 1;
        prm.par = 1;
        const double W = prm.lanes;
        st.kernel = "maxpool.i8.chw.hls";
        const double in_n = double(p.C) * p.H * p.W, out_n = double(p.C) * p.out_h * p.out_w;
        st.trips = std::ceil(out_n / W);
        st.cycles = std::ceil(in_n / (kPoolLoad * W)) + std::ceil(out_n / W) + kDepth;
        addMemory(r, part, 8, in_n); // partitioned 4W ways, modelled by its total size
        r.lut += 600 * W;            // window comparators + address logic per output lane (estimate)
        r.ff += 400 * W;
        st.lanes = int(W);
    } else {
        if (prm.lanes <= 0)
            prm.lanes = int(kSelLanes);
        prm.par = 1;
        const double Ls = prm.lanes;
        const double n = s.kwta.n, Kw = std::min<double>(s.kwta.k, n);
        st.kernel = "kwinners.i8.radix-select.hls";
        const double beats = std::ceil(n / Ls);
        st.trips = 5 * beats;
        st.cycles = beats + 3 * (256 + beats + kDepth + 256) + std::max(beats, Kw) + kDepth;
        addMemory(r, part, 32, n); // keys   (partitioned Ls ways, modelled by the total size)
        addMemory(r, part, 8, n);  // values
        r.bram36 += std::ceil(Ls / 2); // banked histograms (Ls x 256 x 32 bit, two per BRAM36)
        r.dsp += Ls;                   // x * boost
        r.lut += 2500 + Ls * 150;
        r.ff += 3000 + Ls * 200;
        st.lanes = int(Ls);
        st.note = "k=" + std::to_string(int(Kw)) + " of " + std::to_string(int(n));
    }
    st.params = prm;
    return st;
}

// Sums the stages into one network instance and fills every figure of a NetworkEstimate.
void finish(NetworkEstimate& e, const q8::QNet& net, const Part& part)
{
    e.clock_hz = part.clock_mhz * 1e6;
    e.instance = {};
    e.interval_cycles = 0;
    e.latency_s = 0;
    e.bottleneck = -1;
    for (size_t i = 0; i < e.stages.size(); ++i) {
        const auto& st = e.stages[i];
        e.instance += st.res;
        if (st.cycles > e.interval_cycles) {
            e.interval_cycles = st.cycles;
            e.bottleneck = int(i);
        }
        e.latency_s += st.cycles / e.clock_hz;
    }
    e.instance.lut += kInstLut;
    e.instance.ff += kInstFf;
    e.instance.bram36 += kInstBram;

    e.available = part.available();
    const std::pair<const char*, std::pair<double, double>> res[] = {
        {"lut", {e.available.lut, e.instance.lut}}, {"ff", {e.available.ff, e.instance.ff}},
        {"bram36", {e.available.bram36, e.instance.bram36}}, {"uram", {e.available.uram, e.instance.uram}},
        {"dsp", {e.available.dsp, e.instance.dsp}}};
    double best = 1e30;
    for (const auto& [name, ar] : res) {
        if (ar.second <= 0)
            continue;
        const double n = std::floor(ar.first / ar.second);
        if (n < best) {
            best = n;
            e.limiting = name;
        }
    }
    e.instances = int(std::max(0.0, best));
    e.fits = e.instances >= 1;

    const double bytes = double(net.input.size()) + 4.0 * net.classes; // int8 in, int32 logits out
    e.transfer_s = part.host_overhead_us * 1e-6 + bytes / (part.host_gbps * 1e9);
    e.latency_s += e.transfer_s;
    e.host_limited_items_per_s = part.host_gbps * 1e9 / bytes;
    e.items_per_s_instance = e.items_per_s_chip = 0;
    e.power_w_instance = e.power_w_chip = e.energy_j_per_item_instance = e.energy_j_per_item_chip = 0;
    if (e.fits) {
        e.items_per_s_instance = e.clock_hz / e.interval_cycles;
        e.items_per_s_chip = std::min(e.instances * e.items_per_s_instance, e.host_limited_items_per_s);
        const double dyn = dynamicWatts(e.instance, part.clock_mhz);
        e.power_w_instance = part.static_w + dyn;
        e.power_w_chip = part.static_w + dyn * e.instances;
        e.energy_j_per_item_instance = e.power_w_instance / e.items_per_s_instance;
        e.energy_j_per_item_chip = e.power_w_chip / e.items_per_s_chip;
    }
}
} // namespace

std::string StageEstimate::paramsText() const
{
    if (kernel.rfind("kwinners", 0) == 0)
        return std::to_string(params.lanes) + " el/cycle";
    if (kernel.rfind("maxpool", 0) == 0)
        return std::to_string(params.lanes) + " out/cycle";
    std::string t = std::to_string(params.lanes) + (params.lanes == 1 ? " lane" : " lanes");
    if (passes > 1)
        t += " x" + std::to_string(passes) + " passes";
    if (params.par > 1) {
        if (kernel.rfind("conv.i8.cs-dense", 0) == 0)
            t += ", " + std::to_string(params.par) + " pos/cycle";
        else if (kernel.rfind("conv.i8.cs-sparse", 0) == 0)
            t += ", " + std::to_string(params.par) + " taps/cycle";
        else
            t += ", " + std::to_string(params.par) + " fan-in/cycle";
    }
    return t;
}

NetworkEstimate estimate(const q8::QNet& net, Variant v, const Part& part, const std::vector<StageParams>& design)
{
    NetworkEstimate e;
    e.part = part.id;
    e.variant = variantName(v);
    const auto counts = sparseCounts(net);
    for (size_t i = 0; i < net.steps.size(); ++i)
        e.stages.push_back(stageEstimate(net.steps[i], v, counts[i], part, i < design.size() ? design[i] : StageParams{}));
    finish(e, net, part);
    return e;
}

std::vector<std::vector<StageParams>> stageOptions(const q8::QNet& net, Variant v)
{
    std::vector<std::vector<StageParams>> all;
    for (const auto& s : net.steps) {
        std::vector<StageParams> o{StageParams{}};
        if (s.op == q8::QOp::Weighted) {
            const auto& w = s.w;
            const LayerPlan lp = planLayer(w, v);
            // Fold: G/2, G/4, ... lanes (distinct values, at least one lane).
            int prev = lp.G;
            for (int f = 2; f <= 64; f *= 2) {
                const int L = ceilDivInt(lp.G, f);
                if (L < prev)
                    o.push_back({L, 1});
                prev = L;
                if (L == 1)
                    break;
            }
            // Parallelism beyond one position / tap / fan-in per cycle, all G lanes.
            std::vector<int> pars;
            if (lp.sparse_input && w.conv) {
                const int T = w.kh * w.kw;
                for (int u = 2; u < T; u *= 2)
                    pars.push_back(u);
                if (T > 1)
                    pars.push_back(T); // one winner per cycle, the Select's emission rate
            } else if (!lp.sparse_input && w.conv) {
                const int OHW = w.out_h * w.out_w;
                for (int u = 2; u < OHW; u *= 2)
                    pars.push_back(u);
                if (OHW > 1)
                    pars.push_back(OHW);
            } else if (!lp.sparse_input) {
                for (int u = 2; u <= 16 && u < w.N; u *= 2)
                    pars.push_back(u);
            } // sparse linear: the winners arrive one per cycle; no parallelism beyond it
            for (int u : pars)
                o.push_back({0, u});
        } else if (s.op == q8::QOp::MaxPool) {
            for (int W = 2; W <= 64; W *= 2)
                o.push_back({W, 1});
        } else {
            for (int L : {4, 8, 32, 64, 128, 256})
                o.push_back({L, 1});
        }
        all.push_back(std::move(o));
    }
    return all;
}

bool objectiveFromName(const std::string& name, Objective* out)
{
    if (name == "throughput")
        *out = Objective::Throughput;
    else if (name == "instances")
        *out = Objective::Instances;
    else if (name == "energy")
        *out = Objective::Energy;
    else
        return false;
    return true;
}

const char* objectiveName(Objective o)
{
    switch (o) {
    case Objective::Throughput: return "throughput";
    case Objective::Instances: return "instances";
    case Objective::Energy: return "energy";
    }
    return "?";
}

namespace {
bool dominatesOrEqual(const Resources& a, const Resources& b)
{
    return a.lut <= b.lut && a.ff <= b.ff && a.bram36 <= b.bram36 && a.uram <= b.uram && a.dsp <= b.dsp;
}
bool sameResources(const Resources& a, const Resources& b) { return dominatesOrEqual(a, b) && dominatesOrEqual(b, a); }

// a strictly better than b (ties broken by the next criterion; equal designs are not better).
bool better(const NetworkEstimate& a, const NetworkEstimate& b, Objective o, double max_interval)
{
    constexpr double eps = 1e-9;
    auto cmp = [&](double x, double y) { return x > y * (1 + eps) ? 1 : (y > x * (1 + eps) ? -1 : 0); };
    if (o == Objective::Instances) {
        const bool ai = a.interval_cycles <= max_interval, bi = b.interval_cycles <= max_interval;
        if (ai != bi)
            return ai;
        if (a.instances != b.instances)
            return a.instances > b.instances;
    }
    if (o == Objective::Energy) {
        if (int c = cmp(b.energy_j_per_item_chip, a.energy_j_per_item_chip))
            return c > 0;
    }
    if (int c = cmp(a.items_per_s_chip, b.items_per_s_chip))
        return c > 0;
    if (int c = cmp(b.energy_j_per_item_chip, a.energy_j_per_item_chip))
        return c > 0;
    return cmp(a.items_per_s_instance, b.items_per_s_instance) > 0;
}
} // namespace

Exploration explore(const q8::QNet& net, Variant v, const Part& part, Objective objective)
{
    Exploration x;
    x.objective = objectiveName(objective);
    x.baseline = estimate(net, v, part);
    const auto options = stageOptions(net, v);
    const auto counts = sparseCounts(net);
    // Every option of every stage, estimated once.
    std::vector<std::vector<StageEstimate>> est(options.size());
    std::vector<double> intervals;
    x.space = 1;
    for (size_t i = 0; i < options.size(); ++i) {
        x.space *= double(options[i].size());
        for (const auto& o : options[i]) {
            est[i].push_back(stageEstimate(net.steps[i], v, counts[i], part, o));
            intervals.push_back(est[i].back().cycles);
        }
    }
    std::sort(intervals.begin(), intervals.end());
    intervals.erase(std::unique(intervals.begin(), intervals.end()), intervals.end());

    NetworkEstimate e;
    e.part = part.id;
    e.variant = variantName(v);
    e.design = std::string("balanced (") + x.objective + ")";
    bool have_chosen = false, have_fastest = false;
    for (double T : intervals) {
        // Per stage: the options meeting T that no other option meeting T matches or beats in every
        // resource (of equal resources, the faster one).
        std::vector<std::vector<int>> keep(est.size());
        bool feasible = true;
        for (size_t i = 0; i < est.size() && feasible; ++i) {
            for (size_t a = 0; a < est[i].size(); ++a) {
                if (est[i][a].cycles > T)
                    continue;
                bool dominated = false;
                for (size_t b = 0; b < est[i].size() && !dominated; ++b) {
                    if (b == a || est[i][b].cycles > T || !dominatesOrEqual(est[i][b].res, est[i][a].res))
                        continue;
                    if (!sameResources(est[i][b].res, est[i][a].res))
                        dominated = true;
                    else // equal resources: keep the faster, and the first of equals
                        dominated = est[i][b].cycles < est[i][a].cycles || (est[i][b].cycles == est[i][a].cycles && b < a);
                }
                if (!dominated)
                    keep[i].push_back(int(a));
            }
            feasible = !keep[i].empty();
        }
        if (!feasible)
            continue;
        ++x.intervals;
        // Every combination of the kept options (an odometer over the stages).
        std::vector<size_t> pick(est.size(), 0);
        for (;;) {
            e.stages.clear();
            for (size_t i = 0; i < est.size(); ++i)
                e.stages.push_back(est[i][size_t(keep[i][pick[i]])]);
            finish(e, net, part);
            ++x.evaluated;
            if (e.fits) {
                const double max_interval = x.baseline.fits ? x.baseline.interval_cycles : 1e300;
                if (!have_chosen || better(e, x.chosen, objective, max_interval)) {
                    x.chosen = e;
                    have_chosen = true;
                }
                const bool faster = !have_fastest || e.items_per_s_instance > x.fastest.items_per_s_instance * (1 + 1e-9) ||
                                    (e.items_per_s_instance >= x.fastest.items_per_s_instance * (1 - 1e-9) &&
                                     e.energy_j_per_item_instance < x.fastest.energy_j_per_item_instance * (1 - 1e-9));
                if (faster) {
                    x.fastest = e;
                    have_fastest = true;
                }
            }
            size_t i = 0;
            while (i < pick.size() && ++pick[i] == keep[i].size())
                pick[i++] = 0;
            if (i == pick.size())
                break;
        }
    }
    x.found = have_chosen;
    x.fastest.design = "fastest single instance";
    return x;
}

} // namespace ss::fpga
