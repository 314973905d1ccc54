# The README's two quick-start commands: `make run` and `make test`.
# Both install what is missing (Debian 12 packages), configure and build first.

BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
# The shipped default model: trained, complementary-sparse (resources/models/README.md).
MODEL ?= resources/models/gsc-cs.safetensors
REPORT_DIR ?= reports

DEB_PACKAGES := cmake g++ make pkg-config \
  qt6-base-dev libqt6opengl6-dev qt6-charts-dev qt6-multimedia-dev \
  libeigen3-dev libsndfile1-dev nlohmann-json3-dev \
  libxrt-dev libtorch-dev libopenblas0-openmp \
  espeak-ng festival festvox-kallpc16k festvox-kdlpc16k festvox-italp16k festvox-itapc16k \
  festvox-czech-dita festvox-czech-krb festvox-suopuhe-lj sox xvfb xauth pulseaudio pulseaudio-utils poppler-utils \
  clang libclang-rt-14-dev \
  chromium fonts-dejavu-core appstream dpkg-dev

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps configure build run test bench clean fresh-check asan-test fuzz package package-check

all: build

# Idempotent and quiet: asks dpkg what is missing, installs only that.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing Debian packages:" $$missing; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Extra arguments for the first configure of $(BUILD_DIR); CI passes -DCMAKE_UNITY_BUILD=ON (.ci/run).
CMAKE_ARGS ?=

$(BUILD_DIR)/CMakeCache.txt:
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) >/dev/null

configure: deps $(BUILD_DIR)/CMakeCache.txt

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# With a display: the desktop app on the bundled model. Without: the headless benchmark + report.
run: build
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] && [ -x $(BUILD_DIR)/app/gui/sparsescope ]; then \
	  $(BUILD_DIR)/app/gui/sparsescope $(MODEL); \
	else \
	  mkdir -p $(REPORT_DIR); \
	  echo "No display: running the headless benchmark on $(MODEL)"; \
	  $(BUILD_DIR)/app/cli/sparsescope-cli bench $(MODEL) --engines all --threads 1 --batch 1 --seconds 2 \
	    --json $(REPORT_DIR)/bench.json --csv $(REPORT_DIR)/bench.csv && \
	  echo "Report written to $(REPORT_DIR)/bench.json and $(REPORT_DIR)/bench.csv"; \
	fi

test: build
	@cd $(BUILD_DIR) && QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j $(JOBS)

# The unit suites that need neither libtorch nor a display, under ASan + UBSan (preset asan, build-asan/).
ASAN_TESTS := tst_model tst_sparsity tst_explain tst_engines tst_audio tst_bench tst_report tst_datasets tst_live
asan-test: deps
	@cmake --preset asan >/dev/null
	@cmake --build build-asan -j $(JOBS) --target $(ASAN_TESTS)
	@ctest --preset asan -j $(JOBS)

# libFuzzer targets (preset fuzz, clang, build-fuzz/): each runs its seed corpus, then FUZZ_SECONDS of
# fresh fuzzing (tests/fuzz/README.md), FUZZ_JOBS targets at a time. FUZZ_TARGETS="model wav" runs a subset.
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) tests/fuzz/run.sh build-fuzz

bench: build
	@$(BUILD_DIR)/app/cli/sparsescope-cli bench $(MODEL) --engines all --seconds 3

# The README's commands on a throw-away Debian 12 root (mmdebstrap + chroot): `.ci/run`, then
# `make run` without a display, on the current commit (uncommitted changes are not included).
# Catches a package the build reads but `make deps` does not install. CONTRIBUTING.md says when.
# FRESH_CHECK_ARGS="--only ci" (or run) for one half; the full log's path is printed.
fresh-check:
	@$(SUDO) bash scripts/fresh-check.sh $(FRESH_CHECK_ARGS)

# The Debian package (CPack, packaging/cpack.cmake): $(BUILD_DIR)/sparsescope_<version>_<arch>.deb.
package: build
	@cd $(BUILD_DIR) && cpack -G DEB >/dev/null && ls -1 $(abspath $(BUILD_DIR))/sparsescope_*.deb

# Installs that .deb into a throw-away Debian 12 root and runs the installed programs
# (packaging/test-install.sh; needs root and the Debian mirror, a few minutes). Not part of make test.
package-check: package
	@command -v mmdebstrap >/dev/null || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
	@$(SUDO) bash packaging/test-install.sh $$(ls -t $(BUILD_DIR)/sparsescope_*.deb | head -n 1)

clean:
	rm -rf $(BUILD_DIR)
