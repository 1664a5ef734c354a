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


def read_datasets(cfg: TrainingConfig, technique: Technique, ctx, say) -> list[list[dict]]:
    allowed = technique.formats
    out = []
    for i, d in enumerate(cfg.datasets):
        if d.format not in allowed:
            raise JobError(f"datasets.{i}.format: technique {cfg.technique!r} trains on {sorted(allowed)}, "
                           f"dataset {d.name!r} is {d.format!r}")
        path = ctx.workdir / "data" / f"{i}.{d.container}"
        try:
            ctx.storage.download(d.key, path)
        except FileNotFoundError:
            raise JobError(f"datasets.{i}.key: no file in storage at {d.key!r}") from None
        if sha256_file(path) != d.sha256:
            say("warning", f"dataset {d.name!r}: sha256 differs from the payload's (file changed since upload?)")
        rows = read_rows(path, d.container, d.format, d.name)
        say("info", f"dataset {d.name!r}: {len(rows)} rows ({d.format}, {d.container})")
        out.append(rows)
    return out


def prepare(cfg: TrainingConfig, technique: Technique, tokenizer, raw: list[list[dict]], label2id, say) -> Prepared:
    """Carve testSplit of each dataset first (never trained nor validated on; the evaluate job carves the same rows),
    hold out validationSplit of the rest, tokenize both sides, mix the training sides by weight."""
    hp = cfg.hp
    trains, vals, names, dropped, tested = [], {}, [], 0, {}
    for i, (d, rows) in enumerate(zip(cfg.datasets, raw, strict=False)):
        # Rows an augmentation generated only ever train: the splits come from the uploaded rows alone.
        originals, generated = originals_and_generated(rows)
        test_rows, rest = carve_test(originals, hp.test_split, hp.seed + i)
        tested[d.name] = len(test_rows)
        tr_rows, va_rows = split(rest, hp.validation_split, hp.seed + i)
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
    train = trains[0] if len(trains) == 1 else mix(trains, [weights[n] for n in names], hp.seed)[0]
    prep = Prepared(train=train, val={k: v for k, v in vals.items() if v}, weights=weights, label2id=label2id,
                    dropped=dropped)
    if prep.dropped:
        say("warning", f"{prep.dropped} examples dropped: {technique.drop_reason} {hp.max_seq_length}")
    say("info", f"{len(prep.train)} training examples, validation: " + ", ".join(f"{n}={len(v)}" for n, v in prep.val.items())
        + ("; held out for testing: " + ", ".join(f"{n}={k}" for n, k in tested.items()) if any(tested.values()) else ""))
    return prep
