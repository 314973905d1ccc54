// Complementary Sparsity's building blocks: balanced complementary masks, the checker that reports
// collisions and holes per group, Combine (packed weights + routes) and k-WTA with nupic.torch's
// inference semantics, alone and through the scalar reference.
#include "kernels/kernels.h"
#include "model/model.h"
#include "model/reference.h"
#include "sparsity/complementary.h"
#include "sparsity/kwinners.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

using namespace ss;

namespace {

std::vector<float> toFloat(const std::vector<uint8_t>& m) { return {m.begin(), m.end()}; }

// Top k of x by boosted value (x * boost), ties toward the lower order (index when order is
// empty); the raw values of the winners, zero elsewhere. Written for clarity, not speed.
std::vector<float> expectedTopK(const std::vector<float>& x, const std::vector<float>& boost,
                                const std::vector<int32_t>& order, int k)
{
    const int n = int(x.size());
    if (k >= n)
        return x;
    std::vector<int> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), 0);
    auto b = [&](int i) { return boost.empty() ? x[size_t(i)] : x[size_t(i)] * boost[size_t(i)]; };
    auto o = [&](int i) { return order.empty() ? i : order[size_t(i)]; };
    std::sort(idx.begin(), idx.end(), [&](int a, int c) { return b(a) != b(c) ? b(a) > b(c) : o(a) < o(c); });
    std::vector<float> y(size_t(n), 0.0f);
    for (int j = 0; j < std::max(0, k); ++j)
        y[size_t(idx[size_t(j)])] = x[size_t(idx[size_t(j)])];
    return y;
}

QByteArray vecText(const std::vector<float>& v)
{
    QByteArray s = "[";
    for (size_t i = 0; i < v.size() && i < 40; ++i)
        s += (i ? ", " : "") + QByteArray::number(v[i]);
    return s + (v.size() > 40 ? ", ...]" : "]");
}

// A model that is one KWinners2d layer over a C x H x W input.
Model kwtaModel(int C, int H, int W, bool local, double percent_on, double boost_strength, uint64_t seed)
{
    Model m;
    m.name = "kwta";
    m.input = {C, H, W};
    Layer L;
    L.kind = LayerKind::KWinners2d;
    L.name = "kw";
    L.local = local;
    L.percent_on = percent_on;
    L.boost_strength = boost_strength;
    L.duty_cycles = Tensor({1, C, 1, 1});
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 0.5f);
    for (auto& d : L.duty_cycles.data)
        d = u(rng);
    m.layers = {L};
    return m;
}

// Distinct non-zero values, so that "non-zero" means "won".
std::vector<float> distinctInputs(int n, uint64_t seed)
{
    std::vector<float> x(size_t(n), 0.0f);
    std::mt19937_64 rng(seed);
    for (int i = 0; i < n; ++i)
        x[size_t(i)] = (float(i) + 1.0f) * 0.125f * ((i % 3) ? 1.0f : -1.0f);
    std::shuffle(x.begin(), x.end(), rng);
    return x;
}

} // namespace

Q_DECLARE_METATYPE(ss::RouteLayout)

class TestSparsity : public QObject {
    Q_OBJECT

private slots:
    // ---- complementaryMask ---------------------------------------------------------------------

    void complementaryMask_data()
    {
        QTest::addColumn<int>("M");
        QTest::addColumn<int>("N");
        QTest::addColumn<int>("P");
        QTest::addColumn<RouteLayout>("layout");
        QTest::addColumn<qulonglong>("seed");
        const auto S = RouteLayout::Shared, I = RouteLayout::Independent;
        QTest::newRow("conv1 64x25 P2 shared") << 64 << 25 << 2 << S << 1ull;
        QTest::newRow("conv1 64x25 P2 independent") << 64 << 25 << 2 << I << 1ull;
        QTest::newRow("conv2 64x1600 P10 shared") << 64 << 1600 << 10 << S << 2ull;
        QTest::newRow("conv2 64x1600 P10 independent") << 64 << 1600 << 10 << I << 2ull;
        QTest::newRow("linear 1000x1600 P10 independent") << 1000 << 1600 << 10 << I << 3ull;
        QTest::newRow("padded 10x7 P3 shared") << 10 << 7 << 3 << S << 4ull;
        QTest::newRow("padded 10x7 P3 independent") << 10 << 7 << 3 << I << 4ull;
        QTest::newRow("padded 16x400 P10 shared") << 16 << 400 << 10 << S << 5ull;
        QTest::newRow("padded 5x9 P4 independent") << 5 << 9 << 4 << I << 6ull;
        QTest::newRow("one padded group 3x10 P5") << 3 << 10 << 5 << I << 7ull;
        QTest::newRow("P above fan-in 8x3 P4") << 8 << 3 << 4 << I << 8ull;
        QTest::newRow("P1 6x5") << 6 << 5 << 1 << S << 9ull;
    }
    void complementaryMask()
    {
        QFETCH(int, M);
        QFETCH(int, N);
        QFETCH(int, P);
        QFETCH(RouteLayout, layout);
        QFETCH(qulonglong, seed);
        std::mt19937_64 rng(seed);
        const auto mask = ss::complementaryMask(M, N, P, layout, rng);
        QCOMPARE(mask.size(), size_t(M) * N);
        const int G = (M + P - 1) / P;
        const int lo = N / P, hi = (N + P - 1) / P; // balanced slot sizes
        int expected_uncovered = 0;
        std::vector<std::vector<int>> owner(size_t(G), std::vector<int>(size_t(N), -1));
        for (int g = 0; g < G; ++g) {
            const int outputs = std::min(P, M - g * P);
            std::vector<int> count(size_t(N), 0);
            int owned = 0;
            for (int r = 0; r < outputs; ++r) {
                int row = 0;
                for (int n = 0; n < N; ++n)
                    if (mask[size_t(g * P + r) * N + n]) {
                        QVERIFY(mask[size_t(g * P + r) * N + n] == 1);
                        ++count[size_t(n)];
                        owner[size_t(g)][size_t(n)] = r;
                        ++row;
                    }
                QVERIFY2(row >= lo && row <= hi, qPrintable(QString("group %1 slot %2 owns %3 of %4").arg(g).arg(r).arg(row).arg(N)));
                owned += row;
            }
            for (int n = 0; n < N; ++n) {
                QVERIFY2(count[size_t(n)] <= 1, qPrintable(QString("group %1 position %2 owned %3 times").arg(g).arg(n).arg(count[size_t(n)])));
                if (outputs == P) // a full group partitions the fan-in
                    QVERIFY2(count[size_t(n)] == 1, qPrintable(QString("group %1 position %2 uncovered").arg(g).arg(n)));
            }
            if (outputs < P) {
                // The padded group: the missing slots' positions are the uncovered ones.
                QCOMPARE(g, G - 1);
                const int missing = N - owned;
                QVERIFY(missing >= (P - outputs) * lo && missing <= (P - outputs) * hi);
                expected_uncovered = missing;
            }
        }

        // The checker agrees: no collision, holes only in the padded last group.
        const auto rep = ss::checkComplementary(toFloat(mask).data(), M, N, P);
        QCOMPARE(rep.P, P);
        QCOMPARE(rep.groups, G);
        QCOMPARE(rep.collisions, 0);
        QVERIFY(rep.complementary());
        QCOMPARE(rep.uncovered, expected_uncovered);
        if (expected_uncovered > 0) {
            QCOMPARE(rep.bad_groups.size(), size_t(1));
            QCOMPARE(rep.bad_groups[0].group, G - 1);
            QCOMPARE(rep.bad_groups[0].uncovered, expected_uncovered);
            QCOMPARE(rep.bad_groups[0].collisions, 0);
        } else {
            QVERIFY(rep.bad_groups.empty());
        }

        // Shared: one partition for every group; independent: groups differ (for these seeds).
        bool all_same = true;
        for (int g = 1; g < G; ++g)
            for (int n = 0; n < N; ++n)
                if (owner[size_t(g)][size_t(n)] >= 0 && owner[size_t(g)][size_t(n)] != owner[0][size_t(n)])
                    all_same = false;
        if (layout == RouteLayout::Shared) {
            QVERIFY(all_same);
            QVERIFY(rep.shared_routes);
        } else if (G > 1 && N >= 2 && P > 1) {
            QVERIFY2(!all_same, "independent groups all drew the same partition");
            QVERIFY(!rep.shared_routes);
        }

        // Deterministic per seed, different for another seed.
        std::mt19937_64 again(seed);
        QVERIFY(ss::complementaryMask(M, N, P, layout, again) == mask);
        if (P > 1 && N > 2) {
            std::mt19937_64 other(seed + 1000);
            QVERIFY(ss::complementaryMask(M, N, P, layout, other) != mask);
        }
    }

    // ---- randomMask ----------------------------------------------------------------------------

    void randomMask_data()
    {
        QTest::addColumn<int>("M");
        QTest::addColumn<int>("N");
        QTest::addColumn<double>("density");
        QTest::addColumn<int>("keep"); // ones per output
        QTest::newRow("64x25 0.5") << 64 << 25 << 0.5 << 13;
        QTest::newRow("100x1600 0.1") << 100 << 1600 << 0.1 << 160;
        QTest::newRow("20x30 0.333") << 20 << 30 << 0.333 << 10;
        QTest::newRow("tiny density keeps one") << 10 << 7 << 0.01 << 1;
        QTest::newRow("density 1 keeps all") << 5 << 10 << 1.0 << 10;
    }
    void randomMask()
    {
        QFETCH(int, M);
        QFETCH(int, N);
        QFETCH(double, density);
        QFETCH(int, keep);
        std::mt19937_64 rng(11);
        const auto mask = ss::randomMask(M, N, density, rng);
        QCOMPARE(mask.size(), size_t(M) * N);
        std::set<std::vector<uint8_t>> rows;
        int64_t ones = 0;
        for (int o = 0; o < M; ++o) {
            std::vector<uint8_t> row(mask.begin() + int64_t(o) * N, mask.begin() + int64_t(o + 1) * N);
            const int c = int(std::count(row.begin(), row.end(), uint8_t(1)));
            QCOMPARE(c, keep);
            QCOMPARE(int(std::count(row.begin(), row.end(), uint8_t(0))), N - keep);
            ones += c;
            rows.insert(row);
        }
        QCOMPARE(ones, int64_t(keep) * M);
        // keep is density * N rounded (at least one): the measured density is within half a position.
        QVERIFY(keep == 1 || std::abs(double(keep) - density * N) <= 0.5 + 1e-9);
        if (keep < N && M >= 5)
            QVERIFY2(rows.size() > 1, "every output drew the same mask");
        // Not complementary in general: the checker sees collisions once P outputs share a group.
        if (keep < N && keep * 2 > N / 2 && M >= 2) {
            const int P = std::max(2, int(std::lround(1.0 / density)));
            QVERIFY(ss::checkComplementary(toFloat(mask).data(), M, N, P).collisions > 0);
        }
    }

    // ---- checkComplementary on hand-made masks -------------------------------------------------

    void checkComplementary_data()
    {
        QTest::addColumn<int>("P");
        QTest::addColumn<QStringList>("rows");
        QTest::addColumn<int>("collisions");
        QTest::addColumn<int>("uncovered");
        QTest::addColumn<QString>("badGroups"); // "group:collisions:uncovered ..."
        QTest::addColumn<bool>("shared");

        QTest::newRow("perfect, shared") << 2 << QStringList{"1100", "0011", "1100", "0011"} << 0 << 0 << "" << true;
        QTest::newRow("perfect, independent") << 2 << QStringList{"1100", "0011", "1010", "0101"} << 0 << 0 << "" << false;
        QTest::newRow("one collision in group 1") << 2 << QStringList{"1100", "0011", "1100", "0111"} << 1 << 0 << "1:1:0" << false;
        QTest::newRow("the same hole in both groups") << 2 << QStringList{"1000", "0011", "1000", "0011"} << 0 << 2 << "0:0:1 1:0:1" << true;
        QTest::newRow("a hole only in group 0") << 2 << QStringList{"1000", "0011", "1100", "0011"} << 0 << 1 << "0:0:1" << false;
        QTest::newRow("holes and collisions") << 2 << QStringList{"110", "011", "100", "000", "111", "111"} << 4 << 2
                                              << "0:1:0 1:0:2 2:3:0" << false;
        QTest::newRow("padded last group") << 3 << QStringList{"100", "010", "001", "100"} << 0 << 2 << "1:0:2" << true;
        QTest::newRow("padded group collides") << 3 << QStringList{"100", "010", "001", "110", "011"} << 1 << 0 << "1:1:0" << false;
        QTest::newRow("P3 three groups") << 3 << QStringList{"100100", "010010", "001001", "100100", "010010", "001001", "110000", "001100", "000011"}
                                         << 0 << 0 << "" << false;
        QTest::newRow("single group") << 4 << QStringList{"1000", "0100", "0010", "0001"} << 0 << 0 << "" << true;
        QTest::newRow("P1 is every row alone") << 1 << QStringList{"1111", "1010"} << 0 << 2 << "1:0:2" << true;
    }
    void checkComplementary()
    {
        QFETCH(int, P);
        QFETCH(QStringList, rows);
        QFETCH(int, collisions);
        QFETCH(int, uncovered);
        QFETCH(QString, badGroups);
        QFETCH(bool, shared);
        const int M = int(rows.size()), N = int(rows[0].size());
        std::vector<float> mask;
        for (const auto& r : rows)
            for (QChar c : r)
                mask.push_back(c == '1' ? 1.0f : 0.0f);
        const auto rep = ss::checkComplementary(mask.data(), M, N, P);
        QCOMPARE(rep.groups, (M + P - 1) / P);
        QCOMPARE(rep.collisions, collisions);
        QCOMPARE(rep.uncovered, uncovered);
        QCOMPARE(rep.complementary(), collisions == 0);
        QStringList bad;
        for (const auto& g : rep.bad_groups)
            bad << QString("%1:%2:%3").arg(g.group).arg(g.collisions).arg(g.uncovered);
        QCOMPARE(bad.join(' '), badGroups);
        QCOMPARE(rep.shared_routes, shared);
    }

    // ---- combine ---------------------------------------------------------------------------------

    void combine_data()
    {
        QTest::addColumn<int>("M");
        QTest::addColumn<int>("N");
        QTest::addColumn<int>("P");
        QTest::addColumn<RouteLayout>("layout");
        const auto S = RouteLayout::Shared, I = RouteLayout::Independent;
        QTest::newRow("conv1 64x25 P2 shared") << 64 << 25 << 2 << S;
        QTest::newRow("conv2 64x1600 P10 independent") << 64 << 1600 << 10 << I;
        QTest::newRow("linear 100x400 P10 shared") << 100 << 400 << 10 << S;
        QTest::newRow("padded 10x7 P3 independent") << 10 << 7 << 3 << I;
        QTest::newRow("padded 16x400 P10 shared") << 16 << 400 << 10 << S;
        QTest::newRow("P above fan-in 8x3 P4") << 8 << 3 << 4 << I;
        QTest::newRow("P1 dense 6x5") << 6 << 5 << 1 << S;
    }
    void combine()
    {
        QFETCH(int, M);
        QFETCH(int, N);
        QFETCH(int, P);
        QFETCH(RouteLayout, layout);
        std::mt19937_64 rng(uint64_t(M * 131 + N * 7 + P));
        const auto mask = toFloat(ss::complementaryMask(M, N, P, layout, rng));
        std::uniform_real_distribution<float> u(0.05f, 1.0f);
        std::vector<float> weight(mask.size(), 0.0f);
        for (size_t i = 0; i < mask.size(); ++i)
            if (mask[i] != 0.0f)
                weight[i] = (rng() & 1) ? u(rng) : -u(rng);

        PackedLayer pk;
        QVERIFY(ss::combine(weight.data(), mask.data(), M, N, P, &pk));
        const int G = (M + P - 1) / P;
        QCOMPARE(pk.M, M);
        QCOMPARE(pk.N, N);
        QCOMPARE(pk.P, P);
        QCOMPARE(pk.G, G);
        QCOMPARE(pk.wc.size(), size_t(N) * G);
        QCOMPARE(pk.route.size(), size_t(N) * G);
        // For every (n, g): the routed output's weight is the combined weight ...
        std::vector<float> rebuilt(size_t(M) * N, 0.0f);
        for (int n = 0; n < N; ++n)
            for (int g = 0; g < G; ++g) {
                const int r = pk.route[size_t(n) * G + g];
                QVERIFY(r < P);
                const int o = g * P + r;
                QVERIFY2(o < M, qPrintable(QString("(n %1, g %2) routes to output %3 of %4").arg(n).arg(g).arg(o).arg(M)));
                const float wc = pk.wc[size_t(n) * G + g];
                QVERIFY2(weight[size_t(o) * N + n] == wc,
                         qPrintable(QString("(n %1, g %2): weight[%3][%1] = %4 but wc = %5").arg(n).arg(g).arg(o).arg(weight[size_t(o) * N + n]).arg(wc)));
                rebuilt[size_t(o) * N + n] = wc;
            }
        // ... and overlaying the packed rows gives back every original weight exactly.
        QVERIFY(rebuilt == weight);
        // Shared routes: every group's partition is the same (computed from the mask here).
        bool same = true;
        for (int n = 0; n < N; ++n) {
            int first = -1;
            for (int g = 0; g < G; ++g)
                for (int r = 0; r < P && g * P + r < M; ++r)
                    if (mask[size_t(g * P + r) * N + n] != 0.0f) {
                        if (first < 0)
                            first = r;
                        else if (first != r)
                            same = false;
                    }
        }
        QCOMPARE(pk.shared_routes, same);
        if (layout == RouteLayout::Shared)
            QVERIFY(pk.shared_routes);
        if (pk.shared_routes) {
            QCOMPARE(pk.shared_route.size(), size_t(N));
            for (int n = 0; n < N; ++n)
                for (int g = 0; g < G; ++g)
                    if (weight[size_t(g * P + pk.route[size_t(n) * G + g]) * N + n] != 0.0f)
                        QCOMPARE(pk.route[size_t(n) * G + g], pk.shared_route[size_t(n)]);
        } else {
            QVERIFY(pk.shared_route.empty());
        }
    }

    void combineRefusesCollidingMasks_data()
    {
        QTest::addColumn<int>("M");
        QTest::addColumn<int>("N");
        QTest::addColumn<int>("P");
        QTest::newRow("64x25 P2") << 64 << 25 << 2;
        QTest::newRow("16x400 P10 (padded)") << 16 << 400 << 10;
    }
    void combineRefusesCollidingMasks()
    {
        QFETCH(int, M);
        QFETCH(int, N);
        QFETCH(int, P);
        std::mt19937_64 rng(5);
        auto mask = toFloat(ss::complementaryMask(M, N, P, RouteLayout::Shared, rng));
        std::vector<float> weight(mask.begin(), mask.end());
        PackedLayer pk;
        QVERIFY(ss::combine(weight.data(), mask.data(), M, N, P, &pk)); // control
        // Output 1 takes a position output 0 owns: two outputs of group 0 share it.
        for (int n = 0; n < N; ++n)
            if (mask[size_t(n)] != 0.0f) {
                mask[size_t(N) + n] = 1.0f;
                break;
            }
        PackedLayer refused;
        QVERIFY(!ss::combine(weight.data(), mask.data(), M, N, P, &refused));
    }

    // ---- k-WTA -----------------------------------------------------------------------------------

    void kwinners_data()
    {
        QTest::addColumn<QList<float>>("x");
        QTest::addColumn<QList<float>>("boost"); // empty = no boosting (null)
        QTest::addColumn<QList<int>>("order");   // empty = null
        QTest::addColumn<int>("k");
        QTest::addColumn<QList<float>>("expected");
        QTest::addColumn<int>("returned");

        QTest::newRow("top 3, raw values kept") << QList<float>{3, 1, 4, 1.5f, 5, 9, 2, 6} << QList<float>{} << QList<int>{} << 3
                                                << QList<float>{0, 0, 0, 0, 5, 9, 0, 6} << 3;
        QTest::newRow("boost picks a smaller raw value") << QList<float>{1.0f, 1.1f, 0.5f} << QList<float>{1.3f, 0.9f, 1.0f} << QList<int>{} << 1
                                                         << QList<float>{1.0f, 0, 0} << 1;
        QTest::newRow("boost 1 everywhere = plain") << QList<float>{1.0f, 1.1f, 0.5f} << QList<float>{1, 1, 1} << QList<int>{} << 1
                                                    << QList<float>{0, 1.1f, 0} << 1;
        QTest::newRow("ties toward lower index") << QList<float>{1, 1, 1, 1} << QList<float>{} << QList<int>{} << 2
                                                 << QList<float>{1, 1, 0, 0} << 2;
        QTest::newRow("ties toward lower order") << QList<float>{1, 1, 1, 1} << QList<float>{} << QList<int>{3, 2, 1, 0} << 2
                                                 << QList<float>{0, 0, 1, 1} << 2;
        QTest::newRow("ties, scattered order") << QList<float>{2, 1, 1, 1, 1} << QList<float>{} << QList<int>{0, 40, 10, 30, 20} << 3
                                               << QList<float>{2, 0, 1, 0, 1} << 3;
        QTest::newRow("ties at the threshold only") << QList<float>{5, 3, 3, 3, 1} << QList<float>{} << QList<int>{} << 3
                                                    << QList<float>{5, 3, 3, 0, 0} << 3;
        QTest::newRow("boosted ties") << QList<float>{1, 2, 4, 0.5f} << QList<float>{2, 1, 0.5f, 4} << QList<int>{} << 2
                                      << QList<float>{1, 2, 0, 0} << 2;
        QTest::newRow("k == n keeps all") << QList<float>{1, -2, 3} << QList<float>{} << QList<int>{} << 3
                                          << QList<float>{1, -2, 3} << 3;
        QTest::newRow("k > n keeps all") << QList<float>{1, -2, 3} << QList<float>{0.1f, 5, 1} << QList<int>{} << 10
                                         << QList<float>{1, -2, 3} << 3;
        QTest::newRow("negative values can win") << QList<float>{-3, -1, -2, -5} << QList<float>{} << QList<int>{} << 2
                                                 << QList<float>{0, -1, -2, 0} << 2;
        QTest::newRow("a negative beats zero-free losers") << QList<float>{-0.5f, 2, -4, -1} << QList<float>{} << QList<int>{} << 2
                                                           << QList<float>{-0.5f, 2, 0, 0} << 2;
        QTest::newRow("boost makes a negative smaller") << QList<float>{-1, -1.05f} << QList<float>{2, 1} << QList<int>{} << 1
                                                        << QList<float>{0, -1.05f} << 1;
        QTest::newRow("k = 0 keeps none") << QList<float>{1, 2} << QList<float>{} << QList<int>{} << 0 << QList<float>{0, 0} << 0;
        QTest::newRow("single unit") << QList<float>{-7} << QList<float>{} << QList<int>{} << 1 << QList<float>{-7} << 1;
    }
    void kwinners()
    {
        QFETCH(QList<float>, x);
        QFETCH(QList<float>, boost);
        QFETCH(QList<int>, order);
        QFETCH(int, k);
        QFETCH(QList<float>, expected);
        QFETCH(int, returned);
        std::vector<float> v(x.begin(), x.end());
        const std::vector<float> b(boost.begin(), boost.end());
        const std::vector<int32_t> o(order.begin(), order.end());
        std::vector<float> scratch;
        const int got = kwinnersInPlace(v.data(), int(v.size()), k, b.empty() ? nullptr : b.data(), o.empty() ? nullptr : o.data(), scratch);
        QCOMPARE(got, returned);
        QVERIFY2(v == std::vector<float>(expected.begin(), expected.end()), vecText(v).constData());
    }

    void kwinnersRandom_data()
    {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("k");
        QTest::addColumn<int>("values"); // 0 distinct normal, 1 few levels (many ties), 2 magnitudes over 1e-13..1e13
        QTest::addColumn<bool>("boosted");
        QTest::addColumn<bool>("ordered");
        int seed = 0;
        for (int n : {2, 7, 64, 1000, 4099, 12544})
            for (int values : {0, 1, 2})
                for (bool boosted : {false, true}) {
                    const bool ordered = (n + values) % 2 == 0;
                    // n/10: the k-WTA densities of the GSC network, where the kernels' sampled band applies
                    for (int k : {1, n / 10, n / 2, n - 1})
                        if (k >= 1)
                            QTest::addRow("n%d k%d v%d %s%s #%d", n, k, values, boosted ? "boost" : "plain",
                                          ordered ? " order" : "", ++seed)
                                << n << k << values << boosted << ordered;
                }
    }
    void kwinnersRandom()
    {
        QFETCH(int, n);
        QFETCH(int, k);
        QFETCH(int, values);
        QFETCH(bool, boosted);
        QFETCH(bool, ordered);
        std::mt19937_64 rng(uint64_t(n * 1009 + k * 31 + values * 7 + boosted * 3 + ordered));
        std::normal_distribution<float> nd(0.0f, 1.0f);
        std::uniform_real_distribution<double> ud(-30.0, 30.0);
        const float levels[] = {-1.5f, -0.5f, 0.5f, 1.5f, 2.5f};
        const float boost_levels[] = {0.5f, 1.0f, 2.0f};
        std::vector<float> x(static_cast<size_t>(n)), b, scratch;
        std::vector<int32_t> order;
        for (auto& v : x) {
            if (values == 0)
                do v = nd(rng); while (v == 0.0f);
            else if (values == 1)
                v = levels[rng() % 5];
            else
                v = float(std::exp(ud(rng))) * ((rng() & 1) ? 1.0f : -1.0f);
        }
        if (boosted) {
            b.resize(size_t(n));
            for (auto& f : b)
                f = values == 1 ? boost_levels[rng() % 3] : float(std::exp(0.5 * nd(rng)));
        }
        if (ordered) {
            order.resize(size_t(n));
            std::iota(order.begin(), order.end(), 0);
            std::shuffle(order.begin(), order.end(), rng);
        }
        const auto expected = expectedTopK(x, b, order, k);
        // twice with the same scratch: nothing carries over between calls
        for (int rep = 0; rep < 2; ++rep) {
            std::vector<float> v = x;
            QCOMPARE(kwinnersInPlace(v.data(), n, k, b.empty() ? nullptr : b.data(), order.empty() ? nullptr : order.data(), scratch), k);
            QCOMPARE(int(std::count_if(v.begin(), v.end(), [](float f) { return f != 0.0f; })), k);
            QVERIFY2(v == expected, (vecText(v) + " vs " + vecText(expected)).constData());
        }
        // every ISA's Select kernel (the engines' hot path) keeps exactly the same winners
        std::vector<uint32_t> kscratch(size_t(2 * n + 1));
        for (kernels::Isa isa : kernels::allIsas()) {
            if (!kernels::cpuSupports(isa))
                continue;
            std::vector<float> v = x;
            kernels::table(isa).kwinners(v.data(), n, k, b.empty() ? nullptr : b.data(), order.empty() ? nullptr : order.data(), kscratch.data());
            QVERIFY2(v == expected, (QByteArray(kernels::isaName(isa)) + ": " + vecText(v) + " vs " + vecText(expected)).constData());
        }
    }

    // The Select kernels' pivot select takes its pivots from a strided sample of 16 keys and, when
    // they miss the rank, keeps the side they missed: orders that bias a strided sample (sorted
    // either way, runs with the sample's period), few distinct keys and every rank near the ends
    // reach its misses, its all-equal band and its no-progress fallback.
    void kwinnersSelectPatterns_data()
    {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("pattern"); // 0 ascending, 1 descending, 2 sawtooth of period 16, 3 two values, 4 normal
        for (int n : {49, 64, 65, 100, 257, 1000, 1600, 2047, 2048, 3001, 5000})
            for (int pattern = 0; pattern < 5; ++pattern)
                QTest::addRow("n%d p%d", n, pattern) << n << pattern;
    }
    void kwinnersSelectPatterns()
    {
        QFETCH(int, n);
        QFETCH(int, pattern);
        std::mt19937_64 rng(uint64_t(n * 17 + pattern));
        std::normal_distribution<float> nd(0.0f, 1.0f);
        std::vector<float> x(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) {
            switch (pattern) {
            case 0: x[size_t(i)] = float(i) - 0.5f * float(n); break;
            case 1: x[size_t(i)] = 0.5f * float(n) - float(i); break;
            case 2: x[size_t(i)] = float(i % 16) + 0.001f * float(i / 16); break;
            case 3: x[size_t(i)] = (rng() % 7 == 0) ? 2.0f : -1.0f; break;
            default: x[size_t(i)] = nd(rng); break;
            }
        }
        std::vector<uint32_t> kscratch(size_t(2 * n + 1));
        for (int k : {1, 2, 3, n / 16, n / 7, n / 3, n / 2, n - n / 5, n - 3, n - 2, n - 1}) {
            if (k < 1)
                continue;
            const auto expected = expectedTopK(x, {}, {}, k);
            for (kernels::Isa isa : kernels::allIsas()) {
                if (!kernels::cpuSupports(isa))
                    continue;
                std::vector<float> v = x;
                kernels::table(isa).kwinners(v.data(), n, k, nullptr, nullptr, kscratch.data());
                QVERIFY2(v == expected, (QByteArray(kernels::isaName(isa)) + " k " + QByteArray::number(k) + ": " + vecText(v) +
                                         " vs " + vecText(expected)).constData());
            }
        }
    }

    void boostFactors()
    {
        const std::vector<float> duty = {0.0f, 0.1f, 0.25f, 0.5f, 1.0f};
        std::vector<float> out(duty.size());
        const double target = 0.25; // k/n
        ss::boostFactors(duty.data(), int(duty.size()), target, 1.5, out.data());
        for (size_t i = 0; i < duty.size(); ++i)
            QVERIFY(std::abs(out[i] - float(std::exp((target - duty[i]) * 1.5))) <= 1e-6f * out[i]);
        QCOMPARE(out[2], 1.0f);    // at the target density: no boost
        QVERIFY(out[0] > out[1]);  // rarely active units are boosted ...
        QVERIFY(out[4] < 1.0f);    // ... frequently active ones damped
        ss::boostFactors(duty.data(), int(duty.size()), target, 0.0, out.data());
        for (float f : out)
            QCOMPARE(f, 1.0f);     // strength 0 = plain top-k
    }

    void boostingChangesWinners()
    {
        // Unit 0 has a low duty cycle, unit 1 a high one: with boosting unit 0's smaller value wins.
        const std::vector<float> x = {1.0f, 1.1f, 0.2f, 0.3f};
        const std::vector<float> duty = {0.05f, 0.5f, 0.25f, 0.25f};
        const int k = 1;
        const double target = double(k) / 4;
        std::vector<float> boost(4), scratch;
        ss::boostFactors(duty.data(), 4, target, 1.5, boost.data());
        std::vector<float> v = x;
        kwinnersInPlace(v.data(), 4, k, boost.data(), nullptr, scratch);
        QCOMPARE(v, (std::vector<float>{1.0f, 0, 0, 0}));
        ss::boostFactors(duty.data(), 4, target, 0.0, boost.data());
        v = x;
        kwinnersInPlace(v.data(), 4, k, boost.data(), nullptr, scratch);
        QCOMPARE(v, (std::vector<float>{0, 1.1f, 0, 0}));
        v = x;
        kwinnersInPlace(v.data(), 4, k, nullptr, nullptr, scratch);
        QCOMPARE(v, (std::vector<float>{0, 1.1f, 0, 0}));
    }

    // ---- local vs global k-WTA through the reference -------------------------------------------

    void kwinners2dThroughReference_data()
    {
        QTest::addColumn<bool>("local");
        QTest::addColumn<double>("boost");
        QTest::addColumn<int>("k"); // k at inference the model must compute
        // 4 x 3 x 3: local keeps round(4 * 0.5) = 2 channels per position, global round(36 * 0.25) = 9.
        QTest::newRow("local") << true << 0.0 << 2;
        QTest::newRow("local boosted") << true << 4.0 << 2;
        QTest::newRow("global") << false << 0.0 << 9;
        QTest::newRow("global boosted") << false << 4.0 << 9;
    }
    void kwinners2dThroughReference()
    {
        QFETCH(bool, local);
        QFETCH(double, boost);
        QFETCH(int, k);
        const int C = 4, H = 3, W = 3, hw = H * W;
        Model m = kwtaModel(C, H, W, local, local ? 0.5 : 0.25, boost, 3);
        Status s = m.inferShapes();
        QVERIFY2(s.isOk(), s.isOk() ? "" : s.message().c_str());
        QCOMPARE(m.layers[0].k_inference, k);
        const auto x = distinctInputs(C * hw, 17);
        std::vector<float> y(x.size(), NAN);
        QVERIFY(referenceForward(m, x.data(), 1, y.data()).isOk());
        const float* duty = m.layers[0].duty_cycles.ptr();
        if (local) {
            std::vector<float> boost_c(size_t(C), 1.0f);
            if (boost > 0)
                ss::boostFactors(duty, C, double(k) / C, boost, boost_c.data());
            bool boost_mattered = false;
            for (int p = 0; p < hw; ++p) {
                std::vector<float> v(static_cast<size_t>(C)), got(static_cast<size_t>(C));
                for (int c = 0; c < C; ++c) {
                    v[size_t(c)] = x[size_t(c) * hw + p];
                    got[size_t(c)] = y[size_t(c) * hw + p];
                }
                QCOMPARE(int(std::count_if(got.begin(), got.end(), [](float f) { return f != 0.0f; })), k);
                QVERIFY2(got == expectedTopK(v, boost > 0 ? boost_c : std::vector<float>{}, {}, k),
                         qPrintable(QString("position %1").arg(p)));
                boost_mattered |= got != expectedTopK(v, {}, {}, k);
            }
            QCOMPARE(boost_mattered, boost > 0); // the boosted rows do exercise boosting
        } else {
            QCOMPARE(int(std::count_if(y.begin(), y.end(), [](float f) { return f != 0.0f; })), k);
            std::vector<float> boost_i;
            if (boost > 0) {
                boost_i.resize(x.size());
                for (int c = 0; c < C; ++c) {
                    float f;
                    ss::boostFactors(duty + c, 1, double(k) / (C * hw), boost, &f);
                    std::fill(boost_i.begin() + c * hw, boost_i.begin() + (c + 1) * hw, f);
                }
            }
            QVERIFY2(y == expectedTopK(x, boost_i, {}, k), vecText(y).constData());
            QCOMPARE(y != expectedTopK(x, {}, {}, k), boost > 0); // the boosted row does exercise boosting
            // Global is not local: some position keeps a number of channels other than k/C.
            bool uneven = false;
            for (int p = 0; p < hw; ++p) {
                int c_on = 0;
                for (int c = 0; c < C; ++c)
                    c_on += y[size_t(c) * hw + p] != 0.0f;
                uneven |= c_on != 1;
            }
            QVERIFY(uneven);
        }
    }

    // ---- k at inference ------------------------------------------------------------------------

    void kInference_data()
    {
        QTest::addColumn<bool>("is2d");
        QTest::addColumn<bool>("local");
        QTest::addColumn<int>("c");
        QTest::addColumn<int>("h");
        QTest::addColumn<int>("w");
        QTest::addColumn<double>("percentOn");
        QTest::addColumn<double>("factor");
        QTest::addColumn<int>("kGiven");
        QTest::addColumn<int>("kInferenceGiven");
        QTest::addColumn<int>("k");
        QTest::addColumn<int>("kInference");
        // KWinners2d: k_inference = round(n * percent_on * factor) (nupic.torch)
        QTest::newRow("2d global x1.5") << true << false << 4 << 5 << 5 << 0.1 << 1.5 << 0 << 0 << 10 << 15;
        QTest::newRow("2d global gsc") << true << false << 64 << 14 << 14 << 1200.0 / 12544 << 1.0 << 0 << 0 << 1200 << 1200;
        QTest::newRow("2d global x1.3") << true << false << 3 << 5 << 5 << 0.1 << 1.3 << 0 << 0 << 8 << 10;
        QTest::newRow("2d local x1.5") << true << true << 8 << 3 << 3 << 0.25 << 1.5 << 0 << 0 << 2 << 3;
        // KWinners: k_inference = int(k * factor), truncated: 5 * 1.5 = 7.5 -> 7 (not round(7.5) = 8)
        QTest::newRow("1d x1.5 truncates") << false << false << 50 << 1 << 1 << 0.1 << 1.5 << 0 << 0 << 5 << 7;
        QTest::newRow("1d x1.7 truncates") << false << false << 30 << 1 << 1 << 0.1 << 1.7 << 0 << 0 << 3 << 5;
        QTest::newRow("1d x1") << false << false << 1000 << 1 << 1 << 0.1 << 1.0 << 0 << 0 << 100 << 100;
        QTest::newRow("1d over a flattened map") << false << false << 4 << 5 << 5 << 0.2 << 1.5 << 0 << 0 << 20 << 30;
        QTest::newRow("given k and k_inference stay") << true << false << 4 << 5 << 5 << 0.1 << 1.5 << 3 << 4 << 3 << 4;
        QTest::newRow("given k, derived k_inference") << false << false << 40 << 1 << 1 << 0.1 << 2.0 << 6 << 0 << 6 << 12;
    }
    void kInference()
    {
        QFETCH(bool, is2d);
        QFETCH(bool, local);
        QFETCH(int, c);
        QFETCH(int, h);
        QFETCH(int, w);
        QFETCH(double, percentOn);
        QFETCH(double, factor);
        QFETCH(int, kGiven);
        QFETCH(int, kInferenceGiven);
        QFETCH(int, k);
        QFETCH(int, kInference);
        Model m = kwtaModel(c, h, w, local, percentOn, 0.0, 1);
        Layer& L = m.layers[0];
        L.kind = is2d ? LayerKind::KWinners2d : LayerKind::KWinners;
        L.k_inference_factor = factor;
        L.k = kGiven;
        L.k_inference = kInferenceGiven;
        if (!is2d)
            L.duty_cycles = Tensor({c * h * w});
        Status s = m.inferShapes();
        QVERIFY2(s.isOk(), s.isOk() ? "" : s.message().c_str());
        QCOMPARE(m.layers[0].k, k);
        QCOMPARE(m.layers[0].k_inference, kInference);
        // The reference keeps k_inference winners (per position when local), not k.
        const int n = c * h * w;
        const auto x = distinctInputs(n, 5);
        std::vector<float> y(static_cast<size_t>(n));
        QVERIFY(referenceForward(m, x.data(), 1, y.data()).isOk());
        const int kept = int(std::count_if(y.begin(), y.end(), [](float f) { return f != 0.0f; }));
        QCOMPARE(kept, local ? kInference * h * w : kInference);
    }

    void kInferenceRefusesImpossibleK_data()
    {
        QTest::addColumn<int>("k");
        QTest::addColumn<int>("kInference");
        QTest::addColumn<double>("factor");
        QTest::newRow("k_inference above n") << 0 << 101 << 1.0;
        QTest::newRow("factor makes k_inference above n") << 0 << 0 << 20.0;
        QTest::newRow("negative factor") << 0 << 0 << -1.0;
    }
    void kInferenceRefusesImpossibleK()
    {
        QFETCH(int, k);
        QFETCH(int, kInference);
        QFETCH(double, factor);
        Model m = kwtaModel(4, 5, 5, false, 0.1, 0.0, 1);
        m.layers[0].k = k;
        m.layers[0].k_inference = kInference;
        m.layers[0].k_inference_factor = factor;
        const Status s = m.inferShapes();
        QVERIFY(!s.isOk());
        QCOMPARE(s.error().code, ErrorCode::BadInput);
        QCOMPARE(s.error().where, std::string("kw"));
        QVERIFY2(s.message().find("Layer 'kw'") != std::string::npos, s.message().c_str());
    }
};

QTEST_GUILESS_MAIN(TestSparsity)
#include "tst_sparsity.moc"
