"""Validation of job payloads and events against the JSON Schemas exported from packages/queue."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import jsonschema


def schema_dir() -> Path:
    """WHETSTONE_SCHEMA_DIR (the Docker image copies the schemas there), else packages/queue/schema in the repo."""
    env = os.environ.get("WHETSTONE_SCHEMA_DIR")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "packages" / "queue" / "schema"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("JSON Schemas not found: set WHETSTONE_SCHEMA_DIR to the folder holding training-job.schema.json")


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


def validate_payload(payload: object) -> list[str]:
    return errors("training-job.schema.json", payload)


def validate_event(event: object) -> list[str]:
    return errors("runner-event.schema.json", event)
