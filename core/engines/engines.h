// Factories of the built-in engines; registry.cpp lists them. A new engine is one new file pair
// plus one line in registry.cpp.
#pragma once

#include "engines/engine.h"

#include <memory>

namespace ss {

std::unique_ptr<Engine> makeDenseEngine();
std::unique_ptr<Engine> makeCsrEngine();
std::unique_ptr<Engine> makeSparseDenseEngine();
std::unique_ptr<Engine> makeSparseSparseEngine();
std::unique_ptr<Engine> makeReferenceEngine();
std::unique_ptr<Engine> makeQ8Engine(); // quantised.h: int8 golden model of the FPGA kernels
#ifdef SPARSESCOPE_HAVE_TORCH
std::unique_ptr<Engine> makeTorchEngine();
#endif

} // namespace ss
