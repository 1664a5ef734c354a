#!/usr/bin/env bash
# Fills .whl/ (git-ignored) with the wheels the runner needs on a CUDA machine that has PyTorch, accelerate,
# safetensors, tokenizers, numpy, scipy, scikit-learn, sacrebleu, pandas and pyarrow already (the GPU machines this
# project borrows: Python 3.12, torch 2.11+cu130), but not the rest of gpu-runner/pyproject.toml's pins. Run it
# here (it needs PyPI, or the local mirror), then carry .whl/ with bench/gpu-check.sh. About 62 MB, bitsandbytes
# being 43 of them.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
mkdir -p .whl
# The runner's pins (pyproject.toml) and what they need that the GPU image lacks; one version of each.
WHEELS=(
  transformers==5.23.0 huggingface_hub==2.4.0 httpx2==2.16.2 httpcore2==2.16.2 truststore==0.10.5
  typer==0.29.2 shellingham==1.5.4
  peft==0.21.2 trl==1.16.0 datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19 fsspec==2026.9.0
  bitsandbytes==0.50.2
  jsonschema==4.26.0 referencing==0.37.0 rpds-py==2026.9.1 jsonschema-specifications==2025.9.1
  redis==8.1.0 bullmq==3.4.4 semver==3.1.0
  datasketch==2.0.0 nltk==3.10.4
)
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_24_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
  -d .whl "${WHEELS[@]}"
# bitsandbytes ships a library for every CUDA and ROCm version (129 MB unpacked): keep CUDA 13's, which the GPU
# image's torch (cu130) loads, so that the wheels and the tree stay under the device's 64 MiB.
python3 - .whl/bitsandbytes-0.50.2-*.whl <<'PY'
import re, sys, zipfile
src = sys.argv[1]
drop = re.compile(r"bitsandbytes/libbitsandbytes_(cuda(?!13)\d+|rocm\d+)\.so$")
with zipfile.ZipFile(src) as z:
    items = [(i, z.read(i)) for i in z.infolist() if not drop.search(i.filename)]
with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as out:
    for info, data in items:
        if info.filename.endswith(".dist-info/RECORD"):
            data = b"".join(l for l in data.splitlines(True) if not drop.search(l.split(b",")[0].decode()))
        out.writestr(info, data)
PY
# rouge-score publishes no wheel: build one (pure Python) from its sdist.
python3 -m pip wheel -q --no-deps -w .whl rouge_score==0.1.2
du -sh .whl
