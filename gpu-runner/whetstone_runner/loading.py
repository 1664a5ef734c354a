"""Loading a model to run it, not to train it: evaluation and inference share this.

    loaded = load_for_inference(ref, storage, workdir)
    with torch.inference_mode():
        out = loaded.model(**batch)              # the fine-tune (adapter on)
        with loaded.base():
            out = loaded.model(**batch)          # its base: the same weights, adapter off

A ref is anything `modeling.resolve` takes: a Hub id, a local directory, or an earlier job's artifact with its
lineage. An adapter artifact is loaded as its parent plus the PEFT adapter, unmerged, so the base costs nothing
more. A model is a classifier when its weights are a *ForSequenceClassification with id2label, or when its adapter
is a sequence-classification adapter (the labels come from the train job's config.json next to it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from .config import BaseModelRef, JobError
from .modeling import compute_dtype, load_tokenizer, resolve
from .storage import Storage

CAUSAL_LM = "transformers.AutoModelForCausalLM"
SEQ_CLS = "transformers.AutoModelForSequenceClassification"


@dataclass
class Loaded:
    model: torch.nn.Module  # a PeftModel (adapter unmerged) for an adapter artifact, else the plain model; eval mode
    tokenizer: object  # pad token set
    is_classifier: bool
    id2label: dict[int, str] | None  # for a classifier: class index -> label
    is_adapter: bool
    name: str

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @contextlib.contextmanager
    def base(self) -> Iterator[torch.nn.Module]:
        """Run the base of an adapter model (the adapter switched off inside the block); a plain model is its own base."""
        if not self.is_adapter:
            yield self.model
            return
        with self.model.disable_adapter():
            yield self.model


def load_for_inference(ref: BaseModelRef, storage: Storage, workdir: Path, *, dtype: torch.dtype | None = None,
                       device: str | torch.device | None = None) -> Loaded:
    """The model of `ref` ready to run (eval mode, no gradients kept), its tokenizer and what kind of model it is.

    Failures a retry cannot fix are `JobError`s naming the model: an artifact gone from storage, a local directory
    that is not there, weights this runner cannot load.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        weights, adapter_dir, tok_loc = resolve(ref, storage, workdir)
    except FileNotFoundError:
        what = "adapter" if ref.artifact_kind == "adapter" else "model files"
        raise JobError(f"model {ref.name!r}: no {what} in storage at {ref.ref!r} (deleted?)") from None
    except JobError as err:
        raise JobError(f"model {ref.name!r}: {err}") from None
    revision = ref.revision if ref.source == "huggingface" else None
    tokenizer = _load(ref, "tokenizer", lambda: load_tokenizer(tok_loc, revision))

    if adapter_dir is not None:
        id2label = _adapter_labels(ref, adapter_dir, storage)
    else:
        config = _load(ref, "config", lambda: _auto_config(weights, revision))
        id2label = _config_labels(config)
    kwargs: dict = {"revision": revision, "dtype": dtype or compute_dtype()}
    if id2label is not None:
        kwargs |= {"num_labels": len(id2label), "id2label": id2label,
                   "label2id": {lab: i for i, lab in id2label.items()}, "pad_token_id": tokenizer.pad_token_id}
    from .techniques.technique import load_class

    cls = load_class(SEQ_CLS if id2label is not None else CAUSAL_LM)
    model = _load(ref, "weights", lambda: cls.from_pretrained(weights, **kwargs))
    if adapter_dir is not None:
        from peft import PeftModel

        model = _load(ref, "adapter", lambda: PeftModel.from_pretrained(model, adapter_dir, is_trainable=False))
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device).eval()
    return Loaded(model=model, tokenizer=tokenizer, is_classifier=id2label is not None, id2label=id2label,
                  is_adapter=adapter_dir is not None, name=ref.name)


def _load(ref: BaseModelRef, what: str, fn):
    """Run a from_pretrained; an unloadable model is a JobError naming it (offline: not in the cache)."""
    try:
        return fn()
    except (OSError, ValueError, KeyError) as err:
        offline = ref.source == "huggingface" and os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
        hint = " (not in this runner's Hugging Face cache and HF_HUB_OFFLINE is set)" if offline else ""
        raise JobError(f"model {ref.name!r}: cannot load its {what} from {ref.ref!r} on this runner{hint}: "
                       f"{str(err).splitlines()[0][:300] if str(err) else type(err).__name__}") from None


def _auto_config(weights: str, revision: str | None):
    from transformers import AutoConfig

    return AutoConfig.from_pretrained(weights, revision=revision)


def _config_labels(config) -> dict[int, str] | None:
    """id2label of a *ForSequenceClassification config, else None (a causal LM's default id2label means nothing)."""
    if not any(a.endswith("ForSequenceClassification") for a in (getattr(config, "architectures", None) or [])):
        return None
    return {int(i): str(lab) for i, lab in config.id2label.items()}


def declared_labels(ref: BaseModelRef, storage: Storage, workdir: Path) -> list[str] | None:
    """The labels a classifier produced by a train job was given (its config artifact's derived.labels), read without
    loading weights: an evaluation's label space must hold every label a model may answer with, including declared
    labels its data never showed (an early active-learning round). None for anything else."""
    if ref.source != "artifact":
        return None
    prefix = ref.ref if ref.ref.endswith("/") else ref.ref + "/"
    local = workdir / "declared-labels" / f"{hashlib.sha256(prefix.encode()).hexdigest()[:16]}.json"
    try:
        storage.download(prefix + "config.json", local)
        label2id = json.loads(local.read_text(encoding="utf-8")).get("derived", {}).get("labels")
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return [str(lab) for lab in label2id] if isinstance(label2id, dict) and label2id else None


def _adapter_labels(ref: BaseModelRef, adapter_dir: str, storage: Storage) -> dict[int, str] | None:
    """A sequence-classification adapter's labels, from the train job's config artifact (derived.labels)."""
    adapter_config = json.loads((Path(adapter_dir) / "adapter_config.json").read_text(encoding="utf-8"))
    if adapter_config.get("task_type") != "SEQ_CLS":
        return None
    prefix = ref.ref if ref.ref.endswith("/") else ref.ref + "/"
    label2id = None
    with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
        local = Path(adapter_dir).parent / "config.json"
        storage.download(prefix + "config.json", local)
        label2id = json.loads(local.read_text(encoding="utf-8")).get("derived", {}).get("labels")
    if not label2id:
        raise JobError(f"model {ref.name!r}: a classification adapter without its labels "
                       f"(no config.json with derived.labels at {prefix!r})")
    return {int(i): str(lab) for lab, i in label2id.items()}
