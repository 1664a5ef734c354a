"""Loading the base model (Hub id, local directory, or an earlier job's artifact) and applying the method."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import torch

from .config import BaseModelRef, JobError
from .storage import Storage, download_prefix

log = logging.getLogger("whetstone_runner.modeling")


def check_method_supported(method: str) -> None:
    """Runs before any work: QLoRA needs CUDA and bitsandbytes."""
    if method == "qlora":
        if not torch.cuda.is_available():
            raise JobError("QLoRA needs a CUDA GPU; this runner has none. Use method 'lora' or 'full', "
                           "or let a GPU runner take the job.")
        try:
            import bitsandbytes  # noqa: F401
        except ImportError:
            raise JobError("QLoRA needs the bitsandbytes package, which this runner lacks "
                           "(pip install 'whetstone-runner[qlora]').") from None


def _has_weights(d: Path) -> bool:
    return (d / "config.json").exists()


def resolve(ref: BaseModelRef, storage: Storage, workdir: Path) -> tuple[str, str | None, str | None]:
    """-> (weights location for from_pretrained, adapter dir or None, tokenizer location)."""
    if ref.source in ("huggingface", "local"):
        if ref.source == "local" and not Path(ref.ref).is_dir():
            raise JobError(f"baseModel.ref: local model directory {ref.ref!r} does not exist on this runner")
        return ref.ref, None, ref.ref
    # artifact: an earlier job's outputs under the storage prefix `ref`
    prefix = ref.ref if ref.ref.endswith("/") else ref.ref + "/"
    local = workdir / "base-artifact" / hashlib.sha256(prefix.encode()).hexdigest()[:16]
    tok_dir = None
    if ref.artifact_kind == "adapter":
        if ref.parent is None:
            raise JobError("baseModel.parent: an adapter artifact needs the parent base model it was trained on")
        parent_weights, parent_adapter, parent_tok = resolve(ref.parent, storage, workdir)
        if parent_adapter is not None:
            raise JobError("baseModel.parent: the parent of an adapter must be full weights, not another adapter")
        adapter = download_prefix(storage, prefix + "adapter/", local / "adapter")
        if storage.list(prefix + "tokenizer/"):
            tok_dir = str(download_prefix(storage, prefix + "tokenizer/", local / "tokenizer"))
        return parent_weights, str(adapter), tok_dir or parent_tok
    if ref.artifact_kind == "merged":
        for sub in ("merged/", "model/", ""):
            if storage.exists(prefix + sub + "config.json"):
                weights = download_prefix(storage, prefix + sub, local / "weights")
                break
        else:
            raise JobError(f"baseModel.ref: no model weights (config.json) under {prefix!r}")
        if storage.list(prefix + "tokenizer/"):
            tok_dir = str(download_prefix(storage, prefix + "tokenizer/", local / "tokenizer"))
        return str(weights), None, tok_dir or str(weights)
    raise JobError("baseModel.artifactKind: must be 'adapter' or 'merged' when source is 'artifact'")


def load_tokenizer(location: str, revision: str | None = None):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(location, revision=revision)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def compute_dtype() -> torch.dtype:
    if torch.cuda.is_available():
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def load_model(cfg, storage: Storage, workdir: Path, num_labels: int | None = None,
               id2label: dict[int, str] | None = None):
    """Base model with the method applied (LoRA / QLoRA adapters, or all weights trainable); + tokenizer."""
    from peft import LoraConfig, PeftModel, TaskType, get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    weights, adapter_dir, tok_loc = resolve(cfg.base_model, storage, workdir)
    revision = cfg.base_model.revision if cfg.base_model.source == "huggingface" else None
    try:
        tokenizer = load_tokenizer(tok_loc, revision)
    except OSError as err:
        if cfg.base_model.source == "huggingface" and os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
            # offline: only the local cache counts, and retrying cannot fill it
            raise JobError(f"baseModel.ref: {weights!r} is not in this runner's Hugging Face cache "
                           f"and HF_HUB_OFFLINE is set ({err})") from None
        raise
    classification = cfg.technique == "classification"
    kwargs: dict = {"revision": revision}
    if cfg.method == "qlora":
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=compute_dtype())
        kwargs["device_map"] = {"": torch.cuda.current_device()}
    else:
        kwargs["dtype"] = torch.float32 if cfg.method == "full" or not torch.cuda.is_available() else compute_dtype()
    if classification:
        kwargs.update(num_labels=num_labels, id2label=id2label, label2id={v: k for k, v in id2label.items()},
                      pad_token_id=tokenizer.pad_token_id)
        model = AutoModelForSequenceClassification.from_pretrained(weights, **kwargs)
    else:
        model = AutoModelForCausalLM.from_pretrained(weights, **kwargs)
    info = {"weights": weights, "adapter": adapter_dir,
            "cls_kwargs": {k: kwargs[k] for k in ("num_labels", "id2label", "label2id", "pad_token_id") if k in kwargs}}
    if cfg.method == "qlora":
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=True)

    if adapter_dir is not None:
        if cfg.method == "full":
            model = PeftModel.from_pretrained(model, adapter_dir).merge_and_unload()
            log.info("merged the base adapter into the weights for full fine-tuning")
        else:
            # Transfer learning: keep training the earlier job's adapter (it stays loadable on the same parent).
            return PeftModel.from_pretrained(model, adapter_dir, is_trainable=True), tokenizer, info
    if cfg.method == "full":
        return model, tokenizer, info
    lora = LoraConfig(
        r=cfg.hp.lora_r, lora_alpha=cfg.hp.lora_alpha, lora_dropout=cfg.hp.lora_dropout,
        target_modules="all-linear", task_type=TaskType.SEQ_CLS if classification else TaskType.CAUSAL_LM,
    )
    return get_peft_model(model, lora), tokenizer, info

