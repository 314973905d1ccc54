// The parameterised HLS kernels (fpga/hls/*.h templates) for a GRID of compile-time settings, each
// bit-exact with the int8 CPU path (q8): lanes folded over the groups, several output positions /
// fan-in positions / taps per cycle, Select lanes and pooling widths — the settings
// `fpga-plan --optimise` chooses from (docs/fpga-model.md §6). Golden model: engines/quantised.h.
#include "engines/quantised.h"
#include "fpga/model/fpga_sim.h"
#include "sparsity/complementary.h"

#include "cs_dense.h"
#include "cs_sparse.h"
#include "kwta_select.h"
#include "requant_tables.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <random>

using namespace ss;
using ss::test::setRequant;

namespace {

struct LayerCase {
    const char* name;
    bool conv;
    int cin, hw, k, stride, pad, M, P;
    bool raw, relu;
};

// Conv cases keep P*OH*OW within the sparse conv's bank capacity and N*G within the weight buffers.
const LayerCase kCases[] = {
    {"conv P1 dense", true, 3, 9, 3, 1, 0, 8, 1, false, false},
    {"conv P5 stride2", true, 6, 11, 5, 2, 2, 20, 5, false, false},
    {"conv P4 M%P!=0 raw", true, 5, 7, 3, 1, 1, 10, 4, true, false},
    {"conv P10 gsc2", true, 16, 10, 5, 1, 0, 64, 10, false, true},
    {"linear P1 raw", false, 40, 1, 1, 1, 0, 12, 1, true, false},
    {"linear P10", false, 160, 1, 1, 1, 0, 100, 10, false, false},
    {"linear P7 relu", false, 90, 1, 1, 1, 0, 40, 7, false, true},
};

q8::QWeighted makeLayer(const LayerCase& c, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    q8::QWeighted L;
    L.conv = c.conv;
    L.M = c.M;
    if (c.conv) {
        L.cin = c.cin;
        L.in_h = L.in_w = c.hw;
        L.kh = L.kw = c.k;
        L.stride = c.stride;
        L.pad = c.pad;
        L.out_h = L.out_w = (c.hw + 2 * c.pad - c.k) / c.stride + 1;
        L.N = c.cin * c.k * c.k;
    } else {
        L.N = L.cin = c.cin;
    }
    L.P = c.P;
    L.complementary = c.P > 1;
    L.mask = c.P > 1 ? complementaryMask(c.M, L.N, c.P, RouteLayout::Independent, rng) : std::vector<uint8_t>(size_t(c.M) * L.N, 1);
    std::uniform_int_distribution<int> bd(-20000, 20000);
    L.weight.resize(L.mask.size());
    // Per-channel weight scales: each channel's weights span their own range (1 .. 127 codes).
    for (int o = 0; o < c.M; ++o) {
        const int r = 1 + int(rng() % 127);
        std::uniform_int_distribution<int> wd(-r, r);
        for (int n = 0; n < L.N; ++n)
            L.weight[size_t(o) * L.N + n] = L.mask[size_t(o) * L.N + n] ? int8_t(wd(rng)) : int8_t(0);
    }
    L.bias.resize(size_t(c.M));
    for (auto& b : L.bias)
        b = bd(rng);
    L.raw_out = c.raw;
    L.relu = c.relu;
    setRequant(L, c.M, rng);
    return L;
}

std::vector<int8_t> randomInput(size_t n, double density, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    std::uniform_int_distribution<int> v(-128, 127);
    std::vector<int8_t> x(n);
    for (auto& e : x)
        e = u(rng) < density ? int8_t(v(rng)) : int8_t(0);
    return x;
}

// Runs `kernel(L, x, pk, out_q, out_acc, idx, val)` on every case, 2 seeds, dense and sparse inputs,
// and compares with q8::weightedForward. Returns the number of comparisons made.
template <class Kernel>
int checkWeighted(fpga::Variant packing, bool conv_cases, Kernel kernel)
{
    int compared = 0;
    for (const auto& c : kCases) {
        if (c.conv != conv_cases)
            continue;
        for (uint64_t seed = 1; seed <= 2; ++seed) {
            const auto L = makeLayer(c, seed * 31 + uint64_t(c.M));
            const auto pk = fpga::packForKernels(L, packing);
            const size_t in_n = c.conv ? size_t(c.cin) * c.hw * c.hw : size_t(c.cin);
            const size_t out_n = size_t(L.M) * L.out_h * L.out_w;
            for (double density : {1.0, 0.1}) {
                const auto x = randomInput(in_n, density, seed * 7 + 3);
                std::vector<int8_t> ref_q(out_n), q(out_n, 99);
                std::vector<int32_t> ref_a(out_n), a(out_n, 99);
                q8::weightedForward(L, x.data(), ref_q.data(), ref_a.data());
                std::vector<int32_t> idx;
                std::vector<int8_t> val;
                for (size_t i = 0; i < x.size(); ++i)
                    if (x[i]) {
                        idx.push_back(int32_t(i));
                        val.push_back(x[i]);
                    }
                kernel(L, x, pk, q, a, idx, val);
                const bool same = c.raw ? a == ref_a : q == ref_q;
                if (!same) {
                    qWarning("%s, seed %d, input density %.1f: the kernel differs from q8", c.name, int(seed), density);
                    return -1;
                }
                ++compared;
            }
        }
    }
    return compared;
}

int flagsOf(const q8::QWeighted& L)
{
    return sshls::kFlagLoadWeights | (L.relu ? sshls::kFlagRelu : 0) | (L.raw_out ? sshls::kFlagRawOut : 0);
}

template <int Lanes, int Pos>
int denseConv()
{
    int n = 0;
    for (auto v : {fpga::Variant::SparseDense, fpga::Variant::Dense}) {
        const int r = checkWeighted(v, true, [](const q8::QWeighted& L, const std::vector<int8_t>& x, const fpga::PackedKernelLayer& pk,
                                                std::vector<int8_t>& q, std::vector<int32_t>& a, const auto&, const auto&) {
            sshls::csDenseConv<Lanes, Pos>(x.data(), pk.wc.data(), pk.route.data(), L.bias.data(), q.data(), a.data(), L.cin, L.in_h, L.in_w,
                                           L.kh, L.kw, L.stride, L.pad, L.out_h, L.out_w, L.M, pk.plan.P, pk.plan.G, L.mult.data(), L.shift.data(),
                                           flagsOf(L));
        });
        if (r < 0)
            return r;
        n += r;
    }
    return n;
}

template <int Lanes, int FanIn>
int denseLinear()
{
    int n = 0;
    for (auto v : {fpga::Variant::SparseDense, fpga::Variant::Dense}) {
        const int r = checkWeighted(v, false, [](const q8::QWeighted& L, const std::vector<int8_t>& x, const fpga::PackedKernelLayer& pk,
                                                 std::vector<int8_t>& q, std::vector<int32_t>& a, const auto&, const auto&) {
            sshls::csDenseLinear<Lanes, FanIn>(x.data(), pk.wc.data(), pk.route.data(), L.bias.data(), q.data(), a.data(), L.N, L.M,
                                               pk.plan.P, pk.plan.G, L.mult.data(), L.shift.data(), flagsOf(L));
        });
        if (r < 0)
            return r;
        n += r;
    }
    return n;
}

template <int Lanes, int Taps>
int sparseConv()
{
    return checkWeighted(fpga::Variant::SparseSparse, true,
                         [](const q8::QWeighted& L, const std::vector<int8_t>&, const fpga::PackedKernelLayer& pk, std::vector<int8_t>& q,
                            std::vector<int32_t>& a, const std::vector<int32_t>& idx, const std::vector<int8_t>& val) {
                             sshls::csSparseConv<Lanes, Taps>(idx.data(), val.data(), int(idx.size()), pk.wc.data(), pk.route.data(),
                                                              L.bias.data(), q.data(), a.data(), L.cin, L.in_h, L.in_w, L.kh, L.kw, L.stride,
                                                              L.pad, L.out_h, L.out_w, L.M, pk.plan.P, pk.plan.G, L.mult.data(), L.shift.data(), flagsOf(L));
                         });
}

template <int Lanes>
int sparseLinear()
{
    return checkWeighted(fpga::Variant::SparseSparse, false,
                         [](const q8::QWeighted& L, const std::vector<int8_t>&, const fpga::PackedKernelLayer& pk, std::vector<int8_t>& q,
                            std::vector<int32_t>& a, const std::vector<int32_t>& idx, const std::vector<int8_t>& val) {
                             sshls::csSparseLinear<Lanes>(idx.data(), val.data(), int(idx.size()), pk.wc.data(), pk.route.data(),
                                                          L.bias.data(), q.data(), a.data(), L.N, L.M, pk.plan.P, pk.plan.G, L.mult.data(), L.shift.data(),
                                                          flagsOf(L));
                         });
}

template <int Lanes>
bool select()
{
    struct S {
        int n, k, spread;
        bool boost;
    };
    for (const S& s : {S{12544, 1200, 127, true}, S{1600, 200, 127, true}, S{1000, 100, 3, false}, S{777, 50, 2, true}, S{33, 1, 127, true},
                       S{50, 49, 5, true}, S{40, 40, 127, false}, S{40, 0, 127, false}, S{7, 3, 1, true}}) {
        std::mt19937_64 rng(uint64_t(s.n * 13 + s.k));
        std::uniform_int_distribution<int> v(-s.spread, s.spread), b(1, 1000);
        q8::QKwta kw;
        kw.n = s.n;
        kw.k = s.k;
        kw.boost.assign(size_t(s.n), 256);
        if (s.boost)
            for (auto& e : kw.boost)
                e = uint16_t(b(rng));
        std::vector<int8_t> x(size_t(s.n));
        for (auto& e : x)
            e = int8_t(std::clamp(v(rng), -128, 127));
        std::vector<int8_t> ref(x.size()), out(x.size(), 99), wv(x.size());
        std::vector<int32_t> wi(x.size());
        int32_t count = -1;
        q8::kwtaForward(kw, x.data(), ref.data());
        sshls::kwtaSelect<Lanes>(x.data(), kw.boost.data(), s.n, s.k, out.data(), wi.data(), wv.data(), &count);
        if (out != ref || count != std::clamp(s.k, 0, s.n))
            return false;
        for (int i = 0; i < count; ++i)
            if ((i > 0 && wi[size_t(i)] <= wi[size_t(i - 1)]) || wv[size_t(i)] != x[size_t(wi[size_t(i)])])
                return false;
    }
    return true;
}

template <int Width>
bool pool()
{
    for (int k : {2, 3}) {
        for (int C : {1, 5, 64}) {
            q8::QPool p{C, 12, 10, k, k, (12 - k) / k + 1, (10 - k) / k + 1};
            const auto x = randomInput(size_t(p.C) * p.H * p.W, 0.3, uint64_t(k * 100 + C));
            std::vector<int8_t> ref(size_t(p.C) * p.out_h * p.out_w), out(ref.size(), 99), nzv(ref.size());
            std::vector<int32_t> nzi(ref.size());
            int32_t nz = -1;
            q8::maxpoolForward(p, x.data(), ref.data());
            sshls::maxpool<Width>(x.data(), p.C, p.H, p.W, p.k, p.stride, p.out_h, p.out_w, out.data(), nzi.data(), nzv.data(), &nz);
            if (out != ref)
                return false;
            // the non-zero list: every non-zero output, in index order
            int j = 0;
            for (size_t i = 0; i < ref.size(); ++i)
                if (ref[i]) {
                    if (j >= nz || nzi[size_t(j)] != int32_t(i) || nzv[size_t(j)] != ref[i])
                        return false;
                    ++j;
                }
            if (j != nz)
                return false;
        }
    }
    return true;
}

} // namespace

class TestHlsGrid : public QObject {
    Q_OBJECT
private slots:
    // Conv cases: 4 layers x 2 seeds x 2 densities = 16 comparisons per packing.
    void denseConvGrid()
    {
        QCOMPARE((denseConv<128, 1>()), 32); // the baseline top's setting
        QCOMPARE((denseConv<3, 1>()), 32);   // lanes folded: ceil(G/3) passes
        QCOMPARE((denseConv<8, 4>()), 32);
        QCOMPARE((denseConv<16, 7>()), 32);  // positions per cycle not dividing OH*OW
        QCOMPARE((denseConv<5, 64>()), 32);  // more positions per cycle than some layers have
        QCOMPARE((denseConv<1, 2>()), 32);
    }
    // Linear cases: 3 layers x 2 seeds x 2 densities = 12 per packing.
    void denseLinearGrid()
    {
        QCOMPARE((denseLinear<1024, 1>()), 24);
        QCOMPARE((denseLinear<7, 1>()), 24);
        QCOMPARE((denseLinear<16, 4>()), 24);
        QCOMPARE((denseLinear<3, 3>()), 24); // fan-in per cycle not dividing N
        QCOMPARE((denseLinear<64, 16>()), 24);
    }
    void sparseConvGrid()
    {
        QCOMPARE((sparseConv<128, 1>()), 16);
        QCOMPARE((sparseConv<3, 1>()), 16);
        QCOMPARE((sparseConv<8, 4>()), 16);
        QCOMPARE((sparseConv<16, 2>()), 16);
        QCOMPARE((sparseConv<5, 25>()), 16); // one whole 5x5 winner per cycle
        QCOMPARE((sparseConv<2, 7>()), 16);
    }
    void sparseLinearGrid()
    {
        QCOMPARE((sparseLinear<1024>()), 12);
        QCOMPARE((sparseLinear<1>()), 12);
        QCOMPARE((sparseLinear<7>()), 12);
        QCOMPARE((sparseLinear<32>()), 12);
    }
    void selectGrid()
    {
        QVERIFY(select<16>()); // baseline
        QVERIFY(select<1>());
        QVERIFY(select<4>());
        QVERIFY(select<5>());
        QVERIFY(select<64>());
        QVERIFY(select<256>());
    }
    void poolGrid()
    {
        QVERIFY(pool<1>()); // baseline
        QVERIFY(pool<2>());
        QVERIFY(pool<3>());
        QVERIFY(pool<8>());
        QVERIFY(pool<64>());
    }
};

QTEST_GUILESS_MAIN(TestHlsGrid)
#include "tst_hls_grid.moc"
