#!/usr/bin/env bash
# Writes the secret files docker-compose.yml mounts (secrets/README.md), each one only if it is
# missing: rerunning never changes a password PostgreSQL or Qdrant already uses.
# Usage: scripts/compose-secrets.sh [directory]   (default: secrets/ beside docker-compose.yml)
set -euo pipefail
dir="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/secrets}"

random() {
  if command -v openssl >/dev/null; then openssl rand -hex 24; else head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; fi
}

# The directory keeps other host users out; the files themselves must stay readable by the
# containers' users (postgres, node uid 1000), as Compose bind-mounts them with their host mode.
mkdir -p "$dir"
chmod 700 "$dir"

# write NAME VALUE: no trailing newline, so a reader that does not trim still gets the exact value.
write() {
  if [ -e "$dir/$1" ]; then
    echo "kept    $dir/$1"
    return 1
  fi
  printf '%s' "$2" >"$dir/$1"
  chmod 644 "$dir/$1"
  echo "created $dir/$1"
}

write postgres_password "$(random)" && new_password=1 || new_password=0
write qdrant_api_key "$(random)" || true
write metrics_token "$(random)" || true

password="$(cat "$dir/postgres_password")"
# Hex passwords need no URL escaping; one chosen by hand may (e.g. @ : / %).
if ! write database_url "postgresql://segment:${password}@postgres:5432/segment" && [ "$new_password" = 1 ]; then
  echo "warning: $dir/database_url was kept but postgres_password is new; delete database_url and rerun" >&2
fi
