#!/usr/bin/env bash
# Creates gpu-runner/.venv with the runner and its dev tools. Idempotent: a second run with an
# unchanged pyproject.toml returns at once.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3.11}"
stamp="$venv/.whetstone-installed"
want="$(sha256sum "$here/pyproject.toml" "$0" | sha256sum | cut -d' ' -f1)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$venv/bin/python" -c "import whetstone_runner, torch" 2>/dev/null; then
  echo "gpu-runner/.venv is up to date"
  exit 0
fi

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
# torch first: pinned so that the CPU wheel on disk (or an already installed CUDA build) is used,
# never a fresh multi-GB download picked by the resolver.
"$venv/bin/pip" install -q --disable-pip-version-check torch==2.13.0
"$venv/bin/pip" install -q --disable-pip-version-check -e "$here[dev]"
echo "$want" > "$stamp"
echo "gpu-runner/.venv ready: $("$venv/bin/python" -c 'import torch, transformers, peft; print("torch", torch.__version__, "transformers", transformers.__version__, "peft", peft.__version__)')"
