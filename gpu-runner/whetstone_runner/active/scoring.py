"""What a loaded model (loading.load_for_inference) says about a batch of texts, for the selection strategies.

- classification, a classifier (a fine-tune with a head for the declared labels): the head's softmax, its columns put
  in the declared label order; the text read as the train job reads it (its first maxSeqLength tokens);
- classification, any other model (a base LM): the evaluation's zero-shot label log-likelihood scorer
  (evaluation/classification.py), softmaxed over the declared labels;
- generation: the model's greedy answer to the text as a user turn (up to maxNewTokens), with the entropy of the
  next-token distribution and the log-probability of the chosen token at each answer token;
- embeddings: the last hidden state, mean-pooled over the text's first maxSeqLength tokens (taken from the head's own
  forward pass for a classifier).
"""

from __future__ import annotations

import numpy as np
import torch

from ..config import JobError
from ..evaluation import classification as zero_shot
from ..evaluation.predict import Options, end_of_turn, pad
from ..techniques.sft import render
from . import strategies


def check_labels(loaded, labels: list[str]) -> None:
    """A classifier must classify into exactly the declared labels (in any order)."""
    if not loaded.is_classifier:
        return
    own = set(loaded.id2label.values())
    if own != set(labels):
        missing, extra = sorted(set(labels) - own), sorted(own - set(labels))
        raise JobError(f"model {loaded.name!r} classifies into {sorted(own)}, the declared labels are {labels}"
                       + (f"; it has no class for {missing}" if missing else "")
                       + (f"; it has classes not declared: {extra}" if extra else ""))


def _ids(tok, text: str, max_len: int) -> list[int]:
    ids = tok(text, add_special_tokens=False)["input_ids"][:max_len]
    return ids or [tok.eos_token_id if tok.eos_token_id is not None else tok.pad_token_id]


def _first_tokens(tok, text: str, n: int) -> str:
    ids = tok(text, add_special_tokens=False)["input_ids"]
    return text if len(ids) <= n else tok.decode(ids[:n])


def _mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> np.ndarray:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return ((hidden * m).sum(1) / m.sum(1).clamp(min=1)).float().cpu().numpy()


@torch.inference_mode()
def classify(loaded, texts: list[str], labels: list[str], max_len: int, with_embeddings: bool):
    """-> (probabilities (n, labels) in the declared order, embeddings (n, d) or None)."""
    if not loaded.is_classifier:
        items = [zero_shot.Example(text=t, label="") for t in texts]
        options = Options(max_seq_length=max_len, max_new_tokens=1, batch_size=len(texts), labels=tuple(labels))
        probs = zero_shot.predict(loaded, items, options, lambda n: None).probs
        return probs.astype(np.float64), (embed(loaded, texts, max_len) if with_embeddings else None)
    tok = loaded.tokenizer
    label2id = {lab: i for i, lab in loaded.id2label.items()}
    ids, mask = (t.to(loaded.device) for t in pad([_ids(tok, t, max_len) for t in texts], tok.pad_token_id))
    out = loaded.model(input_ids=ids, attention_mask=mask, output_hidden_states=with_embeddings)
    probs = torch.softmax(out.logits.float(), -1)[:, [label2id[lab] for lab in labels]]
    emb = _mean_pool(out.hidden_states[-1], mask) if with_embeddings else None
    return probs.cpu().numpy().astype(np.float64), emb


@torch.inference_mode()
def embed(loaded, texts: list[str], max_len: int) -> np.ndarray:
    """Mean-pooled last hidden state of each text's first max_len tokens -> (n, d) float32."""
    tok = loaded.tokenizer
    ids, mask = (t.to(loaded.device) for t in pad([_ids(tok, t, max_len) for t in texts], tok.pad_token_id))
    extra = {} if loaded.is_classifier else {"logits_to_keep": 1}  # a language model's vocabulary logits are not needed
    out = loaded.model(input_ids=ids, attention_mask=mask, output_hidden_states=True, **extra)
    return _mean_pool(out.hidden_states[-1], mask)


@torch.inference_mode()
def answer(loaded, texts: list[str], max_len: int, max_new_tokens: int) -> dict[str, np.ndarray]:
    """The greedy answer to each text (a user turn), stopped at EOS or the chat template's end of turn, with
    `token_entropy` and `neg_log_likelihood` (strategies.token_entropy / log_likelihood over its tokens) and
    `n_tokens`. An empty answer is scored on its stop token."""
    if loaded.is_classifier:
        raise JobError(f"model {loaded.name!r} is a classifier; a generation round needs a language model")
    model, tok = loaded.model, loaded.tokenizer
    room = max(8, max_len - max_new_tokens)
    prompts = [tok(render(tok, [{"role": "user", "content": _first_tokens(tok, t, room)}],
                          add_generation_prompt=True), add_special_tokens=False)["input_ids"][-max_len:] for t in texts]
    stop_text = end_of_turn(tok)
    stops = {tok.eos_token_id} - {None}
    if stop_text:
        stop_ids = tok(stop_text, add_special_tokens=False)["input_ids"]
        if len(stop_ids) == 1:
            stops.add(stop_ids[0])
    ids, mask = pad(prompts, tok.pad_token_id, left=True)
    out = model.generate(input_ids=ids.to(loaded.device), attention_mask=mask.to(loaded.device),
                         max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=sorted(stops) or None,
                         pad_token_id=tok.pad_token_id, output_logits=True, return_dict_in_generate=True)
    generated = out.sequences[:, ids.shape[1]:].cpu()
    entropies, logprobs = [], []
    for step_logits, chosen in zip(out.logits, generated.T, strict=False):
        logp = torch.log_softmax(step_logits.float(), -1).cpu()
        entropies.append(-(logp.exp() * logp).sum(-1))
        logprobs.append(logp.gather(-1, chosen.unsqueeze(-1)).squeeze(-1))
    entropies_t, logprobs_t = torch.stack(entropies, 1).numpy(), torch.stack(logprobs, 1).numpy()
    answers, ent_rows, lp_rows, lengths = [], [], [], []
    for i, row in enumerate(generated.tolist()):
        n = next((j for j, t in enumerate(row) if t in stops), len(row))
        answers.append(_clean(tok.decode(row[:n], skip_special_tokens=True), stop_text))
        scored = max(n, 1)
        ent_rows.append(entropies_t[i, :scored])
        lp_rows.append(logprobs_t[i, :scored])
        lengths.append(n)
    return {"answers": np.array(answers, dtype=str), "token_entropy": strategies.token_entropy(ent_rows),
            "neg_log_likelihood": strategies.log_likelihood(lp_rows), "n_tokens": np.array(lengths, dtype=np.int64)}


def _clean(text: str, stop_text: str | None) -> str:
    if stop_text and stop_text in text:
        text = text.split(stop_text, 1)[0]
    return text.strip()
