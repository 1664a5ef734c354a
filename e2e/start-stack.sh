#!/usr/bin/env bash
# The stack the browser specs drive: a fresh database `whetstone_e2e`, Redis db 5 (flushed), a fresh storage
# directory, the tiny offline model, then worker + runner in the background and the web app in the foreground.
# Playwright starts it (playwright.config.ts webServer) and stops it when the specs end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PORT=${E2E_PORT:-3100}
STATE="$ROOT/test-results/e2e-stack"
rm -rf "$STATE"; mkdir -p "$STATE/blobs" "$STATE/logs"

export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/whetstone_e2e
export REDIS_URL=redis://127.0.0.1:6379/5
export STORAGE_URL="file://$STATE/blobs"
export AUTH_SECRET=e2e-secret-that-is-long-enough-for-authjs
export AUTH_TRUST_HOST=true
export TINY_MODEL_DIR="$ROOT/.data/models/tiny-llama"
export WHETSTONE_ADMIN_EMAIL=admin@e2e.test
export HEARTBEAT_SECONDS=2
export NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1

psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS whetstone_e2e WITH (FORCE)" postgres
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE whetstone_e2e" postgres
npx prisma migrate deploy > "$STATE/logs/migrate.log" 2>&1
redis-cli -n 5 FLUSHDB > /dev/null

[ -f "$TINY_MODEL_DIR/config.json" ] || gpu-runner/.venv/bin/python -m whetstone_runner.tiny_model --out "$TINY_MODEL_DIR"
npx tsx prisma/seed.ts > "$STATE/logs/seed.log" 2>&1

npx turbo run build --filter=@whetstone/web --output-logs=errors-only

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
npm start -w @whetstone/worker > "$STATE/logs/worker.log" 2>&1 & pids+=($!)
RUNNER_NAME=e2e-runner gpu-runner/.venv/bin/python -m whetstone_runner > "$STATE/logs/runner.log" 2>&1 & pids+=($!)
cd apps/web
npx next start -p "$PORT" 2>&1 | tee "$STATE/logs/web.log" &
pids+=($!)
wait "${pids[@]}"
