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

# The emulator's request recording (the mails are read from it) and its log: files of this run's
# own, so two runs at once (a test session beside another) never share them.
run_files="$(mktemp -d -t ore-demo.XXXXXX)"
finish() {
  local status=$?
  stop_emulator
  if [ "$status" != 0 ] && [ "$status" != 130 ] && [ -s "$run_files/moto-server.log" ]; then
    echo "the AWS API emulator's last log lines:" >&2
    tail -n 30 "$run_files/moto-server.log" >&2
  fi
  rm -rf "$run_files"
}
trap finish EXIT INT TERM
export MOTO_RECORDER_FILEPATH="$run_files/moto-recording.jsonl"
start_emulator "$run_files/moto-server.log"
python -m ore_harness.pipeline "$@"
