#!/usr/bin/env bash
# Creates .venv-openai with the official `openai` Python package, for the test that drives Whetstone's
# OpenAI-compatible API (/v1) with it (apps/web/test/openai-sdk-e2e.test.ts). CI only: nothing at product run time
# needs it. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv-openai"
version=3.57.0
python="${PYTHON:-python3}"
if "$venv/bin/python" -c "import openai, sys; sys.exit(openai.__version__ != '$version')" 2>/dev/null; then
  echo ".venv-openai is up to date (openai $version)"
  exit 0
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "openai==$version"
echo ".venv-openai ready: openai $("$venv/bin/python" -c 'import openai; print(openai.__version__)')"
