#!/usr/bin/env bash
# Try ORE with no AWS account: the whole pipeline on this machine, against the AWS API emulator.
#   scripts/demo.sh                         the operator's-day scenario
#   scripts/demo.sh events/eventbridge/*.json   replay EventBridge events of your own instead
#   scripts/demo.sh --out DIR ...           where emails, CSV, logs and summary.json go (default out/)
# Needs Rust and Python 3; installs the rest into .venv. Stops everything it started, also on Ctrl-C.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ORE_ROOT"

ensure_venv
log "building the Lambda binaries (debug, for this machine)"
# With the tests: the same feature set as `cargo test`, so right after scripts/test.sh's cargo test
# this compiles nothing (building the binaries alone would rebuild tokio and the whole AWS SDK chain
# without the test-only features, such as tokio's paused clock, that the tests switch on).
cargo build --locked --workspace --tests

trap stop_emulator EXIT INT TERM
export MOTO_RECORDER_FILEPATH="$ORE_ROOT/target/moto-recording.jsonl"
rm -f "$MOTO_RECORDER_FILEPATH"
start_emulator "$ORE_ROOT/target/moto-demo.log"
python -m ore_harness.pipeline "$@"
