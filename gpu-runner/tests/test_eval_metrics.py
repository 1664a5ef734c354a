"""Evaluation metrics, paired bootstrap and report: each metric against arithmetic done by hand in the comments."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sacrebleu.metrics import CHRF
from sklearn.metrics import f1_score

from whetstone_runner.evaluation import (
    ClassificationTask,
    ClassifierOutput,
    GenerationTask,
    GeneratorOutput,
    LanguageModelOutput,
    PretrainingTask,
    build_report,
    calibration_bins,
    chrf,
    classification_metrics,
    expected_calibration_error,
    generation_metrics,
    normalise_answer,
    paired_bootstrap,
    pretraining_metrics,
    rouge_l_per_example,
)
from whetstone_runner.evaluation import bootstrap as bs
from whetstone_runner.evaluation.metrics import confidence_bins
from whetstone_runner.evaluation.report import headline_sentence

# --- The classification fixture: 8 examples, 3 classes ------------------------------------------------------------
LABELS = ["a", "b", "c"]
Y_TRUE = ["a", "a", "a", "b", "b", "b", "c", "c"]
Y_PRED = ["a", "a", "b", "b", "b", "c", "c", "a"]
#        correct: 1    1    0    1    1    0    1    0   -> accuracy 5/8
PROBS = [
    [0.90, 0.05, 0.05],  # a, conf 0.90, right
    [0.70, 0.20, 0.10],  # a, conf 0.70, right
    [0.30, 0.50, 0.20],  # b, conf 0.50, wrong
    [0.03, 0.95, 0.02],  # b, conf 0.95, right
    [0.10, 0.65, 0.25],  # b, conf 0.65, right
    [0.25, 0.30, 0.45],  # c, conf 0.45, wrong
    [0.05, 0.10, 0.85],  # c, conf 0.85, right
    [0.70, 0.10, 0.20],  # a, conf 0.70, wrong
]


def test_classification_metrics_by_hand():
    m = classification_metrics(Y_TRUE, Y_PRED, PROBS, LABELS)
    # accuracy: 5 right of 8
    assert m["scores"]["accuracy"] == pytest.approx(5 / 8)
    # a: TP 2 (0, 1), predicted a at 0, 1, 7 -> P 2/3; true a at 0, 1, 2 -> R 2/3; F1 2/3
    # b: TP 2 (3, 4), predicted b at 2, 3, 4 -> P 2/3; true b at 3, 4, 5 -> R 2/3; F1 2/3
    # c: TP 1 (6),    predicted c at 5, 6    -> P 1/2; true c at 6, 7    -> R 1/2; F1 1/2
    # macro-F1 = (2/3 + 2/3 + 1/2) / 3 = 11/18
    assert m["scores"]["macro_f1"] == pytest.approx(11 / 18)
    per_class = {row["label"]: row for row in m["perClass"]}
    assert [row["label"] for row in m["perClass"]] == LABELS
    for label, (p, r, support) in {"a": (2 / 3, 2 / 3, 3), "b": (2 / 3, 2 / 3, 3), "c": (1 / 2, 1 / 2, 2)}.items():
        assert per_class[label]["precision"] == pytest.approx(p)
        assert per_class[label]["recall"] == pytest.approx(r)
        assert per_class[label]["f1"] == pytest.approx(2 * p * r / (p + r))
        assert per_class[label]["support"] == support
    # rows: true a, b, c; columns: predicted a, b, c
    assert m["confusionMatrix"] == {"labels": LABELS, "matrix": [[2, 1, 0], [0, 2, 1], [1, 0, 1]]}
    assert m["scores"]["ece"] == pytest.approx(0.25)  # 15 bins, see test_ece_by_hand


def test_macro_f1_leaves_out_a_class_nobody_uses_and_counts_a_class_never_predicted_as_zero():
    # label "d" is in the label order but neither true nor predicted: it is left out, not averaged in as 0
    m = classification_metrics(Y_TRUE, Y_PRED, labels=[*LABELS, "d"])
    assert m["scores"]["macro_f1"] == pytest.approx(11 / 18)
    assert m["perClass"][3] == {"label": "d", "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    # "c" is true twice but never predicted: its F1 is 0 and it is averaged in. Predictions a a b b b b a a:
    #   a: predicted at 0, 1, 6, 7 (true a, a, c, c) -> TP 2, P 2/4, R 2/3 -> F1 = 2 (1/2)(2/3) / (7/6) = 4/7
    #   b: predicted at 2, 3, 4, 5 (true a, b, b, b) -> TP 3, P 3/4, R 3/3 -> F1 = 2 (3/4) / (7/4) = 6/7
    #   c: F1 0.  macro-F1 = (4/7 + 6/7 + 0) / 3 = 10/21
    m = classification_metrics(Y_TRUE, ["a", "a", "b", "b", "b", "b", "a", "a"], labels=LABELS)
    assert m["scores"]["macro_f1"] == pytest.approx(10 / 21)


def test_ece_by_hand():
    # 5 bins (0,.2] (.2,.4] (.4,.6] (.6,.8] (.8,1]:
    #   (.8,1]:  0.90, 0.95, 0.85, all right  -> sum(correct - conf) = 0.10 + 0.05 + 0.15 = 0.30
    #   (.6,.8]: 0.70 right, 0.65 right, 0.70 wrong -> 0.30 + 0.35 - 0.70 = -0.05
    #   (.4,.6]: 0.50 wrong, 0.45 wrong      -> -0.95
    # ECE = sum |bin| / n * |acc - conf| = sum |sum(correct - conf)| / n = (0.30 + 0.05 + 0.95) / 8 = 0.1625
    assert expected_calibration_error(Y_TRUE, PROBS, LABELS, n_bins=5) == pytest.approx(0.1625)
    bins = calibration_bins(Y_TRUE, PROBS, LABELS, n_bins=5)
    assert [(b["lo"], b["hi"], b["count"]) for b in bins] == [(0.4, 0.6, 2), (0.6, 0.8, 3), (0.8, 1.0, 3)]
    assert bins[1]["accuracy"] == pytest.approx(2 / 3)
    assert bins[1]["confidence"] == pytest.approx((0.70 + 0.65 + 0.70) / 3)
    # 15 bins of width 1/15: 0.70 and 0.70 share (10/15, 11/15] -> |1 + 0 - 1.4| = 0.40; every other example is
    # alone in its bin: 0.10 + 0.05 + 0.15 + 0.35 (0.65) + 0.50 + 0.45 = 1.60. ECE = (0.40 + 1.60) / 8 = 0.25
    assert expected_calibration_error(Y_TRUE, PROBS, LABELS) == pytest.approx(0.25)


def test_ece_bin_edges_and_ties():
    # a confidence on an edge belongs to the bin it closes: 0.6 -> (0.4, 0.6], the third of 5; a tie goes to the
    # first column; 0 would go to the first bin
    bins, confidence, correct = confidence_bins(["x", "y"], [[0.6, 0.4], [0.5, 0.5]], ["x", "y"], n_bins=5)
    assert bins.tolist() == [2, 2]
    assert confidence.tolist() == [0.6, 0.5]
    assert correct.tolist() == [1.0, 0.0]
    with pytest.raises(ValueError, match="n x k"):
        expected_calibration_error(["x"], [[1.0, 0.0, 0.0]], ["x", "y"])
    with pytest.raises(ValueError, match="sum to 1"):
        expected_calibration_error(["x"], [[0.7, 0.7]], ["x", "y"])


# --- Generation ---------------------------------------------------------------------------------------------------


def test_generation_metrics_by_hand():
    m = generation_metrics(
        nll_sums=[2.0, 1.0, 3.0, 0.0],
        token_counts=[4, 2, 2, 2],
        correct_tokens=[3, 2, 0, 2],
        generations=["Paris", "the  Cat sat ", "the cat sat", "42"],
        references=["paris", "the cat sat", "the cat sat on the mat", "forty-two"],
    )["scores"]
    # loss is token-weighted: (2 + 1 + 3 + 0) / (4 + 2 + 2 + 2) = 0.6 (the mean of per-example means would be 0.625)
    assert m["loss"] == pytest.approx(0.6)
    assert m["perplexity"] == pytest.approx(math.exp(0.6))
    assert m["token_accuracy"] == pytest.approx(7 / 10)  # (3 + 2 + 0 + 2) / 10
    # exact match after case-folding and whitespace collapsing: right, right, wrong, wrong
    assert m["exact_match"] == pytest.approx(0.5)
    # ROUGE-L F: 1, 1, LCS 3 of 3 / 6 tokens -> P 1, R 1/2, F 2/3; 0 -> mean (1 + 1 + 2/3 + 0) / 4 = 2/3
    assert m["rouge_l"] == pytest.approx(2 / 3)
    refs = ["paris", "the cat sat", "the cat sat on the mat", "forty-two"]
    assert m["chrf"] == pytest.approx(CHRF().corpus_score(["Paris", "the  Cat sat ", "the cat sat", "42"], [refs]).score)


def test_normalise_answer():
    assert normalise_answer("  The\tCAT\n sat ") == "the cat sat"
    assert normalise_answer("Straße") == normalise_answer("STRASSE")  # case-folding, not just lower()
    assert normalise_answer("cat.") != normalise_answer("cat")  # punctuation is kept


def test_rouge_l_on_tiny_strings():
    # rouge-score: F of LCS precision and recall over its tokens (lower-cased, non-alphanumerics dropped)
    scores = rouge_l_per_example(
        ["the cat sat on the mat", "The Cat, sat!", "the cat", "café"],
        ["the cat is on the mat", "the cat sat", "dogs bark", "café"],
    )
    # 1: LCS "the cat on the mat" = 5 of 6 and 6 -> P = R = F = 5/6; 2: same tokens -> 1; 3: no common token -> 0;
    # 4: its tokenizer keeps only ASCII letters and digits: "café" -> "caf" both sides -> 1
    assert scores.tolist() == pytest.approx([5 / 6, 1.0, 0.0, 1.0])
    assert rouge_l_per_example(["日本語"], ["日本語"]).tolist() == [0.0]  # no ASCII token: use chrF for such text


def test_chrf_on_tiny_strings():
    assert chrf(["the cat"], ["the cat"]) == pytest.approx(100.0)
    assert chrf(["xyz"], ["abc"]) == 0.0
    # "ab" against "abc", character n-grams up to 6, averaged over orders both sides have (sacrebleu 2):
    #   order 1: hyp a, b; ref a, b, c; 2 match -> P 1, R 2/3
    #   order 2: hyp ab;   ref ab, bc;  1 match -> P 1, R 1/2
    #   order 3+: the hypothesis has none, so they are not averaged
    # P = 1, R = (2/3 + 1/2) / 2 = 7/12; chrF (beta 2) = 5 P R / (4 P + R) = (35/12) / (55/12) = 7/11
    assert chrf(["ab"], ["abc"]) == pytest.approx(100 * 7 / 11)


def test_perplexity_for_continued_pretraining_by_hand():
    m = pretraining_metrics([3.0, 1.0], [2, 2], [2.0], [4])["scores"]
    assert m["domain_loss"] == pytest.approx(1.0)  # (3 + 1) / (2 + 2)
    assert m["domain_perplexity"] == pytest.approx(math.e)
    assert m["general_loss"] == pytest.approx(0.5)
    assert m["general_perplexity"] == pytest.approx(math.exp(0.5))
    with pytest.raises(ValueError, match="lengths differ"):
        pretraining_metrics([1.0, 2.0], [3])


# --- Bootstrap: each additive form equals the library value, on the whole set and on resamples --------------------


def _counts(idx: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(idx, minlength=n).astype(float)[None, :]


def test_additive_macro_f1_matches_sklearn_on_resamples():
    rng = np.random.default_rng(3)
    labels = ["a", "b", "c", "d"]
    y_true = list(rng.choice(labels, 60))
    y_pred = [y if rng.random() < 0.6 else str(rng.choice(labels)) for y in y_true]
    additive = bs.macro_f1_of(y_true, y_pred, labels)
    assert additive.value() == pytest.approx(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=np.nan))
    classes_left_out = 0
    for i in range(30):
        idx = rng.integers(0, 60, 60)
        if i % 2:  # a resample drawn from only 4 distinct examples: some classes are absent from it
            idx = np.resize(rng.integers(0, 60, 4), 60)
        expected = f1_score(
            [y_true[i] for i in idx], [y_pred[i] for i in idx], labels=labels, average="macro", zero_division=np.nan
        )
        assert additive.on_counts(_counts(idx, 60))[0] == pytest.approx(expected)
        classes_left_out += len({y_true[i] for i in idx} | {y_pred[i] for i in idx}) < len(labels)
    assert classes_left_out > 5


def test_additive_ece_chrf_and_loss_match_the_direct_values_on_a_resample():
    idx = np.array([0, 0, 2, 3, 3, 3, 6, 7])
    ece = bs.ece_of(Y_TRUE, PROBS, LABELS)
    assert ece.value() == pytest.approx(0.25)
    direct = expected_calibration_error([Y_TRUE[i] for i in idx], [PROBS[i] for i in idx], LABELS)
    assert ece.on_counts(_counts(idx, 8))[0] == pytest.approx(direct)

    gens = ["the cat", "a dog barks", "hello world", "x"]
    refs = ["the cat sat", "the dog barks", "hello there world", "y"]
    resample = np.array([1, 1, 2, 3])
    chrf_additive = bs.chrf_of(gens, refs)
    assert chrf_additive.value() == pytest.approx(chrf(gens, refs))
    assert chrf_additive.on_counts(_counts(resample, 4))[0] == pytest.approx(
        chrf([gens[i] for i in resample], [refs[i] for i in resample])
    )

    # the token-weighted loss is recomputed on the resample: (1 + 1 + 9) / (1 + 1 + 3), not a mean of means
    loss = bs.ratio_of([1.0, 4.0, 9.0], [1, 2, 3])
    assert loss.on_counts(_counts(np.array([0, 0, 2]), 3))[0] == pytest.approx(11 / 5)
    ppl = bs.ratio_of([1.0, 4.0, 9.0], [1, 2, 3], exp=True)
    assert ppl.value() == pytest.approx(math.exp(14 / 6))


def _right(n: int, rate: float, seed: int) -> np.ndarray:
    return (np.random.default_rng(seed).random(n) < rate).astype(float)


def test_bootstrap_ci_contains_the_delta_and_is_narrow_when_the_models_differ_a_lot_on_many_examples():
    wide = paired_bootstrap(bs.mean_of(_right(60, 0.5, 1)), bs.mean_of(_right(60, 0.9, 2)))
    narrow = paired_bootstrap(bs.mean_of(_right(5000, 0.5, 1)), bs.mean_of(_right(5000, 0.9, 2)))
    for result in (wide, narrow):
        assert result.ci_low < result.delta < result.ci_high
        assert result.ci_low > 0 and result.fraction_le_zero == 0.0
    assert narrow.ci_high - narrow.ci_low < 0.04  # about 4 standard errors of ~0.008
    assert narrow.ci_high - narrow.ci_low < (wide.ci_high - wide.ci_low) / 5


def test_bootstrap_of_identical_or_equally_good_models_straddles_zero():
    same = _right(200, 0.7, 1)
    identical = paired_bootstrap(bs.mean_of(same), bs.mean_of(same))
    assert (identical.delta, identical.ci_low, identical.ci_high, identical.fraction_le_zero) == (0.0, 0.0, 0.0, 1.0)
    # right on alternate examples: both 0.5, they disagree everywhere
    even = (np.arange(200) % 2 == 0).astype(float)
    equal = paired_bootstrap(bs.mean_of(even), bs.mean_of(1 - even))
    assert equal.delta == 0.0
    assert equal.ci_low < 0 < equal.ci_high
    assert 0.3 < equal.fraction_le_zero < 0.7


def test_bootstrap_is_paired_and_seeded():
    values = np.random.default_rng(0).random(100)
    # the candidate is 0.1 better on every example: on the same resample the delta is always exactly 0.1 (an
    # unpaired bootstrap would give a wide interval)
    paired = paired_bootstrap(bs.mean_of(values), bs.mean_of(values + 0.1))
    assert paired.ci_low == pytest.approx(0.1) and paired.ci_high == pytest.approx(0.1)

    base, cand = bs.mean_of(_right(300, 0.6, 1)), bs.mean_of(_right(300, 0.65, 2))
    assert paired_bootstrap(base, cand, seed=7) == paired_bootstrap(base, cand, seed=7)
    assert paired_bootstrap(base, cand, seed=7) != paired_bootstrap(base, cand, seed=8)
    with pytest.raises(ValueError, match="different numbers"):
        paired_bootstrap(bs.mean_of([1.0, 0.0]), bs.mean_of([1.0]))


# --- The report -------------------------------------------------------------------------------------------------


def test_headline_wording():
    row = {"label": "macro-F1", "higherIsBetter": True, "delta": 0.31, "ciLow": 0.25, "ciHigh": 0.37, "verdict": "better"}
    assert (
        headline_sentence("the fine-tuned model", row)
        == "The fine-tuned model beats the base on macro-F1 by +0.31 (95% CI [0.25, 0.37])."
    )
    row |= {"delta": 0.01, "ciLow": -0.03, "ciHigh": 0.05, "verdict": "not_significant"}
    assert headline_sentence("the fine-tuned model", row) == (
        "The fine-tuned model is not significantly different from the base on macro-F1 (+0.01, 95% CI [-0.03, 0.05])."
    )
    row |= {"delta": -0.2, "ciLow": -0.26, "ciHigh": -0.14, "verdict": "significantly_worse"}
    assert headline_sentence("model 'ft-2'", row, task="intent") == (
        "On task 'intent', model 'ft-2' is significantly worse than the base on macro-F1, by -0.2 (95% CI [-0.26, -0.14])."
    )
    row = {"label": "perplexity", "higherIsBetter": False, "delta": -3.2, "ciLow": -4.1, "ciHigh": -2.5, "verdict": "better"}
    assert headline_sentence("the fine-tuned model", row) == (
        "The fine-tuned model beats the base on perplexity by -3.2 (95% CI [-4.1, -2.5]; lower is better)."
    )


def _classification_task(n_repeats: int = 1, **kw) -> ClassificationTask:
    # the candidate fixes examples 2 and 5 of the fixture and breaks example 0
    ft_pred = ["b", "a", "a", "b", "b", "b", "c", "a"]
    return ClassificationTask(
        y_true=Y_TRUE * n_repeats,
        models={"base": ClassifierOutput(Y_PRED * n_repeats, PROBS * n_repeats), "ft": ClassifierOutput(ft_pred * n_repeats)},
        labels=LABELS,
        inputs=[f"text {i}" for i in range(8 * n_repeats)],
        **kw,
    )


def test_report_classification_comparisons_and_flips_both_ways():
    report = build_report(_classification_task(), base="base", max_flips=1)
    assert report["reportVersion"] == 1
    assert report["technique"] == "classification"
    assert report["models"] == ["base", "ft"]
    assert report["tasks"][0]["models"]["base"]["scores"]["macro_f1"] == pytest.approx(11 / 18)
    (comparison,) = report["comparisons"]
    rows = {row["metric"]: row for row in comparison["metrics"]}
    assert set(rows) == {"accuracy", "macro_f1"}  # ECE only where both models have probabilities
    assert rows["accuracy"]["base"] == pytest.approx(5 / 8) and rows["accuracy"]["candidate"] == pytest.approx(6 / 8)
    assert rows["accuracy"]["delta"] == pytest.approx(1 / 8)
    assert rows["accuracy"]["ciLow"] <= rows["accuracy"]["delta"] <= rows["accuracy"]["ciHigh"]
    flips = comparison["flips"]["classification"]
    assert flips["gained"]["count"] == 2 and flips["lost"]["count"] == 1
    assert flips["gained"]["examples"] == [{"index": 2, "input": "text 2", "reference": "a", "base": "b", "candidate": "a"}]
    assert flips["lost"]["examples"] == [{"index": 0, "input": "text 0", "reference": "a", "base": "a", "candidate": "b"}]


def test_report_headline_on_a_clear_win():
    report = build_report(_classification_task(n_repeats=50), base="base")
    row = next(r for r in report["comparisons"][0]["metrics"] if r["metric"] == "macro_f1")
    assert row["better"] and row["verdict"] == "better" and row["ciLow"] > 0
    assert report["headline"] == headline_sentence("the fine-tuned model", row)
    assert report["headline"].startswith("The fine-tuned model beats the base on macro-F1 by +0.")
    assert report["warnings"] == []


def test_lower_is_better_metrics_flip_the_direction():
    rng = np.random.default_rng(5)
    tokens = rng.integers(50, 150, 100)
    base_nll = tokens * rng.uniform(2.0, 2.4, 100)
    task = PretrainingTask(
        models={
            "base": LanguageModelOutput(base_nll, tokens, tokens * 2.0, tokens),
            # domain: lower NLL (better); general text: higher NLL (forgetting, worse)
            "ft": LanguageModelOutput(base_nll - tokens * 0.5, tokens, tokens * 2.3, tokens),
        }
    )
    report = build_report(task, base="base")
    rows = {row["metric"]: row for row in report["comparisons"][0]["metrics"]}
    domain, general = rows["domain_perplexity"], rows["general_perplexity"]
    assert domain["higherIsBetter"] is False
    assert domain["delta"] < 0 and domain["ciHigh"] < 0 and domain["better"] is True and domain["verdict"] == "better"
    assert domain["fractionLeZero"] == 1.0 and domain["pNotBetter"] == 0.0
    assert general["delta"] > 0 and general["ciLow"] > 0 and general["better"] is False
    assert general["verdict"] == "significantly_worse"
    assert report["headline"].startswith("The fine-tuned model beats the base on domain perplexity by -")
    assert report["headline"].endswith("; lower is better).")
    assert [(w["metric"], w["severity"]) for w in report["warnings"]] == [("general_perplexity", "significantly worse")]
    assert report["comparisons"][0]["flips"] == {}


def _qa_task(n: int = 200, rouge_threshold: float | None = None) -> GenerationTask:
    rng = np.random.default_rng(11)
    refs = [f"answer number {i}" for i in range(n)]
    tokens = np.full(n, 10)
    base_nll = rng.uniform(8, 12, n)
    worse = list(refs)
    worse[0] = "something else"  # the candidate gets one of n wrong that the base got right
    return GenerationTask(
        references=refs,
        models={
            "base": GeneratorOutput(base_nll, tokens, tokens - 2, refs),
            "ft": GeneratorOutput(base_nll + rng.uniform(3, 7, n), tokens, tokens - 2, worse),
        },
        name="qa",
        rouge_threshold=rouge_threshold,
    )


def test_multi_task_warnings_name_every_task_and_metric_that_got_worse():
    report = build_report([_classification_task(n_repeats=50, name="intent"), _qa_task()], base="base")
    assert report["technique"] == "multi_task"
    assert report["headline"].startswith("On task 'intent', the fine-tuned model beats the base on macro-F1")
    assert (
        " On task 'qa', the fine-tuned model is not significantly different from the base on ROUGE-L (-0.005, 95% CI ["
        in report["headline"]
    )
    severities = {(w["task"], w["metric"]): w["severity"] for w in report["warnings"]}
    assert severities == {
        ("qa", "loss"): "significantly worse",  # every answer costs 0.3-0.7 nats/token more
        ("qa", "perplexity"): "significantly worse",
        ("qa", "exact_match"): "worse, not significant",  # one example of 200
        ("qa", "rouge_l"): "worse, not significant",
        ("qa", "chrf"): "worse, not significant",
    }  # token accuracy is equal: no warning; the intent task got better: no warning
    loss_warning = next(w for w in report["warnings"] if w["metric"] == "loss")
    assert loss_warning["message"].startswith("ft on task 'qa': answer-token loss is significantly worse than the base (")
    qa_flips = report["comparisons"][0]["flips"]["qa"]
    assert qa_flips["lost"]["count"] == 1 and qa_flips["gained"]["count"] == 0
    assert qa_flips["lost"]["examples"][0] == {
        "index": 0,
        "reference": "answer number 0",
        "base": "answer number 0",
        "candidate": "something else",
    }


def test_generation_flips_with_a_rouge_threshold():
    refs = ["a b c", "d e f", "g h i"]
    task = GenerationTask(
        references=refs,
        models={
            "base": GeneratorOutput([1.0] * 3, [1] * 3, generations=["a b c", "d e x", "zzz"]),
            "ft": GeneratorOutput([1.0] * 3, [1] * 3, generations=["a b x", "d e f", "g h i"]),
        },
    )
    flips = build_report(task, base="base", n_resamples=50)["comparisons"][0]["flips"]["sft"]
    # exact match: base right on 0; ft right on 1 and 2
    assert (flips["gained"]["count"], flips["lost"]["count"]) == (2, 1)
    assert [e["index"] for e in flips["gained"]["examples"]] == [1, 2]
    # ROUGE-L >= 0.6: base 1, 2/3, 0 -> right on 0, 1; ft 2/3, 1, 1 -> right everywhere
    task = GenerationTask(references=refs, models=task.models, rouge_threshold=0.6)
    flips = build_report(task, base="base", n_resamples=50)["comparisons"][0]["flips"]["sft"]
    assert (flips["gained"]["count"], flips["lost"]["count"]) == (1, 0)
    assert flips["gained"]["examples"] == [{"index": 2, "reference": "g h i", "base": "zzz", "candidate": "g h i"}]


def test_several_models_are_each_compared_with_the_base():
    task = _classification_task(n_repeats=20)
    models = {"base": task.models["base"], "ft-1": task.models["ft"], "ft-2": ClassifierOutput(Y_PRED * 20)}
    report = build_report(ClassificationTask(Y_TRUE * 20, models, labels=LABELS), base="base")
    assert report["models"] == ["base", "ft-1", "ft-2"]
    assert [c["model"] for c in report["comparisons"]] == ["ft-1", "ft-2"]
    assert report["comparisons"][0]["headline"].startswith("Model 'ft-1' beats the base on macro-F1")
    assert report["comparisons"][1]["headline"] == (
        "Model 'ft-2' is not significantly different from the base on macro-F1 (+0, 95% CI [0, 0])."
    )
    assert report["headline"] == f"{report['comparisons'][0]['headline']} {report['comparisons'][1]['headline']}"


def test_the_whole_report_survives_a_json_round_trip():
    # numpy inputs, integer labels, several tasks and kinds
    y = np.array([0, 1, 2, 1, 0, 2, 2, 1])
    probs = np.array(PROBS)
    cls = ClassificationTask(
        y, {"base": ClassifierOutput(probs.argmax(1), probs), "ft": ClassifierOutput(y, probs[:, [2, 0, 1]])}
    )
    cpt = PretrainingTask(
        {
            "base": LanguageModelOutput(np.array([3.0, 4.0]), np.array([2, 2])),
            "ft": LanguageModelOutput(np.array([2.0, 3.0]), np.array([2, 2])),
        }
    )
    report = build_report([cls, _qa_task(n=20), cpt], base="base", n_resamples=100)
    text = json.dumps(report, allow_nan=False)
    assert json.loads(text) == report
    assert report["tasks"][0]["models"]["base"]["confusionMatrix"]["labels"] == [0, 1, 2]


def test_report_rejects_inconsistent_inputs():
    task = _classification_task()
    with pytest.raises(ValueError, match="base 'nope'"):
        build_report(task, base="nope")
    with pytest.raises(ValueError, match="besides the base"):
        build_report(ClassificationTask(Y_TRUE, {"base": task.models["base"]}), base="base")
    with pytest.raises(ValueError, match="has models"):
        other = ClassificationTask(Y_TRUE, {"base": task.models["base"], "other": task.models["ft"]}, name="x")
        build_report([task, other], base="base")
