"""Loading the base model (Hub id, local directory, or an earlier job's artifact) and applying the method."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import torch

from . import contract
from .config import BaseModelRef, JobError
from .storage import Storage, download_prefix
from .techniques.technique import Technique, load_class

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
        # A fine-tune started from an adapter keeps training that same adapter on the same weights (transfer
        # learning, see load_model), so its adapter supersedes its parent's: it loads on the weights under the
        # parent, whatever number of adapters the lineage holds (an active-learning project's rounds).
        weights_ref = ref.parent
        while weights_ref.source == "artifact" and weights_ref.artifact_kind == "adapter":
            if weights_ref.parent is None:
                raise JobError("baseModel.parent: an adapter artifact needs the parent base model it was trained on")
            weights_ref = weights_ref.parent
        parent_weights, _none, parent_tok = resolve(weights_ref, storage, workdir)
        if storage.exists(prefix + "adapter_config.json"):  # a checkpoint folder: the adapter at its root
            adapter = _download_model_files(storage, prefix, local / "adapter")
            return parent_weights, str(adapter), str(adapter) if (adapter / "tokenizer_config.json").exists() \
                else parent_tok
        adapter = download_prefix(storage, _sub(prefix, "adapter"), local / "adapter")
        tok_dir = _tokenizer_dir(storage, prefix, local)
        return parent_weights, str(adapter), tok_dir or parent_tok
    if ref.artifact_kind == "merged":
        for sub in (_sub(prefix, "merged_model"), _sub(prefix, "model"), prefix):
            if storage.exists(sub + "config.json"):
                # the prefix itself: a full fine-tune's checkpoint folder, whose trainer state is not needed
                weights = (_download_model_files if sub == prefix else download_prefix)(storage, sub, local / "weights")
                break
        else:
            raise JobError(f"baseModel.ref: no model weights (config.json) under {prefix!r}")
        tok_dir = _tokenizer_dir(storage, prefix, local)
        return str(weights), None, tok_dir or str(weights)
    raise JobError("baseModel.artifactKind: must be 'adapter' or 'merged' when source is 'artifact'")


# A checkpoint folder (`<outputPrefix>checkpoints/step-N/`) served as a model (decision 0010): the trainer's state
# beside the weights is what resuming needs, not serving, and is left in storage.
_TRAINER_STATE = {"optimizer.pt", "scheduler.pt", "rng_state.pth", "training_args.bin", "trainer_state.json",
                  "whetstone_best.safetensors", "whetstone_state.json", contract.storage_key("checkpointComplete")}


def _download_model_files(storage: Storage, prefix: str, dest: Path) -> Path:
    """The files at the root of a checkpoint folder that make the model: weights or adapter, config, tokenizer."""
    keys = [k for k in storage.list(prefix) if "/" not in k[len(prefix):] and k[len(prefix):] not in _TRAINER_STATE]
    if not keys:
        raise FileNotFoundError(f"no model files in storage under {prefix!r}")
    for key in keys:
        storage.download(key, dest / key[len(prefix):])
    return dest


def _sub(prefix: str, artifact_kind: str) -> str:
    """Where an artifact kind's folder lies under an artifacts prefix (the folder names come from the contract)."""
    return f"{prefix}{contract.artifact_dir(artifact_kind)}/"


def _tokenizer_dir(storage: Storage, prefix: str, local: Path) -> str | None:
    if not storage.list(_sub(prefix, "tokenizer")):
        return None
    return str(download_prefix(storage, _sub(prefix, "tokenizer"), local / "tokenizer"))


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


def load_model(cfg, technique: Technique, label2id: dict[str, int] | None, storage: Storage, workdir: Path):
    """Base model with the technique's head and the method applied (LoRA / QLoRA adapters, or all weights
    trainable); -> (model, tokenizer, info for a later merge)."""
    from peft import LoraConfig, PeftModel, TaskType, get_peft_model, prepare_model_for_kbit_training

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
    kwargs: dict = {"revision": revision}
    if cfg.method == "qlora":
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=compute_dtype())
        kwargs["device_map"] = {"": torch.cuda.current_device()}
    else:
        kwargs["dtype"] = torch.float32 if cfg.method == "full" or not torch.cuda.is_available() else compute_dtype()
    head_kwargs = technique.model_kwargs(label2id, tokenizer)
    model = load_class(technique.model_class).from_pretrained(weights, **kwargs, **head_kwargs)
    info = {"weights": weights, "adapter": adapter_dir, "model_class": technique.model_class, "cls_kwargs": head_kwargs}
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
        target_modules="all-linear", task_type=TaskType[technique.peft_task_type],
    )
    return get_peft_model(model, lora), tokenizer, info

