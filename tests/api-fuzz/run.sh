#!/usr/bin/env bash
# The API as other tools see it: schemathesis against /api/v1/openapi.json of the running app, every operation and
# every check, bounded in time, plus a keep-alive check of refused uploads. Fails on any server error, any response
# that contradicts the document, a reset connection. `npm test -- api` runs it (scripts/test-all.mjs).
#
#   bash tests/api-fuzz/run.sh      starts its own stack (e2e/start-stack.sh: its own database, Redis db and port;
#                                   the web build is shared with the browser specs), creates an API key, stops it
#   API_FUZZ_URL=http://localhost:3000 API_FUZZ_KEY=wst_… bash tests/api-fuzz/run.sh     a stack already running
#
# Knobs: API_FUZZ_EXAMPLES (cases per operation and phase, default 10), API_FUZZ_SEED (default 1),
# API_FUZZ_TIMEOUT (seconds for schemathesis, default 600). Reports: test-results/api-fuzz/.
# Every check runs; a response may take up to 2 minutes (a CPU generate takes seconds; a hang fails). One worker:
# Hypothesis on Python 3.11 builds lambda descriptions with `ast` from two threads and trips over CPython's
# "AST constructor recursion depth mismatch", reported as a flaky test case.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
ST="$ROOT/.venv-schemathesis/bin/st"
OUT="$ROOT/test-results/api-fuzz"
[ -x "$ST" ] || { echo "schemathesis is not installed: bash tests/api-fuzz/setup-venv.sh" >&2; exit 1; }
rm -rf "$OUT"; mkdir -p "$OUT"

if [ -z "${API_FUZZ_URL:-}" ]; then
  PORT=${API_FUZZ_PORT:-3198}
  API_FUZZ_URL="http://localhost:$PORT"
  echo "starting the stack on $API_FUZZ_URL (log: $OUT/stack.log)"
  E2E_PORT=$PORT STACK_NAME=api-fuzz STACK_REDIS_DB=6 setsid bash e2e/start-stack.sh > "$OUT/stack.log" 2>&1 &
  STACK=$!
  trap 'kill -- -$STACK 2>/dev/null || true; wait $STACK 2>/dev/null || true' EXIT
  for _ in $(seq 600); do
    curl -sf "$API_FUZZ_URL/api/v1/health" > /dev/null && break
    kill -0 $STACK 2>/dev/null || { tail -30 "$OUT/stack.log"; echo "the stack did not start" >&2; exit 1; }
    sleep 1
  done
  curl -sf "$API_FUZZ_URL/api/v1/health" > /dev/null || { tail -30 "$OUT/stack.log"; exit 1; }
  API_FUZZ_KEY=$(DATABASE_URL=postgresql://postgres@127.0.0.1:5432/whetstone_api_fuzz npx tsx tests/api-fuzz/create-key.ts)
fi
: "${API_FUZZ_KEY:?set API_FUZZ_KEY (an API key of the stack at API_FUZZ_URL)}"

echo "keep-alive after refused uploads"
node tests/api-fuzz/keep-alive.mjs "$API_FUZZ_URL" "$API_FUZZ_KEY"

echo "schemathesis on $API_FUZZ_URL/api/v1/openapi.json"
cd "$OUT" # its state directory (.schemathesis) and reports stay under test-results
timeout "${API_FUZZ_TIMEOUT:-600}" "$ST" --config-file "$ROOT/tests/api-fuzz/schemathesis.toml" run \
  "$API_FUZZ_URL/api/v1/openapi.json" \
  --header "Authorization: Bearer $API_FUZZ_KEY" \
  --checks all \
  --max-response-time 120 \
  --max-examples "${API_FUZZ_EXAMPLES:-10}" \
  --seed "${API_FUZZ_SEED:-1}" \
  --workers 1 \
  --request-timeout 120 \
  --report junit --report-junit-path "$OUT/schemathesis.xml" \
  --no-color
