"""Preference tuning: does a model prefer the preferred answers of held-out pairs, and more often than the base?

Per model and pair, the log-likelihood of each answer given the prompt (teacher-forced, the answer's tokens only),
normalised by its length (nats per token, so a longer answer is not penalised for being longer). A model prefers the
chosen answer when its per-token log-likelihood is the higher one:

- `preference_accuracy`: the share of pairs where it does (the primary metric);
- `preference_margin`: the mean of log p(chosen)/token − log p(rejected)/token.

Both are compared with the reference (the base) by the paired bootstrap, like every other evaluator. DPO's own
measure, the implicit reward r = β·(log π(y|x) − log π_ref(y|x)), is 0 for the reference by definition, so it cannot be
compared; for each other model the report adds it against the reference (`implicitReward`, per unit of β: the
accuracy of r(chosen) > r(rejected) and the mean margin, with bootstrap intervals), what TRL logs as
rewards/accuracies and rewards/margins / β during training.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..data import IGNORE
from ..techniques.preference import pair
from ..techniques.sft import render
from . import bootstrap as bs
from .predict import Evaluator, Options, Progress, batches, token_nll


@dataclass(frozen=True)
class Example:
    prompt: list[dict]
    chosen: list[dict]
    rejected: list[dict]


def examples(rows: list[dict], fmt: str, options: Options) -> list[Example]:
    return [Example(*pair(r)) for r in rows]


def tokenize_answer(tokenizer, prompt: list[dict], answer: list[dict], max_len: int) -> dict:
    """Token ids of prompt + answer as training renders them, with labels on the answer's tokens only (cut at max_len,
    prompt first, as TRL's keep_start does)."""
    head = render(tokenizer, prompt, add_generation_prompt=True)
    text = render(tokenizer, prompt + answer)
    if not getattr(tokenizer, "chat_template", None) and tokenizer.eos_token:
        text += tokenizer.eos_token  # as SFT and TRL end an answer without a template
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    labels = [tok if start >= len(head) else IGNORE for tok, (start, _e) in zip(enc["input_ids"], enc["offset_mapping"],
                                                                                 strict=False)]
    return {"input_ids": enc["input_ids"][:max_len], "labels": labels[:max_len]}


@dataclass(frozen=True)
class PreferenceOutput:
    """Per pair: summed log-likelihood (nats) and token count of each answer."""

    chosen_logps: Sequence[float]
    chosen_tokens: Sequence[int]
    rejected_logps: Sequence[float]
    rejected_tokens: Sequence[int]

    def per_token(self) -> tuple[np.ndarray, np.ndarray]:
        c = np.asarray(self.chosen_logps, float) / np.maximum(np.asarray(self.chosen_tokens, float), 1)
        r = np.asarray(self.rejected_logps, float) / np.maximum(np.asarray(self.rejected_tokens, float), 1)
        return c, r

    def margins(self) -> np.ndarray:
        """log p(chosen)/token − log p(rejected)/token, per pair."""
        c, r = self.per_token()
        return c - r


def answer_logps(model, tokenizer, prompts: Sequence[list[dict]], answers: Sequence[list[dict]], max_len: int,
                 batch_size: int = 8) -> tuple[list[float], list[int]]:
    """Summed log-likelihood and token count of each answer given its prompt."""
    sums, counts = [], []
    items = [tokenize_answer(tokenizer, p, a, max_len) for p, a in zip(prompts, answers, strict=True)]
    for batch in batches(items, batch_size):
        nll, n, _ = token_nll(model, tokenizer, batch)
        sums += [-x for x in nll]
        counts += n
    return sums, counts


def predict(loaded, items: list[Example], options: Options, progress: Progress) -> PreferenceOutput:
    model, tok = loaded.model, loaded.tokenizer
    out = {"chosen": ([], []), "rejected": ([], [])}
    for batch in batches(items, options.batch_size):
        for side in ("chosen", "rejected"):
            s, n = answer_logps(model, tok, [x.prompt for x in batch], [getattr(x, side) for x in batch],
                                options.max_seq_length, options.batch_size)
            out[side][0].extend(s)
            out[side][1].extend(n)
        progress(len(batch))
    return PreferenceOutput(chosen_logps=out["chosen"][0], chosen_tokens=out["chosen"][1],
                            rejected_logps=out["rejected"][0], rejected_tokens=out["rejected"][1])


def _text(messages: list[dict]) -> str:
    return "\n".join(m["content"] for m in messages)


@dataclass(frozen=True)
class PreferenceTask:
    """Every model's outputs on one set of held-out pairs; the first model is the reference (the evaluate job puts
    the base first)."""

    models: Mapping[str, PreferenceOutput]
    name: str = "preference"
    inputs: Sequence[str] | None = None
    answers: Sequence[tuple[str, str]] = ()  # (chosen, rejected) texts, for flips
    primary_metric: str = "preference_accuracy"
    n_resamples: int = bs.DEFAULT_RESAMPLES
    kind: ClassVar[str] = "preference"

    def primary(self) -> str:
        return self.primary_metric

    def n(self) -> int:
        return len(next(iter(self.models.values())).chosen_logps)

    @property
    def reference_model(self) -> str:
        return next(iter(self.models))

    def score(self, model: str) -> dict:
        o = self.models[model]
        c, r = o.per_token()
        margins = c - r
        out = {
            "scores": {"preference_accuracy": float(np.mean(margins > 0)), "preference_margin": float(np.mean(margins))},
            "chosenLogpPerToken": float(np.mean(c)),
            "rejectedLogpPerToken": float(np.mean(r)),
        }
        if model != self.reference_model:
            out["implicitReward"] = self.implicit_reward(model)
        return out

    def implicit_reward(self, model: str) -> dict:
        """DPO's implicit reward against the reference, per unit of β: r(y) = log π(y|x) − log π_ref(y|x) (summed over
        the answer's tokens); accuracy of r(chosen) > r(rejected) and the mean of r(chosen) − r(rejected)."""
        o, ref = self.models[model], self.models[self.reference_model]
        margins = ((np.asarray(o.chosen_logps) - np.asarray(ref.chosen_logps))
                   - (np.asarray(o.rejected_logps) - np.asarray(ref.rejected_logps)))
        zero = bs.mean_of(np.zeros(len(margins)))
        acc = bs.paired_bootstrap(zero, bs.mean_of(margins > 0), n_resamples=self.n_resamples)
        mean = bs.paired_bootstrap(zero, bs.mean_of(margins), n_resamples=self.n_resamples)
        return {"accuracy": acc.delta, "accuracyCi": [acc.ci_low, acc.ci_high], "margin": mean.delta,
                "marginCi": [mean.ci_low, mean.ci_high], "perUnitBeta": True}

    def additives(self, model: str) -> dict[str, bs.Additive]:
        margins = self.models[model].margins()
        return {"preference_accuracy": bs.mean_of(margins > 0), "preference_margin": bs.mean_of(margins)}

    def outcomes(self, model: str) -> np.ndarray:
        return self.models[model].margins() > 0

    def shown(self, model: str, i: int) -> str:
        m = float(self.models[model].margins()[i])
        side = "preferred" if m > 0 else "rejected"
        return f"prefers the {side} answer ({m:+.3f} nats/token)"

    def reference(self, i: int) -> str:
        chosen, rejected = self.answers[i]
        return f"preferred: {chosen}\nrejected: {rejected}"


def task(name: str, items: list[Example], outputs: dict[str, PreferenceOutput], options: Options) -> PreferenceTask:
    return PreferenceTask(models=outputs, name=name, inputs=[x.prompt[-1]["content"] if x.prompt else "" for x in items],
                          answers=[(_text(x.chosen), _text(x.rejected)) for x in items])


EVALUATOR = Evaluator(examples=examples, predict=predict, task=task)
