#include "sparsity/complementary.h"

#include <algorithm>
#include <numeric>

namespace ss {

namespace {
// A random balanced assignment of N positions to P slots: slot sizes differ by at most one.
std::vector<uint8_t> balancedPartition(int N, int P, std::mt19937_64& rng)
{
    std::vector<int> perm(static_cast<size_t>(N));
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    std::vector<uint8_t> slot(static_cast<size_t>(N));
    for (int i = 0; i < N; ++i)
        slot[size_t(perm[size_t(i)])] = uint8_t(i % P);
    return slot;
}
} // namespace

std::vector<uint8_t> complementaryMask(int M, int N, int P, RouteLayout layout, std::mt19937_64& rng)
{
    std::vector<uint8_t> mask(size_t(M) * N, 0);
    const int G = (M + P - 1) / P;
    std::vector<uint8_t> slot;
    for (int g = 0; g < G; ++g) {
        if (g == 0 || layout == RouteLayout::Independent)
            slot = balancedPartition(N, P, rng);
        for (int n = 0; n < N; ++n) {
            const int o = g * P + slot[size_t(n)];
            if (o < M) // the last group is padded with empty outputs when P does not divide M
                mask[size_t(o) * N + n] = 1;
        }
    }
    return mask;
}

std::vector<uint8_t> randomMask(int M, int N, double density, std::mt19937_64& rng)
{
    std::vector<uint8_t> mask(size_t(M) * N, 0);
    const int keep = std::clamp(int(std::lround(density * N)), 1, N);
    std::vector<int> idx(static_cast<size_t>(N));
    for (int o = 0; o < M; ++o) {
        std::iota(idx.begin(), idx.end(), 0);
        // partial Fisher-Yates: the first `keep` entries are a uniform random subset
        for (int i = 0; i < keep; ++i) {
            std::uniform_int_distribution<int> d(i, N - 1);
            std::swap(idx[size_t(i)], idx[size_t(d(rng))]);
            mask[size_t(o) * N + idx[size_t(i)]] = 1;
        }
    }
    return mask;
}

ComplementarityReport checkComplementary(const float* mask, int M, int N, int P)
{
    ComplementarityReport rep;
    rep.P = P;
    rep.groups = (M + P - 1) / P;
    std::vector<int> owner0(size_t(N), -1);
    rep.shared_routes = true;
    std::vector<int> count(static_cast<size_t>(N)), owner(static_cast<size_t>(N));
    for (int g = 0; g < rep.groups; ++g) {
        std::fill(count.begin(), count.end(), 0);
        std::fill(owner.begin(), owner.end(), -1);
        for (int r = 0; r < P && g * P + r < M; ++r) {
            const float* row = mask + size_t(g * P + r) * N;
            for (int n = 0; n < N; ++n)
                if (row[n] != 0.0f) {
                    ++count[size_t(n)];
                    owner[size_t(n)] = r;
                }
        }
        GroupReport gr{g, 0, 0};
        for (int n = 0; n < N; ++n) {
            if (count[size_t(n)] > 1) ++gr.collisions;
            if (count[size_t(n)] == 0) ++gr.uncovered;
            if (g == 0)
                owner0[size_t(n)] = owner[size_t(n)];
            else if (owner[size_t(n)] >= 0 && owner[size_t(n)] != owner0[size_t(n)])
                rep.shared_routes = false;
        }
        rep.collisions += gr.collisions;
        rep.uncovered += gr.uncovered;
        if (gr.collisions || gr.uncovered)
            rep.bad_groups.push_back(gr);
    }
    if (rep.collisions > 0 || rep.groups <= 1)
        rep.shared_routes = rep.collisions == 0 && rep.groups == 1;
    return rep;
}

bool combine(const float* weight, const float* mask, int M, int N, int P, PackedLayer* out)
{
    const auto rep = checkComplementary(mask, M, N, P);
    if (!rep.complementary())
        return false;
    PackedLayer& pk = *out;
    pk.M = M;
    pk.N = N;
    pk.P = P;
    pk.G = (M + P - 1) / P;
    pk.shared_routes = rep.shared_routes;
    pk.wc.assign(size_t(N) * pk.G, 0.0f);
    pk.route.assign(size_t(N) * pk.G, 0);
    for (int g = 0; g < pk.G; ++g)
        for (int r = 0; r < P && g * P + r < M; ++r) {
            const size_t o = size_t(g * P + r);
            for (int n = 0; n < N; ++n)
                if (mask[o * N + n] != 0.0f) {
                    pk.wc[size_t(n) * pk.G + g] = weight[o * N + n];
                    pk.route[size_t(n) * pk.G + g] = uint8_t(r);
                }
        }
    pk.shared_route.clear();
    if (pk.shared_routes) {
        pk.shared_route.resize(size_t(N));
        for (int n = 0; n < N; ++n)
            pk.shared_route[size_t(n)] = pk.route[size_t(n) * pk.G];
    }
    return true;
}

} // namespace ss
