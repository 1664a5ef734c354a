"""Per-model metrics on one evaluation set, from per-example predictions.

The standard metrics come from well-kept libraries: scikit-learn (accuracy, macro-F1, per-class
precision/recall/F1/support, confusion matrix), rouge-score (ROUGE-L F) and sacrebleu (chrF). Written here by
hand, because no well-kept library has them in this form: expected calibration error, exact match after
normalisation, token accuracy and the token-weighted loss (each a line or two of arithmetic).

Every function takes plain lists or numpy arrays and returns plain floats, ints and lists.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from rouge_score import rouge_scorer
from sacrebleu.metrics import CHRF
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

DEFAULT_ECE_BINS = 15


def resolve_labels(y_true: Sequence, *predictions: Sequence, labels: Sequence | None = None) -> list:
    """The label order: `labels` when given (it is the column order of the probabilities), else every label seen, sorted."""
    if labels is not None:
        return [to_python(label) for label in labels]
    seen = set(to_python(y) for y in y_true)
    for pred in predictions:
        seen.update(to_python(y) for y in pred)
    return sorted(seen)


def classification_metrics(
    y_true: Sequence,
    y_pred: Sequence,
    probs: np.ndarray | Sequence[Sequence[float]] | None = None,
    labels: Sequence | None = None,
    n_bins: int = DEFAULT_ECE_BINS,
) -> dict:
    """Accuracy, macro-F1, per-class precision/recall/F1/support, confusion matrix and, with `probs`, ECE.

    Macro-F1 averages the F1 of the classes that occur in `y_true` or `y_pred` (scikit-learn's
    `zero_division=nan`: a class absent from both has no F1 and is left out, rather than counted as 0).
    Per-class precision (recall) of a class never predicted (never true) is 0.
    """
    y_true, y_pred = list(map(to_python, y_true)), list(map(to_python, y_pred))
    _same_length(y_true=y_true, y_pred=y_pred)
    labels = resolve_labels(y_true, y_pred, labels=labels)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0.0)
    out = {
        "scores": {
            "accuracy": float(accuracy_score(y_true, y_pred)),
            "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=np.nan)),
        },
        "perClass": [
            {"label": label, "precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        ],
        "confusionMatrix": {
            "labels": labels,  # rows: true label, columns: predicted label, both in this order
            "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        },
    }
    if probs is not None:
        out["scores"]["ece"] = expected_calibration_error(y_true, probs, labels, n_bins)
        out["calibration"] = calibration_bins(y_true, probs, labels, n_bins)
    return out


def confidence_bins(y_true: Sequence, probs, labels: Sequence, n_bins: int = DEFAULT_ECE_BINS):
    """Per example: (bin index, confidence, correct) for calibration.

    Confidence is the largest probability and the prediction is its column's label. The bins are `n_bins`
    equal-width intervals (lo, hi] of [0, 1]; a confidence of exactly 0 goes in the first bin.
    """
    probs = np.asarray(probs, dtype=float)
    labels = list(labels)
    if probs.ndim != 2 or probs.shape != (len(y_true), len(labels)):
        raise ValueError(f"probs must be n x k = {len(y_true)} x {len(labels)} (one column per label), got {probs.shape}")
    if not np.allclose(probs.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("each row of probs must sum to 1")
    if n_bins < 1:
        raise ValueError("n_bins must be at least 1")
    confidence = probs.max(axis=1)
    predicted = np.asarray(labels, dtype=object)[probs.argmax(axis=1)]
    correct = (predicted == np.asarray([to_python(y) for y in y_true], dtype=object)).astype(float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    return bins, confidence, correct


def expected_calibration_error(y_true: Sequence, probs, labels: Sequence, n_bins: int = DEFAULT_ECE_BINS) -> float:
    """ECE = sum over bins of |bin| / n * |accuracy(bin) - mean confidence(bin)|. Hand-written: scikit-learn has
    `calibration_curve` for one binary class only, and no ECE."""
    bins, confidence, correct = confidence_bins(y_true, probs, labels, n_bins)
    gap_sums = np.bincount(bins, weights=correct - confidence, minlength=n_bins)  # |bin| * (acc - conf), per bin
    return float(np.abs(gap_sums).sum() / len(bins))


def calibration_bins(y_true: Sequence, probs, labels: Sequence, n_bins: int = DEFAULT_ECE_BINS) -> list[dict]:
    """The non-empty bins of the reliability diagram: range, count, accuracy and mean confidence."""
    bins, confidence, correct = confidence_bins(y_true, probs, labels, n_bins)
    out = []
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            out.append(
                {
                    "lo": b / n_bins,
                    "hi": (b + 1) / n_bins,
                    "count": int(mask.sum()),
                    "accuracy": float(correct[mask].mean()),
                    "confidence": float(confidence[mask].mean()),
                }
            )
    return out


def normalise_answer(text: str) -> str:
    """Exact-match normalisation: Unicode case-folded, leading/trailing whitespace dropped and every run of
    whitespace made one space. Punctuation and articles are kept."""
    return " ".join(text.split()).casefold()


def exact_match_per_example(generations: Sequence[str], references: Sequence[str]) -> np.ndarray:
    _same_length(generations=generations, references=references)
    return np.array([normalise_answer(g) == normalise_answer(r) for g, r in zip(generations, references, strict=True)])


def rouge_l_per_example(generations: Sequence[str], references: Sequence[str]) -> np.ndarray:
    """ROUGE-L F per example, with rouge-score's default tokenizer: lower-cased, everything but ASCII letters
    and digits turned into spaces, no stemming (so text in other scripts scores 0: use chrF there)."""
    _same_length(generations=generations, references=references)
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    return np.array([scorer.score(r, g)["rougeL"].fmeasure for g, r in zip(generations, references, strict=True)])


def chrf(generations: Sequence[str], references: Sequence[str]) -> float:
    """Corpus chrF (sacrebleu defaults: character n-grams up to 6, beta 2, 0-100 scale), one reference each."""
    _same_length(generations=generations, references=references)
    return float(CHRF().corpus_score(list(generations), [list(references)]).score)


def perplexity_metrics(nll_sums: Sequence[float], token_counts: Sequence[int]) -> dict:
    """Token-weighted mean NLL (nats per token; sum of the NLL sums / sum of the token counts) and exp of it."""
    nll, tokens = _as_float(nll_sums), _as_float(token_counts)
    _same_length(nll_sums=nll, token_counts=tokens)
    if tokens.sum() <= 0:
        raise ValueError("token_counts must add up to more than 0")
    loss = float(nll.sum() / tokens.sum())
    return {"loss": loss, "perplexity": math.exp(loss), "tokens": int(tokens.sum())}


def generation_metrics(
    nll_sums: Sequence[float],
    token_counts: Sequence[int],
    correct_tokens: Sequence[int] | None = None,
    generations: Sequence[str] | None = None,
    references: Sequence[str] | None = None,
) -> dict:
    """Supervised fine-tuning on one evaluation set.

    From the answer tokens under teacher forcing: `loss` (token-weighted mean NLL), `perplexity` = exp(loss),
    `token_accuracy` = sum(correct_tokens) / sum(token_counts). From greedy generations against references:
    `exact_match` (see `normalise_answer`), `rouge_l` (mean per-example ROUGE-L F) and corpus `chrf`.
    """
    ppl = perplexity_metrics(nll_sums, token_counts)
    scores = {"loss": ppl["loss"], "perplexity": ppl["perplexity"]}
    if correct_tokens is not None:
        correct = _as_float(correct_tokens)
        _same_length(correct_tokens=correct, token_counts=token_counts)
        scores["token_accuracy"] = float(correct.sum() / ppl["tokens"])
    if generations is not None:
        if references is None:
            raise ValueError("generations need references")
        scores["exact_match"] = float(exact_match_per_example(generations, references).mean())
        scores["rouge_l"] = float(rouge_l_per_example(generations, references).mean())
        scores["chrf"] = chrf(generations, references)
    return {"scores": scores, "tokens": ppl["tokens"]}


def pretraining_metrics(
    domain_nll_sums: Sequence[float],
    domain_token_counts: Sequence[int],
    general_nll_sums: Sequence[float] | None = None,
    general_token_counts: Sequence[int] | None = None,
) -> dict:
    """Continued pre-training: perplexity on held-out domain text and, when given, on a general-text sample."""
    domain = perplexity_metrics(domain_nll_sums, domain_token_counts)
    out = {
        "scores": {"domain_loss": domain["loss"], "domain_perplexity": domain["perplexity"]},
        "domainTokens": domain["tokens"],
    }
    if general_nll_sums is not None:
        general = perplexity_metrics(general_nll_sums, general_token_counts)
        out["scores"] |= {"general_loss": general["loss"], "general_perplexity": general["perplexity"]}
        out["generalTokens"] = general["tokens"]
    return out


def to_python(value):
    """numpy scalars to Python ones, so labels survive json.dumps and compare equal to the originals."""
    return value.item() if isinstance(value, np.generic) else value


def _as_float(values) -> np.ndarray:
    return np.asarray(values, dtype=float).reshape(-1)


def _same_length(**arrays) -> None:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"lengths differ: {lengths}")
    if 0 in lengths.values():
        raise ValueError(f"empty input: {lengths}")
