#!/usr/bin/env bash
# Install what is needed, prepare the database on first start, serve http://127.0.0.1:5000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/langson-portal run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
