#!/usr/bin/env bash
# One step from a fresh checkout to a runnable appliance: OS packages, npm dependencies, build.
# Each part is skipped when already done, so `npm start` / `npm test` stay quick on the second run.
#   bootstrap.sh [--test|--bench]   (the flag is passed on to host-packages.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
bash firmware-scripts/host-packages.sh "$@"

stamp=node_modules/.sohoa-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "sohoa: installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
node firmware-scripts/patch-pnet.mjs   # @libp2p/pnet large-transfer fix (idempotent; survives npm ci)
npx tsc -p tsconfig.json
# The web admin (web-admin/dist), served by the appliance at /.
npm run --silent build:web
