#!/usr/bin/env bash
# Prints the directory of a Node 22.12 (or newer) `node` binary, for PATH. The machine's node when it is
# new enough; else npm's `node@22` package (its binary is itself an npm package, so only the npm
# registry is needed), installed once under ~/.cache/segment-api/node22. Used by .ci/run; on a
# machine with an older Node: export PATH="$(bash scripts/node22.sh):$PATH"
set -euo pipefail
if command -v node >/dev/null && node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)'; then
  dirname "$(command -v node)"
  exit 0
fi
prefix="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/segment-api/node22"
if [ ! -x "$prefix/node_modules/.bin/node" ]; then
  echo "Node $(node -v 2>/dev/null || echo none) is older than 22: installing npm's node@22 into $prefix" >&2
  npm install --no-audit --no-fund --prefix "$prefix" node@22 >&2
fi
"$prefix/node_modules/.bin/node" -v >&2
echo "$prefix/node_modules/.bin"
