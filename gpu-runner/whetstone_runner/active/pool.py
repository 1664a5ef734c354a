"""Reading a pool (or a labelled set) as a stream: one row at a time, never the whole file in memory.

A row's index is its 0-based position among the file's records, as the platform's upload parser counts them (JSONL:
blank lines are not records; CSV/TSV: the header is not one). Fields each format requires come from the queue
contract; a record that is not an object, or lacks a required field, fails the job naming the line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .. import contract
from ..config import JobError


def iter_rows(path: Path, container: str, fmt: str, name: str) -> Iterator[tuple[int, dict]]:
    """(row index, row) for every record of a dataset file, in file order."""
    required = contract.required_fields(fmt)
    with open(path, encoding="utf-8-sig", newline="") as f:
        if container == "jsonl":
            records = ((n, line) for n, line in enumerate(f, start=1) if line.strip())
            parsed = ((n, _json(line, name, n)) for n, line in records)
        else:
            reader = csv.DictReader(f, delimiter="\t" if container == "tsv" else ",")
            parsed = ((reader.line_num, dict(r)) for r in reader)
        for index, (line_no, row) in enumerate(parsed):
            if not isinstance(row, dict):
                raise JobError(f"dataset {name!r} line {line_no}: expected an object")
            for field in required:
                if row.get(field) is None:
                    raise JobError(f"dataset {name!r} line {line_no}: field {field!r} is missing")
            yield index, row


def _json(line: str, name: str, line_no: int):
    try:
        return json.loads(line)
    except json.JSONDecodeError as err:
        raise JobError(f"dataset {name!r} line {line_no}: invalid JSON ({err.msg})") from None


def iter_texts(path: Path, container: str, fmt: str, name: str, field: str, wanted: np.ndarray,
               skip: int = 0) -> Iterator[tuple[int, str]]:
    """(row index, text) of the rows in `wanted` (sorted row indices), in file order, after the first `skip` of them."""
    if len(wanted) <= skip:
        return
    pos = skip
    for index, row in iter_rows(path, container, fmt, name):
        if index < wanted[pos]:
            continue
        yield index, str(row[field])
        pos += 1
        if pos == len(wanted):
            return


def sample(n: int, m: int | None, seed: int) -> np.ndarray:
    """Sorted positions of a seeded sample of m of n items (all of them when m is None or m >= n)."""
    if m is None or m >= n:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n, size=m, replace=False)).astype(np.int64)
