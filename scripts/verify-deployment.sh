#!/usr/bin/env bash
# After `sam deploy`: is ORE working? Sends a heartbeat through the deployed pipeline and follows it
# hop by hop (ore_harness/verify.py). Uses your AWS credentials; needs events:PutEvents and
# read access (cloudformation:ListStackResources, logs:FilterLogEvents, sqs:GetQueueAttributes,
# cloudwatch:GetMetricStatistics, events:DescribeRule).
#   scripts/verify-deployment.sh --stack-name ore [--region eu-west-1] [--timeout 180]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
ensure_venv >&2
PYTHONPATH="$ORE_ROOT${PYTHONPATH:+:$PYTHONPATH}" exec "$ORE_VENV/bin/python" -m ore_harness.verify "$@"
