"""A train job's datasets: downloaded, read and checked, then split, tokenized by the technique and mixed by weight."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import JobError, TrainingConfig
from ..data import carve_test, mix, originals_and_generated, read_rows, split
from ..storage import sha256_file
from ..techniques.technique import Technique


@dataclass
class Prepared:
    train: list[dict]
    val: dict[str, list[dict]]  # dataset name -> examples
    weights: dict[str, float]
    label2id: dict[str, int] | None = None
    dropped: int = 0


def read_datasets(cfg: TrainingConfig, technique: Technique, ctx, say, field: str = "datasets") -> list[list[dict]]:
    """The datasets of `field` ("datasets", or "validationDatasets": the explicit validation set), read and checked."""
    allowed = technique.formats
    refs = cfg.validation_datasets if field == "validationDatasets" else cfg.datasets
    out = []
    for i, d in enumerate(refs):
        if d.format not in allowed:
            raise JobError(f"{field}.{i}.format: technique {cfg.technique!r} trains on {sorted(allowed)}, "
                           f"dataset {d.name!r} is {d.format!r}")
        path = ctx.workdir / "data" / f"{'val-' if field != 'datasets' else ''}{i}.{d.container}"
        try:
            ctx.storage.download(d.key, path)
        except FileNotFoundError:
            raise JobError(f"{field}.{i}.key: no file in storage at {d.key!r}") from None
        if sha256_file(path) != d.sha256:
            say("warning", f"dataset {d.name!r}: sha256 differs from the payload's (file changed since upload?)")
        rows = read_rows(path, d.container, d.format, d.name)
        say("info", f"dataset {d.name!r}: {len(rows)} rows ({d.format}, {d.container})")
        out.append(rows)
    return out


def prepare(cfg: TrainingConfig, technique: Technique, tokenizer, raw: list[list[dict]], label2id, say,
            val_raw: list[list[dict]] | None = None) -> Prepared:
    """Carve testSplit of each dataset first (never trained nor validated on; the evaluate job carves the same rows),
    hold out validationSplit of the rest, tokenize both sides, mix the training sides by weight. With an explicit
    validation set (`val_raw`, the payload's validationDatasets) nothing is held out: all of it validates, by name."""
    hp = cfg.hp
    trains, vals, names, dropped, tested = [], {}, [], 0, {}
    for i, (d, rows) in enumerate(zip(cfg.datasets, raw, strict=False)):
        # Rows an augmentation generated only ever train: the splits come from the uploaded rows alone.
        originals, generated = originals_and_generated(rows)
        test_rows, rest = carve_test(originals, hp.test_split, hp.seed + i)
        tested[d.name] = len(test_rows)
        tr_rows, va_rows = (rest, []) if val_raw else split(rest, hp.validation_split, hp.seed + i)
        tr_rows = tr_rows + generated
        tr, tr_dropped = technique.tokenize(tokenizer, d.format, tr_rows, hp, label2id)
        va, va_dropped = technique.tokenize(tokenizer, d.format, va_rows, hp, label2id)
        dropped += tr_dropped + va_dropped
        if not tr:
            raise JobError(f"datasets.{i}: dataset {d.name!r} leaves no training example "
                           f"(maxSeqLength {hp.max_seq_length} cuts every answer?)")
        trains.append(tr)
        vals[d.name] = va
        names.append(d.name)
    weights = {d.name: d.weight for d in cfg.datasets}
    for i, (d, rows) in enumerate(zip(cfg.validation_datasets, val_raw or [], strict=False)):
        va, va_dropped = _tokenize_validation(technique, tokenizer, d, rows, hp, label2id, i)
        if not va:
            raise JobError(f"validationDatasets.{i}: validation set {d.name!r} leaves no example "
                           f"(maxSeqLength {hp.max_seq_length} cuts every one?)")
        dropped += va_dropped
        vals[d.name] = vals.get(d.name, []) + va
        weights.setdefault(d.name, 1.0)
    train = trains[0] if len(trains) == 1 else mix(trains, [weights[n] for n in names], hp.seed)[0]
    prep = Prepared(train=train, val={k: v for k, v in vals.items() if v}, weights=weights, label2id=label2id,
                    dropped=dropped)
    if prep.dropped:
        say("warning", f"{prep.dropped} examples dropped: {technique.drop_reason} {hp.max_seq_length}")
    say("info", f"{len(prep.train)} training examples, validation: " + ", ".join(f"{n}={len(v)}" for n, v in prep.val.items())
        + ("; held out for testing: " + ", ".join(f"{n}={k}" for n, k in tested.items()) if any(tested.values()) else ""))
    return prep


def _tokenize_validation(technique: Technique, tokenizer, d, rows: list[dict], hp, label2id, i: int):
    """The explicit validation set, every row (generated rows too: the caller chose them)."""
    try:
        return technique.tokenize(tokenizer, d.format, rows, hp, label2id)
    except KeyError as err:  # a classification label the training data does not have
        raise JobError(f"validationDatasets.{i}: validation set {d.name!r} has label {err.args[0]!r}, which is not "
                       f"one of the training labels {sorted(label2id or {})}") from None
