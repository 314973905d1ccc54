#!/usr/bin/env bash
# `make package-check`: installs the built .deb into a throw-away Debian 12 root and runs what a
# user of the package would (issue 17):
#
#   1. mmdebstrap --variant=apt bookworm ROOT (PACKAGE_CHECK_MIRROR=URL overrides deb.debian.org);
#   2. apt-get install ./sparsescope_*.deb in the root: apt resolves the dependencies the package
#      declares (dpkg-shlibdeps' list plus fonts), with --no-install-recommends;
#   3. with /proc, /sys and /dev mounted: sparsescope --help and --version with no display at all,
#      the installed sparsescope-cli info and bench --seconds 1 on the installed default model (no
#      path given), report -o x.pdf and x.html, and the GUI's --screenshot under
#      QT_QPA_PLATFORM=offscreen; the man pages, .desktop file, metainfo and icons are in place;
#   4. prints the installed size of the package and of everything it pulled in, and the time taken;
#      always unmounts and deletes the root.
#
# Usage: packaging/test-install.sh [DEB] [--keep-shot FILE]   (default DEB: the newest build/sparsescope_*.deb)
# Needs root (chroot, mount) and the network (the Debian mirror). Takes a few minutes.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
deb=""
shot_out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep-shot) shot_out=${2:-}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) deb=$1; shift ;;
  esac
done
if [ -z "$deb" ]; then
  deb=$(ls -t "$repo"/build/sparsescope_*.deb 2>/dev/null | head -n 1 || true)
fi
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
  echo "package-check: no .deb found (run make package first, or give its path)." >&2
  exit 2
fi
if [ "$(id -u)" != 0 ]; then
  echo "package-check: needs root (mmdebstrap, chroot and mount); run it with sudo." >&2
  exit 2
fi
deb=$(readlink -f "$deb")
t_start=$(date +%s)
log=/tmp/sparsescope-package-check.log
: >"$log"
say() { echo "package-check: $*"; echo "=== $(date +%T) $*" >>"$log"; }
elapsed() { local s=$(( $(date +%s) - $1 )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

root=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [ -n "$root" ] && [ -d "$root" ]; then
    local real m p pids=()
    real=$(readlink -f "$root")
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/root" 2>/dev/null)" = "$real" ] && pids+=("${p#/proc/}")
    done
    [ ${#pids[@]} -gt 0 ] && { kill "${pids[@]}" 2>/dev/null; sleep 1; kill -9 "${pids[@]}" 2>/dev/null; }
    for m in $(awk -v r="$real" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
    done
    if awk -v r="$real" '$5 == r || index($5, r "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
      echo "package-check: ERROR: still mounted below $real; not deleted." >&2
      rc=1
    else
      rm -rf --one-file-system "$real"
    fi
  fi
  [ "$rc" = 0 ] || echo "package-check: FAILED after $(elapsed "$t_start") (log: $log)" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mirror=${PACKAGE_CHECK_MIRROR:-http://deb.debian.org/debian}
root=$(mktemp -d "${TMPDIR:-/tmp}/sparsescope-package-root.XXXXXX")
say "package: $(basename "$deb") ($(du -h "$deb" | cut -f1))"
say "bootstrapping Debian 12 into $root from $mirror"
t=$(date +%s)
nice -n 10 mmdebstrap --variant=apt --aptopt='Acquire::Retries "3"' bookworm "$root" \
  "deb $mirror bookworm main" >>"$log" 2>&1
say "root ready in $(elapsed "$t")"
base_kb=$(chroot "$root" dpkg-query -W -f '${Installed-Size}\n' | awk '{ s += $1 } END { print s }')
base_pkgs=$(chroot "$root" dpkg-query -W -f '${Package}\n' | LC_ALL=C sort)

cp -L /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys" 2>/dev/null || mount --bind /sys "$root/sys"
mount --bind /dev "$root/dev"
mount -t tmpfs -o mode=1777 shm "$root/dev/shm"

cp "$deb" "$root/tmp/"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
say "apt-get install ./$(basename "$deb")"
t=$(date +%s)
# mmdebstrap leaves no package lists behind: fetch them first.
in_root apt-get update -q >>"$log" 2>&1
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" >>"$log" 2>&1
after_kb=$(chroot "$root" dpkg-query -W -f '${Installed-Size}\n' | awk '{ s += $1 } END { print s }')
own_kb=$(chroot "$root" dpkg-query -W -f '${Installed-Size}' sparsescope)
pulled=$(( $(chroot "$root" dpkg-query -W -f '.\n' | wc -l) ))
say "installed in $(elapsed "$t"): sparsescope $(( own_kb / 1024 )) MiB; with its dependencies $(( (after_kb - base_kb) / 1024 )) MiB over the bare root ($pulled packages in the root now)"
biggest=$(chroot "$root" dpkg-query -W -f '${Package} ${Installed-Size}\n' | LC_ALL=C sort |
  LC_ALL=C join -v 1 - <(echo "$base_pkgs") | sort -k2,2nr | head -n 12 | awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $1, $2 / 1024 }')
say "largest packages it pulled in (MiB): $biggest"

check() { # description, command...
  local what=$1; shift
  if "$@" >>"$log" 2>&1; then
    say "ok: $what"
  else
    say "FAILED: $what"
    tail -n 15 "$log" | sed 's/^/    /' >&2
    exit 1
  fi
}
# No display and no QT_QPA_PLATFORM: --help and --version must not need one.
check "sparsescope --help without a display" in_root sparsescope --help
check "sparsescope --version without a display" in_root sh -c 'sparsescope --version | grep -q "0\."'
check "sparsescope-cli --version" in_root sparsescope-cli --version
check "sparsescope-cli info (the default model, no path)" in_root sh -c 'sparsescope-cli info | grep -q gsc-cs'
check "sparsescope-cli bench --seconds 1 on the default model" in_root sparsescope-cli bench --seconds 1 --json /tmp/bench.json
check "sparsescope-cli report -o /tmp/r.pdf and .html" in_root sh -c \
  'sparsescope-cli report /tmp/bench.json -o /tmp/r.pdf && sparsescope-cli report /tmp/bench.json -o /tmp/r.html && head -c 5 /tmp/r.pdf | grep -q %PDF'
check "sparsescope --screenshot under QT_QPA_PLATFORM=offscreen" in_root env QT_QPA_PLATFORM=offscreen \
  sparsescope --screenshot /tmp/shot.png --view benchmark --bench-seconds 0.5
check "installed: man pages, .desktop, metainfo, icons, models, clips" in_root sh -c '
  test -s /usr/share/man/man1/sparsescope-cli.1.gz && test -s /usr/share/man/man1/sparsescope.1.gz &&
  test -s /usr/share/applications/org.sparsescope.SparseScope.desktop &&
  test -s /usr/share/metainfo/org.sparsescope.SparseScope.metainfo.xml &&
  test -s /usr/share/icons/hicolor/scalable/apps/sparsescope.svg && test -s /usr/share/icons/hicolor/48x48/apps/sparsescope.png &&
  test -s /usr/share/sparsescope/models/gsc-cs.safetensors && ls /usr/share/sparsescope/audio/*.wav >/dev/null'
if [ -n "$shot_out" ]; then
  cp "$root/tmp/shot.png" "$shot_out"
  say "screenshot copied to $shot_out"
fi
say "passed in $(elapsed "$t_start")"
