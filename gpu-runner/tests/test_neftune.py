"""NEFTune (noisy embeddings) as a training option: the payload's neftuneNoiseAlpha reaches transformers'
TrainingArguments.neftune_noise_alpha for supervised fine-tuning, and changes what the model sees while it trains."""

from __future__ import annotations

from tests.conftest import run_direct
from tests.helpers import chat_rows, example_payload, make_payload
from whetstone_runner.config import TrainingConfig
from whetstone_runner.training.trainer import training_args


def test_payload_alpha_reaches_training_arguments(tmp_path):
    p = example_payload(0)
    p["hyperparameters"]["neftuneNoiseAlpha"] = 5
    cfg = TrainingConfig.from_payload({**p, "technique": "sft"})
    assert training_args(cfg, tmp_path, True, 10, False).neftune_noise_alpha == 5
    # Classification trains a head on pooled states: NEFTune is an instruction-tuning option, not passed there.
    cfg = TrainingConfig.from_payload({**p, "technique": "classification"})
    assert training_args(cfg, tmp_path, True, 10, False).neftune_noise_alpha is None
    # Older payloads without the field train as before.
    del p["hyperparameters"]["neftuneNoiseAlpha"]
    assert TrainingConfig.from_payload(p).hp.neftune_noise_alpha is None


def test_sft_with_neftune_learns_and_differs_from_the_same_run_without(tmp_path, storage_root, tiny_model):
    rows = chat_rows(64)
    losses = {}
    for alpha in (None, 5.0):
        payload = make_payload(storage_root, tiny_model, [("chat", "chat", "jsonl", rows)], maxSteps=12,
                               learningRate=5e-3, validationSplit=0.1, neftuneNoiseAlpha=alpha)
        result, events = run_direct(payload, storage_root, tmp_path / f"work-{alpha}")
        assert result["status"] == "succeeded"
        series = [v for _s, v in events.metric("train_loss")]
        assert series[-1] < series[0], series
        losses[alpha] = series
    # Same data, seed and settings: only the embedding noise differs, and it shows in the training loss.
    assert losses[None] != losses[5.0]
