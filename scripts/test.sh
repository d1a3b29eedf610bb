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

export SAM_CLI_TELEMETRY=0
log "template: sam validate --lint, cfn-lint, checkov"
sam validate --lint
cfn-lint template.yaml
checkov --file template.yaml --framework cloudformation --quiet --compact --skip-download

log "template: wiring, least privilege and event pattern tests"
python -m pytest -q tests/template

trap stop_emulator EXIT INT TERM
start_emulator

log "cargo test (unit, sample events, schema, emulator integration)"
cargo test --workspace --locked
stop_emulator

if [ "${ORE_SKIP_SAM_BUILD:-}" = 1 ]; then
  log "ORE_SKIP_SAM_BUILD=1: skipping sam build (CI never sets it)"
  exit 0
fi
log "sam build (release, arm64 via cargo-lambda)"
rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1 || rustup target list --installed | grep -q aarch64-unknown-linux-gnu
sam build
python -m pytest -q -s tests/build
