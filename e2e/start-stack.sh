#!/usr/bin/env bash
# The stack the browser specs drive: a fresh database `whetstone_e2e`, Redis db 5 (flushed), a fresh storage
# directory, the tiny offline model, then worker + runner in the background and the web app in the foreground.
# Playwright starts it (playwright.config.ts webServer) and stops it when the specs end.
# STACK_NAME / STACK_REDIS_DB give another user of the same stack (the API fuzz check, tests/api-fuzz/run.sh) a
# database, Redis db and state directory of its own; the web build is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PORT=${E2E_PORT:-3199}
NAME=${STACK_NAME:-e2e}
DB="whetstone_${NAME//-/_}"
REDIS_DB=${STACK_REDIS_DB:-5}
STATE="$ROOT/test-results/$NAME-stack"
rm -rf "$STATE"; mkdir -p "$STATE/blobs" "$STATE/logs"

export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/$DB
export REDIS_URL=redis://127.0.0.1:6379/$REDIS_DB
export STORAGE_URL="file://$STATE/blobs"
export AUTH_SECRET=e2e-secret-that-is-long-enough-for-authjs
export AUTH_TRUST_HOST=true
export TINY_MODEL_DIR="$ROOT/.data/models/tiny-llama"
export WHETSTONE_ADMIN_EMAIL=admin@$NAME.test
export HEARTBEAT_SECONDS=2
export NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1
# No model hub is reachable from these machines: a Hub id fails at once instead of after minutes of retries.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB" postgres
npx prisma migrate deploy > "$STATE/logs/migrate.log" 2>&1 || { cat "$STATE/logs/migrate.log"; exit 1; }
redis-cli -n "$REDIS_DB" FLUSHDB > /dev/null

[ -f "$TINY_MODEL_DIR/config.json" ] || gpu-runner/.venv/bin/python -m whetstone_runner.tiny_model --out "$TINY_MODEL_DIR"
npx tsx prisma/seed.ts > "$STATE/logs/seed.log" 2>&1 || { cat "$STATE/logs/seed.log"; exit 1; }

# The web app is built and served from a copy of apps/web (same depth in the tree, so its tsconfig and the
# workspace packages resolve the same way): a `next build` or `next dev` someone runs in apps/web rewrites
# apps/web/.next, which would pull the files from under this server mid-run. The copy is rebuilt only when the
# sources it depends on changed.
WEB="$ROOT/.data/e2e-web"
mkdir -p "$WEB"
# apps/web/test stays out: the tests are no part of the build, and some import ../../worker, which the copy lacks.
rsync -a --delete --exclude /.next --exclude /node_modules --exclude /test --exclude '*.tsbuildinfo' --exclude /next-env.d.ts apps/web/ "$WEB/"
rm -rf "$WEB/test"
stamp=$(
  {
    find apps/web -path apps/web/.next -prune -o -path apps/web/node_modules -prune -o -type f -print
    find packages -path '*/node_modules' -prune -o -path '*/test' -prune -o -type f -print
    echo package-lock.json; echo tsconfig.base.json
  } | LC_ALL=C sort | xargs sha1sum | sha1sum | cut -d' ' -f1
)
if [ "$(cat "$WEB/.next/e2e-stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$WEB/.next/BUILD_ID" ]; then
  (cd "$WEB" && npx next build > "$STATE/logs/build.log" 2>&1) || { tail -50 "$STATE/logs/build.log"; exit 1; }
  echo "$stamp" > "$WEB/.next/e2e-stamp"
fi

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
npm start -w @whetstone/worker > "$STATE/logs/worker.log" 2>&1 & pids+=($!)
RUNNER_NAME=$NAME-runner gpu-runner/.venv/bin/python -m whetstone_runner > "$STATE/logs/runner.log" 2>&1 & pids+=($!)
cd "$WEB"
npx next start -p "$PORT" > "$STATE/logs/web.log" 2>&1 & pids+=($!)
wait "${pids[@]}"
