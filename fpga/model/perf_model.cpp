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

NetworkEstimate estimate(const q8::QNet& net, Variant v, const Part& part)
{
    NetworkEstimate e;
    e.part = part.id;
    e.variant = variantName(v);
    e.clock_hz = part.clock_mhz * 1e6;
    const auto counts = sparseCounts(net);
    for (size_t i = 0; i < net.steps.size(); ++i) {
        const auto& s = net.steps[i];
        StageEstimate st;
        st.name = s.name;
        Resources& r = st.res;
        r.lut = kCtrlLut;
        r.ff = kCtrlFf;
        if (s.op == q8::QOp::Weighted) {
            const auto& w = s.w;
            const LayerPlan lp = planLayer(w, v);
            const double P = lp.P, G = lp.G, N = w.N, M = w.M, OHW = double(w.out_h) * w.out_w;
            const double T = double(w.kh) * w.kw;
            st.lanes = lp.G;
            r.dsp = std::ceil(G / 2); // two int8 MACs sharing one operand per DSP48E2 (WP486)
            const double rb = log2Ceil(lp.P);
            addMemory(r, part, G * (8 + rb), N);   // packed weights + routes, one row per fan-in position
            addMemory(r, part, 32, M);             // bias
            if (lp.sparse_input) {
                const double K = counts[i];
                st.kernel = std::string(w.conv ? "conv" : "linear") + ".i8.cs-sparse.hls";
                addMemory(r, part, 40, 2 * std::max(1.0, K)); // winners list, ping-pong
                if (w.conv) {
                    st.trips = K * T;
                    st.cycles = 2 * P * OHW + K * T + kDepth - 1; // init + MAC + drain (DATAFLOW)
                    r.lut += G * 56;
                    r.ff += G * 96;
                    r.bram36 += G * std::max(1.0, ceilDiv(P * OHW, 1024)); // accumulator bank per lane
                } else {
                    st.trips = K;
                    st.cycles = P + (kDepth + K - 1) + P;
                    r.lut += G * (40 + 32 * std::ceil((P - 1) / 3));
                    r.ff += G * (32 * P + 48);
                }
                st.macs = K * (w.conv ? T : 1) * G; // upper bound (border taps emit nothing)
                st.note = "Select winners x packed rows: K=" + std::to_string(int(K));
            } else {
                st.kernel = std::string(w.conv ? "conv" : "linear") + ".i8.cs-dense.hls";
                r.lut += G * (40 + 32 * std::ceil((P - 1) / 3));
                r.ff += G * (32 * P + 48);
                if (w.conv) {
                    st.trips = OHW * N;
                    st.cycles = OHW * (N + P + kDepth);
                    addMemory(r, part, 8, 2 * double(s.in.size())); // input window buffer, ping-pong
                } else {
                    st.trips = N;
                    st.cycles = N + 2 * P + kDepth - 1;
                }
                st.macs = st.trips * G;
                st.note = lp.P > 1 ? "dense input, Complementary Sparsity P=" + std::to_string(lp.P) : "dense (P=1)";
            }
        } else if (s.op == q8::QOp::MaxPool) {
            const auto& p = s.pool;
            st.kernel = "maxpool.i8.chw.hls";
            const double in_n = double(p.C) * p.H * p.W, out_n = double(p.C) * p.out_h * p.out_w;
            st.trips = out_n;
            st.cycles = std::ceil(in_n / kPoolLoad) + out_n + kDepth;
            addMemory(r, part, 8, in_n);
            r.lut += 600;
            r.ff += 400;
        } else {
            const double n = s.kwta.n, K = std::min<double>(s.kwta.k, n);
            st.kernel = "kwinners.i8.radix-select.hls";
            const double beats = std::ceil(n / kSelLanes);
            st.trips = 5 * beats;
            st.cycles = beats + 3 * (256 + beats + kDepth + 256) + std::max(beats, K) + kDepth;
            addMemory(r, part, 32, n);            // keys
            addMemory(r, part, 8, n);             // values
            r.bram36 += kSelLanes / 2;            // banked histograms (L x 256 x 32 bit)
            r.dsp += kSelLanes;                   // x * boost
            r.lut += 2500 + kSelLanes * 150;
            r.ff += 3000 + kSelLanes * 200;
            st.lanes = int(kSelLanes);
            st.note = "k=" + std::to_string(int(K)) + " of " + std::to_string(int(n));
        }
        e.instance += r;
        e.interval_cycles = std::max(e.interval_cycles, st.cycles);
        e.latency_s += st.cycles / e.clock_hz;
        e.stages.push_back(std::move(st));
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
    if (e.fits) {
        e.items_per_s_instance = e.clock_hz / e.interval_cycles;
        e.items_per_s_chip = std::min(e.instances * e.items_per_s_instance, e.host_limited_items_per_s);
        const double dyn = dynamicWatts(e.instance, part.clock_mhz);
        e.power_w_instance = part.static_w + dyn;
        e.power_w_chip = part.static_w + dyn * e.instances;
        e.energy_j_per_item_instance = e.power_w_instance / e.items_per_s_instance;
        e.energy_j_per_item_chip = e.power_w_chip / e.items_per_s_chip;
    }
    return e;
}

} // namespace ss::fpga
