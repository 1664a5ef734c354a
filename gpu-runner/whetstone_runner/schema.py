"""Validation of job payloads (one schema file per job kind, named by the contract) and events against the JSON
Schemas exported from packages/queue."""

from __future__ import annotations

import json
from functools import cache

import jsonschema

from . import contract
from .contract import schema_dir


@cache
def load_schema(name: str) -> dict:
    return json.loads((schema_dir() / name).read_text(encoding="utf-8"))


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(payload)"


def errors(name: str, instance: object) -> list[str]:
    """Every validation error as `field.path: message`, most specific first."""
    errs = sorted(_validator(name).iter_errors(instance), key=lambda e: (-len(e.absolute_path), _path(e)))
    out = []
    for e in errs:
        # For oneOf/anyOf failures, point at the deepest sub-error, which names the field.
        best = jsonschema.exceptions.best_match([e]) if e.context else e
        out.append(f"{_path(best)}: {best.message}")
    return out


def validate_payload(payload: object, kind: str | None = None) -> list[str]:
    """Errors of a job payload against the schema file of its kind (the payload's own `kind` unless given)."""
    if not isinstance(payload, dict):
        return ["(payload): must be an object"]
    kind = kind if kind is not None else payload.get("kind")
    try:
        name = contract.job_kind(kind)["schema"]
    except contract.ContractError as err:
        return [f"kind: {err}"]
    return errors(name, payload)


def validate_event(event: object) -> list[str]:
    return errors("runner-event.schema.json", event)
