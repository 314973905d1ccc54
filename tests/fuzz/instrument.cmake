# SPARSESCOPE_FUZZ: coverage instrumentation for libFuzzer plus ASan and UBSan on every target, so a
# fuzzer finds memory errors and undefined behaviour in core, not only in its own few lines.
# UBSan findings abort (-fno-sanitize-recover): a fuzzer only reports what stops the process.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "SPARSESCOPE_FUZZ needs clang (libFuzzer ships with it): configure with "
                      "-DCMAKE_CXX_COMPILER=clang++ (Debian 12: packages clang and libclang-rt-14-dev).")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
