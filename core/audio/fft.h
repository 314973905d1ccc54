// A small planned DFT for real input, used by the log-mel front end.
// Planned once (twiddles, bit reversal, Bluestein chirp); forward() is const and keeps its scratch
// in a caller-owned Workspace, so one plan can serve any number of threads.
// Sizes that are powers of two use a packed radix-2 real FFT (n/2-point complex FFT plus a split
// step); other sizes (e.g. n_fft = 400 for 25 ms windows at 16 kHz) use Bluestein's chirp-z
// algorithm on a power-of-two convolution, so every size costs O(n log n).
#pragma once

#include <complex>
#include <vector>

namespace ss {

// In-place radix-2 decimation-in-time complex FFT of a power-of-two size (forward sign: e^{-i...}).
class Pow2Fft {
public:
    Pow2Fft() = default;
    explicit Pow2Fft(int n); // n must be a power of two >= 1
    int size() const { return n_; }
    void transform(std::complex<double>* data) const;

private:
    int n_ = 0;
    std::vector<int> bitrev_;
    std::vector<std::complex<double>> twiddle_; // e^{-2 pi i k / n}, k < n/2
};

class RealFft {
public:
    struct Workspace {
        std::vector<std::complex<double>> a;
    };

    explicit RealFft(int n); // n >= 1
    int size() const { return n_; }
    int bins() const { return n_ / 2 + 1; }
    // out[k] = sum_t in[t] e^{-2 pi i k t / n} for k in [0, n/2]: n/2 + 1 bins, unnormalised (numpy.fft.rfft).
    void forward(const double* in, std::complex<double>* out, Workspace& ws) const;

private:
    int n_ = 0;
    bool pow2_ = false;
    Pow2Fft half_;                                // pow2: n/2-point complex FFT
    std::vector<std::complex<double>> split_;     // pow2: e^{-2 pi i k / n}, k <= n/2
    Pow2Fft conv_;                                // Bluestein: convolution FFT of size >= 2n-1
    std::vector<std::complex<double>> chirp_;     // Bluestein: e^{-i pi t^2 / n}, t < n
    std::vector<std::complex<double>> chirp_fft_; // Bluestein: FFT of the conjugate chirp, wrapped
};

bool isPowerOfTwo(int n);

} // namespace ss
