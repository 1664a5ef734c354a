"""The inference process's loaded models: an LRU keyed by the model ref, `size` refs at most
(RUNNER_INFERENCE_MODELS, default 2).

A fine-tune is served as its base plus its PEFT adapter, never merged (decision 0007). Adapters of causal LMs on
the same base share one copy of the base weights: the first one is loaded by `loading.load_for_inference`, the next
ones are added to that PeftModel by name (`load_adapter`), `set_adapter` picks one per request and the base itself
runs with `disable_adapter()`. A ref is one entry of the LRU whatever it costs; weights are freed when no entry uses
them any more, so evicting a base whose adapters are still loaded frees nothing and bringing it back costs nothing.
Classifiers (a sequence-classification base, or a classification adapter with its own head) are loaded on their own.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ..config import BaseModelRef, JobError
from ..loading import load_for_inference
from ..modeling import load_tokenizer, resolve
from ..storage import Storage

log = logging.getLogger("whetstone_runner.inference.models")

DEFAULT_ADAPTER = "default"  # the name PeftModel.from_pretrained gives the first adapter


def ref_key(ref: BaseModelRef) -> str:
    """The identity of a model ref (source, location, revision, kind and lineage), as a stable string."""
    return json.dumps(asdict(ref), sort_keys=True, separators=(",", ":"))


@dataclass
class Slot:
    """One copy of base weights in memory, with the adapters loaded onto it."""

    key: str
    model: torch.nn.Module  # the plain model, or a PeftModel once an adapter is on it
    is_peft: bool
    adapters: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)  # LRU keys of the refs served from this slot


@dataclass
class Entry:
    """A loaded model ref: the slot holding its weights, its adapter there (None: the base) and its tokenizer."""

    key: str
    name: str
    slot: Slot
    adapter: str | None
    tokenizer: object
    is_classifier: bool
    id2label: dict[int, str] | None

    @property
    def device(self) -> torch.device:
        return next(self.slot.model.parameters()).device

    @property
    def config(self):
        return self.slot.model.config

    @contextlib.contextmanager
    def use(self) -> Iterator[torch.nn.Module]:
        """The module to run for this ref: its adapter switched on, or every adapter off for a base."""
        model = self.slot.model
        if self.adapter is not None:
            model.set_adapter(self.adapter)
            yield model
        elif self.slot.is_peft:
            with model.disable_adapter():
                yield model
        else:
            yield model


class ModelCache:
    def __init__(self, storage: Storage, workdir: Path, size: int = 2):
        self.storage, self.workdir, self.size = storage, workdir, max(1, size)
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.slots: dict[str, Slot] = {}
        self.loads = 0  # full loads (base weights read); tests and logs

    def get(self, ref: BaseModelRef) -> Entry:
        key = ref_key(ref)
        if key in self.entries:
            self.entries.move_to_end(key)
            return self.entries[key]
        entry = None
        if ref.source == "artifact" and ref.artifact_kind == "adapter" and ref.parent is not None:
            slot = self.slots.get(_causal(ref_key(ref.parent)))
            if slot is not None:
                entry = self._attach_adapter(ref, key, slot)
        elif (slot := self.slots.get(_causal(key))) is not None:
            entry = self._attach_base(ref, key, slot)
        if entry is None:
            entry = self._load(ref, key)
        entry.slot.users.add(key)
        self.entries[key] = entry
        while len(self.entries) > self.size:
            self._evict(next(iter(self.entries)))
        return entry

    # ---- loading --------------------------------------------------------------------------------------------

    def _load(self, ref: BaseModelRef, key: str) -> Entry:
        loaded = load_for_inference(ref, self.storage, self.workdir)
        self.loads += 1
        if loaded.is_classifier:
            slot_key = "own:" + key  # its own head: nothing to share
        elif loaded.is_adapter:
            slot_key = _causal(ref_key(ref.parent))
        else:
            slot_key = _causal(key)
        if slot_key in self.slots:  # cannot happen for a causal slot (get() attaches to it); be safe
            slot_key += ":" + key
        slot = Slot(slot_key, loaded.model, loaded.is_adapter, {DEFAULT_ADAPTER} if loaded.is_adapter else set())
        self.slots[slot_key] = slot
        log.info("loaded model %s (%s)", ref.name, "adapter on its base" if loaded.is_adapter else "weights")
        return Entry(key, ref.name, slot, DEFAULT_ADAPTER if loaded.is_adapter else None, loaded.tokenizer,
                     loaded.is_classifier, loaded.id2label)

    def _resolve(self, ref: BaseModelRef) -> tuple[str, str | None, str | None]:
        try:
            return resolve(ref, self.storage, self.workdir)
        except FileNotFoundError:
            raise JobError(f"model {ref.name!r}: no model files in storage at {ref.ref!r} (deleted?)") from None
        except JobError as err:
            raise JobError(f"model {ref.name!r}: {err}") from None

    def _tokenizer(self, ref: BaseModelRef, location: str):
        try:
            return load_tokenizer(location, ref.revision if ref.source == "huggingface" else None)
        except (OSError, ValueError) as err:
            raise JobError(f"model {ref.name!r}: cannot load its tokenizer: {str(err).splitlines()[0][:300]}") from None

    def _attach_adapter(self, ref: BaseModelRef, key: str, slot: Slot) -> Entry | None:
        """A causal-LM adapter added by name onto an already loaded base; None when it cannot share (a
        classification adapter brings its own head)."""
        _weights, adapter_dir, tok_loc = self._resolve(ref)
        config = json.loads((Path(adapter_dir) / "adapter_config.json").read_text(encoding="utf-8"))
        if config.get("task_type") != "CAUSAL_LM":
            return None
        name = "a" + hashlib.sha256(key.encode()).hexdigest()[:12]
        device = next(slot.model.parameters()).device
        if slot.is_peft:
            slot.model.load_adapter(adapter_dir, adapter_name=name, is_trainable=False)
        else:
            from peft import PeftModel

            slot.model = PeftModel.from_pretrained(slot.model, adapter_dir, adapter_name=name, is_trainable=False)
            slot.is_peft = True
        slot.model.to(device).eval()
        slot.adapters.add(name)
        log.info("loaded adapter %s onto the base already in memory", ref.name)
        return Entry(key, ref.name, slot, name, self._tokenizer(ref, tok_loc), False, None)

    def _attach_base(self, ref: BaseModelRef, key: str, slot: Slot) -> Entry:
        """A base whose weights are already in memory (under its adapters): its tokenizer, adapters off."""
        _weights, _adapter, tok_loc = self._resolve(ref)
        return Entry(key, ref.name, slot, None, self._tokenizer(ref, tok_loc), False, None)

    # ---- eviction ---------------------------------------------------------------------------------------------

    def _evict(self, key: str) -> None:
        entry = self.entries.pop(key)
        slot, name = entry.slot, entry.name
        slot.users.discard(key)
        if not slot.users:
            del self.slots[slot.key]  # with `entry`, the last references to the weights go
            del entry, slot
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            log.info("dropped model %s and its weights", name)
        elif entry.adapter is not None and len(slot.adapters) > 1:
            slot.model.delete_adapter(entry.adapter)
            slot.adapters.discard(entry.adapter)
            log.info("dropped adapter %s (its base stays for the others)", name)

    def loaded(self) -> list[str]:
        return [e.name for e in self.entries.values()]


def _causal(key: str) -> str:
    return "causal:" + key
