"""Evaluation: does the fine-tuned model beat its base on the held-out test split, and by how much?

A pure library: per-example outputs of two or more models (plain lists / numpy arrays) in, one
JSON-serialisable dict out. `metrics` scores one model, `bootstrap` gives a paired bootstrap confidence
interval of the difference, `report` puts them together:

    report = build_report(ClassificationTask(y_true, {"base": ClassifierOutput(...), "ft": ClassifierOutput(...)}),
                          base="base")

Report shape, version 1 (keys camelCase; metric ids snake_case):

    {
      "reportVersion": 1,
      "technique": "classification" | "sft" | "continued_pretraining" | "preference" | "multi_task",  # multi_task: > 1 task
      "base": "base",                      # the reference model
      "models": ["base", "ft", ...],       # base first, then the candidates in input order
      "bootstrap": {"method": "paired percentile", "resamples": 1000, "seed": 0, "confidence": 0.95},
      "tasks": [{
        "name": "qa", "kind": "sft", "examples": 500, "primaryMetric": "rouge_l",
        "models": {"base": {"scores": {"loss": 1.2, "perplexity": 3.3, ...}, ...kind-specific extras}, "ft": {...}}
      }],
      "comparisons": [{                    # one per candidate, against the base
        "model": "ft",
        "headline": "The fine-tuned model beats the base on ROUGE-L by +0.31 (95% CI [0.25, 0.37]).",
        "metrics": [{"task": "qa", "metric": "rouge_l", "label": "ROUGE-L", "higherIsBetter": true,
                     "base": 0.4, "candidate": 0.71, "delta": 0.31, "ciLow": 0.25, "ciHigh": 0.37,
                     "fractionLeZero": 0.0,  # share of bootstrap deltas <= 0
                     "pNotBetter": 0.0,      # share of deltas not in the good direction (>= 0 when lower is better)
                     "better": true,         # the CI excludes 0 on the good side
                     "verdict": "better" | "not_significant" | "significantly_worse"}],
        "flips": {"qa": {"gained": {"count": 40, "examples": [{"index": 3, "input": "...", "reference": "...",
                                                                "base": "...", "candidate": "..."}]},
                         "lost": {"count": 9, "examples": [...]}}},     # capped at max_flips examples each
        "warnings": [{"model": "ft", "task": "qa", "metric": "chrf",
                      "severity": "significantly worse" | "worse, not significant", "message": "..."}]
      }],
      "headline": "...",                   # the comparisons' headlines joined
      "warnings": [...]                    # every comparison's warnings
    }

Per kind, the scores (and extras) of a model:
  classification: accuracy, macro_f1, ece (with probabilities); perClass, confusionMatrix, calibration.
  sft: loss, perplexity, token_accuracy (with correct-token counts), exact_match, rouge_l, chrf (with
       generations); tokens.
  continued_pretraining: domain_loss, domain_perplexity, general_loss, general_perplexity (with a general
       sample); domainTokens, generalTokens. Perplexities are compared, losses only reported.
  preference: preference_accuracy (pairs whose preferred answer has the higher log-likelihood per token),
       preference_margin (mean difference, nats/token); chosenLogpPerToken, rejectedLogpPerToken, and for every
       model but the base implicitReward (DPO's reward against the base per unit of β: accuracy, margin, their CIs).
       The task lives in evaluation/preference.py.
Lower is better for loss, perplexity and ece: there `better` means the CI lies entirely below 0.
"""

from .bootstrap import Additive, PairedBootstrap, paired_bootstrap
from .metrics import (
    calibration_bins,
    chrf,
    classification_metrics,
    exact_match_per_example,
    expected_calibration_error,
    generation_metrics,
    normalise_answer,
    perplexity_metrics,
    pretraining_metrics,
    rouge_l_per_example,
)
from .report import (
    METRICS,
    REPORT_VERSION,
    ClassificationTask,
    ClassifierOutput,
    GenerationTask,
    GeneratorOutput,
    LanguageModelOutput,
    PretrainingTask,
    build_report,
)

__all__ = [
    "METRICS",
    "REPORT_VERSION",
    "Additive",
    "ClassificationTask",
    "ClassifierOutput",
    "GenerationTask",
    "GeneratorOutput",
    "LanguageModelOutput",
    "PairedBootstrap",
    "PretrainingTask",
    "build_report",
    "calibration_bins",
    "chrf",
    "classification_metrics",
    "exact_match_per_example",
    "expected_calibration_error",
    "generation_metrics",
    "normalise_answer",
    "paired_bootstrap",
    "perplexity_metrics",
    "pretraining_metrics",
    "rouge_l_per_example",
]
