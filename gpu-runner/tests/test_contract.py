"""The queue contract: every JSON Schema example validates and parses; payload errors name the field; the runner
uses only names that are in contract.json, and writes none of them out in its source."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.helpers import chat_rows, example_payload, make_payload
from whetstone_runner import contract
from whetstone_runner.config import JobError
from whetstone_runner.jobs import HANDLERS, augment, evaluate, generate, merge, score, simulate, train
from whetstone_runner.schema import errors, load_schema, validate_event, validate_payload
from whetstone_runner.techniques import TECHNIQUES, sft

KINDS = contract.job_kinds()
SOURCE = Path(__file__).resolve().parents[1] / "whetstone_runner"
# each handled kind's payload -> its typed config (a new kind adds its parser here)
CONFIG_PARSERS = {"train": train.parse_config, "evaluate": evaluate.parse_config, "generate": generate.parse_request,
                  "score": score.parse_config, "simulate": simulate.parse_config, "augment": augment.parse_config,
                  "merge": merge.parse_config}


def handled() -> str:
    return ", ".join(repr(k) for k in HANDLERS)


def schema_files() -> list[str]:
    return [contract.job_kind(k)["schema"] for k in contract.job_kinds()] + ["runner-event.schema.json"]


@pytest.mark.parametrize("name", schema_files())
def test_every_schema_example_validates(name):
    examples = load_schema(name)["examples"]
    assert examples
    for ex in examples:
        assert errors(name, ex) == []


@pytest.mark.parametrize("kind", sorted(HANDLERS))
def test_every_example_of_a_handled_kind_parses_into_its_config(kind):
    assert set(CONFIG_PARSERS) == set(HANDLERS)
    examples = load_schema(contract.job_kind(kind)["schema"])["examples"]
    for ex in examples:
        assert ex["kind"] == kind and validate_payload(ex) == []
        cfg = CONFIG_PARSERS[kind](ex)
        assert cfg.job_id == ex["jobId"]


@pytest.mark.parametrize("mutate,field", [
    (lambda p: p["hyperparameters"].update(learningRate="fast"), "hyperparameters.learningRate"),
    (lambda p: p["hyperparameters"].pop("maxSteps"), "hyperparameters"),
    (lambda p: p.update(method="dora"), "method"),
    (lambda p: p["datasets"][0].update(sha256="xyz"), "datasets.0.sha256"),
    (lambda p: p.update(outputPrefix="jobs/no-slash"), "outputPrefix"),
    (lambda p: p.update(kind="distill"), "kind"),  # not a kind of the contract
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
    p["kind"] = "distill"
    with pytest.raises(JobError, match="unknown job kind 'distill': this runner handles " + re.escape(handled())):
        run_direct(p, storage_root, tmp_path / "w")


def test_event_validation_catches_a_bad_event():
    ev = load_schema("runner-event.schema.json")["examples"][0] | {"state": "exploded"}
    assert validate_event(ev)


# ---- the runner names only what the contract has ----------------------------------------------------------------

def test_dispatch_tables_name_only_contract_kinds_and_techniques():
    assert set(HANDLERS) <= set(contract.job_kinds())
    # every technique the train schema accepts must be one this runner trains, and no other
    assert set(TECHNIQUES) == set(contract.techniques())
    for name, technique in TECHNIQUES.items():
        assert technique.name == name and technique.formats <= set(contract.dataset_formats())
    assert set(sft.TO_MESSAGES) == contract.technique_formats("sft")


@pytest.mark.parametrize("call,message", [
    (lambda: contract.job_kind("x"), f"job kind 'x' is not in the queue contract (it has: {', '.join(sorted(KINDS))})"),
    (lambda: contract.redis_key("nope"), "Redis key 'nope' is not in the queue contract"),
    (lambda: contract.redis_key("cancel"), "missing {jobId}"),
    (lambda: contract.storage_key("checkpoint", outputPrefix="jobs/a/"), "missing {step}"),
    (lambda: contract.technique_formats("dpo"), "technique 'dpo' is not in the queue contract"),
    (lambda: contract.artifact_kind("weights"), "artifact kind 'weights' is not in the queue contract"),
    (lambda: contract.required_fields("xml"), "dataset format 'xml' is not in the queue contract"),
])
def test_names_outside_the_contract_raise_a_clear_error(call, message):
    with pytest.raises(contract.ContractError) as err:
        call()
    assert message in str(err.value)


def test_keys_and_layout_come_out_of_the_templates():
    prefix = contract.key_prefix()
    assert contract.redis_key("cancel", jobId="j1").startswith(prefix) and contract.redis_key("cancel", jobId="j1").endswith("j1")
    assert contract.redis_key("cancel", prefix="test:x", jobId="j1").startswith("test:x")
    ckpt = contract.storage_key("checkpoint", outputPrefix="jobs/a/", step=12)
    assert ckpt.startswith("jobs/a/") and "12" in ckpt and ckpt.endswith("/")


def contract_fragments() -> set[str]:
    """Strings that only a restatement of the contract would contain: job names, schema files, the literal pieces of
    the Redis key and storage layout templates, the key prefix followed by its separator."""
    c = contract.contract()
    out = {c["keyPrefix"] + ":", c["redisKeys"]["eventsGroup"]}
    for spec in c["jobKinds"].values():
        out |= {spec["jobName"], spec["schema"]}
    for template in [*c["redisKeys"].values(), *c["storageLayout"].values()]:
        out |= {p for p in re.split(r"\{\w+\}", template) if len(p) >= 3}
    return out | {"whetstone:", "training.run", "_COMPLETE", "checkpoints/step-"}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def test_runner_source_writes_out_no_contract_string():
    fragments = contract_fragments()
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if path.name == "contract.py" and path.parent == SOURCE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                found += [f"{path.relative_to(SOURCE)}:{node.lineno}: {f!r} in {node.value!r}"
                          for f in fragments if f in node.value]
    assert not found, "contract names restated in the runner (read them from whetstone_runner.contract):\n" + "\n".join(found)


def test_the_scan_would_catch_a_restated_name():
    tree = ast.parse('KEY = f"whetstone:cancel:{job}"\nMARK = "_COMPLETE"\n')
    hits = {f for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            for f in contract_fragments() if f in node.value}
    assert {"whetstone:", ":cancel:", "_COMPLETE"} <= hits
