// Generated variant of kernels.inc for the avx512 ISA (compiled with only its flags; see CMakeLists.txt).
#define SS_KERNEL_ISA 2
#define SS_KERNEL_NS avx512
#include "kernels/kernels.inc"
