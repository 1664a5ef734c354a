"""The artifacts of a train job, in the folders the contract's artifactKinds name, uploaded with size and sha256."""

from __future__ import annotations

import json
from pathlib import Path

from .. import contract
from ..modeling import compute_dtype
from ..storage import sha256_file, upload_dir
from ..techniques.technique import load_class
from .model_card import render_model_card


def _kind_of(rel: Path) -> str:
    """A file in a kind's folder (adapter/…) or a file named after its kind at the top (config.json)."""
    if len(rel.parts) > 1:
        return contract.artifact_kind_of_dir(rel.parts[0])
    contract.artifact_kind(rel.stem)  # raises for a top-level file the contract does not know
    return rel.stem


def save_artifacts(cfg, ctx, model, tokenizer, loaded: dict, resolved: dict, metrics: dict) -> list[dict]:
    """Adapter (LoRA/QLoRA) or model (full), tokenizer, config, metrics, and merged weights when asked; -> the
    artifact list of the `succeeded` event."""
    out_dir = ctx.workdir / "artifacts"
    peft = cfg.method in ("lora", "qlora")
    model.save_pretrained(out_dir / contract.artifact_dir("adapter" if peft else "model"))
    tokenizer.save_pretrained(out_dir / contract.artifact_dir("tokenizer"))
    (out_dir / "config.json").write_text(json.dumps(resolved, indent=2, default=str))
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    if peft and cfg.hp.merge_weights:
        save_merged(cfg, model, loaded, out_dir / contract.artifact_dir("merged_model"), ctx.workdir / "merge")
    # The model card (README.md) of each folder a user takes away; over PEFT's empty template in the adapter folder.
    for kind in ("adapter" if peft else "model", "merged_model"):
        folder = out_dir / contract.artifact_dir(kind)
        if folder.is_dir():
            (folder / "README.md").write_text(render_model_card(cfg, metrics, kind), encoding="utf-8")
    return upload_artifacts(ctx, out_dir, cfg.output_prefix)


def upload_artifacts(ctx, out_dir: Path, output_prefix: str) -> list[dict]:
    """Upload every file under out_dir to the job's artifacts prefix; -> their artifact entries (kind, size, sha256)."""
    artifacts = []
    for key, path in upload_dir(ctx.storage, out_dir, contract.storage_key("artifacts", outputPrefix=output_prefix)):
        artifacts.append({"kind": _kind_of(path.relative_to(out_dir)), "name": path.name, "key": key,
                          "bytes": path.stat().st_size, "sha256": sha256_file(path)})
    return artifacts


def save_merged(cfg, model, loaded: dict, dest: Path, scratch: Path) -> None:
    if cfg.method == "lora":
        merged = model.merge_and_unload()
    else:  # QLoRA: merge into a full-precision copy of the base, not into 4-bit weights
        from peft import PeftModel

        base = load_class(loaded["model_class"]).from_pretrained(loaded["weights"], dtype=compute_dtype(),
                                                                 **loaded["cls_kwargs"])
        model.save_pretrained(scratch / "adapter")
        merged = PeftModel.from_pretrained(base, scratch / "adapter").merge_and_unload()
    merged.save_pretrained(dest)
