#!/usr/bin/env bash
# Render the chat posts docs/chat.md shows (crates/chat-notifier/tests/golden/<name>.preview.html,
# written by the chat-notifier's picture test from the golden post) to docs/chat-<name>.png with
# headless Chromium. Needs Debian's `chromium`. Regenerate after a golden post changes:
#   UPDATE_GOLDEN=1 cargo test -p chat-notifier --test posts --test picture; scripts/render-chat-png.sh
set -euo pipefail
cd "$(dirname "$0")/.."
browser="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$browser" ] || { echo "chromium not found: apt-get install chromium" >&2; exit 1; }
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
for html in crates/chat-notifier/tests/golden/*.preview.html; do
  name="$(basename "$html" .preview.html)"
  out="$PWD/docs/chat-$name.png"
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
    --window-size=720,760 --screenshot="$out" "file://$PWD/$html" >/dev/null 2>&1
  # What the picture was rendered from: crates/chat-notifier/tests/picture.rs checks it.
  sha256sum <"$html" | cut -d' ' -f1 >"$out.sha256"
  echo "wrote $out and $out.sha256"
done
