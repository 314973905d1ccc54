#!/bin/sh
# Renders sparsescope.svg to sparsescope-256.png with headless Chromium (Debian package chromium);
# the build scales that PNG down to the other hicolor sizes (scale_icon.cpp). The 256 px PNG is
# committed; run this again after editing the SVG.
set -e
cd "$(dirname "$0")"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --default-background-color=00000000 \
  --user-data-dir="$profile" --window-size=256,256 \
  --screenshot="$PWD/sparsescope-256.png" "file://$PWD/sparsescope.svg" >/dev/null 2>&1
