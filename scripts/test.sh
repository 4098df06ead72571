#!/usr/bin/env bash
# Install what the tests need and run the whole suite (lint included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh models,test
.venv/bin/ruff check .
.venv/bin/python -m pytest -q "$@"
