// Generated variant of kernels.inc for the avx2 ISA (compiled with only its flags; see CMakeLists.txt).
#define SS_KERNEL_ISA 1
#define SS_KERNEL_NS avx2
#include "kernels/kernels.inc"
