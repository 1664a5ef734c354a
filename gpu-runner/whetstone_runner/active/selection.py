"""Picking k rows by a strategy of the queue contract (its `selectionStrategies`), each with a plain-English reason.

    picks = select("margin", Scored(probs=probs, labels=labels), k=20, seed=42)

Uncertainty strategies rank by their score (ties broken at random with `seed`). The `*_diverse` ones take a
shortlist of the `SHORTLIST_FACTOR × k` most uncertain rows, then k-centre greedy on the embeddings within it, so that
one batch is not k near-copies; the picks are then ranked by their uncertainty. `kcenter` is diversity alone, ranked
in pick order. `random` is the control. The embeddings are standardised per dimension (over the candidates) and
scaled to unit length before k-centre: mean-pooled language-model states share a few huge dimensions, which would
otherwise decide every distance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import contract
from ..config import JobError
from . import strategies as s

SHORTLIST_FACTOR = 10

# strategy -> the uncertainty score it ranks by (classification: from probs; generation: from token statistics)
UNCERTAINTY: dict[str, Callable[[Scored], np.ndarray]] = {
    "margin": lambda x: s.margin(x.probs),
    "least_confidence": lambda x: s.least_confidence(x.probs),
    "entropy": lambda x: s.entropy(x.probs),
    "token_entropy": lambda x: x.token_entropy,
    "log_likelihood": lambda x: x.neg_log_likelihood,
}
DIVERSE = {"margin_diverse": "margin", "token_entropy_diverse": "token_entropy"}  # -> the shortlist's uncertainty
KCENTER, RANDOM = "kcenter", "random"
STRATEGIES = frozenset([*UNCERTAINTY, *DIVERSE, KCENTER, RANDOM])


@dataclass
class Scored:
    """What the model said about n candidate rows (row-aligned arrays; None where the task has no such thing)."""

    probs: np.ndarray | None = None  # (n, labels) classification
    labels: list[str] | None = None  # the probability columns
    token_entropy: np.ndarray | None = None  # (n,) generation: strategies.token_entropy of each answer (nats)
    neg_log_likelihood: np.ndarray | None = None  # (n,) generation: strategies.log_likelihood of each answer
    n_tokens: np.ndarray | None = None  # (n,) generation: tokens of the answer
    embeddings: np.ndarray | None = None  # (n, d) for kcenter and the *_diverse strategies
    centres: np.ndarray | None = None  # (m, d) embeddings of rows labelled already: k-centre starts from them


@dataclass(frozen=True)
class Pick:
    index: int  # into the candidate arrays
    score: float  # higher = more worth labelling
    reason: str


def strategies_for(task: str) -> list[str]:
    """The contract's strategies for a task ("classification" | "sft")."""
    table = contract.contract()["selectionStrategies"]
    if task not in table:
        raise JobError(f"task {task!r} has no selection strategies in the queue contract (it has: {', '.join(table)})")
    return list(table[task])


def check_strategy(task: str, strategy: str) -> None:
    allowed = strategies_for(task)
    if strategy not in allowed:
        raise JobError(f"strategy {strategy!r} is not one for task {task!r} (it picks with: {', '.join(allowed)})")
    if strategy not in STRATEGIES:
        raise JobError(f"strategy {strategy!r} is in the queue contract but this runner does not implement it")


def needs_embeddings(strategy: str) -> bool:
    return strategy == KCENTER or strategy in DIVERSE


def select(strategy: str, x: Scored, k: int, seed: int) -> list[Pick]:
    """The k rows (fewer when there are fewer candidates) most worth labelling by `strategy`, best first."""
    n = _count(x)
    k = min(k, n)
    if k <= 0:
        return []
    rng = np.random.default_rng(seed)
    if strategy == RANDOM:
        scores = s.random_scores(n, seed)
        return [Pick(int(i), float(scores[i]), "drawn at random: the control the other strategies are measured against")
                for i in np.argsort(-scores, kind="stable")[:k]]
    if strategy == KCENTER:
        points, centres = unit_standardised(x.embeddings, x.centres)
        idx, dist = s.kcenter_greedy(points, k, centres)
        first_typical = centres is None
        return [Pick(int(i), float(d), _kcenter_reason(d, first_typical and j == 0))
                for j, (i, d) in enumerate(zip(idx, dist, strict=True))]
    if strategy in DIVERSE:
        base = DIVERSE[strategy]
        scores = UNCERTAINTY[base](x)
        shortlist = _ranked(scores, rng)[:min(n, SHORTLIST_FACTOR * k)]
        points, centres = unit_standardised(x.embeddings, x.centres)
        idx, dist = s.kcenter_greedy(points[shortlist], k, centres)
        chosen = {int(shortlist[i]): float(d) for i, d in zip(idx, dist, strict=True)}
        order = sorted(chosen, key=lambda i: -scores[i])
        return [Pick(i, float(scores[i]), f"{_reason(base, x, i, scores[i])}; and unlike the rows labelled or picked "
                                          f"before it (distance {chosen[i]:.2f})") for i in order]
    if strategy in UNCERTAINTY:
        scores = UNCERTAINTY[strategy](x)
        return [Pick(int(i), float(scores[i]), _reason(strategy, x, int(i), scores[i])) for i in _ranked(scores, rng)[:k]]
    raise JobError(f"unknown selection strategy {strategy!r} (this runner picks with: {', '.join(sorted(STRATEGIES))})")


def unit_standardised(embeddings: np.ndarray | None, centres: np.ndarray | None = None):
    """(candidates, centres) standardised with the candidates' mean and spread, then scaled to unit length."""
    if embeddings is None:
        raise JobError("this strategy needs the model's embeddings of the candidates")
    x = np.asarray(embeddings, dtype=np.float32)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6

    def unit(a: np.ndarray) -> np.ndarray:
        z = (np.asarray(a, dtype=np.float32) - mean) / std
        return z / (np.linalg.norm(z, axis=1, keepdims=True) + 1e-12)

    return unit(x), (unit(centres) if centres is not None and len(centres) else None)


def _count(x: Scored) -> int:
    for a in (x.probs, x.token_entropy, x.embeddings):
        if a is not None:
            return len(a)
    return 0


def _ranked(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices by descending score, ties in random order."""
    return np.lexsort((rng.random(len(scores)), -np.asarray(scores)))


def _reason(strategy: str, x: Scored, i: int, score: float) -> str:
    if strategy in ("margin", "least_confidence", "entropy"):
        p, labels = x.probs[i], x.labels
        first, second = (int(j) for j in np.argsort(-p, kind="stable")[:2])
        if strategy == "margin":
            return (f"margin {p[first] - p[second]:.2f} between {labels[first]} ({p[first]:.2f}) and {labels[second]} "
                    f"({p[second]:.2f})")
        if strategy == "least_confidence":
            return f"the likeliest label, {labels[first]}, has only {p[first]:.2f}"
        top = ", ".join(f"{labels[j]} {p[j]:.2f}" for j in np.argsort(-p, kind="stable")[:3])
        return f"entropy {score:.2f} nats of at most {np.log(len(labels)):.2f} for {len(labels)} labels: {top}"
    n = int(x.n_tokens[i]) if x.n_tokens is not None else 0
    if strategy == "token_entropy":
        return f"the model hesitates over its answer: mean next-token entropy {score:.2f} nats over {n} tokens"
    return f"the model finds its own answer unlikely: mean log-likelihood {-score:.2f} per token over {n} tokens"


def _kcenter_reason(distance: float, typical: bool) -> str:
    if typical:
        return "the most typical row of the pool (nearest its centre), first of a varied batch"
    return f"the row least like those labelled or picked before it (distance {distance:.2f} to the nearest)"
