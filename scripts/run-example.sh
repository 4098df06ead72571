#!/usr/bin/env bash
# Install everything and run the main job on the embedded example, writing to outputs/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/undoc run examples/000_6b377cc800ff2fee.txt -o outputs "$@"
