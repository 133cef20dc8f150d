#!/usr/bin/env bash
# Makes sure a local PostgreSQL (Debian's cluster) is running with a test role, and prints its URL.
# Used by scripts/test.mjs and .ci/run. Needs Debian's postgresql package and root (or the postgres user).
set -euo pipefail
command -v pg_lsclusters >/dev/null || { echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2; exit 3; }
read -r version cluster port status _ < <(pg_lsclusters --no-header | head -n 1)
[ -n "${version:-}" ] || { echo "no PostgreSQL cluster found" >&2; exit 3; }
if [ "$status" != "online" ]; then pg_ctlcluster "$version" "$cluster" start >&2; fi
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
for _ in $(seq 1 30); do as_postgres psql -p "$port" -qtAc 'select 1' >/dev/null 2>&1 && break; sleep 1; done
if [ "$(as_postgres psql -p "$port" -qtAc "select 1 from pg_roles where rolname = 'segment'")" != 1 ]; then
  # CREATEDB: the tests make a throw-away database per suite.
  as_postgres psql -p "$port" -qc "CREATE ROLE segment LOGIN PASSWORD 'segment' CREATEDB" >&2
fi
if [ "$(as_postgres psql -p "$port" -qtAc "select 1 from pg_database where datname = 'segment'")" != 1 ]; then
  as_postgres createdb -p "$port" -O segment segment >&2
fi
echo "postgresql://segment:segment@127.0.0.1:${port}/segment"
