"""The `merge` job (decision 0013): merged weights on request for a finished LoRA/QLoRA job trained without
`mergeWeights`. Every event it emits carries the fine-tuning job's id and `kind: "merge"`.

load the base in full precision with the job's adapter on it → refuse an adapter that is not LoRA → merge_and_unload →
save the weights (safetensors), the tokenizer and the model card into merged_model/ → upload them as `merged_model`
artifacts under the job's artifacts prefix, the same files a train job with mergeWeights writes.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import torch

from .. import contract
from ..config import BaseModelRef, JobError, TrainingConfig
from ..loading import load_for_inference
from ..schema import validate_payload
from ..training.artifacts import upload_artifacts
from ..training.model_card import render_model_card
from .context import JobContext, Reporter

KIND = "merge"


@dataclass(frozen=True)
class MergeConfig:
    job_id: str
    team_id: str
    base_model: BaseModelRef
    adapter: str  # the job's artifacts prefix: adapter/, tokenizer/, config.json, metrics.json under it
    output_prefix: str


def parse_config(payload: dict) -> MergeConfig:
    errs = validate_payload(payload, KIND)
    if errs:
        raise JobError("invalid payload: " + "; ".join(errs[:5]))
    return MergeConfig(job_id=payload["jobId"], team_id=payload["teamId"],
                       base_model=BaseModelRef.from_payload(payload["baseModel"]), adapter=payload["adapter"],
                       output_prefix=payload["outputPrefix"])


def run_merge_job(payload: dict, ctx: JobContext) -> dict:
    cfg = parse_config(payload)
    report = Reporter(ctx, cfg.job_id, kind=KIND)
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    train_cfg, metrics = _train_record(cfg, ctx)
    ref = BaseModelRef(name=cfg.base_model.name, source="artifact", ref=cfg.adapter, revision=None,
                       artifact_kind="adapter", parent=cfg.base_model)
    # Full precision on the CPU: the merge is a few matrix products per layer, and a QLoRA job's adapter is merged into
    # unquantised weights, never into 4-bit ones.
    try:
        loaded = load_for_inference(ref, ctx.storage, ctx.workdir / "models", dtype=torch.float32, device="cpu")
    except RuntimeError as err:  # a state dict that does not fit: the head of a classification adapter, mostly
        raise JobError(f"the adapter of job {cfg.job_id!r} does not fit its base model "
                       f"(classification head mismatch?): {str(err).splitlines()[0][:300]}") from None
    check_mergeable(loaded.model)
    report.say("info", f"merging the LoRA adapter of job {cfg.job_id!r} into {cfg.base_model.name!r}")
    merged = loaded.model.merge_and_unload()
    check_head(merged, loaded.id2label)

    out_dir = ctx.workdir / "artifacts"
    dest = out_dir / contract.artifact_dir("merged_model")
    merged.save_pretrained(dest, safe_serialization=True)
    loaded.tokenizer.save_pretrained(dest)
    (dest / "README.md").write_text(render_model_card(train_cfg, metrics, "merged_model"), encoding="utf-8")
    artifacts = upload_artifacts(ctx, out_dir, cfg.output_prefix)
    total = sum(a["bytes"] for a in artifacts)
    report.say("info", f"merged weights stored: {len(artifacts)} files, {total / 1e6:.1f} MB")
    return {"status": "succeeded", "artifacts": artifacts,
            "summary": {"merged_files": len(artifacts), "merged_bytes": total,
                        "runtime_seconds": round(time.monotonic() - t0, 3)}}


def check_mergeable(model) -> None:
    """A LoRA adapter (LoRA and QLoRA jobs save one) merges exactly; anything else (prompt tuning, IA3, an adapter
    another tool wrote) is refused."""
    peft_config = getattr(model, "peft_config", {}).get("default")
    peft_type = getattr(peft_config, "peft_type", None)
    peft_type = str(getattr(peft_type, "value", peft_type))
    if peft_type != "LORA":
        raise JobError(f"this adapter cannot be merged: it is a {peft_type} adapter, and only LoRA adapters (the "
                       f"lora and qlora methods) merge into the base weights")


def check_head(merged, id2label: dict[int, str] | None) -> None:
    """A classifier's head must have one output per label the job declared."""
    if id2label is None:
        return
    head = getattr(merged, "score", None) or getattr(merged, "classifier", None)
    rows = head.weight.shape[0] if head is not None and hasattr(head, "weight") else None
    if rows is not None and rows != len(id2label):
        raise JobError(f"classification head mismatch: the merged head has {rows} outputs but the job declared "
                       f"{len(id2label)} labels; the merged model would answer with the wrong labels")


def _train_record(cfg: MergeConfig, ctx: JobContext) -> tuple[TrainingConfig, dict]:
    """The train job's config (its payload, for the model card) and metrics, from its config and metrics artifacts."""
    local = ctx.workdir / "train-record"
    try:
        ctx.storage.download(cfg.adapter + "config.json", local / "config.json")
        record = json.loads((local / "config.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        raise JobError(f"job {cfg.job_id!r}: no readable config.json under {cfg.adapter!r} (deleted?)") from None
    if record.get("payload", {}).get("method") not in ("lora", "qlora"):
        raise JobError(f"job {cfg.job_id!r} was trained with method {record.get('payload', {}).get('method')!r}: "
                       "only a LoRA or QLoRA job has an adapter to merge")
    metrics: dict = {}
    try:
        ctx.storage.download(cfg.adapter + "metrics.json", local / "metrics.json")
        metrics = json.loads((local / "metrics.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        pass
    return TrainingConfig.from_payload(record["payload"]), metrics


