"""Continued pre-training: perplexity on the held-out domain texts and on a general-English sample shipped with the
runner (whetstone_runner/data/corpus.txt), so that forgetting shows."""

from __future__ import annotations

from importlib import resources

from ..techniques.continued_pretraining import tokenize_texts
from .predict import Evaluator, Options, Progress, batches, token_nll
from .report import LanguageModelOutput, PretrainingTask

GENERAL_SAMPLE_PARAGRAPHS = 16


def general_sample(limit: int = GENERAL_SAMPLE_PARAGRAPHS) -> tuple[str, ...]:
    """The first `limit` paragraphs (non-empty lines) of the bundled general-English corpus."""
    text = resources.files("whetstone_runner").joinpath("data/corpus.txt").read_text(encoding="utf-8")
    return tuple(p.strip() for p in text.splitlines() if p.strip())[:limit]


def examples(rows: list[dict], fmt: str, options: Options) -> list[str]:
    return [str(r["text"]) for r in rows]


def predict(loaded, items: list[str], options: Options, progress: Progress) -> LanguageModelOutput:
    domain = _nll(loaded, items, options, progress)
    general = _nll(loaded, list(general_sample()), options, lambda n: None)
    return LanguageModelOutput(domain_nll_sums=domain[0], domain_token_counts=domain[1],
                               general_nll_sums=general[0], general_token_counts=general[1])


def task(name: str, items: list[str], outputs: dict[str, LanguageModelOutput], options: Options) -> PretrainingTask:
    return PretrainingTask(models=outputs, name=name)


def _nll(loaded, texts: list[str], options: Options, progress) -> tuple[list[float], list[int]]:
    """Per text: summed NLL of its tokens (each predicted from the ones before; EOS appended as in training)."""
    sums, counts = [], []
    for batch in batches(texts, options.batch_size):
        items = tokenize_texts(loaded.tokenizer, list(batch), options.max_seq_length, packing=False)
        s, n, _ = token_nll(loaded.model, loaded.tokenizer, items)
        sums += s
        counts += n
        progress(len(batch))
    return sums, counts


EVALUATOR = Evaluator(examples=examples, predict=predict, task=task)
