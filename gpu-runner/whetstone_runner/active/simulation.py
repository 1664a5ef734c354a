""""Would active learning pay off on my data?": the loop replayed on a labelled set whose labels are revealed only
when a strategy asks for them, as an oracle (a labeller) would.

    report = simulate(embeddings, y, labels, Plan(strategies=["margin"], ...), on_step)

The rows are split once (seeded, stratified when every label has two rows) into a pool and a fixed held-out test
part. For every seed: `initialSize` random pool rows start labelled, the same for every strategy of that seed (so the
strategies are compared on paired runs); then for each strategy and for `random`, `rounds` times: fit the learner on
the labelled rows, score it on the held-out part, reveal `batchSize` more rows picked by the strategy from the
learner's probabilities (and the embeddings, for the diverse ones). The learner is a logistic regression
(scikit-learn) on the frozen model's embeddings, standardised: seconds per fit, a stand-in for fine-tuning the model.

Labels to target (the report's `labelsToTarget`), per seed: the fewest labels at which a strategy's accuracy reached
the accuracy `random` reached with the full budget in the same seed (null: never within the budget). Its mean and std
are over the seeds, and null when any seed never reached it. `target.accuracy` is random's full-budget accuracy
averaged over the seeds.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from .selection import RANDOM, Scored, needs_embeddings, select

LEARNER = ("logistic regression (scikit-learn) on the frozen model's mean-pooled embeddings, standardised: a fast "
           "stand-in for fine-tuning the model")


@dataclass(frozen=True)
class Plan:
    strategies: tuple[str, ...]  # compared with random, which is always run (last)
    initial_size: int
    batch_size: int
    rounds: int
    seeds: int
    held_out_fraction: float
    seed: int

    @property
    def runs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*(s for s in self.strategies if s != RANDOM), RANDOM]))

    def sizes(self, pool: int) -> list[int]:
        """The labelled-set sizes at which the learner is fitted and scored (the curve's x values)."""
        return list(dict.fromkeys(min(self.initial_size + r * self.batch_size, pool) for r in range(self.rounds + 1)))

    def steps(self, rows: int) -> int:
        """Learner fits of the whole simulation (progress)."""
        pool = rows - held_out_size(rows, self.held_out_fraction)
        return self.seeds * len(self.runs) * len(self.sizes(pool))


def held_out_size(rows: int, fraction: float) -> int:
    return int(np.ceil(rows * fraction))  # as train_test_split rounds a float test_size


def split(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(pool indices, held-out indices): seeded, stratified by label when every label has at least two rows."""
    idx = np.arange(len(y))
    _, counts = np.unique(y, return_counts=True)
    stratify = y if counts.min() >= 2 else None
    try:
        pool, test = train_test_split(idx, test_size=fraction, random_state=seed, stratify=stratify)
    except ValueError:  # a test part smaller than the number of labels cannot be stratified
        pool, test = train_test_split(idx, test_size=fraction, random_state=seed)
    return np.sort(pool), np.sort(test)


def fit_predict(x_train: np.ndarray, y_train: np.ndarray, x: list[np.ndarray], n_labels: int) -> list[np.ndarray]:
    """The learner fitted on (x_train, y_train); its probabilities (columns: every label) on each array of `x`. With a
    single label seen so far it has nothing to tell apart: that label for every row, probabilities uniform."""
    seen = np.unique(y_train)
    if len(seen) < 2:
        outs = []
        for a in x:
            p = np.full((len(a), n_labels), 1.0 / n_labels)
            p[:, seen[0]] += 1e-9  # argmax: the one label seen
            outs.append(p)
        return outs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lr = LogisticRegression(max_iter=1000).fit(x_train, y_train)
    outs = []
    for a in x:
        p = np.zeros((len(a), n_labels))
        if len(a):
            p[:, lr.classes_] = lr.predict_proba(a)
        outs.append(p)
    return outs


def simulate(embeddings: np.ndarray, y: np.ndarray, labels: list[str], plan: Plan,
             on_step: Callable[[], None] | None = None) -> dict:
    """The simulation report (simulationReportSchema) without `learner`; y holds label indices into `labels`."""
    y = np.asarray(y)
    pool, test = split(y, plan.held_out_fraction, plan.seed)
    x = StandardScaler().fit(embeddings[pool]).transform(embeddings).astype(np.float32)
    sizes = plan.sizes(len(pool))
    acc = {s: np.zeros((plan.seeds, len(sizes))) for s in plan.runs}
    f1 = {s: np.zeros((plan.seeds, len(sizes))) for s in plan.runs}
    for seed_i in range(plan.seeds):
        start = np.random.default_rng(plan.seed + seed_i).choice(len(pool), size=sizes[0], replace=False)
        for strategy in plan.runs:
            labelled = np.zeros(len(pool), dtype=bool)
            labelled[start] = True
            for r, size in enumerate(sizes):
                lab, unl = np.flatnonzero(labelled), np.flatnonzero(~labelled)
                p_test, p_unl = fit_predict(x[pool[lab]], y[pool[lab]], [x[test], x[pool[unl]]], len(labels))
                pred = p_test.argmax(1)
                acc[strategy][seed_i, r] = accuracy_score(y[test], pred)
                f1[strategy][seed_i, r] = f1_score(y[test], pred, average="macro", zero_division=0)
                if on_step:
                    on_step()
                if r + 1 == len(sizes):
                    break
                emb = needs_embeddings(strategy)
                scored = Scored(probs=p_unl, labels=labels, embeddings=x[pool[unl]] if emb else None,
                                centres=x[pool[lab]] if emb else None)
                picks = select(strategy, scored, sizes[r + 1] - size, seed=_seed(plan.seed, seed_i, r))
                labelled[unl[[p.index for p in picks]]] = True

    final = acc[RANDOM][:, -1]
    reached = {s: [_first_reaching(acc[s][i], final[i], sizes) for i in range(plan.seeds)] for s in plan.runs}
    return {
        "reportVersion": 1,
        "metric": "accuracy",
        "labels": list(labels),
        "poolSize": int(len(pool)),
        "heldOutSize": int(len(test)),
        "seeds": plan.seeds,
        "curves": [{"strategy": s, "points": [{"labels": int(n), "accuracy": _stats(acc[s][:, j]),
                                               "f1Macro": _stats(f1[s][:, j])} for j, n in enumerate(sizes)]}
                   for s in plan.runs],
        "target": {"accuracy": round(float(final.mean()), 6), "labels": int(sizes[-1])},
        "labelsToTarget": {s: _stats_or_null(v) for s, v in reached.items()},
    }


def _seed(seed: int, seed_i: int, round_: int) -> int:
    return int(np.random.SeedSequence([seed, seed_i, round_]).generate_state(1)[0])


def _first_reaching(curve: np.ndarray, target: float, sizes: list[int]) -> int | None:
    hits = np.flatnonzero(curve >= target - 1e-9)
    return int(sizes[hits[0]]) if len(hits) else None


def _stats(values: np.ndarray) -> dict:
    v = [round(float(a), 6) for a in values]
    return {"mean": round(float(np.mean(v)), 6), "std": round(float(np.std(v, ddof=1)) if len(v) > 1 else 0.0, 6),
            "values": v}


def _stats_or_null(values: list[int | None]) -> dict:
    if any(v is None for v in values):
        return {"mean": None, "std": None, "values": values}
    s = _stats(np.array(values, dtype=np.float64))
    return {"mean": s["mean"], "std": s["std"], "values": values}
