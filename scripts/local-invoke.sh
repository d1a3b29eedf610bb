#!/usr/bin/env bash
# `sam local invoke` in one command, with no AWS account: starts the AWS API emulator (as a
# container), creates the topics, tables and SES identity the function's variables name, invokes the
# function on the event, and prints its response and its side effect (the message it published, the
# CSV record, the mail). Builds whatever is missing first: the x86_64 release build (the first time,
# several minutes) and the two local images (the provided.al2023 runtime and moto server).
#
#   scripts/local-invoke.sh NormalizerFunction events/sqs/normalizer-stopped-sns-envelope.json
#   scripts/local-invoke.sh EmailerFunction events/sqs/emailer-stopped-sns-envelope.json
#
# Needs Rust, Python 3 and a Docker engine. The functions' logs go to stderr, the rest to stdout.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
if [ $# -ne 2 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
function_name="$1"
event="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
cd "$ORE_ROOT"
ensure_venv
export SAM_CLI_TELEMETRY=0

if [ ! -f "$ORE_X86_64_BUILD/template.yaml" ]; then
  log "building the functions for x86_64 (release, once; later runs reuse it): sam build into $ORE_X86_64_BUILD"
  build_x86_64_release
fi
if [ -z "$(docker images -q "${ORE_INVOKE_IMAGE:-ore-lambda-local:provided.al2023}")" ]; then
  log "building the local provided.al2023 image (from Debian packages)"
  scripts/local/build-invoke-image.sh "${ORE_INVOKE_IMAGE:-ore-lambda-local:provided.al2023}"
fi
if [ -z "$(docker images -q "${ORE_MOTO_IMAGE:-ore-moto-server:local}")" ]; then
  log "building the local moto server image"
  scripts/local/build-moto-image.sh "${ORE_MOTO_IMAGE:-ore-moto-server:local}"
fi
exec python -m ore_harness.local_invoke "$function_name" "$event"
