#!/usr/bin/env bash
# Installs what this repository needs, and only what is missing, so `npm start` and `npm test`
# work on a fresh clone:
# - the npm dependencies exactly as package-lock.json pins them (`npm ci`), when node_modules is
#   missing or older than the lockfile;
# - for the tests (not with --node-only): Debian's chromium (the trace viewer's browser test)
#   and tmux (the terminal example's test), installed with apt when missing.
# Users of the library need none of this: `npm install llm-strategy` is enough.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--node-only" ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v tmux >/dev/null 2>&1 || missing+=(tmux)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo)
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
      || { "${as_root[@]}" apt-get update && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; }
  fi
fi

# npm writes node_modules/.package-lock.json on every install: older than the lockfile means stale.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
