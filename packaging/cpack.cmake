# `make package` (cpack -G DEB): sparsescope_<version>_<arch>.deb installing under /usr. The
# library dependencies are computed by dpkg-shlibdeps (package dpkg-dev) from the binaries; the
# ones no binary links are declared here.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sparsescope)
set(CPACK_PACKAGE_VENDOR "SparseScope")
set(CPACK_PACKAGE_CONTACT "SparseScope developers <sparsescope@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "See and measure what two sparsities buy a neural network")
set(CPACK_PACKAGE_DESCRIPTION "SparseScope loads a network with sparse weights and sparse (k-winners-take-all)
activations, runs it with Complementary Sparsity beside dense engines on the CPU or a simulated
FPGA, and reports throughput, latency, energy and the work done against the bound 1/(a*w), in a
Qt 6 desktop app (sparsescope) and a headless CLI (sparsescope-cli), with HTML and PDF reports.
Five trained keyword-spotting models and example clips are included.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Fonts for the PDF reports and the app (QPainter finds them through fontconfig); the offscreen and
# xcb platform plugins come with libqt6gui6, which shlibdeps finds.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "fonts-dejavu-core")
# libtorch asks for any libblas.so.3, which apt satisfies with the slow reference BLAS; the torch
# engine's figures (and the README's) are with OpenBLAS, as `make deps` installs it.
if(SPARSESCOPE_HAVE_TORCH)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libopenblas0-openmp")
endif()
# What some commands run or read, not linked: synthetic speech for `dataset synth`, a browser to open reports.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "espeak-ng, festival, sox")
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_IGNORE_FILES "/build.*/;/\\\\.git/")
include(CPack)
