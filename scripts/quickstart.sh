#!/usr/bin/env bash
# `npm run quickstart [-- --demo]`: sets up everything on a fresh Debian-like machine (Node 20+, Python 3.11) and
# runs the platform: PostgreSQL + Redis, npm packages, the runner's Python environment, migrations, an admin
# account, the tiny offline base model, the build, then web + worker + one runner. A second run is fast and
# changes nothing. Ctrl-C stops everything it started. With --demo it also uploads a sample dataset and runs
# one fine-tuning job to the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DEMO=0
for a in "$@"; do case "$a" in --demo) DEMO=1 ;; *) echo "unknown option $a (use --demo)"; exit 2 ;; esac; done
export TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1

step() { printf '\n\033[1;36m▸ %s\033[0m\n' "$*"; }

step "Checking Node.js and Python"
node -e 'const [a]=process.versions.node.split(".").map(Number); if (a<20) { console.error("Node.js 20 or newer is needed, found "+process.versions.node); process.exit(1) }'
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "Python 3.11 or newer is needed")'

step "Configuration (.env)"
if [ ! -f .env ]; then
  cp .env.example .env
  secret=$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))')
  sed -i "s|^AUTH_SECRET=.*|AUTH_SECRET=$secret|" .env
  sed -i "s|^STORAGE_URL=.*|STORAGE_URL=file://$ROOT/.data/blobs|" .env
  sed -i "s|^TINY_MODEL_DIR=.*|TINY_MODEL_DIR=$ROOT/.data/models/tiny-llama|" .env
  echo "wrote .env (edit it to change ports, storage or database)"
fi
set -a; . ./.env; set +a

step "PostgreSQL and Redis"
bash scripts/setup/services.sh

step "npm packages"
stamp=node_modules/.whetstone-install-stamp
want=$(cat package.json package-lock.json apps/*/package.json packages/*/package.json 2>/dev/null | sha256sum | cut -c1-16)
if [ "$(cat $stamp 2>/dev/null)" != "$want" ]; then
  npm install --no-audit --no-fund
  echo "$want" > $stamp
else
  echo "up to date"
fi

step "Runner environment (Python, PyTorch, transformers, PEFT)"
PYTHON="$PYTHON" bash gpu-runner/scripts/setup-venv.sh

step "Database"
node scripts/setup/create-database.mjs "$DATABASE_URL"
npx prisma migrate deploy >/dev/null && echo "migrations applied"

step "Tiny offline base model"
if [ ! -f "$TINY_MODEL_DIR/config.json" ]; then
  gpu-runner/.venv/bin/python -m whetstone_runner.tiny_model --out "$TINY_MODEL_DIR"
else
  echo "present at $TINY_MODEL_DIR"
fi

step "Admin account and base models"
npx tsx prisma/seed.ts

step "Build"
npx turbo run build --filter=@whetstone/web --output-logs=errors-only

step "Starting web, worker and runner"
if node -e 'require("net").connect(+process.argv[1], "127.0.0.1").on("connect", () => process.exit(0)).on("error", () => process.exit(1))' "${PORT:-3000}"; then
  echo "port ${PORT:-3000} is already in use (another Whetstone?). Stop it, or set PORT in .env." >&2
  exit 1
fi
mkdir -p .data/logs
# Each service runs in its own process group (setsid), so stopping it stops every process it spawned.
pgids=()
start() { local log=$1; shift; setsid "$@" > ".data/logs/$log.log" 2>&1 & pgids+=($!); }
cleanup() {
  trap - INT TERM EXIT
  echo; echo "stopping…"
  for g in "${pgids[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
  sleep 2
  for g in "${pgids[@]}"; do kill -KILL -- "-$g" 2>/dev/null || true; done
}
trap cleanup INT TERM EXIT
start web bash -c "cd apps/web && exec npx next start -p ${PORT:-3000}"
start worker npm start -w @whetstone/worker
start runner env RUNNER_NAME="${RUNNER_NAME:-$(hostname)-runner}" gpu-runner/.venv/bin/python -m whetstone_runner

URL="http://localhost:${PORT:-3000}"
for _ in $(seq 1 60); do curl -fsS "$URL/api/v1/health" >/dev/null 2>&1 && break; sleep 1; done
curl -fsS "$URL/api/v1/health" >/dev/null || { echo "the web app did not come up; see .data/logs/web.log"; tail -20 .data/logs/web.log; exit 1; }

if [ "$DEMO" = 1 ]; then
  step "Demo: upload a sample dataset and fine-tune the tiny model"
  npx tsx scripts/demo.ts "$URL"
fi

printf '\n\033[1;32mWhetstone is running at %s\033[0m  (logs in .data/logs; Ctrl-C stops it)\n' "$URL"
wait -n "${pgids[@]}"
echo "a service exited; see .data/logs"
