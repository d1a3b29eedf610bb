#!/usr/bin/env bash
# Runs the parts of the test command that could depend on load, round after round, while CPU hogs
# keep the machine busy, and reports every failure with its cause. Not part of CI (it takes long):
# run it after touching the pipeline, the emulator tests or anything with a timeout in it.
#
#   scripts/stress-tests.sh                   10 rounds beside one CPU hog per core
#   scripts/stress-tests.sh --rounds 3 --hogs 1 --out target/stress
#
# Each round runs, in this order:
#   rust       every Rust test against a new AWS API emulator (emulator integration tests, hung
#              endpoints, paused-clock bursts, unit tests)
#   python     the emulator recording reader, verify-deployment's verdicts, HTTPS through a test CA
#   pipeline   tests/pipeline: the local pipeline runs (the day, a broken hop with the canary's
#              timeout, verify-deployment's sinks, replacement templates) and Ctrl-C
# Everything a round wrote is in OUT/round-NN/ (a log per part); OUT/report.txt has one line per
# part and round, and the cause of each failure. Exits 1 when any part failed.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
SECONDS=0
cd "$ORE_ROOT"

rounds=10
hogs="$(nproc)"
out="$ORE_ROOT/target/stress"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --hogs) hogs="$2"; shift 2 ;;
    --out) out="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$rounds$hogs" in *[!0-9]*) echo "--rounds and --hogs take a number" >&2; exit 2 ;; esac

ensure_venv
export SAM_CLI_TELEMETRY=0

hog_pids=()
cleanup() {
  for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

log "building the tests once (debug), so the rounds only run them"
cargo build --locked --workspace --tests
cargo test --workspace --locked --no-run

rm -rf "$out"
mkdir -p "$out"
report="$out/report.txt"
log "starting $hogs CPU hog(s) at normal priority beside $(nproc) core(s)"
for _ in $(seq 1 "$hogs"); do
  sh -c 'while :; do :; done' &
  hog_pids+=($!)
done

# The lines of a failed part's log that say why: the failing tests and their assertion or panic.
cause_of() {
  grep -E '^(FAILED|ERROR) |^E  |panicked at|^---- .* stdout ----|^test result: FAILED|error(\[E[0-9]+\])?:|Traceback|Error:' "$1" \
    | head -n 12 | sed 's/^/      /'
}

run_part() {
  local round_dir="$1" name="$2" started=$SECONDS status=0
  shift 2
  "$@" >"$round_dir/$name.log" 2>&1 || status=$?
  local took=$((SECONDS - started)) load
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  if [ "$status" = 0 ]; then
    printf '%s  %-8s ok      %4ds  load %s\n' "$(basename "$round_dir")" "$name" "$took" "$load" | tee -a "$report" >&2
  else
    failures=$((failures + 1))
    printf '%s  %-8s FAILED  %4ds  load %s  (exit %s, log %s)\n' "$(basename "$round_dir")" "$name" "$took" "$load" \
      "$status" "$round_dir/$name.log" | tee -a "$report" >&2
    cause_of "$round_dir/$name.log" | tee -a "$report" >&2
  fi
}

# In a subshell of its own: the emulator's variables (AWS_ENDPOINT_URL, ...) stay in it.
rust_part() (
  trap stop_emulator EXIT INT TERM
  start_emulator "$1/moto-server.log"
  cargo test --workspace --locked --no-fail-fast
)

failures=0
for round in $(seq 1 "$rounds"); do
  round_dir="$out/round-$(printf '%02d' "$round")"
  mkdir -p "$round_dir"
  log "round $round of $rounds"
  run_part "$round_dir" rust rust_part "$round_dir"
  run_part "$round_dir" python python -m pytest -q tests/harness tests/verify tests/tls
  run_part "$round_dir" pipeline env ORE_PIPELINE_RUNS="$round_dir/pipeline-runs" python -m pytest -q tests/pipeline
done

parts=$((rounds * 3))
summary="$rounds round(s), $parts part(s), $failures failed, beside $hogs CPU hog(s), in $((SECONDS / 60))m$((SECONDS % 60))s"
echo "$summary" | tee -a "$report" >&2
log "report: $report"
[ "$failures" = 0 ]
