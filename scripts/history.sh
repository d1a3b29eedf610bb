#!/usr/bin/env bash
# History of one instance from ORE's state table: ore_harness/history.py (--help for options).
#   scripts/history.sh --stack-name ore --instance i-0123456789abcdef0 --days 7
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
ensure_venv >/dev/null
exec python -m ore_harness.history "$@"
