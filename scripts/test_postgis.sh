#!/usr/bin/env bash
# Run the test suite on PostgreSQL + PostGIS instead of SQLite files: the server is installed
# and started by scripts/postgis_test_server.sh, then pytest runs with PORTAL_TEST_DATABASE_URL
# set. Each test gets its own database (CREATE DATABASE ... TEMPLATE).
# Usage: bash scripts/test_postgis.sh [pytest options]   (the whole suite, like scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --test
bash scripts/postgis_test_server.sh

export PORTAL_TEST_DATABASE_URL="postgresql+psycopg://portal_test:portal_test@127.0.0.1:5432/portal_test"
.venv/bin/python -m pytest -p no:cacheprovider --doctest-modules \
  --ignore=portal/store/migrations geodata layers portal tests "$@"
