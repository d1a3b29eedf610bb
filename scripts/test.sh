#!/usr/bin/env bash
# ORE's one test command: sets up everything on a fresh machine (Python venv with the AWS API
# emulator), then runs the format check, clippy with -D warnings, and every test.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ORE_ROOT"

ensure_venv

log "sample events are what scripts/gen_events.py generates"
generated="$(mktemp -d)"
python3 scripts/gen_events.py --out "$generated"
diff -r "$generated" events
rm -rf "$generated"

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy (all targets, -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

trap stop_emulator EXIT INT TERM
start_emulator

log "cargo test (unit, sample events, schema, emulator integration)"
cargo test --workspace --locked
