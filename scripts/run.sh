#!/usr/bin/env bash
# README command 1: set up, then start web + worker + the fake WeChat platform on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m bot.ops.devstack "$@"
