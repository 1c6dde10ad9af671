#!/usr/bin/env bash
# Install what the tests need (Chromium included) and run every test, browser tests too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
.venv/bin/python -m pytest -p no:cacheprovider --doctest-modules \
  --ignore=portal/store/migrations geodata layers portal tests "$@"
