"""Preference tuning: DPO on pairs of a preferred and a rejected answer to one prompt, with TRL's DPOTrainer.

Rows (the contract's `preference` format, checked at upload by packages/core/src/datasets/preference.ts) come in two
shapes: TRL's {"prompt"?, "chosen", "rejected"} (strings, or message lists; without a prompt, the messages both answers
start with are the prompt) and OpenAI's {"input": {"messages"}, "preferred_output", "non_preferred_output"}. Each
becomes the prompt's messages and each answer's messages, then the dataset TRL takes: conversational (message lists)
when the tokenizer has a chat template, so TRL renders them with it exactly as SFT's `render` does; else plain strings
rendered with SFT's fallback template, to which TRL appends EOS. TRL tokenizes, truncates to maxSeqLength, computes
the loss and the implicit rewards; nothing of DPO is written here (decision 0006).

The reference model is the model before tuning: with LoRA, TRL keeps a frozen copy of the starting adapter ("ref";
for a fresh adapter that is the base itself) and switches to it for the reference passes; with full fine-tuning, a
frozen copy of the weights passed as `ref_model`.
"""

from __future__ import annotations

import copy

from ..config import Hyperparameters, JobError
from .sft import _render_plain, render
from .technique import Technique

REF_ADAPTER = "ref"  # the name TRL gives its frozen copy of the starting adapter


def _messages(value, role: str) -> list[dict]:
    if isinstance(value, str):
        return [{"role": role, "content": value}]
    return [{"role": m["role"], "content": str(m["content"])} for m in value]


def pair(row: dict) -> tuple[list[dict], list[dict], list[dict]]:
    """(prompt messages, chosen answer messages, rejected answer messages) of one row of either shape."""
    if "chosen" not in row and "rejected" not in row:  # OpenAI's shape
        return (_messages(row["input"]["messages"], "user"), _messages(row["preferred_output"], "assistant"),
                _messages(row["non_preferred_output"], "assistant"))
    chosen, rejected = _messages(row["chosen"], "assistant"), _messages(row["rejected"], "assistant")
    if row.get("prompt") is not None:
        return _messages(row["prompt"], "user"), chosen, rejected
    n = 0  # no prompt: the messages both answers start with
    while n < min(len(chosen), len(rejected)) and chosen[n] == rejected[n]:
        n += 1
    return chosen[:n], chosen[n:], rejected[n:]


def to_trl(tokenizer, row: dict) -> dict:
    """One row as TRL's DPO dataset takes it: {"prompt", "chosen", "rejected"}, conversational with a chat template,
    plain strings (rendered like SFT's fallback) without one."""
    prompt, chosen, rejected = pair(row)
    if not chosen or not rejected:
        raise JobError("preference row without an answer on one side (chosen and rejected must differ after the "
                       "messages they share)")
    if getattr(tokenizer, "chat_template", None):
        return {"prompt": prompt, "chosen": chosen, "rejected": rejected}
    head = _render_plain(prompt, add_generation_prompt=True)
    return {"prompt": head, "chosen": _render_plain(prompt + chosen, False)[len(head):],
            "rejected": _render_plain(prompt + rejected, False)[len(head):]}


def tokenize(tokenizer, fmt: str, rows: list[dict], hp: Hyperparameters, label2id) -> tuple[list[dict], int]:
    """TRL rows; pairs whose prompt alone fills maxSeqLength (no answer token would be left) are dropped and counted,
    as TRL would drop them."""
    out, dropped = [], 0
    for r in rows:
        prompt_ids = tokenizer(render(tokenizer, pair(r)[0], add_generation_prompt=True),
                               add_special_tokens=False)["input_ids"]
        if len(prompt_ids) >= hp.max_seq_length:
            dropped += 1
            continue
        out.append(to_trl(tokenizer, r))
    return out, dropped


def config_kwargs(hp: Hyperparameters) -> dict:
    if hp.beta is None:
        raise JobError("hyperparameters.beta: a preference-tuning job needs DPO's beta (the platform sets 0.1 by default)")
    # sigmoid: the DPO loss of the paper; sequences are cut after maxSeqLength tokens, prompt first
    return {"beta": hp.beta, "loss_type": ["sigmoid"], "max_length": hp.max_seq_length, "truncation_mode": "keep_start"}


def to_dataset(examples: list[dict]):
    import datasets

    datasets.disable_progress_bars()  # progress goes out as events; TRL's tokenizing would draw bars on stderr
    return datasets.Dataset.from_list(examples)


def trainer_kwargs(model) -> dict:
    """The reference model: none with a PEFT model (TRL keeps the starting adapter as "ref" and switches to it), a
    frozen copy of the weights with full fine-tuning (the model as loaded, also when a base adapter was merged in)."""
    from peft import PeftModel

    if isinstance(model, PeftModel):
        return {}
    ref = copy.deepcopy(model).eval()
    ref.requires_grad_(False)
    return {"ref_model": ref}


def drop_reference_adapter(model) -> None:
    """The trained adapter alone is the artifact: TRL's frozen "ref" copy is removed before saving."""
    if REF_ADAPTER in getattr(model, "peft_config", {}):
        model.delete_adapter(REF_ADAPTER)


def no_collator(tokenizer, hp):
    return None  # TRL's DataCollatorForPreference (prompt + chosen and prompt + rejected in one padded batch)


TECHNIQUE = Technique(
    name="preference", tokenize=tokenize, collator=no_collator, trainer_class="trl.DPOTrainer",
    config_class="trl.DPOConfig", config_kwargs=config_kwargs, dataset=to_dataset, trainer_kwargs=trainer_kwargs,
    before_save=drop_reference_adapter, metric_names=("reward_accuracy", "reward_margin"),
    log_names={"rewards/accuracies": "reward_accuracy", "rewards/margins": "reward_margin"},
    drop_reason="the prompt alone fills maxSeqLength", evaluator="whetstone_runner.evaluation.preference.EVALUATOR",
)
