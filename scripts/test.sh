#!/usr/bin/env bash
# README command 2: set up, then run every test against the local Redis and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
