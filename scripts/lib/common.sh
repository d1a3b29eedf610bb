# Shared by ORE's scripts: the Python venv with the tools, the AWS API emulator, and the x86_64
# release build. Source it; it defines functions and the paths below, and sets nothing else.

ORE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ORE_VENV="${ORE_VENV:-$ORE_ROOT/.venv}"
# The build that runs on this machine (sam local invoke, the cold-start benchmark): its own target
# directory, since cargo-lambda writes every build's bootstrap to <target>/lambda/<binary>/.
ORE_X86_64_TARGET="$ORE_ROOT/target/x86_64"
ORE_X86_64_BUILD="$ORE_ROOT/.aws-sam/x86_64/build"

log() { printf '\033[1;34m==>\033[0m [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*" >&2; }

# Create the venv and install requirements-dev.txt when it changed since the last install.
ensure_venv() {
  local stamp="$ORE_VENV/.requirements.sha256" want
  want="$(sha256sum "$ORE_ROOT/requirements-dev.txt" | cut -d' ' -f1)"
  if [ ! -x "$ORE_VENV/bin/python" ]; then
    log "creating Python venv at $ORE_VENV"
    python3 -m venv "$ORE_VENV"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing Python tools (requirements-dev.txt)"
    "$ORE_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$ORE_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ORE_ROOT/requirements-dev.txt"
    echo "$want" > "$stamp"
  fi
  export PATH="$ORE_VENV/bin:$PATH"
}

free_port() {
  "$ORE_VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Start moto server on 127.0.0.1 and point every AWS SDK at it (AWS_ENDPOINT_URL).
# Sets MOTO_PID and MOTO_URL; stop it with stop_emulator.
start_emulator() {
  local port log_file="${1:-$ORE_ROOT/target/moto-server.log}"
  mkdir -p "$(dirname "$log_file")"
  port="$(free_port)"
  # Its own session: a Ctrl-C reaches the script, whose trap stops the emulator after the clients.
  setsid "$ORE_VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log_file" 2>&1 &
  MOTO_PID=$!
  MOTO_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    if "$ORE_VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$MOTO_URL/moto-api/" >/dev/null 2>&1; then
      export AWS_ENDPOINT_URL="$MOTO_URL" AWS_REGION="${AWS_REGION:-eu-west-1}" \
        AWS_DEFAULT_REGION="${AWS_REGION:-eu-west-1}" \
        AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing \
        AWS_EC2_METADATA_DISABLED=true
      log "AWS API emulator (moto server) on $MOTO_URL"
      # moto builds its EC2 backend (AMI and instance-type catalogues) on the first EC2 request,
      # which can take longer than a function's 8 s operation timeout on a busy machine: pay it
      # here, with a generous timeout, instead of in the first test that calls EC2.
      "$ORE_VENV/bin/python" -c "import boto3, botocore.config; boto3.client('ec2', config=botocore.config.Config(read_timeout=120)).describe_instances()" >/dev/null
      return 0
    fi
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "moto server did not start; its log:" >&2
  cat "$log_file" >&2
  return 1
}

stop_emulator() {
  if [ -n "${MOTO_PID:-}" ] && kill -0 "$MOTO_PID" 2>/dev/null; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
  MOTO_PID=""
}

# Every function of template.yaml (and any extra binary), built for an architecture with the
# arguments `sam build` gives each function (`--release`, `--arm64` for arm64, `--bin`, run in the
# workspace root, the functions' CodeUri), so their artifacts are the ones sam build looks for: it
# then finds each binary up to date and copies it, and its cargo output is in a log of ours.
# CARGO_TARGET_DIR is the architecture's own.
#   build_functions_release ARCH [EXTRA_BINARY...]
build_functions_release() {
  local arch="$1" binary arguments=(--release --locked)
  shift
  [ "$arch" = arm64 ] && arguments+=(--arm64)
  # One cargo lambda build per function, with the arguments sam build gives it, so sam build finds
  # each up to date. Not one build of all three: Cargo unifies the dependencies' features across
  # the packages of one invocation, and the emailer's S3 client turns on features the others lack,
  # so a joint build differs from sam's per-function ones and sam compiled everything again.
  for binary in $(cd "$ORE_ROOT" && "$ORE_VENV/bin/python" -c \
      'from ore_harness.template import Template; print(" ".join(f.binary for f in Template().functions))') "$@"; do
    log "cargo lambda build ${arguments[*]} --bin $binary"
    (cd "$ORE_ROOT" && cargo lambda build "${arguments[@]}" --bin "$binary")
  done
}

# sam build for arm64, the deployable, into .aws-sam/build, in a subshell without scripts/test.sh's
# RUSTC_WORKSPACE_WRAPPER: the release build is rustc's own.
build_arm64_release() (
  unset RUSTC_WORKSPACE_WRAPPER
  export CARGO_TARGET_DIR="$ORE_ROOT/target/arm64"
  build_functions_release arm64
  log "sam build (arm64)"
  cd "$ORE_ROOT" && sam build
)

# The functions as `sam build` builds them (release profile) for x86_64, which runs here, and the
# cold-start floor (crates/cold-start-floor) with the same profile and the same `cargo lambda build`.
build_x86_64_release() (
  unset RUSTC_WORKSPACE_WRAPPER
  export CARGO_TARGET_DIR="$ORE_X86_64_TARGET"
  build_functions_release x86_64 cold-start-floor
  log "sam build (x86_64)"
  cd "$ORE_ROOT" && sam build --parameter-overrides Architecture=x86_64 \
    --build-dir "$ORE_X86_64_BUILD" --cache-dir "$ORE_ROOT/.aws-sam/x86_64/cache"
)
