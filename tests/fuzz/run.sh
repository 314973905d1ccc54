#!/usr/bin/env bash
# Runs each fuzz target on its seed corpus (tests/fuzz/corpus/<target>/, every file once: the
# regression inputs included), then fuzzes for FUZZ_SECONDS more. New inputs go to
# <build>/fuzz-corpus/<target>/, crashes to <build>/fuzz-artifacts/; the committed corpus is only read.
# Prints one summary line per target (executions, exec/s, coverage) and fails if any target failed.
#   tests/fuzz/run.sh <build dir>   (FUZZ_SECONDS=60, FUZZ_JOBS=1 targets at a time,
#                                    FUZZ_TARGETS="model arch ..."; run it under nice yourself)
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
targets=${FUZZ_TARGETS:-model arch npy wav lists report}
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# One target: writes "<rc>" to $results/<t>.rc and its summary line to $results/<t>.line.
fuzz_one() {
  local t=$1
  local exe=$build/tests/fuzz/fuzz_$t seeds=tests/fuzz/corpus/$t
  local work=$build/fuzz-corpus/$t artifacts=$build/fuzz-artifacts/$t log=$build/fuzz-logs/$t.log
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  local opts=(-max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1
              -artifact_prefix="$artifacts/")
  case $t in
    model|arch) opts+=(-max_len=32768 -dict=tests/fuzz/model.dict) ;;
    report) opts+=(-max_len=16384 -dict=tests/fuzz/json.dict) ;;
    *) opts+=(-max_len=8192) ;;
  esac
  echo "== fuzz_$t: $(ls "$seeds" | wc -l) seeds, ${seconds} s (log: $log)"
  local start rc pid
  start=$(date +%s)
  "$exe" "${opts[@]}" "$work" "$seeds" >"$log" 2>&1 &
  pid=$!
  wait $pid
  rc=$?
  # libFuzzer ends with _Exit: the targets' scratch files in /dev/shm (named by pid) stay behind.
  rm -rf /dev/shm/sparsescope-fuzz-*-"$pid" /dev/shm/sparsescope-fuzz-*-"$pid".*
  local elapsed=$(( $(date +%s) - start ))
  local done_line execs
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$')
  if [ $rc -ne 0 ]; then
    { echo "   fuzz_$t FAILED (exit $rc) after ${elapsed} s; the end of its log:"
      grep -E 'FUZZ FINDING|ERROR: |SUMMARY: |runtime error|Test unit written|Running:' "$log" | head -20 | sed 's/^/   /'
    } >&2
  fi
  printf '%-7s %4ss  execs %-10s %s\n' "$t" "$elapsed" "${execs:-?}" \
    "$(echo "$done_line" | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [^ ]+|exec/s: [0-9]+' | tr '\n' ' ')" \
    >"$results/$t.line"
  echo $rc >"$results/$t.rc"
}

running=0
for t in $targets; do
  if [ ! -x "$build/tests/fuzz/fuzz_$t" ]; then
    echo "No fuzz target '$t' in $build (known: model arch npy wav lists report; build with make fuzz)." >&2
    exit 2
  fi
  fuzz_one "$t" &
  running=$((running + 1))
  if [ $running -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

failed=()
echo "== summary"
for t in $targets; do
  cat "$results/$t.line" 2>/dev/null || echo "$t: no result"
  [ "$(cat "$results/$t.rc" 2>/dev/null)" = 0 ] || failed+=("$t")
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz targets that failed: ${failed[*]} (inputs in $build/fuzz-artifacts/)"
  exit 1
fi
