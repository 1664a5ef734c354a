"""The one small interface every technique fills in: what it trains on, how rows become examples, which model
head and PEFT task it needs, what it scores, which trainer (and arguments class) runs it and which evaluator scores a
model on it. The training and evaluate jobs call only these."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import contract
from ..config import Hyperparameters
from ..data import Collator, ListDataset

# (tokenizer, dataset format, rows, hyperparameters, label2id or None) -> (examples, rows dropped)
Tokenize = Callable[[object, str, list[dict], Hyperparameters, "dict[str, int] | None"], "tuple[list[dict], int]"]


def no_labels(raw: list[list[dict]], declared: tuple[str, ...] | None = None) -> None:
    return None


def no_model_kwargs(label2id: dict[str, int] | None, tokenizer) -> dict:
    return {}


def pad_collator(tokenizer, hp: Hyperparameters) -> Collator:
    return Collator(pad_id=tokenizer.pad_token_id)


def no_config_kwargs(hp: Hyperparameters) -> dict:
    return {}


def no_trainer_kwargs(model) -> dict:
    return {}


def nothing(model) -> None:
    return None


def load_class(dotted: str) -> type:
    """"transformers.Trainer" -> the class (imported only when a job needs it)."""
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Technique:
    name: str  # a key of the contract's techniques
    tokenize: Tokenize
    model_class: str = "transformers.AutoModelForCausalLM"
    peft_task_type: str = "CAUSAL_LM"  # a member of peft.TaskType
    # label2id from the raw rows and the payload's declared labels (None: none declared)
    labels: Callable[[list[list[dict]], tuple[str, ...] | None], dict[str, int] | None] = no_labels
    model_kwargs: Callable[[dict[str, int] | None, object], dict] = no_model_kwargs  # extra from_pretrained kwargs
    collator: Callable[[object, Hyperparameters], Callable | None] = pad_collator  # (tokenizer, hp); None: the trainer's own
    compute_metrics: Callable | None = None  # Trainer's compute_metrics; its keys become val_<name>
    metric_names: tuple[str, ...] = ()
    # the trainer's own log keys -> Whetstone's metric names (DPO: "rewards/accuracies" -> "reward_accuracy"), reported
    # as val_<name> from evaluations and train_<name> from training logs
    log_names: dict[str, str] = field(default_factory=dict)
    trainer_class: str = "transformers.Trainer"
    config_class: str = "transformers.TrainingArguments"  # the trainer's arguments (DPO: trl.DPOConfig, a subclass)
    config_kwargs: Callable[[Hyperparameters], dict] = no_config_kwargs  # arguments of config_class only it has
    dataset: Callable[[list[dict]], object] = ListDataset  # examples -> what the trainer takes (DPO: a datasets.Dataset)
    trainer_kwargs: Callable[[object], dict] = no_trainer_kwargs  # from the model to train (DPO: its reference model)
    before_save: Callable[[object], None] = nothing  # on the trained model, before its artifacts are written
    drop_reason: str = "rows dropped"  # how a warning names the rows `tokenize` dropped
    evaluator: str | None = None  # the evaluate job's `evaluation.predict.Evaluator` for this technique (dotted name)

    @property
    def formats(self) -> frozenset[str]:
        return contract.technique_formats(self.name)
