"""The queue contract of packages/queue (src/contract.ts), loaded from the exported contract.json.

Every name the runner shares with the TypeScript side (queues, job kinds, Redis keys, technique formats, row rules,
artifact kinds, storage layout) is read here and nowhere restated. Asking for a name the contract lacks raises
`ContractError` naming what it does have.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path

CONTRACT_FILE = "contract.json"


class ContractError(LookupError):
    """A name that is not in the contract (or a template part left unfilled)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def schema_dir() -> Path:
    """WHETSTONE_SCHEMA_DIR (the Docker image copies the folder there), else packages/queue/schema in the repo."""
    env = os.environ.get("WHETSTONE_SCHEMA_DIR")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "packages" / "queue" / "schema"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"queue contract not found: set WHETSTONE_SCHEMA_DIR to the folder holding {CONTRACT_FILE}")


@cache
def contract() -> dict:
    return json.loads((schema_dir() / CONTRACT_FILE).read_text(encoding="utf-8"))


def _entry(section: str, name: str, what: str):
    table = contract()[section]
    if name not in table:
        raise ContractError(f"{what} {name!r} is not in the queue contract (it has: {', '.join(sorted(table))})")
    return table[name]


def _fill(template: str, parts: dict, what: str) -> str:
    def part(m: re.Match) -> str:
        if m.group(1) not in parts:
            raise ContractError(f"{what} {template!r}: missing {{{m.group(1)}}}")
        return str(parts[m.group(1)])

    return re.sub(r"\{(\w+)\}", part, template)


# ---- queues and job kinds ----------------------------------------------------------------------------------

def key_prefix() -> str:
    return contract()["keyPrefix"]


def bull_prefix() -> str:
    return contract()["bullPrefix"]


def queue(name: str) -> str:
    return _entry("queues", name, "queue")


def job_kinds() -> list[str]:
    return list(contract()["jobKinds"])


def job_kind(kind: str) -> dict:
    """{"jobName", "queue", "schema"} of a job kind."""
    return _entry("jobKinds", kind, "job kind")


# ---- Redis keys ------------------------------------------------------------------------------------------------

def redis_key(name: str, prefix: str | None = None, **parts: str) -> str:
    """The key `name` of redisKeys with {prefix} (default: the contract's keyPrefix) and the other parts filled in."""
    return _fill(_entry("redisKeys", name, "Redis key"), {"prefix": prefix or key_prefix(), **parts}, "Redis key")


# ---- techniques and dataset rows -------------------------------------------------------------------------------

def techniques() -> list[str]:
    return list(contract()["techniques"])


def technique_formats(technique: str) -> frozenset[str]:
    return frozenset(_entry("techniques", technique, "technique")["formats"])


def dataset_formats() -> list[str]:
    return list(contract()["datasetFormats"])


def required_fields(fmt: str) -> tuple[str, ...]:
    table = contract()["rowRules"]["requiredFields"]
    if fmt not in table:
        raise ContractError(f"dataset format {fmt!r} is not in the queue contract (it has: {', '.join(sorted(table))})")
    return tuple(table[fmt])


def required_field_shapes(fmt: str) -> tuple[tuple[str, ...], ...]:
    """The shapes a row of `fmt` may take, each as the fields it must carry: one shape (requiredFields) for most
    formats, several (requiredFieldsOneOf) for those whose rows come in more than one (preference)."""
    shapes = contract()["rowRules"].get("requiredFieldsOneOf", {}).get(fmt)
    return tuple(tuple(s) for s in shapes) if shapes else (required_fields(fmt),)


def chat_roles() -> frozenset[str]:
    return frozenset(contract()["rowRules"]["chatRoles"])


def chat_must_have_role() -> str:
    return contract()["rowRules"]["chatMustHaveRole"]


# ---- artifacts and storage -------------------------------------------------------------------------------------

def artifact_kinds() -> list[str]:
    return list(contract()["artifactKinds"])


def artifact_kind(kind: str) -> dict:
    """{"dir": folder under artifacts/, or None for a file at the top}."""
    return _entry("artifactKinds", kind, "artifact kind")


def artifact_dir(kind: str) -> str:
    folder = artifact_kind(kind)["dir"]
    if folder is None:
        raise ContractError(f"artifact kind {kind!r} is a single file, not a folder")
    return folder


def artifact_kind_of_dir(folder: str) -> str:
    """The artifact kind whose folder under artifacts/ is `folder`."""
    for kind, spec in contract()["artifactKinds"].items():
        if spec["dir"] == folder:
            return kind
    raise ContractError(f"artifact folder {folder!r} is not in the queue contract")


def storage_key(name: str, **parts) -> str:
    """The storageLayout template `name` with its parts filled in (`checkpointComplete` has none)."""
    return _fill(_entry("storageLayout", name, "storage layout entry"), parts, "storage key")



def provenance_field() -> str:
    """The field an augmentation's generated row carries its provenance in (`augmentation`)."""
    return contract()["augmentation"]["provenanceField"]


def augmentable_formats(method: str) -> frozenset[str]:
    """The dataset formats an `augment` job's method can augment."""
    return frozenset(contract()["augmentation"]["formats"][method])
