#!/usr/bin/env bash
# The test command (`npm test`): set up, lint and type-check, then the whole mocha suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "[test] eslint"
npx --no-install eslint .
echo "[test] mocha"
npx --no-install mocha "$@"
