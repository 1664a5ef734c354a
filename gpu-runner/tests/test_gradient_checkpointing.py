"""Gradient checkpointing as a job option: the payload's resolved gradientCheckpointing reaches the trainer's arguments
(non-reentrant, so the frozen PEFT base still passes gradients to the adapters), a LoRA job with it on really
recomputes its layers, learns as the same job without it does, and says so in its events."""

from __future__ import annotations

import transformers.modeling_utils as modeling_utils

from tests.conftest import run_direct
from tests.helpers import chat_rows, example_payload, make_payload
from whetstone_runner.config import TrainingConfig
from whetstone_runner.training.trainer import training_args


def test_payload_choice_reaches_training_arguments(tmp_path):
    p = example_payload(0)
    for on in (True, False):
        p["hyperparameters"]["gradientCheckpointing"] = on
        args = training_args(TrainingConfig.from_payload(p), tmp_path, True, 10, False)
        assert args.gradient_checkpointing is on  # the alias mirrors activation_checkpointing on transformers 5
        assert (args.gradient_checkpointing_kwargs or {}).get("use_reentrant") is (False if on else None)
    # A payload from before the option: on for QLoRA only, as the runner always did.
    del p["hyperparameters"]["gradientCheckpointing"]
    assert TrainingConfig.from_payload({**p, "method": "lora"}).gradient_checkpointing is False
    assert TrainingConfig.from_payload({**p, "method": "qlora"}).gradient_checkpointing is True


def test_lora_with_checkpointing_recomputes_learns_and_reports_it(tmp_path, storage_root, tiny_model, monkeypatch):
    calls = []

    def counting_checkpoint(*args, **kwargs):
        calls.append(kwargs.get("use_reentrant"))
        return original(*args, **kwargs)

    original = modeling_utils.checkpoint
    monkeypatch.setattr(modeling_utils, "checkpoint", counting_checkpoint)
    rows = chat_rows(64)
    series, events_of = {}, {}
    for on in (False, True):
        calls.clear()
        payload = make_payload(storage_root, tiny_model, [("chat", "chat", "jsonl", rows)], maxSteps=12,
                               learningRate=5e-3, validationSplit=0.1, gradientCheckpointing=on)
        result, events = run_direct(payload, storage_root, tmp_path / f"work-{on}")
        assert result["status"] == "succeeded", result
        series[on] = [v for _s, v in events.metric("train_loss")]
        events_of[on] = [e["message"] for e in events.of("log")]
        if on:
            # every decoder layer of every training forward went through torch's checkpoint, non-reentrant
            assert len(calls) >= 12 * 2, len(calls)
            assert set(calls) == {False}
        else:
            assert calls == []
    assert series[True][-1] < series[True][0], series[True]
    # Recomputing the activations changes the memory, not the maths: the same run, the same losses.
    for a, b in zip(series[True], series[False], strict=True):
        assert abs(a - b) < 1e-3 * max(1.0, abs(b)), (series[True], series[False])
    assert any(m.startswith("gradient checkpointing on") for m in events_of[True])
    assert not any(m.startswith("gradient checkpointing on") for m in events_of[False])
