#!/usr/bin/env bash
# Render the golden sample emails (crates/emailer/tests/golden/<name>.html) to docs/<name>.png
# with headless Chromium, for docs/. Needs Debian's `chromium` (apt-get install chromium).
# Regenerate after changing the HTML template and its golden files: with names (e.g.
# notice-health-scheduled-change), only those; with none, every one.
set -euo pipefail
cd "$(dirname "$0")/.."
browser="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$browser" ] || { echo "chromium not found: apt-get install chromium" >&2; exit 1; }
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
# Every golden mail has its picture: a new kind's golden is rendered with no change here.
all=$(for html in crates/emailer/tests/golden/*.html; do basename "$html" .html; done)
for name in ${*:-$all}; do
  html="$PWD/crates/emailer/tests/golden/$name.html"
  out="$PWD/docs/$name.png"
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
    --window-size=720,900 --screenshot="$out" "file://$html" >/dev/null 2>&1
  # What the picture was rendered from: crates/emailer/tests/render.rs fails when a golden HTML
  # changes without a new picture.
  sha256sum <"$html" | cut -d' ' -f1 >"$out.sha256"
  echo "wrote $out and $out.sha256"
done
