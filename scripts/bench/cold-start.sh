#!/usr/bin/env bash
# ORE's cold-start, memory and package-size benchmark, one command (docs/benchmarks.md, "Benchmarks"):
#   scripts/bench/cold-start.sh                 20 fresh starts of each function and of the floor
#   scripts/bench/cold-start.sh --short         3 fresh starts, 2 warm batches: proves it works (CI)
#   scripts/bench/cold-start.sh --starts 50 ... any other option goes to ore_harness/bench.py (--compare-trust-stores, --check-sizes, ...)
# Builds the functions as `sam build` does (release profile, x86_64 so they run on this machine)
# into .aws-sam/x86_64/build, and the floor (crates/cold-start-floor) with the same profile and the
# same `cargo lambda build`, in the same target directory; starts the AWS API emulator; runs the
# harness. Results: target/bench/results.json and results.md. Run `cargo bench` first to have the
# throughput figures in the same table. Zips of the arm64 build in .aws-sam/build (the deployable
# one, from `sam build`) are weighed too when it exists.
# ORE_BENCH_SKIP_BUILD=1 reuses the builds already there (scripts/test.sh has just made them).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
SECONDS=0
cd "$ORE_ROOT"

args=()
for arg in "$@"; do
  if [ "$arg" = --short ]; then args+=(--starts 3 --warm 2); else args+=("$arg"); fi
done

ensure_venv
export SAM_CLI_TELEMETRY=0
if [ "${ORE_BENCH_SKIP_BUILD:-}" != 1 ]; then
  log "sam build (release, x86_64) of the functions, and the floor with the same profile (minutes)"
  build_x86_64_release
fi

package_dirs=()
if [ -f .aws-sam/build/NormalizerFunction/bootstrap ]; then package_dirs+=(--package-dir .aws-sam/build); fi

trap stop_emulator EXIT INT TERM
start_emulator "$ORE_ROOT/target/moto-bench.log"
log "cold starts under the Lambda Runtime Interface Emulator"
python -m ore_harness.bench --build-dir "$ORE_X86_64_BUILD" \
  --floor "$ORE_X86_64_TARGET/lambda/cold-start-floor/bootstrap" ${package_dirs[@]+"${package_dirs[@]}"} \
  ${args[@]+"${args[@]}"}
log "done"
