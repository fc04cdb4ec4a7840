#!/usr/bin/env bash
# README command 2: set up, lint (ruff) and type-check (mypy), both configured in pyproject.toml,
# then run every test against the local Redis and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
