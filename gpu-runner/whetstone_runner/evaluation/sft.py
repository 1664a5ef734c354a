"""Supervised fine-tuning: teacher-forced answer-token loss and token accuracy (the train job's own tokenization and
answer masking), and greedy generations of the last answer from the turns before it, against the reference."""

from __future__ import annotations

from dataclasses import dataclass

from ..techniques.sft import render, to_messages, tokenize_sft
from .predict import Evaluator, Options, Progress, batches, generate, token_nll
from .report import GenerationTask, GeneratorOutput


@dataclass(frozen=True)
class Example:
    messages: list[dict]  # up to and including the last assistant turn
    prompt: list[dict]  # the turns before it
    reference: str


def examples(rows: list[dict], fmt: str, options: Options) -> list[Example]:
    out = []
    for row in rows:
        msgs = to_messages(row, fmt)
        last = max(i for i, m in enumerate(msgs) if m["role"] == "assistant")
        out.append(Example(messages=msgs[:last + 1], prompt=msgs[:last], reference=msgs[last]["content"]))
    return out


def predict(loaded, items: list[Example], options: Options, progress: Progress) -> GeneratorOutput:
    model, tok = loaded.model, loaded.tokenizer
    nll, counts, correct, generations = [], [], [], []
    room = max(8, options.max_seq_length - options.max_new_tokens)
    for batch in batches(items, options.batch_size):
        s, n, c = token_nll(model, tok, [tokenize_sft(tok, x.messages, options.max_seq_length) for x in batch])
        nll += s
        counts += n
        correct += c
        prompts = [tok(render(tok, x.prompt, add_generation_prompt=True), add_special_tokens=False)["input_ids"][-room:]
                   for x in batch]
        generations += generate(model, tok, prompts, options.max_new_tokens)
        progress(len(batch))
    return GeneratorOutput(nll_sums=nll, token_counts=counts, correct_tokens=correct, generations=generations)


def task(name: str, items: list[Example], outputs: dict[str, GeneratorOutput], options: Options) -> GenerationTask:
    inputs = [x.prompt[-1]["content"] if x.prompt else "" for x in items]
    return GenerationTask(models=outputs, references=[x.reference for x in items], name=name, inputs=inputs)


EVALUATOR = Evaluator(examples=examples, predict=predict, task=task)
