"""Checkpoints in storage, laid out as the contract's storageLayout says: one folder per step, complete only once
its marker file is written (last). The marker holds the folder's manifest — every file with its size and sha256, the
`files` of the checkpoint event — so a retry can tell a checkpoint that was damaged after it was written (a bad disk,
a truncated copy, a hand edit) from a good one, and resume from the newest checkpoint that verifies instead of failing
on the same broken file at every attempt."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from .. import contract
from ..storage import Storage, sha256_file, upload_dir


def checkpoint_prefix(output_prefix: str, step: int) -> str:
    return contract.storage_key("checkpoint", outputPrefix=output_prefix, step=step)


def _complete_marker() -> str:
    return contract.storage_key("checkpointComplete")


def complete_checkpoints(storage: Storage, output_prefix: str) -> list[int]:
    """The steps whose checkpoint is complete (its marker written), newest first."""
    head, tail = contract.storage_key("checkpoint", outputPrefix=output_prefix, step="\0").split("\0")
    complete = re.compile(re.escape(head) + r"(\d+)" + re.escape(tail + _complete_marker()) + "$")
    folder = head[: head.rfind("/") + 1]  # the folder holding one sub-folder per step
    return sorted((int(m.group(1)) for k in storage.list(folder) if (m := complete.match(k))), reverse=True)


def fetch_checkpoint(storage: Storage, output_prefix: str, step: int, dest: Path) -> Path:
    prefix = checkpoint_prefix(output_prefix, step)
    for key in storage.list(prefix):
        if not key.endswith(_complete_marker()):
            storage.download(key, dest / key[len(prefix):])
    return dest


def _manifest(storage: Storage, output_prefix: str, step: int, scratch: Path) -> list[dict] | None:
    """The files the marker lists, or None for a marker without a manifest (written by a runner before manifests)."""
    marker = storage.download(checkpoint_prefix(output_prefix, step) + _complete_marker(), scratch / f"marker-{step}")
    try:
        doc = json.loads(marker.read_text())
    except ValueError:
        return None
    files = doc.get("files") if isinstance(doc, dict) else None
    return files if isinstance(files, list) else None


def verify_checkpoint(local: Path, files: list[dict]) -> str | None:
    """Why the fetched folder does not match its manifest (the first file that differs), or None when it does."""
    for f in files:
        p = local / f["name"]
        if not p.is_file():
            return f"{f['name']} is missing"
        if p.stat().st_size != f["bytes"]:
            return f"{f['name']} has {p.stat().st_size} bytes, {f['bytes']} were written"
        digest = sha256_file(p)
        if digest != f["sha256"]:
            return f"{f['name']} has sha256 {digest[:12]}…, {f['sha256'][:12]}… was written"
    return None


def fetch_verified_checkpoint(storage: Storage, output_prefix: str, dest_of: Callable[[int], Path],
                              say: Callable[[str, str], None]) -> tuple[int, Path] | None:
    """Fetch the newest complete checkpoint whose files match their manifest: -> (step, local folder), or None.

    Each checkpoint that does not verify is skipped with a warning naming the file at fault; a checkpoint whose marker
    carries no manifest (an older runner's) cannot be checked and is taken as it is."""
    skipped = False
    for step in complete_checkpoints(storage, output_prefix):
        local = dest_of(step)
        scratch = local.parent / f".manifest-{step}"
        try:
            files = _manifest(storage, output_prefix, step, scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        fetch_checkpoint(storage, output_prefix, step, local)
        problem = verify_checkpoint(local, files) if files is not None else None
        if problem is None:
            return step, local
        say("warning", f"checkpoint step-{step} does not verify ({problem}); skipped, trying an older one")
        shutil.rmtree(local, ignore_errors=True)
        skipped = True
    if skipped:
        say("warning", "no checkpoint verifies; training starts again from the beginning")
    return None


def save_checkpoint(storage: Storage, local: Path, output_prefix: str, step: int) -> tuple[str, int, list[dict]]:
    """Upload a local checkpoint folder, then its marker holding the manifest; -> (storage prefix, bytes uploaded, the
    files with name relative to the prefix, size and sha256 — the `files` of the checkpoint event, like artifacts')."""
    prefix = checkpoint_prefix(output_prefix, step)
    marker = local / _complete_marker()
    marker.unlink(missing_ok=True)  # a folder saved twice: the old marker is not part of the checkpoint
    uploaded = upload_dir(storage, local, prefix)
    files = [{"name": key[len(prefix):], "bytes": p.stat().st_size, "sha256": sha256_file(p)} for key, p in uploaded]
    marker.write_text(json.dumps({"step": step, "files": files}, separators=(",", ":")))
    storage.upload(marker, prefix + _complete_marker())
    return prefix, sum(f["bytes"] for f in files), files

