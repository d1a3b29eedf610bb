#!/usr/bin/env bash
# ORE's one test command: sets up everything on a fresh machine (Python venv with the AWS API
# emulator, SAM CLI, cargo-lambda, linters), then runs the format check, clippy with -D warnings,
# the template checks, every test, the local pipeline, sam build and sam local invoke.
# Each step prints how long the run has taken so far.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
SECONDS=0
cd "$ORE_ROOT"

ensure_venv

log "sample events are what scripts/gen_events.py generates"
generated="$(mktemp -d)"
python3 scripts/gen_events.py --out "$generated"
diff -r "$generated" events
rm -rf "$generated"
log "local/env.json is what ore_harness.env_vars makes from template.yaml"
python -m ore_harness.env_vars | diff - local/env.json

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
log "cold-start harness: its budget verdicts and report on made-up figures"
python -m pytest -q tests/bench

trap stop_emulator EXIT INT TERM
start_emulator

log "cargo test (unit, sample events, schema, emulator integration)"
cargo test --workspace --locked
stop_emulator
log "cargo bench's benches, run once each as tests (cargo bench measures them)"
cargo test --workspace --benches --locked

log "local pipeline: the operator's day through the real binaries (scripts/demo.sh), then its checks"
rm -rf target/demo-ci target/demo-broken
scripts/demo.sh --out target/demo-ci
log "local pipeline with a broken hop (the emailer's init fails): the canary must name it"
scripts/demo.sh --out target/demo-broken --canary-only --canary-timeout 15 --break-hop EmailerFunction
ORE_DEMO_OUT=target/demo-ci ORE_DEMO_BROKEN_OUT=target/demo-broken python -m pytest -q tests/pipeline
log "HTTPS: the functions' TLS client against the emulator serving a test CA's certificates"
python -m pytest -q tests/tls

if [ "${ORE_SKIP_SAM_BUILD:-}" = 1 ]; then
  log "ORE_SKIP_SAM_BUILD=1: skipping sam build (CI never sets it)"
  exit 0
fi
# The release builds spend long stretches on one core (codegen-units = 1, fat LTO), so the arm64
# build (the deployable one) and the x86_64 one (it runs here: sam local invoke, the cold-start
# benchmark) run side by side, each in a target directory of its own.
log "sam build: release arm64 (deployable) and, beside it, release x86_64 with the cold-start floor"
rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1 || rustup target list --installed | grep -q aarch64-unknown-linux-gnu
build_x86_64_release >target/sam-build-x86_64.log 2>&1 &
x86_64_build=$!
sam build
python -m pytest -q -s tests/build
if ! wait "$x86_64_build"; then
  cat target/sam-build-x86_64.log >&2
  exit 1
fi

log "cold-start benchmark, short run: times are reported, not asserted; memory and zip budgets are"
ORE_BENCH_SKIP_BUILD=1 scripts/bench/cold-start.sh --short --check-sizes --out target/bench-ci

log "sam local invoke: a local provided.al2023 image, moto server as a container, each function"
scripts/local/build-invoke-image.sh
scripts/local/build-moto-image.sh
python -m pytest -q tests/local_invoke
