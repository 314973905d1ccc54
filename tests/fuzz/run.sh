#!/usr/bin/env bash
# Runs each fuzz target on its seed corpus (tests/fuzz/corpus/<target>/, every file once: the
# regression inputs included), then fuzzes for FUZZ_SECONDS more. New inputs go to
# <build>/fuzz-corpus/<target>/, crashes to <build>/fuzz-artifacts/; the committed corpus is only read.
# Prints one summary line per target (executions, exec/s, coverage) and fails if any target failed.
#   tests/fuzz/run.sh <build dir>   (FUZZ_SECONDS=60, FUZZ_TARGETS="model arch ..."; run it under nice yourself)
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-model arch npy wav lists report}

failed=()
summary=()
for t in $targets; do
  exe=$build/tests/fuzz/fuzz_$t
  seeds=tests/fuzz/corpus/$t
  work=$build/fuzz-corpus/$t
  artifacts=$build/fuzz-artifacts/$t
  log=$build/fuzz-logs/$t.log
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  opts=(-max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/")
  case $t in
    model|arch) opts+=(-max_len=32768 -dict=tests/fuzz/model.dict) ;;
    report) opts+=(-max_len=16384 -dict=tests/fuzz/json.dict) ;;
    *) opts+=(-max_len=8192) ;;
  esac
  echo "== fuzz_$t: $(ls "$seeds" | wc -l) seeds, ${seconds} s (log: $log)"
  start=$(date +%s)
  "$exe" "${opts[@]}" "$work" "$seeds" >"$log" 2>&1 &
  pid=$!
  wait $pid
  rc=$?
  # libFuzzer ends with _Exit: the targets' scratch files in /dev/shm (named by pid) stay behind.
  rm -rf /dev/shm/sparsescope-fuzz-*-"$pid" /dev/shm/sparsescope-fuzz-*-"$pid".*
  elapsed=$(( $(date +%s) - start ))
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$')
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    echo "   FAILED (exit $rc) after ${elapsed} s; the end of its log:"
    grep -E 'FUZZ FINDING|ERROR: |SUMMARY: |runtime error|Test unit written|Running:' "$log" | head -20 | sed 's/^/   /'
  fi
  summary+=("$(printf '%-7s %4ss  execs %-10s %s' "$t" "$elapsed" "${execs:-?}" \
    "$(echo "$done_line" | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [^ ]+|exec/s: [0-9]+' | tr '\n' ' ')")")
done
echo "== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz targets that failed: ${failed[*]} (inputs in $build/fuzz-artifacts/)"
  exit 1
fi
