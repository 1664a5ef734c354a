"""Work saved so far, under the job's output prefix, so that a retry (another attempt, another runner) continues.

A job runs its rows through the model in a fixed order and saves a chunk every so often: `<name>-<start>.npz` under
`{outputPrefix}partial/`, holding numeric (and plain unicode) arrays for the rows [start, start + len) of that
sequence, and the job's fingerprint (a hash of its payload). On start, the chunks with the same fingerprint that
follow each other from 0 are read back; anything else (another payload's chunks, a gap) is ignored. These files are
the runner's own: the platform reads only the artifacts, and deletes the whole prefix with the round.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import numpy as np

from ..storage import Storage

PARTIAL_DIR = "partial/"
_CHUNK = re.compile(r"^(\w+)-(\d{9})\.npz$")


def fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class ChunkStore:
    def __init__(self, storage: Storage, output_prefix: str, fingerprint_: str, workdir: Path):
        self.storage, self.prefix, self.fp = storage, output_prefix + PARTIAL_DIR, fingerprint_
        self.workdir = workdir / "partial"

    def load(self, name: str) -> dict[str, np.ndarray]:
        """The saved rows of sequence `name`, arrays concatenated (empty dict: nothing saved)."""
        found = []
        for key in self.storage.list(self.prefix):
            m = _CHUNK.match(key[len(self.prefix):])
            if m and m.group(1) == name:
                found.append((int(m.group(2)), key))
        parts, done = [], 0
        for start, key in sorted(found):
            if start != done:
                break
            local = self.storage.download(key, self.workdir / key.rsplit("/", 1)[-1])
            with np.load(local, allow_pickle=False) as z:
                if str(z["fingerprint"]) != self.fp:
                    break
                arrays = {k: z[k] for k in z.files if k != "fingerprint"}
            parts.append(arrays)
            done += len(next(iter(arrays.values())))
        if not parts:
            return {}
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def save(self, name: str, start: int, arrays: dict[str, np.ndarray]) -> None:
        buf = io.BytesIO()
        np.savez(buf, fingerprint=np.array(self.fp), **arrays)
        local = self.workdir / f"{name}-{start:09d}.npz"
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(buf.getvalue())
        self.storage.upload(local, f"{self.prefix}{local.name}")
        local.unlink()
