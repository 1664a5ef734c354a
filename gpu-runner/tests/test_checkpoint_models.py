"""A train job's checkpoint served as a model (OpenAI's `ft:…:ckpt-step-N`, decision 0010): the ref the platform
sends is the checkpoint folder (`<outputPrefix>checkpoints/step-N/`) as an adapter artifact on the job's base (LoRA)
or as merged weights (full fine-tune); the runner loads the weights at that step, without the trainer's state."""

from __future__ import annotations

import torch

from tests.conftest import run_direct
from tests.helpers import chat_rows, make_payload
from tests.test_generate import gen, ref_local, request  # noqa: F401  (gen: the fixture)
from whetstone_runner.config import BaseModelRef
from whetstone_runner.inference.models import ModelCache
from whetstone_runner.storage import LocalStorage


def train(storage_root, tiny_model, tmp_path, method: str) -> dict:
    payload = make_payload(storage_root, tiny_model, [("c", "chat", "jsonl", chat_rows(24))], method=method,
                           maxSteps=4, checkpointEverySteps=2, evalEverySteps=2, learningRate=2e-2)
    result, _events = run_direct(payload, storage_root, tmp_path / f"train-{method}")
    assert result["status"] == "succeeded"
    return payload


def ckpt_ref(payload: dict, step: int, kind: str, base: dict) -> dict:
    return {"id": f"ckpt_{step}", "name": f"ft:tiny:t::{payload['jobId']}:ckpt-step-{step}", "source": "artifact",
            "ref": f"{payload['outputPrefix']}checkpoints/step-{step}/", "revision": None, "artifactKind": kind,
            "parent": base}


def same_as(entry, truth) -> torch.Tensor:
    """`truth` (a model loaded straight from the folder) in the served model's dtype and device: its logits."""
    served = next(entry.slot.model.parameters())
    truth = truth.to(served.device, dtype=served.dtype).eval()
    ids = entry.tokenizer("My question is about parcel, thank you.", return_tensors="pt").to(served.device)
    with torch.no_grad():
        return truth(**ids).logits.float().cpu()


def tol(entry) -> float:
    """Equal up to rounding: exact-ish in float32 (a CPU runner), looser in half precision (a GPU runner)."""
    return 1e-4 if next(entry.slot.model.parameters()).dtype == torch.float32 else 3e-2


def logits(entry) -> torch.Tensor:
    ids = entry.tokenizer("My question is about parcel, thank you.", return_tensors="pt")
    with entry.use() as model, torch.no_grad():
        return model(**ids.to(entry.device)).logits.float().cpu()


def test_a_lora_checkpoint_is_served_as_the_adapter_at_that_step(gen, storage_root, tiny_model, tmp_path):  # noqa: F811
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    payload = train(storage_root, tiny_model, tmp_path, "lora")
    base = ref_local(tiny_model)
    cache = ModelCache(LocalStorage(storage_root), tmp_path / "serve", size=4)
    at2 = cache.get(BaseModelRef.from_payload(ckpt_ref(payload, 2, "adapter", base)))
    at4 = cache.get(BaseModelRef.from_payload(ckpt_ref(payload, 4, "adapter", base)))
    plain = cache.get(BaseModelRef.from_payload(base))
    assert cache.loads == 1  # both checkpoints are adapters on the one copy of the base

    # the same numbers as PEFT loading the checkpoint folder itself
    folder = storage_root / payload["outputPrefix"] / "checkpoints" / "step-2"
    expected = same_as(at2, PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model), folder))
    assert torch.allclose(logits(at2), expected, atol=tol(at2))
    assert not torch.allclose(logits(at2), logits(at4), atol=tol(at2))  # two steps, two models
    assert not torch.allclose(logits(at4), logits(plain), atol=tol(at2))
    # the trainer's state stayed in storage
    downloaded = {p.name for p in (tmp_path / "serve").rglob("*") if p.is_file()}
    assert "adapter_model.safetensors" in downloaded
    assert not downloaded & {"optimizer.pt", "scheduler.pt", "rng_state.pth", "whetstone_best.safetensors"}

    # and through a generate request, as the platform sends it
    entries = gen(request(ckpt_ref(payload, 2, "adapter", base), label="ckpt"))
    assert entries[0] == {"type": "start", "model": "ckpt", "runner": "test-runner"}
    assert entries[-1]["type"] == "done" and entries[-1]["usage"]["completionTokens"] >= 1


def test_a_full_fine_tune_checkpoint_is_served_as_its_weights(storage_root, tiny_model, tmp_path):
    from transformers import AutoModelForCausalLM

    payload = train(storage_root, tiny_model, tmp_path, "full")
    cache = ModelCache(LocalStorage(storage_root), tmp_path / "serve", size=2)
    entry = cache.get(BaseModelRef.from_payload(ckpt_ref(payload, 2, "merged", ref_local(tiny_model))))
    folder = storage_root / payload["outputPrefix"] / "checkpoints" / "step-2"
    expected = same_as(entry, AutoModelForCausalLM.from_pretrained(folder))
    assert torch.allclose(logits(entry), expected, atol=max(tol(entry), 1e-3))
    downloaded = {p.name for p in (tmp_path / "serve").rglob("*") if p.is_file()}
    assert "config.json" in downloaded and "optimizer.pt" not in downloaded
