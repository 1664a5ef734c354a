"""Active learning's strategies and simulation loop as pure functions: scores against numbers worked out by hand, k-centre
greedy on a 2-D example, the picks and their reasons, the simulation's invariants. No model: milliseconds."""

from __future__ import annotations

import numpy as np
import pytest

from whetstone_runner import contract
from whetstone_runner.active import strategies as s
from whetstone_runner.active.selection import STRATEGIES, Scored, select
from whetstone_runner.active.simulation import Plan, simulate

# three rows over the labels sport, tech, business
PROBS = np.array([[0.50, 0.30, 0.20],
                  [0.90, 0.05, 0.05],
                  [0.40, 0.40, 0.20]])
LABELS = ["sport", "tech", "business"]


def test_classification_scores_match_the_hand_computed_values():
    # margin = 1 - (p1 - p2): 1 - (0.5 - 0.3), 1 - (0.9 - 0.05), 1 - (0.4 - 0.4)
    np.testing.assert_allclose(s.margin(PROBS), [0.80, 0.15, 1.00], atol=1e-12)
    # least confidence = 1 - p1
    np.testing.assert_allclose(s.least_confidence(PROBS), [0.50, 0.10, 0.60], atol=1e-12)
    # entropy (nats): -(0.5 ln 0.5 + 0.3 ln 0.3 + 0.2 ln 0.2) = 0.346574 + 0.361192 + 0.321888 = 1.029653
    #                 -(0.9 ln 0.9 + 2 × 0.05 ln 0.05)          = 0.094825 + 0.299573            = 0.394398
    #                 -(2 × 0.4 ln 0.4 + 0.2 ln 0.2)            = 0.733033 + 0.321888            = 1.054920
    np.testing.assert_allclose(s.entropy(PROBS), [1.029653, 0.394398, 1.054920], atol=1e-6)


def test_generation_scores_match_the_hand_computed_values():
    # mean next-token entropy over each answer's tokens
    np.testing.assert_allclose(s.token_entropy([np.array([1.0, 2.0, 3.0]), np.array([0.5])]), [2.0, 0.5])
    # minus the mean log-probability: -(−0.1 − 0.3)/2 = 0.2, -(−2.0) = 2.0: the less likely answer scores higher
    np.testing.assert_allclose(s.log_likelihood([np.array([-0.1, -0.3]), np.array([-2.0])]), [0.2, 2.0])


POINTS = np.array([[0, 0], [1, 0], [0, 1], [10, 0], [10, 1], [0, 10]], dtype=float)


def test_kcenter_greedy_from_labelled_centres():
    # centre (0, 0): the farthest point is (10, 1) at √101 = 10.0499 (then (10, 0) and (0, 10) at 10); with (10, 1) a
    # centre too, (0, 10) is 10 from (0, 0) and √181 from (10, 1): 10, farther than any other point's nearest centre.
    idx, dist = s.kcenter_greedy(POINTS, 2, centres=np.array([[0.0, 0.0]]))
    assert idx.tolist() == [4, 5]
    np.testing.assert_allclose(dist, [np.sqrt(101), 10.0], atol=1e-5)


def test_kcenter_greedy_without_centres_starts_from_the_most_typical_point():
    # mean (3.5, 1.833): nearest is (1, 0) at 3.10. Farthest from it: (0, 10) at √101. Then the nearest-centre
    # distances are (0,0): 1, (0,1): 1, (10,0): 9, (10,1): √82 = 9.055 -> (10, 1). The first pick's distance is the
    # radius it covers alone, √101, so the distances never increase.
    idx, dist = s.kcenter_greedy(POINTS, 3)
    assert idx.tolist() == [1, 5, 4]
    np.testing.assert_allclose(dist, [np.sqrt(101), np.sqrt(101), np.sqrt(82)], atol=1e-5)
    every, dists = s.kcenter_greedy(POINTS, 10)  # k above the number of points: each point once
    assert sorted(every.tolist()) == list(range(6)) and all(np.diff(dists) <= 1e-9)


def test_every_contract_strategy_is_implemented_and_no_other():
    table = contract.contract()["selectionStrategies"]
    assert STRATEGIES == {x for names in table.values() for x in names}


def test_margin_picks_best_first_with_a_plain_reason():
    picks = select("margin", Scored(probs=PROBS, labels=LABELS), k=2, seed=0)
    assert [p.index for p in picks] == [2, 0]
    assert [round(p.score, 6) for p in picks] == [1.0, 0.8]
    assert picks[0].reason == "margin 0.00 between sport (0.40) and tech (0.40)"
    assert picks[1].reason == "margin 0.20 between sport (0.50) and tech (0.30)"
    [lc] = select("least_confidence", Scored(probs=PROBS, labels=LABELS), k=1, seed=0)
    assert lc.index == 2 and lc.reason == "the likeliest label, sport, has only 0.40"
    [en] = select("entropy", Scored(probs=PROBS, labels=LABELS), k=1, seed=0)
    assert en.index == 2 and en.reason.startswith("entropy 1.05 nats of at most 1.10 for 3 labels: sport 0.40")


def test_generation_strategies_rank_by_their_statistic():
    x = Scored(token_entropy=np.array([0.5, 2.0, 1.0]), neg_log_likelihood=np.array([3.0, 0.1, 0.2]),
               n_tokens=np.array([4, 5, 6]))
    assert [p.index for p in select("token_entropy", x, k=3, seed=0)] == [1, 2, 0]
    top = select("log_likelihood", x, k=1, seed=0)[0]
    assert top.index == 0 and "mean log-likelihood -3.00 per token over 4 tokens" in top.reason


def test_margin_diverse_does_not_pick_near_copies():
    # rows 0-2: the most uncertain, and near-copies of each other; row 3 a bit less uncertain and elsewhere
    probs = np.array([[0.50, 0.50], [0.51, 0.49], [0.49, 0.51], [0.60, 0.40], [0.95, 0.05], [0.99, 0.01]])
    emb = np.array([[1.0, 0.0], [1.0, 0.01], [1.0, -0.01], [-1.0, 5.0], [3.0, 3.0], [-4.0, -2.0]])
    plain = select("margin", Scored(probs=probs, labels=["a", "b"]), k=2, seed=0)
    assert {p.index for p in plain} <= {0, 1, 2}
    diverse = select("margin_diverse", Scored(probs=probs, labels=["a", "b"], embeddings=emb), k=2, seed=0)
    assert len({p.index for p in diverse} & {0, 1, 2}) == 1
    assert diverse[0].score >= diverse[1].score and "unlike the rows labelled or picked" in diverse[0].reason


def test_random_is_seeded_and_ties_break_at_random():
    x = Scored(probs=np.full((50, 2), 0.5), labels=["a", "b"])
    assert [p.index for p in select("random", x, 5, seed=3)] == [p.index for p in select("random", x, 5, seed=3)]
    assert [p.index for p in select("random", x, 5, seed=3)] != [p.index for p in select("random", x, 5, seed=4)]
    # every row equally uncertain: which ones come first depends on the seed, not on their position
    assert [p.index for p in select("margin", x, 5, seed=1)] != list(range(5))


def blobs(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[0, 0, 0, 0], [2, 0, 0, 0], [0, 2, 0, 0]], dtype=float)
    return centres[y] + rng.normal(scale=0.9, size=(n, 4)), y


def test_simulation_report_shape_and_paired_start():
    x, y = blobs()
    plan = Plan(strategies=("margin", "kcenter"), initial_size=10, batch_size=10, rounds=4, seeds=3,
                held_out_fraction=0.2, seed=7)
    steps = []
    report = simulate(x, y, ["a", "b", "c"], plan, on_step=lambda: steps.append(1))
    assert len(steps) == plan.steps(len(y)) == 3 * 3 * 5
    assert report["poolSize"] == 240 and report["heldOutSize"] == 60 and report["seeds"] == 3
    assert [c["strategy"] for c in report["curves"]] == ["margin", "kcenter", "random"]
    for c in report["curves"]:
        assert [p["labels"] for p in c["points"]] == [10, 20, 30, 40, 50]
        assert all(len(p["accuracy"]["values"]) == 3 for p in c["points"])
    # every strategy of a seed starts from the same labelled rows, so their first points are identical
    first = [c["points"][0]["accuracy"]["values"] for c in report["curves"]]
    assert first[0] == first[1] == first[2]
    # random reaches its own full-budget accuracy at the latest with the full budget, in every seed
    assert all(v is not None and v <= 50 for v in report["labelsToTarget"]["random"]["values"])
    assert report["target"] == {"accuracy": report["curves"][2]["points"][-1]["accuracy"]["mean"], "labels": 50}


def test_simulation_caps_the_budget_at_the_pool():
    x, y = blobs(60)
    plan = Plan(strategies=("entropy",), initial_size=20, batch_size=20, rounds=5, seeds=1, held_out_fraction=0.2, seed=0)
    report = simulate(x, y, ["a", "b", "c"], plan)
    assert [p["labels"] for p in report["curves"][0]["points"]] == [20, 40, 48]


@pytest.mark.parametrize("strategy", ["margin_diverse", "least_confidence"])
def test_simulation_runs_every_classification_strategy(strategy):
    x, y = blobs(100)
    plan = Plan(strategies=(strategy,), initial_size=3, batch_size=5, rounds=2, seeds=1, held_out_fraction=0.2, seed=1)
    report = simulate(x, y, ["a", "b", "c"], plan)  # 3 initial rows may hold a single label: no fit, uniform probs
    assert [p["labels"] for p in report["curves"][0]["points"]] == [3, 8, 13]
