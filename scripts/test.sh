#!/usr/bin/env bash
# Runs every test/**/*.test.ts with node:test + tsx and ends with "N passed, N failed, N skipped".
set -euo pipefail
shopt -s globstar nullglob
cd "$(dirname "$0")/.."
files=(test/**/*.test.ts)
if [ ${#files[@]} -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
node --import tsx scripts/catalogue.mjs
npx tsc -p tsconfig.test.json
npx tsc -p tsconfig.json
exec node --import tsx --test --test-timeout=120000 --test-concurrency=4 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./test/summary-reporter.mjs --test-reporter-destination=stdout \
  "${files[@]}" "$@"
