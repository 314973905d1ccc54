#include "engines/steps.h"

#include "sparsity/kwinners.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string>

namespace ss::steps {

using kernels::KernelTable;
using kernels::roundUp;

namespace {

std::string kernelName(const char* op, const char* variant, const KernelTable* k)
{
    return std::string(op) + ".f32." + variant + "." + (k ? kernels::isaName(k->isa) : "scalar");
}

// Non-zeros of the items whose first work unit (of units_per_item) lies in [b, e): summed over a
// parallelFor's chunks, every item is counted once, by the worker that starts it.
int64_t countItemsStarting(const float* x, int64_t item_size, int units_per_item, int b, int e)
{
    int64_t nz = 0;
    for (int item = (b + units_per_item - 1) / units_per_item; item * units_per_item < e; ++item)
        nz += countNonzeros(x + size_t(item) * item_size, item_size);
    return nz;
}

// Per-worker scratch buffers. The outer vectors are sized once, up front: workers only ever grow
// their own inner buffer, so no thread reallocates storage another thread is using.
struct Scratch {
    std::vector<AlignedVector<float>> f = std::vector<AlignedVector<float>>(kMaxThreads); // rows start on lines
    std::vector<std::vector<int32_t>> i = std::vector<std::vector<int32_t>>(kMaxThreads);
    float* floats(int worker, size_t n)
    {
        auto& v = f[size_t(worker)];
        if (v.size() < n) v.resize(n);
        return v.data();
    }
    int32_t* ints(int worker, size_t n)
    {
        auto& v = i[size_t(worker)];
        if (v.size() < n) v.resize(n);
        return v.data();
    }
};

// A conv step that took over the max-pool after it says how, and its kernel's op becomes
// conv+maxpool (<op>.<dtype>.<variant>.<isa>).
void notePoolFused(LayerStats& info, const char* how)
{
    info.note += std::string(info.note.empty() ? "" : "; ") + "max-pool fused: " + how;
    if (info.kernel.rfind("conv.", 0) == 0)
        info.kernel.insert(4, "+maxpool");
}

// ---- output-stationary gather (dense, and CS sparse-dense with shared routes) -----------------

class GatherConvStep final : public Step {
public:
    const KernelTable* k = nullptr;
    int pad = 0, stride = 1, pw = 0, ph = 0;
    std::vector<int32_t> slot_begin, offsets, out_start, out_count;
    AlignedVector<float> weights;
    std::vector<float> bias;
    int gpad = 0;
    int64_t macs_per_position = 0;
    Scratch scratch;
    // A fused max-pool (pool_k > 0): the conv rows of a few pooled rows are computed into a small
    // per-worker band and pooled at once, so the full conv map never leaves L1. The band holds as
    // many pooled rows as fit in kBandBytes: every gather call streams the weights once per tile of
    // positions, and a band of one pooled row (2 conv rows of 10 on the GSC conv2) ends in a short
    // tile each time (20 tiles per item instead of 17: 20% slower than not fusing, measured).
    static constexpr size_t kBandBytes = 32 * 1024;
    int pool_k = 0, pool_s = 0, band_rows = 1;
    // A 2x2 stride-2 pool after a short fan-in (every slot <= 32 positions: the 1-channel conv1)
    // pools in registers: each tile is one window's 4 positions, so no band is written or re-read.
    // Long fan-ins keep the band: a 4-position tile would stream their weights (L2) more often.
    bool reg_pool = false;
    static constexpr int kRegPoolMaxFanIn = 32;
    ActShape conv;                    // the conv's own output shape (out is the pooled one then)

    bool fuseMaxPool(const Layer& L, bool input_sparse) override
    {
        // A k-WTA-fed conv keeps its own pool step in the gather engines (GSC conv2 in dense and
        // sparse-dense), as it always has; fusing it here is not measured.
        if (input_sparse || L.pool_kernel != L.pool_stride) // overlapping windows would recompute conv rows
            return false;
        conv = out;
        pool_k = L.pool_kernel;
        pool_s = L.pool_stride;
        out = L.out_shape;
        band_rows = int(std::max<size_t>(1, kBandBytes / (sizeof(float) * size_t(pool_k) * conv.w * conv.c)));
        reg_pool = pool_k == 2;
        for (size_t s = 0; s + 1 < slot_begin.size(); ++s)
            reg_pool = reg_pool && slot_begin[s + 1] - slot_begin[s] <= kRegPoolMaxFanIn;
        notePoolFused(info, reg_pool ? "2x2 windows pooled in registers, the conv map is never written"
                                      : "conv rows pooled while in L1");
        return true;
    }

    void run(const float* x, float* y, int items, StepPool& pool, StepCounters& c) override
    {
        const ActShape& co = pool_k ? conv : out;
        const int rows = pool_k ? out.h : co.h;  // work units per item: pooled rows, or conv rows
        const size_t padded = size_t(ph) * pw * in.c;
        c.macs += macs_per_position * (pool_k ? out.h * pool_k : co.h) * (reg_pool ? out.w * pool_k : co.w) * items;
        pool.parallelFor(items * rows, [&](int b, int e, int worker) {
            c.nonzeros += countItemsStarting(x, in.size(), rows, b, e); // in the workers: no serial pass
            int t = b;
            while (t < e) {
                const int item = t / rows;
                const int r0 = t % rows;
                const int r1 = std::min(rows, r0 + (e - t));
                // one request for both buffers: a second, larger one could move the first
                float* const work = scratch.floats(worker, padded + (pool_k && !reg_pool ? size_t(band_rows) * pool_k * co.w * co.c : 0));
                const float* xi = x + size_t(item) * in.size();
                if (pad > 0) {
                    pack::padInput(xi, in, pad, work);
                    xi = work;
                }
                float* yi = y + size_t(item) * out.size();
                if (reg_pool || !pool_k) { // rows [r0, r1) of the output: pooled in registers, or unpooled
                    kernels::GatherConvArgs a{xi, pw, in.c, co.h, co.w, co.c, stride, int(out_count.size()),
                                              slot_begin.data(), offsets.data(), weights.data(), gpad,
                                              out_start.data(), out_count.data(), bias.data(), yi, r0, r1};
                    a.pool = reg_pool ? 2 : 0;
                    k->gather_conv(a);
                } else {
                    // pooled rows [r, r + nb) read conv rows [r*pool_k, (r + nb)*pool_k) (pool_s == pool_k)
                    float* const band = work + padded;
                    for (int r = r0; r < r1; r += band_rows) {
                        const int nb = std::min(band_rows, r1 - r);
                        const int crow = r * pool_s;
                        kernels::GatherConvArgs a{xi + size_t(crow) * stride * pw * in.c, pw, in.c, nb * pool_k, co.w, co.c,
                                                  stride, int(out_count.size()), slot_begin.data(), offsets.data(),
                                                  weights.data(), gpad, out_start.data(), out_count.data(), bias.data(),
                                                  band, 0, nb * pool_k};
                        k->gather_conv(a);
                        k->maxpool(band, co.w, co.c, pool_k, pool_s, nb, out.w, yi + size_t(r) * out.w * out.c);
                    }
                }
                t += r1 - r0;
            }
        });
    }
};

class GatherLinearStep final : public Step {
public:
    const KernelTable* k = nullptr;
    std::vector<int32_t> slot_begin, index, out_start, out_count;
    AlignedVector<float> weights;
    std::vector<float> bias;
    int gpad = 0;
    int64_t macs_per_item = 0;

    void run(const float* x, float* y, int items, StepPool& pool, StepCounters& c) override
    {
        c.macs += macs_per_item * items;
        const int slots = int(out_count.size());
        pool.parallelFor(slots, [&](int s0, int s1, int) {
            // the items in proportion to this chunk of slots: the chunks partition [0, items)
            const int i0 = int(int64_t(items) * s0 / slots), i1 = int(int64_t(items) * s1 / slots);
            c.nonzeros += countNonzeros(x + size_t(i0) * in.size(), int64_t(i1 - i0) * in.size());
            kernels::GatherLinearArgs a{x, int(in.size()), items, s1 - s0, slot_begin.data() + s0, index.data(),
                                        weights.data(), gpad, out_start.data() + s0, out_count.data() + s0,
                                        bias.data(), y, out.c};
            k->gather_linear(a);
        });
    }
};

// ---- CSR (weight sparsity only) ----------------------------------------------------------------

class CsrStep final : public Step {
public:
    bool conv = false;
    int pad = 0, stride = 1, pw = 0, ph = 0;
    std::vector<int32_t> row_begin, off; // per output: (input offset, weight)
    std::vector<float> w, bias;
    Scratch scratch;

    void run(const float* x, float* y, int items, StepPool& pool, StepCounters& c) override
    {
        const int M = out.c, positions = out.h * out.w;
        c.macs += int64_t(row_begin.back()) * positions * items;
        const size_t padded = size_t(ph) * pw * in.c;
        pool.parallelFor(items * out.h, [&](int b, int e, int worker) {
            c.nonzeros += countItemsStarting(x, in.size(), out.h, b, e);
            for (int t = b; t < e; ++t) {
                const int item = t / out.h, oy = t % out.h;
                const float* xi = x + size_t(item) * in.size();
                if (conv && pad > 0) {
                    float* xp = scratch.floats(worker, padded);
                    pack::padInput(xi, in, pad, xp);
                    xi = xp;
                }
                for (int ox = 0; ox < out.w; ++ox) {
                    const float* base = conv ? xi + (size_t(oy * stride) * pw + size_t(ox) * stride) * in.c : xi;
                    float* yo = y + size_t(item) * out.size() + (size_t(oy) * out.w + ox) * M;
                    for (int o = 0; o < M; ++o) {
                        float acc = bias[size_t(o)];
                        for (int q = row_begin[size_t(o)]; q < row_begin[size_t(o) + 1]; ++q)
                            acc += w[size_t(q)] * base[off[size_t(q)]];
                        yo[o] = acc;
                    }
                }
            }
        });
    }
};

// ---- Complementary Sparsity, sparse input, shared routes (SIMD row scatter) --------------------

class ScatterStep final : public Step {
public:
    const KernelTable* k = nullptr;
    bool conv = false;
    int kh = 1, kw = 1, stride = 1, pad = 0;
    int P = 1, rowpad = 8;
    AlignedVector<float> wc, bias_rows; // [N][rowpad], [P][rowpad]
    std::vector<int32_t> row_off, slot_start, slot_count;
    std::vector<uint16_t> row_len;
    AlignedVector<float> wc_ct;    // stride-1 channel-major layout (see kernels.h)
    std::vector<int32_t> off_ct;
    std::vector<int32_t> macs_table, macs_row_of; // conv: kernels::WinnerMacs
    Scratch scratch;
    // A fused max-pool (pool > 0): taken in the accumulator rows before compaction, so only the
    // pooled positions are compacted and the conv map is never written (kernels.h, ScatterConvArgs).
    int pool = 0;
    ActShape conv_out; // the conv's own output shape (out is the pooled one then)

    bool fuseMaxPool(const Layer& L, bool) override
    {
        if (!conv || L.pool_kernel != L.pool_stride) // overlapping windows would pool rows twice
            return false;
        pool = L.pool_kernel;
        out = L.out_shape;
        notePoolFused(info, "taken in the accumulator rows before compaction");
        return true;
    }

    void runItem(const float* xi, float* yi, int worker, StepCounters& c)
    {
        const int64_t n = in.size();
        const size_t acc_size = size_t(conv_out.h) * conv_out.w * P * rowpad;
        // one float scratch: winner values (with the kernels' slack), then the accumulator rows,
        // which start on a cache line as the scratch does
        const size_t list = size_t(kernels::roundUp(int(n) + kernels::kNonzerosSlack, 16));
        float* val = scratch.floats(worker, list + acc_size);
        float* acc = val + list;
        int32_t* idx = scratch.ints(worker, list + size_t(in.h * in.w) + 1);
        if (conv) {
            int32_t* pos_begin = idx + list;
            kernels::WinnerMacs macs{macs_table.data(), macs_row_of.data()};
            const int count = k->nonzeros_by_position(xi, in.h * in.w, in.c, pos_begin, idx, val, &macs);
            kernels::ScatterConvArgs a{pos_begin, idx, val, in.h, in.w, in.c, conv_out.h, conv_out.w, kh, kw, stride, pad,
                                       wc.data(), rowpad, row_off.data(), P, bias_rows.data(),
                                       slot_start.data(), slot_count.data(), out.c, acc, yi};
            if (pool) {
                a.pool = pool;
                a.pool_h = out.h;
                a.pool_w = out.w;
            }
            if (!wc_ct.empty()) {
                a.wc_ct = wc_ct.data();
                a.off_ct = off_ct.data();
            }
            k->scatter_conv(a);
            c.nonzeros += count;
            c.macs += macs.total;
        } else {
            const int count = k->nonzeros(xi, int(n), idx, val);
            kernels::ScatterLinearArgs a{idx, val, count, wc.data(), rowpad, row_off.data(), row_len.data(), P,
                                         bias_rows.data(), slot_start.data(), slot_count.data(), acc, yi, 0};
            k->scatter_linear(a);
            c.nonzeros += count;
            c.macs += a.macs;
        }
    }

    void run(const float* x, float* y, int items, StepPool& pool, StepCounters& c) override
    {
        pool.parallelFor(items, [&](int b, int e, int worker) {
            for (int it = b; it < e; ++it)
                runItem(x + size_t(it) * in.size(), y + size_t(it) * out.size(), worker, c);
        });
    }
};

// ---- Complementary Sparsity with independent routes (scalar route scatter) ---------------------

class RouteScatterStep final : public Step {
public:
    bool conv = false, sparse_input = false;
    int kh = 1, kw = 1, stride = 1, pad = 0;
    PackedLayer pk;
    std::vector<float> bias;
    Scratch scratch;

    void runItem(const float* xi, float* yi, int worker, StepCounters& c)
    {
        const int M = out.c, G = pk.G, P = pk.P;
        for (int p = 0; p < out.h * out.w; ++p)
            std::memcpy(yi + size_t(p) * M, bias.data(), sizeof(float) * size_t(M));
        int64_t macs = 0, nz = 0;
        auto scatter = [&](float* yq, int n, float v) {
            const float* w = pk.wc.data() + size_t(n) * G;
            const uint8_t* r = pk.route.data() + size_t(n) * G;
            for (int g = 0; g < G; ++g) {
                const int o = g * P + r[g];
                if (o < M)
                    yq[o] += w[g] * v;
            }
            macs += G;
        };
        if (!conv) {
            for (int n = 0; n < int(in.size()); ++n) {
                const float v = xi[n];
                nz += v != 0.0f;
                if (v != 0.0f || !sparse_input)
                    scatter(yi, n, v);
            }
        } else {
            // Input-stationary: each (active) input reaches every output its taps touch.
            for (int iy = 0; iy < in.h; ++iy)
                for (int ix = 0; ix < in.w; ++ix)
                    for (int ch = 0; ch < in.c; ++ch) {
                        const float v = xi[(size_t(iy) * in.w + ix) * in.c + ch];
                        nz += v != 0.0f;
                        if (v == 0.0f && sparse_input)
                            continue;
                        for (int dy = 0; dy < kh; ++dy) {
                            const int ty = iy + pad - dy;
                            if (ty < 0 || ty % stride || ty / stride >= out.h) continue;
                            for (int dx = 0; dx < kw; ++dx) {
                                const int tx = ix + pad - dx;
                                if (tx < 0 || tx % stride || tx / stride >= out.w) continue;
                                scatter(yi + (size_t(ty / stride) * out.w + tx / stride) * M, (dy * kw + dx) * in.c + ch, v);
                            }
                        }
                    }
        }
        c.macs += macs;
        c.nonzeros += nz;
    }

    void run(const float* x, float* y, int items, StepPool& pool, StepCounters& c) override
    {
        pool.parallelFor(items, [&](int b, int e, int worker) {
            for (int it = b; it < e; ++it)
                runItem(x + size_t(it) * in.size(), y + size_t(it) * out.size(), worker, c);
        });
    }
};

void setShapes(Step& s, const WeightedOp& op)
{
    s.in = op.in;
    s.out = op.out;
}

// Shared-route slots: slot r holds the G_r outputs g*P + r (g < G, g*P + r < M), placed
// route-major at out_start[r]; internal channel out_start[r] + g is model channel g*P + r.
struct SlotLayout {
    std::vector<int32_t> start, count;
    std::vector<int> perm;
};
SlotLayout slotLayout(int M, int P)
{
    SlotLayout s;
    const int G = (M + P - 1) / P;
    int at = 0;
    for (int r = 0; r < P; ++r) {
        int cnt = 0;
        for (int g = 0; g < G; ++g)
            if (g * P + r < M) {
                s.perm.push_back(g * P + r);
                ++cnt;
            }
        s.start.push_back(at);
        s.count.push_back(cnt);
        at += cnt;
    }
    return s;
}

// Independent routes: the scalar route scatter, over every input or only the non-zero ones.
std::unique_ptr<Step> routeScatter(const WeightedOp& op, const PackedLayer& pk, bool sparse_input)
{
    auto s = std::make_unique<RouteScatterStep>();
    setShapes(*s, op);
    s->conv = op.conv;
    s->sparse_input = sparse_input;
    s->kh = op.kh; s->kw = op.kw; s->stride = op.stride; s->pad = op.padding;
    s->pk = pk;
    s->bias = op.bias;
    s->info.op = op.conv ? "conv2d" : "linear";
    s->info.kernel = kernelName(op.conv ? "conv" : "linear", sparse_input ? "cs-sparse-route-scatter" : "cs-dense-route-scatter", nullptr);
    return s;
}

} // namespace

std::unique_ptr<Step> withoutComplementarity(const WeightedOp& op, const KernelTable& k)
{
    if (op.weight_density < 1.0) {
        auto s = op.conv ? csrConv(op) : csrLinear(op);
        s->info.note = op.P > 1 ? "masks are not complementary: runs as CSR" : "no complementary groups (P=1): runs as CSR";
        return s;
    }
    auto s = op.conv ? denseConv(op, k) : denseLinear(op, k);
    s->info.note = "dense layer";
    return s;
}

bool packComplementary(const WeightedOp& op, PackedLayer* pk)
{
    return op.P > 1 && combine(op.weight.data(), op.mask.data(), op.M, op.N, op.P, pk);
}

bool packDenseAsOneSlot(const WeightedOp& op, PackedLayer* pk)
{
    if (op.P != 1 || !std::all_of(op.mask.begin(), op.mask.end(), [](float m) { return m != 0.0f; }))
        return false;
    return combine(op.weight.data(), op.mask.data(), op.M, op.N, 1, pk);
}

std::unique_ptr<Step> denseConv(const WeightedOp& op, const KernelTable& k)
{
    auto s = std::make_unique<GatherConvStep>();
    setShapes(*s, op);
    s->k = &k;
    s->pad = op.padding;
    s->stride = op.stride;
    s->pw = op.in.w + 2 * op.padding;
    s->ph = op.in.h + 2 * op.padding;
    s->gpad = roundUp(op.M, k.vector_width);
    s->weights = pack::transposePadded(op.weight, op.M, op.N, s->gpad);
    s->offsets = pack::convOffsets(op, s->pw);
    s->slot_begin = {0, op.N};
    s->out_start = {0};
    s->out_count = {op.M};
    s->bias = op.bias;
    s->macs_per_position = int64_t(op.N) * op.M;
    s->info.op = "conv2d";
    s->info.kernel = kernelName("conv", "dense-gather", &k);
    return s;
}

std::unique_ptr<Step> denseLinear(const WeightedOp& op, const KernelTable& k)
{
    auto s = std::make_unique<GatherLinearStep>();
    setShapes(*s, op);
    s->k = &k;
    // Split the outputs into register-tile chunks so threads share the work and each chunk's
    // weights stream contiguously.
    const int chunk = 4 * k.vector_width >= 16 ? 4 * k.vector_width : 16;
    s->gpad = roundUp(chunk, k.vector_width);
    const int chunks = (op.M + chunk - 1) / chunk;
    s->weights.assign(size_t(chunks) * op.N * s->gpad, 0.0f);
    for (int ch = 0; ch < chunks; ++ch) {
        s->slot_begin.push_back(ch * op.N);
        s->out_start.push_back(ch * chunk);
        s->out_count.push_back(std::min(chunk, op.M - ch * chunk));
        for (int n = 0; n < op.N; ++n) {
            s->index.push_back(n);
            for (int j = 0; j < s->out_count.back(); ++j)
                s->weights[(size_t(ch) * op.N + n) * s->gpad + j] = op.weight[size_t(ch * chunk + j) * op.N + n];
        }
    }
    s->slot_begin.push_back(chunks * op.N);
    s->bias = op.bias;
    s->macs_per_item = int64_t(op.N) * op.M;
    s->info.op = "linear";
    s->info.kernel = kernelName("linear", "dense-gather", &k);
    return s;
}

std::unique_ptr<Step> csrConv(const WeightedOp& op)
{
    auto s = std::make_unique<CsrStep>();
    setShapes(*s, op);
    s->conv = true;
    s->pad = op.padding;
    s->stride = op.stride;
    s->pw = op.in.w + 2 * op.padding;
    s->ph = op.in.h + 2 * op.padding;
    const auto offs = pack::convOffsets(op, s->pw);
    s->row_begin.push_back(0);
    for (int o = 0; o < op.M; ++o) {
        for (int n = 0; n < op.N; ++n)
            if (op.mask[size_t(o) * op.N + n] != 0.0f) {
                s->off.push_back(offs[size_t(n)]);
                s->w.push_back(op.weight[size_t(o) * op.N + n]);
            }
        s->row_begin.push_back(int32_t(s->off.size()));
    }
    s->bias = op.bias;
    s->info.op = "conv2d";
    s->info.kernel = "conv.f32.csr.scalar";
    return s;
}

std::unique_ptr<Step> csrLinear(const WeightedOp& op)
{
    auto s = std::make_unique<CsrStep>();
    setShapes(*s, op);
    s->row_begin.push_back(0);
    for (int o = 0; o < op.M; ++o) {
        for (int n = 0; n < op.N; ++n)
            if (op.mask[size_t(o) * op.N + n] != 0.0f) {
                s->off.push_back(n);
                s->w.push_back(op.weight[size_t(o) * op.N + n]);
            }
        s->row_begin.push_back(int32_t(s->off.size()));
    }
    s->bias = op.bias;
    s->info.op = "linear";
    s->info.kernel = "linear.f32.csr.scalar";
    return s;
}

std::unique_ptr<Step> csDenseInput(const WeightedOp& op, const PackedLayer& pk, const KernelTable& k)
{
    if (!pk.shared_routes)
        return routeScatter(op, pk, false);
    const SlotLayout sl = slotLayout(op.M, op.P);
    const int G = pk.G;
    const int gpad = roundUp(G, k.vector_width);
    // Slot r gathers the fan-in positions routed to r; its weight rows are Wc[n][0..G_r).
    std::vector<int32_t> slot_begin{0}, order;
    for (int r = 0; r < op.P; ++r) {
        for (int n = 0; n < op.N; ++n)
            if (pk.shared_route[size_t(n)] == r)
                order.push_back(n);
        slot_begin.push_back(int32_t(order.size()));
    }
    AlignedVector<float> weights(order.size() * size_t(gpad), 0.0f);
    for (size_t l = 0; l < order.size(); ++l)
        for (int g = 0; g < G; ++g)
            weights[l * gpad + g] = pk.wc[size_t(order[l]) * G + g];
    std::vector<float> bias(static_cast<size_t>(op.M));
    for (int j = 0; j < op.M; ++j)
        bias[size_t(j)] = op.bias[size_t(sl.perm[size_t(j)])];
    int64_t macs = 0;
    for (int r = 0; r < op.P; ++r)
        macs += int64_t(slot_begin[size_t(r) + 1] - slot_begin[size_t(r)]) * sl.count[size_t(r)];
    // The same route-slot wiring for the conv and the linear gather step.
    auto wireSlots = [&](auto step, const char* kind) -> std::unique_ptr<Step> {
        step->slot_begin = slot_begin;
        step->weights = std::move(weights);
        step->gpad = gpad;
        step->out_start = sl.start;
        step->out_count = sl.count;
        step->bias = std::move(bias);
        step->out_perm = sl.perm;
        step->info.op = std::string(kind) == "conv" ? "conv2d" : "linear";
        step->info.kernel = kernelName(kind, "cs-dense-gather", &k);
        return step;
    };

    if (op.conv) {
        auto s = std::make_unique<GatherConvStep>();
        setShapes(*s, op);
        s->k = &k;
        s->pad = op.padding;
        s->stride = op.stride;
        s->pw = op.in.w + 2 * op.padding;
        s->ph = op.in.h + 2 * op.padding;
        const auto offs = pack::convOffsets(op, s->pw);
        for (int32_t n : order)
            s->offsets.push_back(offs[size_t(n)]);
        s->macs_per_position = macs;
        return wireSlots(std::move(s), "conv");
    }
    auto s = std::make_unique<GatherLinearStep>();
    setShapes(*s, op);
    s->k = &k;
    s->index = order;
    s->macs_per_item = macs;
    return wireSlots(std::move(s), "linear");
}

namespace {

// kernels::WinnerMacs of a conv: for each input position, the taps through which it reaches an
// output (those of the valid dy times those of the valid dx; positions with the same two sets share
// a row of the table), and per input channel the useful lanes of those taps' rows, summed.
// row_len[n]: useful lanes of packed row n = (dy*kw + dx)*cin + c.
void winnerMacs(const WeightedOp& op, const std::vector<uint16_t>& row_len, std::vector<int32_t>& table,
                std::vector<int32_t>& row_of)
{
    // the taps d < k along one axis through which input coordinate i reaches one of out outputs
    const auto valid = [&](int i, int k, int out) {
        std::string set(size_t(k), '0');
        for (int d = 0; d < k; ++d) {
            const int t = i + op.padding - d;
            set[size_t(d)] = t >= 0 && t % op.stride == 0 && t / op.stride < out ? '1' : '0';
        }
        return set;
    };
    std::map<std::string, int32_t> rows; // tap sets -> start of their row
    table.clear();
    row_of.resize(size_t(op.in.h) * op.in.w);
    for (int iy = 0; iy < op.in.h; ++iy) {
        const std::string ys = valid(iy, op.kh, op.out.h);
        for (int ix = 0; ix < op.in.w; ++ix) {
            const std::string xs = valid(ix, op.kw, op.out.w);
            const auto [it, added] = rows.emplace(ys + "|" + xs, int32_t(table.size()));
            row_of[size_t(iy) * op.in.w + ix] = it->second;
            if (!added)
                continue;
            table.resize(table.size() + size_t(op.cin), 0);
            int32_t* row = table.data() + it->second;
            for (int dy = 0; dy < op.kh; ++dy)
                for (int dx = 0; dx < op.kw; ++dx)
                    if (ys[size_t(dy)] == '1' && xs[size_t(dx)] == '1')
                        for (int c = 0; c < op.cin; ++c)
                            row[c] += row_len[size_t(dy * op.kw + dx) * op.cin + c];
        }
    }
}

} // namespace

std::unique_ptr<Step> csSparseInput(const WeightedOp& op, const PackedLayer& pk, const KernelTable& k)
{
    if (!pk.shared_routes)
        return routeScatter(op, pk, true);
    const SlotLayout sl = slotLayout(op.M, op.P);
    auto s = std::make_unique<ScatterStep>();
    setShapes(*s, op);
    s->conv_out = op.out;
    s->k = &k;
    s->conv = op.conv;
    s->kh = op.kh; s->kw = op.kw; s->stride = op.stride; s->pad = op.padding;
    const int G = pk.G;
    s->P = op.P;
    s->rowpad = roundUp(G, 8);
    s->wc.assign(size_t(op.N) * s->rowpad, 0.0f);
    s->row_off.resize(size_t(op.N));
    s->row_len.resize(size_t(op.N));
    for (int n = 0; n < op.N; ++n) {
        const int r = pk.shared_route[size_t(n)];
        s->row_off[size_t(n)] = r * s->rowpad;
        s->row_len[size_t(n)] = uint16_t(sl.count[size_t(r)]);
        for (int g = 0; g < sl.count[size_t(r)]; ++g)
            s->wc[size_t(n) * s->rowpad + g] = pk.wc[size_t(n) * G + g];
    }
    // Row r lane g is model output g*P + r; lanes past G_r stay zero.
    s->bias_rows.assign(size_t(op.P) * s->rowpad, 0.0f);
    for (int r = 0; r < op.P; ++r)
        for (int g = 0; g < sl.count[size_t(r)]; ++g)
            s->bias_rows[size_t(r) * s->rowpad + g] = op.bias[size_t(g * op.P + r)];
    s->slot_start = sl.start;
    s->slot_count = sl.count;
    if (op.conv)
        winnerMacs(op, s->row_len, s->macs_table, s->macs_row_of);
    if (op.conv && op.stride == 1) {
        const int T = op.kh * op.kw;
        const int64_t rows = int64_t(op.P) * s->rowpad;
        s->wc_ct.assign(size_t(op.cin) * T * s->rowpad, 0.0f);
        s->off_ct.resize(size_t(op.cin) * T);
        for (int c = 0; c < op.cin; ++c)
            for (int t = 0; t < T; ++t) {
                const int n = t * op.cin + c;
                const size_t ct = size_t(c) * T + t;
                std::copy_n(s->wc.begin() + int64_t(n) * s->rowpad, s->rowpad, s->wc_ct.begin() + int64_t(ct) * s->rowpad);
                s->off_ct[ct] = int32_t(s->row_off[size_t(n)] - (int64_t(t / op.kw) * op.out.w + t % op.kw) * rows);
            }
    }
    s->out_perm = sl.perm;
    s->info.op = op.conv ? "conv2d" : "linear";
    s->info.kernel = kernelName(op.conv ? "conv" : "linear", "cs-sparse-row-scatter", &k);
    return s;
}

} // namespace ss::steps
