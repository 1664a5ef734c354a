"""The queue contract: every JSON Schema example validates; payload errors name the field."""

from __future__ import annotations

import pytest

from tests.helpers import chat_rows, example_payload, make_payload
from whetstone_runner.config import JobError, TrainingConfig
from whetstone_runner.schema import load_schema, validate_event, validate_payload


@pytest.mark.parametrize("name", ["training-job.schema.json", "runner-event.schema.json"])
def test_every_schema_example_validates(name):
    from whetstone_runner.schema import errors

    examples = load_schema(name)["examples"]
    assert examples
    for ex in examples:
        assert errors(name, ex) == []


def test_examples_parse_into_the_training_config():
    for i in range(len(load_schema("training-job.schema.json")["examples"])):
        cfg = TrainingConfig.from_payload(example_payload(i))
        assert cfg.hp.learning_rate > 0 and cfg.datasets


@pytest.mark.parametrize("mutate,field", [
    (lambda p: p["hyperparameters"].update(learningRate="fast"), "hyperparameters.learningRate"),
    (lambda p: p["hyperparameters"].pop("maxSteps"), "hyperparameters"),
    (lambda p: p.update(method="dora"), "method"),
    (lambda p: p["datasets"][0].update(sha256="xyz"), "datasets.0.sha256"),
    (lambda p: p.update(outputPrefix="jobs/no-slash"), "outputPrefix"),
])
def test_payload_errors_name_the_field(mutate, field):
    p = example_payload(0)
    mutate(p)
    errs = validate_payload(p)
    assert errs and errs[0].startswith(field), errs


def test_run_job_rejects_a_bad_payload_as_final(tmp_path, storage_root, tiny_model):
    from tests.conftest import run_direct

    p = make_payload(storage_root, tiny_model, [("c", "chat", "jsonl", chat_rows(8))])
    p["hyperparameters"]["batchSize"] = 0
    with pytest.raises(JobError, match=r"hyperparameters\.batchSize"):
        run_direct(p, storage_root, tmp_path / "w")


def test_event_validation_catches_a_bad_event():
    ev = load_schema("runner-event.schema.json")["examples"][0] | {"state": "exploded"}
    assert validate_event(ev)
