// OpenBLAS 0.3.21 (Debian 12's, under libtorch) does not recognise Sapphire/Emerald Rapids cores
// and falls back to its generic "Prescott" SSE3 kernels: GEMM runs ~3x slower there (measured:
// 32x1600x1000 sgemm 8.4 ms with Prescott, 2.8 ms with OPENBLAS_CORETYPE=SkylakeX). OpenBLAS
// picks its kernels when the library loads, before main(), so the only fix from inside is to set
// OPENBLAS_CORETYPE and exec the program again.
#pragma once

namespace ss {

// Call first thing in main(). When this process has OpenBLAS loaded (libtorch builds), OpenBLAS
// chose its Prescott fallback, OPENBLAS_CORETYPE is unset and the CPU has AVX-512 (SkylakeX
// kernels) or AVX2+FMA (Haswell kernels): sets OPENBLAS_CORETYPE accordingly and re-executes
// this program (/proc/self/exe, resolved) with the same arguments. Otherwise (or if exec fails)
// returns and nothing changes.
void fixBlasCoreType(char** argv);

// The OpenBLAS core in use ("SkylakeX", "Prescott", ...), or "" when OpenBLAS is not loaded.
const char* blasCoreName();

} // namespace ss
