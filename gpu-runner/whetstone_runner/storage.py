"""Blob storage addressed by keys relative to a root given by STORAGE_URL.

`file:///absolute/dir` (default for local runs) or `s3://bucket/prefix` (boto3, imported lazily;
S3_ENDPOINT_URL points it at MinIO). Keys use "/" and never start with one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

DEFAULT_STORAGE_URL = "file://" + str(Path.cwd() / ".data" / "storage")
# A file still being written (or left by a process killed while writing): never a blob (packages/storage's naming).
PARTIAL_SUFFIX = ".partial"


def is_partial(name: str) -> bool:
    return name.endswith(PARTIAL_SUFFIX) or name.endswith(".part")  # `.part`: what runners before this wrote


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _clean(key: str) -> str:
    key = key.lstrip("/")
    if ".." in key.split("/"):
        raise ValueError(f"storage key may not contain '..': {key}")
    return key


@dataclass
class LocalStorage:
    root: Path

    def _path(self, key: str) -> Path:
        return self.root / _clean(key)

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def download(self, key: str, dest: Path) -> Path:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._path(key), dest)
        return dest

    def upload(self, src: Path, key: str) -> None:
        """Atomic for readers: copied to a `.partial` file beside the target (the platform's naming, which `list` here
        and in packages/storage skip, and the worker's sweeper removes once stale), then renamed into place."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{uuid.uuid4().hex[:12]}{PARTIAL_SUFFIX}")
        try:
            shutil.copyfile(src, tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def list(self, prefix: str) -> list[str]:
        base = self._path(prefix) if prefix else self.root
        if not base.exists():
            return []
        if base.is_file():
            return [_clean(prefix)]
        return sorted(str(p.relative_to(self.root)).replace(os.sep, "/") for p in base.rglob("*")
                      if p.is_file() and not is_partial(p.name))


class S3Storage:
    def __init__(self, bucket: str, prefix: str):
        import boto3  # optional extra: pip install 'whetstone-runner[s3]'

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client("s3", endpoint_url=os.environ.get("S3_ENDPOINT_URL") or None)

    def _key(self, key: str) -> str:
        return self.prefix + _clean(key)

    def exists(self, key: str) -> bool:
        return bool(self.list(key))

    def download(self, key: str, dest: Path) -> Path:
        dest.parent.mkdir(parents=True, exist_ok=True)
        self.client.download_file(self.bucket, self._key(key), str(dest))
        return dest

    def upload(self, src: Path, key: str) -> None:
        self.client.upload_file(str(src), self.bucket, self._key(key))

    def list(self, prefix: str) -> list[str]:
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
            keys += [o["Key"][len(self.prefix):] for o in page.get("Contents", [])]
        return sorted(keys)


Storage = LocalStorage | S3Storage


def open_storage(url: str | None = None) -> Storage:
    url = url or os.environ.get("STORAGE_URL") or DEFAULT_STORAGE_URL
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalStorage(Path(unquote(parsed.path)))
    if parsed.scheme == "s3":
        return S3Storage(parsed.netloc, parsed.path)
    raise ValueError(f"STORAGE_URL must be file:///abs/dir or s3://bucket/prefix, got {url!r}")


def upload_dir(storage: Storage, src: Path, prefix: str) -> list[tuple[str, Path]]:
    """Upload every file under src to prefix + relative path; returns (key, local path) pairs."""
    out = []
    for p in sorted(src.rglob("*")):
        if p.is_file():
            key = prefix + str(p.relative_to(src)).replace(os.sep, "/")
            storage.upload(p, key)
            out.append((key, p))
    return out


def download_prefix(storage: Storage, prefix: str, dest: Path) -> Path:
    keys = storage.list(prefix)
    if not keys:
        raise FileNotFoundError(f"nothing in storage under {prefix!r}")
    for key in keys:
        storage.download(key, dest / key[len(prefix):].lstrip("/"))
    return dest
