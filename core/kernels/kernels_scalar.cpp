// Generated variant of kernels.inc for the scalar ISA (compiled with only its flags; see CMakeLists.txt).
#define SS_KERNEL_ISA 0
#define SS_KERNEL_NS scalar
#include "kernels/kernels.inc"
