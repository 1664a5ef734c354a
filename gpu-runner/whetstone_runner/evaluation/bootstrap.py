"""Paired bootstrap of the difference candidate - base for corpus-level metrics.

Each metric is written as `finalise(sum of per-example statistics)` (an `Additive`): accuracy is the sum of
0/1 correct over n, the token-weighted loss is sum(NLL) / sum(tokens), macro-F1 comes from per-class true
positive, true and predicted counts, ECE from per-bin sums of (correct - confidence), chrF from sacrebleu's
per-segment n-gram statistics. A bootstrap replicate draws n example indices with replacement once, turns them
into a count per example, and both models' metrics are recomputed on that same resample as one matrix product
(counts @ statistics), so corpus metrics are recomputed, never averaged, and all replicates run vectorised.
Each builder is tested against the library value it stands for (scikit-learn, sacrebleu) on resamples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sacrebleu.metrics import CHRF

from .metrics import DEFAULT_ECE_BINS, confidence_bins

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 0
_CELLS_PER_CHUNK = 4_000_000  # replicates x examples per block of counts: ~32 MB of float64


@dataclass(frozen=True)
class Additive:
    """A metric as `finalise(sums)`, where sums (replicates x d) add `stats` (n x d, dense or sparse) over a resample."""

    stats: np.ndarray | sp.csr_array
    finalise: Callable[[np.ndarray], np.ndarray]

    @property
    def n(self) -> int:
        return self.stats.shape[0]

    def value(self) -> float:
        """The metric on the whole evaluation set."""
        return float(self.finalise(np.asarray(self.stats.sum(axis=0)).reshape(1, -1))[0])

    def on_counts(self, counts: np.ndarray) -> np.ndarray:
        """The metric on each resample, given how often each example was drawn (replicates x n)."""
        if sp.issparse(self.stats):
            sums = np.asarray((self.stats.T @ counts.T).T)
        else:
            sums = counts @ self.stats
        return self.finalise(sums)


@dataclass(frozen=True)
class PairedBootstrap:
    delta: float  # candidate - base on the whole set
    ci_low: float
    ci_high: float
    fraction_le_zero: float  # share of replicates whose delta is <= 0
    fraction_ge_zero: float  # share of replicates whose delta is >= 0 (the one-sided p for lower-is-better metrics)


def paired_bootstrap(
    base: Additive,
    candidate: Additive,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> PairedBootstrap:
    """Percentile confidence interval of candidate - base; both models are scored on the same resamples."""
    if base.n != candidate.n:
        raise ValueError(f"the models were scored on different numbers of examples: {base.n} and {candidate.n}")
    if base.n == 0 or n_resamples < 1:
        raise ValueError("need at least one example and one resample")
    n = base.n
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_resamples, _CELLS_PER_CHUNK // n))
    deltas = np.empty(n_resamples)
    for start in range(0, n_resamples, chunk):
        m = min(chunk, n_resamples - start)
        idx = rng.integers(0, n, size=(m, n))
        counts = np.bincount((idx + n * np.arange(m)[:, None]).ravel(), minlength=m * n).reshape(m, n).astype(float)
        deltas[start : start + m] = candidate.on_counts(counts) - base.on_counts(counts)
    alpha = 1.0 - confidence
    low, high = np.quantile(deltas, [alpha / 2, 1 - alpha / 2])
    return PairedBootstrap(
        delta=candidate.value() - base.value(),
        ci_low=float(low),
        ci_high=float(high),
        fraction_le_zero=float(np.mean(deltas <= 0)),
        fraction_ge_zero=float(np.mean(deltas >= 0)),
    )


def mean_of(values: Sequence[float]) -> Additive:
    """The mean of per-example values (accuracy from 0/1 correct, exact match, mean ROUGE-L)."""
    stats = np.asarray(values, dtype=float).reshape(-1, 1)
    n = len(stats)
    return Additive(stats, lambda s: s[:, 0] / n)


def ratio_of(numerators: Sequence[float], denominators: Sequence[float], exp: bool = False) -> Additive:
    """sum(numerators) / sum(denominators) (token-weighted loss, token accuracy), or exp of it (perplexity)."""
    stats = np.column_stack([np.asarray(numerators, dtype=float), np.asarray(denominators, dtype=float)])

    def finalise(s):
        ratio = s[:, 0] / s[:, 1]
        return np.exp(ratio) if exp else ratio

    return Additive(stats, finalise)


def macro_f1_of(y_true: Sequence, y_pred: Sequence, labels: Sequence) -> Additive:
    """Macro-F1 as scikit-learn's f1_score(average="macro", zero_division=nan): per class
    F1 = 2 TP / (true + predicted), averaged over the classes that occur in y_true or y_pred of the resample."""
    k = len(labels)
    code = {label: i for i, label in enumerate(labels)}
    t = np.array([code[y] for y in y_true])
    p = np.array([code[y] for y in y_pred])
    n = len(t)
    rows = np.arange(n)
    hit = t == p
    # columns: [true-class one-hot | predicted-class one-hot | true-positive one-hot]
    stats = sp.csr_array(
        (np.ones(2 * n + hit.sum()), (np.concatenate([rows, rows, rows[hit]]), np.concatenate([t, k + p, 2 * k + t[hit]]))),
        shape=(n, 3 * k),
    )

    def finalise(s):
        true, pred, tp = s[:, :k], s[:, k : 2 * k], s[:, 2 * k :]
        denom = true + pred
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = np.where(denom > 0, 2 * tp / denom, np.nan)
        return np.nanmean(f1, axis=1)

    return Additive(stats, finalise)


def ece_of(y_true: Sequence, probs, labels: Sequence, n_bins: int = DEFAULT_ECE_BINS) -> Additive:
    """ECE = sum over bins |sum(correct - confidence) in the bin| / n, bins as in `metrics.confidence_bins`."""
    bins, confidence, correct = confidence_bins(y_true, probs, labels, n_bins)
    n = len(bins)
    stats = sp.csr_array((correct - confidence, (np.arange(n), bins)), shape=(n, n_bins))
    return Additive(stats, lambda s: np.abs(s).sum(axis=1) / n)


def chrf_of(generations: Sequence[str], references: Sequence[str]) -> Additive:
    """Corpus chrF from summed per-segment n-gram statistics, the way sacrebleu's own paired significance
    test resamples it (`_extract_corpus_statistics` / `_compute_score_from_stats` are the calls it uses)."""
    metric = CHRF()
    stats = np.asarray(metric._extract_corpus_statistics(list(generations), [list(references)]), dtype=float)
    return Additive(stats, lambda s: np.array([metric._compute_score_from_stats(row.tolist()).score for row in s]))
