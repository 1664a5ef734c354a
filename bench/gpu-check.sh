#!/usr/bin/env bash
# Every GPU check in one go (issue 14 §1), made for a borrowed CUDA machine and under 8 minutes:
#   1. installs what the runner needs there from the carried wheels (.whl/, filled here by bench/gpu-wheels.sh);
#   2. runs the GPU-marked tests: every technique × LoRA/QLoRA/full on CUDA, bf16 compute dtype, 4-bit base, DPO,
#      the VRAM the runner reports (gpu-runner/tests/test_gpu.py and the `gpu` marks elsewhere);
#   3. the overhead benchmark on a ~0.5B-parameter Llama config (random weights), LoRA and full fine-tuning, the
#      runner's training path against a plain transformers/PEFT loop in the same run: tokens/s, peak memory, MFU.
# On a machine without CUDA it says why and exits 0 having run nothing. Output also goes to $OUT (the device
# tool's folder) when set.
#   device run:  bash bench/gpu-check.sh        (carry: [".whl"])
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUTDIR=${OUT:-/tmp/gpu-check}
mkdir -p "$OUTDIR"
log() { echo "== $*" | tee -a "$OUTDIR/gpu-check.log"; }

why=$("$PY" -c 'import torch, sys
if not torch.cuda.is_available():
    print(f"torch {torch.__version__} sees no CUDA device")' 2>&1) || why="$PY cannot import torch: ${why##*$'\n'}"
if [ -n "$why" ]; then
  log "skipped: no CUDA GPU here ($why); nothing was run"
  exit 0
fi

if compgen -G ".whl/*.whl" >/dev/null; then
  log "installing $(ls .whl/*.whl | wc -l) carried wheels into /tmp/site"
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || { log "the wheels did not install"; exit 1; }
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD/gpu-runner" HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1
"$PY" - <<'PY' 2>&1 | tee -a "$OUTDIR/gpu-check.log" || exit 1
import importlib, torch
for name in ["transformers", "peft", "trl", "accelerate", "bitsandbytes", "datasets", "whetstone_runner.jobs"]:
    m = importlib.import_module(name)
    print(f"{name:22} {getattr(m, '__version__', 'ok')}")
p = torch.cuda.get_device_properties(0)
print(f"GPU: {p.name}, {p.total_memory / 2**30:.0f} GiB, {torch.cuda.device_count()} device(s), torch {torch.__version__}, "
      f"bf16 {torch.cuda.is_bf16_supported()}")
PY

status=0
log "GPU-marked tests"
(cd gpu-runner && timeout 300 "$PY" -m pytest -q -p no:cacheprovider -o addopts="" -m gpu \
   --junitxml="$OUTDIR/gpu-tests.xml" 2>&1 | tail -40 | tee -a "$OUTDIR/gpu-check.log") || status=1

log "runner overhead on a ~0.5B config (random weights): LoRA, then full fine-tuning"
for method in lora full; do
  timeout 240 "$PY" bench/runner_overhead.py --model-config 0.5b --direct --fill --method "$method" --repeat 1 \
    --steps 120 --batch-size 8 --seq-len 512 --estimates bench/gpu-estimates.json --peak-tflops "${PEAK_TFLOPS:-989}" \
    2>&1 | tail -12 | tee -a "$OUTDIR/gpu-check.log" || status=1
done
log "done (status $status)"
exit $status
