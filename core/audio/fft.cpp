// Planned real-input DFT (see fft.h).
#include "audio/fft.h"

#include <cmath>
#include <numbers>
#include <utility>

namespace ss {

namespace {

std::complex<double> unitRoot(double turns) // e^{-2 pi i * turns}
{
    const double a = -2.0 * std::numbers::pi * turns;
    return {std::cos(a), std::sin(a)};
}

} // namespace

bool isPowerOfTwo(int n)
{
    return n > 0 && (n & (n - 1)) == 0;
}

Pow2Fft::Pow2Fft(int n) : n_(n)
{
    int log2n = 0;
    while ((1 << log2n) < n)
        ++log2n;
    bitrev_.resize(size_t(n));
    for (int i = 0; i < n; ++i) {
        int r = 0;
        for (int b = 0; b < log2n; ++b)
            r |= ((i >> b) & 1) << (log2n - 1 - b);
        bitrev_[size_t(i)] = r;
    }
    twiddle_.resize(size_t(n / 2));
    for (int k = 0; k < n / 2; ++k)
        twiddle_[size_t(k)] = unitRoot(double(k) / double(n));
}

void Pow2Fft::transform(std::complex<double>* data) const
{
    const int n = n_;
    for (int i = 0; i < n; ++i) {
        const int r = bitrev_[size_t(i)];
        if (r > i)
            std::swap(data[i], data[r]);
    }
    // Plain doubles rather than std::complex temporaries: GCC spills those to the stack as two
    // 8-byte stores read back as one 16-byte load, a store-forwarding stall per butterfly (half of
    // the front end's time). Same operations in the same order, so the same results.
    double* const d = reinterpret_cast<double*>(data); // [re, im] pairs, as std::complex guarantees
    const double* const tw = reinterpret_cast<const double*>(twiddle_.data());
    for (int len = 2; len <= n; len <<= 1) {
        const int half = len / 2;
        const int stride = n / len; // twiddle index step for this stage
        for (int start = 0; start < n; start += len) {
            for (int k = 0; k < half; ++k) {
                const double wr = tw[2 * k * stride], wi = tw[2 * k * stride + 1];
                double* const lo = d + 2 * (start + k);
                double* const hi = d + 2 * (start + k + half);
                const double tr = wr * hi[0] - wi * hi[1], ti = wr * hi[1] + wi * hi[0];
                hi[0] = lo[0] - tr;
                hi[1] = lo[1] - ti;
                lo[0] += tr;
                lo[1] += ti;
            }
        }
    }
}

RealFft::RealFft(int n) : n_(n < 1 ? 1 : n)
{
    n = n_;
    pow2_ = isPowerOfTwo(n) && n >= 2;
    if (pow2_) {
        const int m = n / 2;
        half_ = Pow2Fft(m);
        split_.resize(size_t(m + 1));
        for (int k = 0; k <= m; ++k)
            split_[size_t(k)] = unitRoot(double(k) / double(n));
        return;
    }
    // Bluestein: X[k] = c[k] * sum_t (x[t] c[t]) * conj(c[k - t]), with c[t] = e^{-i pi t^2 / n}.
    // t^2 is reduced mod 2n before scaling so that the angle stays accurate for large t.
    int p = 1;
    while (p < 2 * n - 1)
        p <<= 1;
    conv_ = Pow2Fft(p);
    chirp_.resize(size_t(n));
    for (int t = 0; t < n; ++t) {
        const long long t2 = (static_cast<long long>(t) * t) % (2LL * n);
        chirp_[size_t(t)] = unitRoot(double(t2) / double(2 * n));
    }
    chirp_fft_.assign(size_t(p), {0.0, 0.0});
    chirp_fft_[0] = std::conj(chirp_[0]);
    for (int t = 1; t < n; ++t) {
        chirp_fft_[size_t(t)] = std::conj(chirp_[size_t(t)]);
        chirp_fft_[size_t(p - t)] = std::conj(chirp_[size_t(t)]); // negative lags wrap around
    }
    conv_.transform(chirp_fft_.data());
}

void RealFft::forward(const double* in, std::complex<double>* out, Workspace& ws) const
{
    const int n = n_;
    if (n == 1) {
        out[0] = {in[0], 0.0};
        return;
    }
    if (pow2_) {
        // Pack even/odd samples as one complex signal of half the length, transform, then split:
        // X[k] = E[k] + e^{-2 pi i k/n} O[k], with E/O recovered from Z[k] and conj(Z[m-k]).
        const int m = n / 2;
        auto& z = ws.a;
        z.resize(size_t(m));
        for (int t = 0; t < m; ++t)
            z[size_t(t)] = {in[2 * t], in[2 * t + 1]};
        half_.transform(z.data());
        // In plain doubles (see Pow2Fft::transform): with zk = z[k mod m] and zmk = conj(z[(m-k) mod m]),
        // even = (zk + zmk) / 2, odd = -i/2 (zk - zmk), out[k] = even + split[k] * odd.
        const double* const zd = reinterpret_cast<const double*>(z.data());
        const double* const sp = reinterpret_cast<const double*>(split_.data());
        double* const od = reinterpret_cast<double*>(out);
        for (int k = 0; k <= m; ++k) {
            const double* const a = zd + 2 * (k == m ? 0 : k);
            const double* const b = zd + 2 * (k == 0 ? 0 : m - k);
            const double er = 0.5 * (a[0] + b[0]), ei = 0.5 * (a[1] - b[1]);
            const double or_ = 0.5 * (a[1] + b[1]), oi = -0.5 * (a[0] - b[0]);
            const double pr = sp[2 * k], pi = sp[2 * k + 1];
            od[2 * k] = er + (pr * or_ - pi * oi);
            od[2 * k + 1] = ei + (pr * oi + pi * or_);
        }
        return;
    }
    const int p = conv_.size();
    auto& a = ws.a;
    a.assign(size_t(p), {0.0, 0.0});
    for (int t = 0; t < n; ++t)
        a[size_t(t)] = in[t] * chirp_[size_t(t)];
    conv_.transform(a.data());
    // Inverse FFT via conjugation: ifft(v) = conj(fft(conj(v))) / p.
    for (int i = 0; i < p; ++i)
        a[size_t(i)] = std::conj(a[size_t(i)] * chirp_fft_[size_t(i)]);
    conv_.transform(a.data());
    const double scale = 1.0 / double(p);
    for (int k = 0; k <= n / 2; ++k)
        out[k] = chirp_[size_t(k)] * std::conj(a[size_t(k)]) * scale;
}

} // namespace ss
