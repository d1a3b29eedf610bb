#!/usr/bin/env bash
# After `sam deploy`: is ORE working? Sends a heartbeat through the deployed pipeline and follows it
# hop by hop, then checks every sink (ore_harness/verify.py, ore_harness/sinks.py); the output ends
# with one line per sink. Uses your AWS credentials: events:PutEvents and read access
# (cloudformation:ListStackResources, logs:FilterLogEvents, sqs:GetQueueAttributes,
# cloudwatch:GetMetricStatistics, cloudwatch:ListMetrics, cloudwatch:DescribeAlarms,
# events:DescribeRule, firehose:DescribeDeliveryStream, s3:ListBucket and s3:GetObject on the archive,
# dynamodb:DescribeTable and dynamodb:GetItem with kms:Decrypt through DynamoDB,
# lambda:GetFunctionConfiguration); lambda:InvokeFunction with --mail-to, firehose:PutRecord with
# --archive-record.
#   scripts/verify-deployment.sh --stack-name ore [--region eu-west-1] [--timeout 180]
#       [--mail-to ops@example.com] [--archive-record]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
ensure_venv >&2
PYTHONPATH="$ORE_ROOT${PYTHONPATH:+:$PYTHONPATH}" exec "$ORE_VENV/bin/python" -m ore_harness.verify "$@"
