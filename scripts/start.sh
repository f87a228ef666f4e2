#!/usr/bin/env bash
# `npm start`: the main job on a fresh clone, with no key and no network. Installs what is
# missing, builds the library and the customer-database example with the transformer, prints
# one prompt the build generated, then runs the example on its committed recording.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --node-only
npm run --silent build
node_modules/.bin/tspc -p examples/customer-database
echo "── A prompt the build generated (examples/customer-database/dist/llm-prompts.json) ──"
node dist/cli/index.js prompts examples/customer-database/dist/llm-prompts.json --stub createMockCustomers
echo "── The example, replaying its committed recording ──"
exec node examples/customer-database/dist/main.js --offline
