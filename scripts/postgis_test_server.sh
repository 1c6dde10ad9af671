#!/usr/bin/env bash
# Install Debian's PostgreSQL 15 and PostGIS 3 when missing, start the cluster listening on
# 127.0.0.1 only, and create the role and database the tests copy from (PostGIS in template1,
# so every database a test creates has it). Safe to run again.
# Usage: bash scripts/postgis_test_server.sh   (scripts/test_postgis.sh and .ci/run call it)
set -euo pipefail
cd "$(dirname "$0")/.."

PG_VERSION=15
PG_USER=portal_test
PG_PASSWORD=portal_test
PG_DB=portal_test

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
as_postgres() { as_root su postgres -c "$1"; }

if ! dpkg -s "postgresql-$PG_VERSION-postgis-3" >/dev/null 2>&1; then
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq \
    "postgresql-$PG_VERSION" "postgresql-$PG_VERSION-postgis-3" >/dev/null
fi
# Loopback only; a throw-away test cluster needs no durability.
as_root tee "/etc/postgresql/$PG_VERSION/main/conf.d/portal-test.conf" >/dev/null <<'CONF'
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
# Autovacuum workers would hold the per-test databases the suite drops.
autovacuum = off
CONF
as_root pg_ctlcluster "$PG_VERSION" main restart

as_postgres "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'\"" | grep -q 1 \
  || as_postgres "psql -qc \"CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'\""
as_postgres "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname = '$PG_DB'\"" | grep -q 1 \
  || as_postgres "createdb -O $PG_USER $PG_DB"
# DROP DATABASE ... WITH (FORCE) ends any session left on a test database.
as_postgres "psql -qc 'GRANT pg_signal_backend TO $PG_USER'"
as_postgres "psql -q -d template1 -c 'CREATE EXTENSION IF NOT EXISTS postgis'"
as_postgres "psql -q -d $PG_DB -c 'CREATE EXTENSION IF NOT EXISTS postgis'"
