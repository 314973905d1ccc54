#!/usr/bin/env bash
# `make fresh-check`: the README's commands on a throw-away Debian 12 (bookworm) root, as a new user
# would run them. A package the build or the tests read but that `make deps` does not install (one
# that another package only *recommends*) is already on every developer machine; only a fresh root
# shows it (issue 12).
#
#   1. mmdebstrap --variant=apt --include=ca-certificates,make,git bookworm ROOT, from the Debian
#      mirror this machine's apt uses (/etc/apt/sources.list*; FRESH_CHECK_MIRROR=URL overrides);
#   2. git clone of this repository into ROOT/root/sparsescope, checked out at the commit being
#      checked (HEAD by default). Uncommitted changes are NOT included: commit first;
#   3. chroot with /proc, /sys, /dev, /dev/pts and /dev/shm mounted: `CI=true bash .ci/run` (make test, make asan-test, make fuzz),
#      then `make run` with no display (headless benchmark) and a check that it wrote reports/bench.json;
#   4. always (success, failure, Ctrl-C, kill): processes left in the root are stopped, everything is
#      unmounted and the root is deleted.
#
# Usage: scripts/fresh-check.sh [--only ci|run] [--rev REV] [--log FILE]
#   --only ci   just `.ci/run`;  --only run   just `make run` (builds, no tests)
#   --rev REV   the commit to check (default HEAD)
#   --log FILE  the full log (default /tmp/sparsescope-fresh-check-<sha>.log)
# Environment: FRESH_CHECK_MIRROR (Debian mirror URL), FRESH_CHECK_TMP (where the root goes, default
# /tmp), JOBS (build jobs, passed to make; default: make's own, nproc). Needs root (chroot, mount).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
only=""
rev=HEAD
log=""
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only=${2:-}; shift 2 ;;
    --rev) rev=${2:-}; shift 2 ;;
    --log) log=${2:-}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "fresh-check: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$only" in ""|ci|run) ;; *) echo "fresh-check: --only takes ci or run" >&2; exit 2 ;; esac

if [ "$(id -u)" != 0 ]; then
  echo "fresh-check: needs root (mmdebstrap, chroot and mount); run it with sudo." >&2
  exit 2
fi

sha=$(git -C "$repo" rev-parse --verify "$rev^{commit}")
short=${sha:0:10}
log=${log:-/tmp/sparsescope-fresh-check-$short.log}
: >"$log"
t_start=$(date +%s)

say() { echo "fresh-check: $*"; echo "=== fresh-check $(date +%T): $*" >>"$log"; }
elapsed() { local s=$(( $(date +%s) - $1 )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

say "checking commit $short ($(git -C "$repo" log -1 --format=%s "$sha" | cut -c1-70))"
if [ "$rev" = HEAD ] && [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  say "note: the working tree has uncommitted changes; they are NOT part of this check (commit first)"
fi
say "full log: $log"

# ---- the Debian mirror(s) this machine uses, as one-line sources for mmdebstrap -------------------
mirror_lines() {
  if [ -n "${FRESH_CHECK_MIRROR:-}" ]; then
    echo "deb $FRESH_CHECK_MIRROR bookworm main"
    return
  fi
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # deb [options] URI SUITE COMPONENT...
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                       if ($(i + 1) ~ /^bookworm/) { line = "deb " $i " " $(i + 1);
                         for (j = i + 2; j <= NF && $j !~ /^#/; j++) line = line " " $j; print line } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822 stanzas: Types, URIs, Suites, Components (one line each), Enabled: no skipped.
    awk 'function flush(  u, s, nu, ns, U, S) {
           if (types ~ /(^| )deb( |$)/ && enabled != "no") {
             nu = split(uris, U, " "); ns = split(suites, S, " ");
             for (u = 1; u <= nu; u++) for (s = 1; s <= ns; s++)
               if (S[s] ~ /^bookworm/) print "deb " U[u] " " S[s] " " comps }
           types = uris = suites = comps = enabled = "" }
         /^[ \t]*$/ { flush(); next }
         /^#/ { next }
         { key = tolower($1); $1 = ""; sub(/^ +/, "");
           if (key == "types:") types = $0; else if (key == "uris:") uris = $0;
           else if (key == "suites:") suites = $0; else if (key == "components:") comps = $0;
           else if (key == "enabled:") enabled = tolower($0) }
         END { flush() }' "$f"
  done
}
mapfile -t mirrors < <(mirror_lines | awk '!seen[$0]++')
if [ ${#mirrors[@]} -eq 0 ]; then
  mirrors=("deb http://deb.debian.org/debian bookworm main")
  say "no bookworm source in /etc/apt/sources.list*; using ${mirrors[0]}"
fi
for m in "${mirrors[@]}"; do say "apt source: $m"; done

# ---- cleanup: always, whatever happened --------------------------------------------------------
root=""
child=""
mounts_under() { # mount points at or below $1, deepest first
  awk -v r="$1" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e # every step below must run, whatever fails
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then # mmdebstrap or the command in the root
    kill "$child" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 "$child" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$child" 2>/dev/null || true
  fi
  if [ -n "$root" ] && [ -d "$root" ]; then
    # Processes whose root is the throw-away root (daemons a test or apt left behind): stop them.
    local p pids=() real
    real=$(readlink -f "$root")
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/root" 2>/dev/null)" = "$real" ] && pids+=("${p#/proc/}")
    done
    if [ ${#pids[@]} -gt 0 ]; then
      echo "fresh-check: stopping processes left in the root: ${pids[*]}" | tee -a "$log" >&2
      kill "${pids[@]}" 2>/dev/null || true; sleep 2; kill -9 "${pids[@]}" 2>/dev/null || true; sleep 1
    fi
    local m
    for m in $(mounts_under "$real"); do
      umount "$m" 2>/dev/null || umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    if [ -n "$(mounts_under "$real")" ]; then
      echo "fresh-check: ERROR: still mounted, root NOT deleted (unmount by hand, then rm -rf $real):" >&2
      mounts_under "$real" >&2
      rc=1
    else
      rm -rf --one-file-system "$real"
      echo "fresh-check: root unmounted and deleted" | tee -a "$log"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "fresh-check: interrupted" | tee -a "$log" >&2; exit 130' INT
trap 'echo "fresh-check: terminated" | tee -a "$log" >&2; exit 143' TERM

# Runs a command in the background and waits, so that a signal reaches the traps at once.
run_logged() {
  "$@" >>"$log" 2>&1 </dev/null &
  child=$!
  local rc=0
  wait "$child" || rc=$?
  child=""
  return "$rc"
}

fail() { # $1 = what failed, $2 = first line of that phase in the log
  local what=$1 from=$2
  say "FAILED: $what after $(elapsed "$t_start")"
  echo "fresh-check: the first error (full log: $log):"
  # The first error line with the 14 lines after it (CMake and the compiler explain below), then the
  # next few error lines of the failed step.
  local pat='CMake Error|could not be found|(^|[^[:alnum:]_-])(error|ERROR)([^[:alnum:]_.-]|$)|[*][*][*] .*Error|FAILED|FAIL!|^E: |Could NOT find|No such file'
  local shown
  shown=$(awk -v from="$from" -v pat="$pat" '
    NR < from || /^=== fresh-check/ { next }
    !first && $0 ~ pat { first = NR; print "  line " NR ":" }
    first && NR < first + 15 { print "    " $0; next }
    first && $0 ~ pat && n++ < 8 { print "  line " NR ": " $0 }' "$log")
  if [ -n "$shown" ]; then
    echo "$shown"
  else
    echo "  (no error line matched; the last lines:)"
    tail -n 20 "$log" | sed 's/^/  /'
  fi
  exit 1
}
logline() { echo $(( $(wc -l <"$log") + 1 )); }

# ---- 1. the root ---------------------------------------------------------------------------------
if ! command -v mmdebstrap >/dev/null; then
  say "installing mmdebstrap"
  from=$(logline)
  run_logged env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap ||
    fail "apt-get install mmdebstrap" "$from"
fi
root=$(mktemp -d "${FRESH_CHECK_TMP:-/tmp}/sparsescope-fresh-root.XXXXXX")
say "bootstrapping Debian 12 into $root"
t=$(date +%s); from=$(logline)
run_logged nice -n 10 mmdebstrap --variant=apt --include=ca-certificates,make,git \
  --aptopt='Acquire::Retries "3"' bookworm "$root" "${mirrors[@]}" || fail "mmdebstrap" "$from"
say "root ready in $(elapsed "$t") ($(chroot "$root" dpkg-query -W -f '.\n' | wc -l) packages)"

cp -L /etc/resolv.conf "$root/etc/resolv.conf"
src=/root/sparsescope
from=$(logline)
run_logged git clone -q --no-hardlinks "$repo" "$root$src" || fail "git clone" "$from"
run_logged git -C "$root$src" checkout -q --detach "$sha" || fail "git checkout $short" "$from"

mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys" 2>/dev/null || mount --bind /sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount -t tmpfs -o mode=1777 shm "$root/dev/shm"

# A clean environment: no DISPLAY, no WAYLAND_DISPLAY, nothing of this shell's.
in_root() {
  run_logged nice -n 10 chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb CI=true \
    ${JOBS:+JOBS=$JOBS} /bin/bash -c "cd $src && $1"
}

# ---- 2. .ci/run (make test, make asan-test, make fuzz) ----------------------------------------------------------------------
pkgs_before=$(chroot "$root" dpkg-query -W -f '.\n' | wc -l)
if [ "$only" != run ]; then
  say "running CI=true bash .ci/run (make deps, build, make test, make asan-test, make fuzz) in the root"
  t=$(date +%s); from=$(logline)
  in_root "bash .ci/run" || fail ".ci/run" "$from"
  # One ctest summary per suite run (release, then asan), then the fuzz targets' lines.
  summary=$(tail -n +"$from" "$log" | grep -E 'tests passed|tests failed' | paste -sd ';' || true)
  say ".ci/run passed in $(elapsed "$t"): ${summary:-no ctest summary found}"
  tail -n +"$from" "$log" | sed -n '/^== summary/,$p' | sed 's/^/  fuzz: /' | grep -v '== summary' | while read -r l; do say "$l"; done
  # A test that skips itself when a program is missing passes in ctest's eyes: list the skips.
  skips=$(grep -h -E '^SKIP +:' "$root$src/build/Testing/Temporary/LastTest"*.log 2>/dev/null | sort -u || true)
  if [ -n "$skips" ]; then
    say "skipped test functions ($(echo "$skips" | wc -l)), each a missing package unless the reason says otherwise:"
    echo "$skips" | sed 's/^SKIP *: */  /' | tee -a "$log"
  else
    say "no test function skipped"
  fi
fi

# ---- 3. make run without a display -------------------------------------------------------------
if [ "$only" != ci ]; then
  say "running make run (no display: headless benchmark + report) in the root"
  t=$(date +%s); from=$(logline)
  in_root "rm -rf reports && make run" || fail "make run" "$from"
  report="$root$src/reports/bench.json"
  if [ ! -s "$report" ]; then
    echo "make run exited 0 but wrote no reports/bench.json (or an empty one)" >>"$log"
    fail "make run: no report" "$from"
  fi
  say "make run passed in $(elapsed "$t"): reports/bench.json ($(stat -c %s "$report") bytes); reports/ holds $(cd "$root$src/reports" && echo *)"
fi

# ---- what the fresh root got ---------------------------------------------------------------------
installed=$(grep -m 1 'Installing missing Debian packages:' "$log" | sed 's/^.*packages: *//' || true)
pkgs_after=$(chroot "$root" dpkg-query -W -f '.\n' | wc -l)
say "make deps installed: ${installed:-nothing (no 'Installing missing Debian packages' line)}"
say "packages in the root: $pkgs_before before make deps, $pkgs_after after"
# Optional features switch themselves off quietly when a package is missing: on a fresh root they
# must be found exactly as on a developer machine.
cache="$root$src/build/CMakeCache.txt"
missing_features=""
for v in Torch_DIR XRT_INCLUDE_DIR XRT_COREUTIL_LIBRARY Qt6Charts_DIR; do
  val=$(grep -m 1 "^$v:" "$cache" 2>/dev/null | cut -d= -f2- || true)
  say "  $v = ${val:-(not in the cache)}"
  case "$val" in ""|*NOTFOUND) missing_features="$missing_features $v" ;; esac
done
if [ -n "$missing_features" ]; then
  from=$(logline)
  echo "optional dependencies not found on the fresh root:$missing_features (a package missing from DEB_PACKAGES?)" >>"$log"
  fail "optional dependencies not found:$missing_features" "$from"
fi

say "PASSED for commit $short in $(elapsed "$t_start") (full log: $log)"
