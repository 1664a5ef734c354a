"""Checkpoints in storage, laid out as the contract's storageLayout says: one folder per step, complete only once
its marker file is written (last)."""

from __future__ import annotations

import re
from pathlib import Path

from .. import contract
from ..storage import Storage, sha256_file, upload_dir


def checkpoint_prefix(output_prefix: str, step: int) -> str:
    return contract.storage_key("checkpoint", outputPrefix=output_prefix, step=step)


def _complete_marker() -> str:
    return contract.storage_key("checkpointComplete")


def latest_checkpoint(storage: Storage, output_prefix: str) -> int | None:
    """The newest step whose checkpoint is complete, or None."""
    head, tail = contract.storage_key("checkpoint", outputPrefix=output_prefix, step="\0").split("\0")
    complete = re.compile(re.escape(head) + r"(\d+)" + re.escape(tail + _complete_marker()) + "$")
    folder = head[: head.rfind("/") + 1]  # the folder holding one sub-folder per step
    steps = [int(m.group(1)) for k in storage.list(folder) if (m := complete.match(k))]
    return max(steps) if steps else None


def fetch_checkpoint(storage: Storage, output_prefix: str, step: int, dest: Path) -> Path:
    prefix = checkpoint_prefix(output_prefix, step)
    for key in storage.list(prefix):
        if not key.endswith(_complete_marker()):
            storage.download(key, dest / key[len(prefix):])
    return dest


def save_checkpoint(storage: Storage, local: Path, output_prefix: str, step: int) -> tuple[str, int, list[dict]]:
    """Upload a local checkpoint folder, then its marker; -> (storage prefix, bytes uploaded, the files with name
    relative to the prefix, size and sha256 — the `files` of the checkpoint event, like artifacts')."""
    prefix = checkpoint_prefix(output_prefix, step)
    uploaded = upload_dir(storage, local, prefix)
    marker = local / _complete_marker()
    marker.write_text(str(step))
    storage.upload(marker, prefix + _complete_marker())
    files = [{"name": key[len(prefix):], "bytes": p.stat().st_size, "sha256": sha256_file(p)} for key, p in uploaded]
    return prefix, sum(f["bytes"] for f in files), files
