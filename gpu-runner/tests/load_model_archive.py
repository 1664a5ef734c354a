"""Not a test: a helper for apps/web/test/model-archive.test.ts, run in a FRESH process as a user would. Unpacks a
model archive downloaded from Whetstone, loads it with transformers (+ PEFT for an adapter, on top of BASE_DIR),
generates a few tokens greedily, and prints {"folder", "files", "generated", "newTokens", "isPeft"} as JSON.

    python tests/load_model_archive.py ARCHIVE.tar OUT_DIR [BASE_DIR]
"""

from __future__ import annotations

import json
import os
import sys
import tarfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def main(archive: Path, out: Path, base_dir: str | None) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        tar.extractall(out, filter="data")
    folder = out / names[0].rstrip("/")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    if (folder / "adapter_config.json").exists():
        from peft import PeftModel

        model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base_dir), folder)
    else:
        model = AutoModelForCausalLM.from_pretrained(folder)
    model.eval()
    ids = tokenizer("My question is about parcel, thank you.", return_tensors="pt")
    with torch.no_grad():
        gen = model.generate(**ids, max_new_tokens=8, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    new = gen[0, ids["input_ids"].shape[1]:]
    print(json.dumps({"folder": folder.name, "files": sorted(p.name for p in folder.iterdir()),
                      "generated": tokenizer.decode(new, skip_special_tokens=True), "newTokens": int(new.numel()),
                      "isPeft": (folder / "adapter_config.json").exists()}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None)
