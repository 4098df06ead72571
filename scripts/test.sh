#!/usr/bin/env bash
# Install what the tests need and run the whole suite (lint included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh models,batch,test
# The report's browser tests drive Debian's chromium (never a browser downloaded by a test tool).
if [ ! -x /usr/bin/chromium ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
            || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }
    else
        echo "scripts/test.sh: /usr/bin/chromium is missing; install Debian's chromium package" >&2
        exit 1
    fi
fi
.venv/bin/ruff check .
.venv/bin/python -m pytest -q "$@"
