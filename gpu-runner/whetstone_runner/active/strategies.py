"""Selection strategies as pure functions over numpy arrays. Every score is "higher = more worth labelling".

Classification, from the model's label probabilities (rows = examples, columns = labels, rows sum to 1):

    margin            1 - (p_top1 - p_top2): the two likeliest labels are close
    least_confidence  1 - p_top1: even the likeliest label is unlikely
    entropy           Shannon entropy of the row, in nats (scipy.stats.entropy)

Generation, from per-token statistics of the model's own greedy answer (one array per example):

    token_entropy     mean entropy of the next-token distribution over the answer's tokens
    log_likelihood    minus the mean log-probability of the answer's tokens (length-normalised: a low likelihood
                      scores high)

Diversity: `kcenter_greedy` on embeddings. Control: `random_scores`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import entropy as _entropy
from sklearn.metrics.pairwise import euclidean_distances


def top_two(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column indices of the likeliest and the second likeliest label of each row."""
    order = np.argsort(-probs, axis=1, kind="stable")
    return order[:, 0], order[:, 1]


def margin(probs: np.ndarray) -> np.ndarray:
    probs = np.asarray(probs, dtype=np.float64)
    first, second = top_two(probs)
    rows = np.arange(len(probs))
    return 1.0 - (probs[rows, first] - probs[rows, second])


def least_confidence(probs: np.ndarray) -> np.ndarray:
    return 1.0 - np.asarray(probs, dtype=np.float64).max(axis=1)


def entropy(probs: np.ndarray) -> np.ndarray:
    return _entropy(np.asarray(probs, dtype=np.float64), axis=1)


def token_entropy(entropies: Sequence[np.ndarray]) -> np.ndarray:
    """Mean next-token entropy (nats) per example; `entropies[i]` holds one value per answer token (at least one)."""
    return np.array([float(np.mean(e)) for e in entropies], dtype=np.float64)


def log_likelihood(logprobs: Sequence[np.ndarray]) -> np.ndarray:
    """Minus the mean per-token log-probability of each answer: the least likely answers score highest."""
    return np.array([-float(np.mean(lp)) for lp in logprobs], dtype=np.float64)


def random_scores(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random(n)


def kcenter_greedy(points: np.ndarray, k: int, centres: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-centre (Gonzalez 1985; the core-set selection of Sener & Savarese 2018): pick, k times, the point
    farthest from every centre so far (the labelled rows, then each pick). -> (indices of the picks in pick order,
    the distance of each pick to its nearest centre when it was picked).

    With no centres, the first pick is the point nearest the mean (a typical row, not an outlier), and its distance
    is the largest distance from it to any point, i.e. the radius it covers alone; so the distances never increase.

    Written here: scikit-learn, scipy and the other well-kept libraries have no k-centre greedy (modAL and similar
    active-learning packages that do are unmaintained), and it is a dozen lines. Distances are Euclidean, computed
    with scikit-learn's `euclidean_distances` one centre at a time (O(n) memory, never an n × n matrix).
    """
    points = np.asarray(points, dtype=np.float32)
    n = len(points)
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    sq = np.einsum("ij,ij->i", points, points)[:, None]

    def dist_to(x: np.ndarray) -> np.ndarray:
        return euclidean_distances(points, x[None, :], X_norm_squared=sq).ravel().astype(np.float64)

    picks, dists = [], []
    if centres is not None and len(centres):
        nearest = np.full(n, np.inf)
        for c in np.asarray(centres, dtype=np.float32):
            nearest = np.minimum(nearest, dist_to(c))
    else:
        first = int(np.argmin(dist_to(points.mean(axis=0))))
        nearest = dist_to(points[first])
        picks.append(first)
        dists.append(float(nearest.max()))
    while len(picks) < k:
        nearest[picks] = -np.inf  # never picked twice (duplicates of a centre have distance 0 and stay pickable last)
        i = int(np.argmax(nearest))
        picks.append(i)
        dists.append(float(max(nearest[i], 0.0)))
        nearest = np.minimum(nearest, dist_to(points[i]))
    return np.array(picks, dtype=np.int64), np.array(dists, dtype=np.float64)
