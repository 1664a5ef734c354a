#!/usr/bin/env bash
# Installs schemathesis (PyPI) into .venv-schemathesis at the repository root, for the API fuzz check
# (tests/api-fuzz/run.sh). Run by .ci/run; a second run changes nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=4.32.5
VENV=.venv-schemathesis
if [ -x "$VENV/bin/st" ] && "$VENV/bin/st" --version 2>/dev/null | grep -q "$VERSION"; then
  exit 0
fi
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
"$VENV/bin/st" --version
