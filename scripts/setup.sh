#!/usr/bin/env bash
# Everything a fresh machine needs to build and test this repository:
# - Debian's chromium (the trace viewer's browser test) and tmux (the terminal example's test),
#   installed with apt when missing;
# - the npm dependencies, exactly as package-lock.json pins them (`npm ci`).
# Users of the library need none of this: `npm install llm-strategy` is enough.
set -euo pipefail
cd "$(dirname "$0")/.."

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

npm ci
