"""The `augment` job: more rows for a small dataset, each with its provenance.

download the source → its seed rows (the rows a training job with the payload's hold-out settings would train on;
never a held-out row, never a row generated before) → per seed row up to perRow new rows, until targetRows:
  perturb   classification texts with words dropped (`word_dropout`) or neighbouring words swapped (`word_swap`);
  generate  a model writes a paraphrase of the question, the answer kept (`paraphrase`: chat, prompt/completion,
            alpaca), or a new text for the row's label (`new_text_for_label`: classification) — a model of the team
            run here, or an OpenAI-compatible endpoint
→ near duplicates of existing rows (and of each other) dropped: datasketch's MinHash LSH on character 5-grams
→ the new rows only, in the source's format, each with {"augmentation": {"sourceLine", "method", "model"}}, as the
`augmented_rows` artifact. The trainer keeps rows with that field out of validation and test splits (data.py).
Every event carries `kind: "augment"`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import random
import re
import time
import urllib.request
from dataclasses import dataclass

from .. import contract
from ..config import BaseModelRef, DatasetRef, JobError
from ..data import carve_test, is_generated, read_numbered_rows, split
from ..schema import validate_payload
from .context import JobContext, Reporter
from .score import download, schema_defaults

KIND = "augment"
NEAR_DUPLICATE_THRESHOLD = 0.8  # the platform's readiness default (packages/core DEFAULT_NEAR_DUPLICATE_THRESHOLD)
NUM_PERM = 128
PROGRESS_EVERY = 16


@dataclass(frozen=True)
class AugmentConfig:
    job_id: str
    team_id: str
    source: DatasetRef
    method: str  # perturb | generate
    target_rows: int
    per_row: int
    word_dropout: float
    swaps: int
    generator: dict | None
    max_new_tokens: int
    temperature: float
    test_split: float
    validation_split: float
    seed: int
    output_prefix: str


def parse_config(payload: dict) -> AugmentConfig:
    errs = validate_payload(payload, KIND)
    if errs:
        raise JobError("invalid payload: " + "; ".join(errs[:5]))
    p = schema_defaults(KIND) | payload
    s = p["source"]
    source = DatasetRef(name=s["name"], key=s["key"], format=s["format"], container=s["container"],
                        weight=float(s["weight"]), rows=s["rows"], sha256=s["sha256"])
    method = p["method"]
    # The rules zod checks in the API (not expressible in the exported JSON Schema), checked again here.
    allowed = contract.augmentable_formats(method)
    if source.format not in allowed:
        raise JobError(f"source.format: method {method!r} cannot augment {source.format!r} data "
                       f"(it augments {', '.join(sorted(allowed))})")
    if method == "generate" and not p.get("generator"):
        raise JobError("generator: method 'generate' needs a generator (a model or an endpoint)")
    pert = p.get("perturbation") or {}
    hold = p.get("holdOut") or {}
    return AugmentConfig(
        job_id=p["jobId"], team_id=p["teamId"], source=source, method=method, target_rows=p["targetRows"],
        per_row=p.get("perRow", 2), word_dropout=pert.get("wordDropout", 0.1), swaps=pert.get("swaps", 1),
        generator=p.get("generator"), max_new_tokens=p.get("maxNewTokens", 128),
        temperature=p.get("temperature", 0.8), test_split=hold.get("testSplit", 0.1),
        validation_split=hold.get("validationSplit", 0.1), seed=p.get("seed", 42), output_prefix=p["outputPrefix"])


def run_augment_job(payload: dict, ctx: JobContext) -> dict:
    cfg = parse_config(payload)
    report = Reporter(ctx, cfg.job_id, kind=KIND)
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    path = download(cfg.source, ctx, report, field="source")
    numbered = read_numbered_rows(path, cfg.source.container, cfg.source.format, cfg.source.name)
    seeds = seed_rows(cfg, numbered)
    report.say("info", f"{len(seeds)} seed rows of {len(numbered)} (held-out and generated rows are never seeds)")
    if not seeds:
        raise JobError("source: no seed rows left once the hold-out is carved; lower holdOut or add rows")

    rng = random.Random(cfg.seed)
    make = Perturber(cfg, rng) if cfg.method == "perturb" else Generator(cfg, ctx, report)
    dedup = NearDuplicates([row_text(cfg.source.format, r) for _l, r in numbered])
    out: list[dict] = []
    tried = dropped = 0
    order = list(range(len(seeds)))
    rng.shuffle(order)
    total = min(cfg.target_rows, len(seeds) * cfg.per_row)
    try:
        for k in order:
            if len(out) >= cfg.target_rows:
                break
            line, row = seeds[k]
            for new, how in make(row)[: cfg.per_row]:
                tried += 1
                if new is None or not dedup.add(row_text(cfg.source.format, new)):
                    dropped += 1
                    continue
                new[contract.provenance_field()] = {"sourceLine": line, "method": how, "model": make.model_name}
                out.append(new)
                if len(out) >= cfg.target_rows:
                    break
            if tried % PROGRESS_EVERY == 0:
                report.emit("metric", step=len(out), epoch=0.0, values={"rows_done": len(out), "rows_total": total})
    finally:
        make.close()
    report.emit("metric", step=len(out), epoch=0.0, values={"rows_done": len(out), "rows_total": total})
    artifact = store_rows(cfg, ctx, out)
    report.say("info", f"{len(out)} new rows ({dropped} of {tried} dropped as near duplicates or empty)")
    # Numbers only: the succeeded event's summary is a map of figures (events schema).
    summary = {"source_rows": len(numbered), "seed_rows": len(seeds), "rows_made": len(out), "rows_tried": tried,
               "rows_dropped": dropped, "seconds": round(time.monotonic() - t0, 3)}
    return {"status": "succeeded", "artifacts": [artifact], "summary": summary}


def seed_rows(cfg: AugmentConfig, numbered: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
    """The rows a training job (this seed, first dataset of its mix) would train on: the uploaded rows less its test
    split and validation split (the same calls as training/datasets.prepare), never a generated row."""
    originals = [(line, r) for line, r in numbered if not is_generated(r)]
    _test, rest = carve_test(originals, cfg.test_split, cfg.seed)
    train, _val = split(rest, cfg.validation_split, cfg.seed) if len(rest) > 1 else (rest, [])
    return sorted(train, key=lambda x: x[0])


def row_text(fmt: str, r: dict) -> str:
    if fmt == "chat":
        return "\n".join(str(m.get("content", "")) for m in r["messages"] if m.get("role") != "system")
    if fmt == "prompt_completion":
        return f"{r['prompt']}\n{r['completion']}"
    if fmt == "alpaca":
        return f"{r['instruction']}\n{r.get('input') or ''}\n{r['output']}"
    return str(r.get("text", ""))


class NearDuplicates:
    """datasketch's MinHash LSH over character 5-grams (lower-cased): a row is new when nothing indexed is at least
    NEAR_DUPLICATE_THRESHOLD similar; new rows are indexed too, so two generated rows do not duplicate each other."""

    def __init__(self, existing: list[str]):
        from datasketch import MinHash, MinHashLSH

        self._minhash = MinHash
        self.lsh = MinHashLSH(threshold=NEAR_DUPLICATE_THRESHOLD, num_perm=NUM_PERM)
        self.n = 0
        for t in existing:
            self._insert(self._sign(t))

    def _sign(self, text: str):
        t = re.sub(r"\s+", " ", text.lower()).strip()
        m = self._minhash(num_perm=NUM_PERM, seed=1)
        m.update_batch([t[i:i + 5].encode("utf-8") for i in range(max(1, len(t) - 4))])
        return m

    def _insert(self, m) -> None:
        self.lsh.insert(f"r{self.n}", m, check_duplication=False)
        self.n += 1

    def add(self, text: str) -> bool:
        if not text.strip():
            return False
        m = self._sign(text)
        if self.lsh.query(m):
            return False
        self._insert(m)
        return True


class Perturber:
    """Light text perturbations of a classification row (EDA, Wei & Zou 2019: random deletion and swap)."""

    model_name = None

    def __init__(self, cfg: AugmentConfig, rng: random.Random):
        self.cfg, self.rng = cfg, rng

    def __call__(self, row: dict) -> list[tuple[dict | None, str]]:
        words = str(row["text"]).split()
        out: list[tuple[dict | None, str]] = []
        for i in range(self.cfg.per_row):
            new = copy.deepcopy(row)
            if i % 2 == 0 and self.cfg.word_dropout > 0 and len(words) > 1:
                kept = [w for w in words if self.rng.random() >= self.cfg.word_dropout] or [self.rng.choice(words)]
                new["text"], how = " ".join(kept), "word_dropout"
            else:
                w = list(words)
                for _ in range(self.cfg.swaps if len(w) > 1 else 0):
                    j = self.rng.randrange(len(w) - 1)
                    w[j], w[j + 1] = w[j + 1], w[j]
                new["text"], how = " ".join(w), "word_swap"
            out.append((new, how))
        return out

    def close(self) -> None:
        pass


PARAPHRASE = ("Rewrite the following question in different words, keeping its meaning and every detail it asks "
              "about. Reply with the rewritten question only.\n\nQuestion: {q}")
NEW_TEXT = ("Here is an example text labelled \"{label}\":\n\n{text}\n\nWrite one new, different text that would get "
            "the same label, in the same style and about as long. Reply with the text only.")


class Generator:
    """New rows written by a model: a paraphrased question (SFT formats) or a new text for the label (classification)."""

    def __init__(self, cfg: AugmentConfig, ctx: JobContext, report: Reporter):
        self.cfg, self.ctx, self.report = cfg, ctx, report
        g = cfg.generator or {}
        self.endpoint = g if g.get("type") == "endpoint" else None
        self.loaded = None
        if self.endpoint:
            self.model_name = f"{self.endpoint['model']} (endpoint)"
        else:
            from ..loading import load_for_inference

            ref = BaseModelRef.from_payload(g["model"]["ref"])
            self.loaded = load_for_inference(ref, ctx.storage, ctx.workdir / "models")
            if self.loaded.is_classifier:
                raise JobError(f"generator.model: {g['model']['label']!r} is a classifier; generation needs a "
                               "language model")
            self.model_name = g["model"]["label"]
        self.calls = 0

    def __call__(self, row: dict) -> list[tuple[dict | None, str]]:
        fmt = self.cfg.source.format
        out: list[tuple[dict | None, str]] = []
        for _ in range(self.cfg.per_row):
            if fmt == "classification":
                text = self.complete(NEW_TEXT.format(label=row["label"], text=str(row["text"])[:2000]))
                new = copy.deepcopy(row)
                new["text"] = text
                out.append((new if text else None, "new_text_for_label"))
            else:
                question = get_question(fmt, row)
                text = self.complete(PARAPHRASE.format(q=question[:2000])) if question.strip() else ""
                out.append((set_question(fmt, row, text) if text else None, "paraphrase"))
        return out

    def complete(self, prompt: str) -> str:
        self.calls += 1
        raw = self._endpoint(prompt) if self.endpoint else self._local(prompt)
        return clean_output(raw)

    def _local(self, prompt: str) -> str:
        import torch

        model, tok = self.loaded.model, self.loaded.tokenizer
        if getattr(tok, "chat_template", None):
            text = tok.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                           add_generation_prompt=True)
        else:
            text = prompt + "\n"
        ids = tok(text, return_tensors="pt", add_special_tokens=False).to(self.loaded.device)
        torch.manual_seed(self.cfg.seed + self.calls)
        with torch.no_grad():
            gen = model.generate(**ids, max_new_tokens=self.cfg.max_new_tokens, do_sample=self.cfg.temperature > 0,
                                 temperature=max(self.cfg.temperature, 1e-5), top_p=0.95,
                                 pad_token_id=tok.pad_token_id)
        return tok.decode(gen[0][ids["input_ids"].shape[1]:], skip_special_tokens=True)

    def _endpoint(self, prompt: str) -> str:
        e = self.endpoint
        headers = {"Content-Type": "application/json"}
        if e.get("apiKey"):  # configured by an instance admin; never logged
            headers["Authorization"] = f"Bearer {e['apiKey']}"
        elif e.get("apiKeyEnv"):
            key = os.environ.get(e["apiKeyEnv"])
            if not key:
                raise JobError(f"generator.apiKeyEnv: the runner has no environment variable {e['apiKeyEnv']!r}")
            headers["Authorization"] = f"Bearer {key}"
        body = json.dumps({"model": e["model"], "messages": [{"role": "user", "content": prompt}],
                           "temperature": self.cfg.temperature, "max_tokens": self.cfg.max_new_tokens}).encode()
        req = urllib.request.Request(e["baseUrl"].rstrip("/") + "/chat/completions", data=body, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                data = json.loads(resp.read())
        except OSError as err:
            raise JobError(f"generator endpoint {e['baseUrl']!r}: {err}") from None
        try:
            return str(data["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError):
            raise JobError(f"generator endpoint {e['baseUrl']!r}: not an OpenAI chat completion response") from None

    def close(self) -> None:
        self.loaded = None


def clean_output(text: str) -> str:
    """The model's reply as one row text: its first paragraph, without a leading label or quotes."""
    t = text.strip().split("\n\n")[0].strip()
    t = re.sub(r"^(question|text|rewritten question|answer)\s*:\s*", "", t, flags=re.I).strip()
    return t.strip('"“”').strip()


def get_question(fmt: str, row: dict) -> str:
    if fmt == "chat":
        return next((str(m["content"]) for m in row["messages"] if m.get("role") == "user"), "")
    if fmt == "prompt_completion":
        return str(row["prompt"])
    return str(row["instruction"])


def set_question(fmt: str, row: dict, text: str) -> dict:
    new = copy.deepcopy(row)
    if fmt == "chat":
        for m in new["messages"]:
            if m.get("role") == "user":
                m["content"] = text
                break
    elif fmt == "prompt_completion":
        new["prompt"] = text
    else:
        new["instruction"] = text
    return new


def store_rows(cfg: AugmentConfig, ctx: JobContext, rows: list[dict]) -> dict:
    key = contract.storage_key("augmentedRows", outputPrefix=cfg.output_prefix)
    name = key.rsplit("/", 1)[-1]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
    path = ctx.workdir / name
    path.write_bytes(data)
    ctx.storage.upload(path, key)
    return {"kind": "augmented_rows", "name": name, "key": key, "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}
