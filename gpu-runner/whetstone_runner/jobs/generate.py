"""The `generate` job: one request of the playground or the completions API, answered on a token stream.

It runs in the agent's long-lived inference process (inference/process.py), which passes a `GenerateContext`
holding its Redis connection and its loaded models; tests run it directly with `run_direct` and a Redis URL. What
it writes to the request's stream is described in inference/stream.py. Every outcome ends the stream with exactly
one `done` or `error` entry, and the handler returns {"status": "done" | "error", …} rather than raising, so a bad
request never costs the process its loaded models.

- chat: the conversation rendered with the tokenizer's chat template (the runner's plain layout when it has none,
  as in training), sampled with the payload's settings (temperature 0 = greedy; `seed` makes sampling repeatable),
  each decoded piece written as it comes; generation stops at EOS, at the template's end-of-turn token, after
  `maxNewTokens`, or when the request's cancel key is set (checked between tokens: finishReason "cancelled").
- classify: the last user message through the classifier head, softmax over its labels: one `probs` entry.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import torch

from .. import contract
from ..config import BaseModelRef, JobError
from ..inference.stream import TokenStream
from ..schema import validate_payload
from ..techniques.sft import render
from .context import JobContext

KIND = "generate"
EXPIRED = "request expired before a runner took it"
CANCEL_CHECK_SECONDS = 0.1

log = logging.getLogger("whetstone_runner.jobs.generate")


@dataclass(frozen=True)
class GenerationRequest:
    job_id: str
    team_id: str
    label: str
    ref: BaseModelRef
    task: str  # chat | classify
    messages: list[dict]
    temperature: float
    top_p: float
    max_new_tokens: int
    seed: int | None
    expires_at: datetime


def parse_request(payload: dict) -> GenerationRequest:
    """The typed request of a valid `generate` payload (the schema's defaults filled in); JobError names the field."""
    errs = validate_payload(payload, KIND)
    if errs:
        raise JobError("invalid payload: " + "; ".join(errs[:5]))
    sampling = {"temperature": 0.7, "topP": 0.95, "maxNewTokens": 256, "seed": None} | (payload.get("sampling") or {})
    expires = datetime.fromisoformat(payload["expiresAt"].replace("Z", "+00:00"))
    return GenerationRequest(
        job_id=payload["jobId"], team_id=payload["teamId"], label=payload["model"]["label"],
        ref=BaseModelRef.from_payload(payload["model"]["ref"]), task=payload.get("task", "chat"),
        messages=[{"role": m["role"], "content": m["content"]} for m in payload["messages"]],
        temperature=float(sampling["temperature"]), top_p=float(sampling["topP"]),
        max_new_tokens=int(sampling["maxNewTokens"]), seed=sampling["seed"],
        expires_at=expires if expires.tzinfo else expires.replace(tzinfo=UTC))


@dataclass
class GenerateContext(JobContext):
    """What a `generate` request needs beyond a job's context: the stream's Redis connection and key prefix, the
    loaded models (inference.models.ModelCache) and the time the runner took the request (monotonic)."""

    redis: object = None  # a synchronous redis.Redis
    key_prefix: str | None = None
    models: object = None
    taken_at: float | None = None


def run_generate_job(payload: dict, ctx: JobContext) -> dict:
    if not isinstance(ctx, GenerateContext) or ctx.redis is None or ctx.models is None:
        raise JobError("a generate request runs in the inference process, which holds its token stream and models")
    taken = ctx.taken_at if ctx.taken_at is not None else time.monotonic()
    job_id = payload.get("jobId") if isinstance(payload, dict) else None
    if not isinstance(job_id, str) or not job_id:
        raise JobError("invalid payload: jobId: a generate request needs a jobId to name its token stream")
    stream = TokenStream(ctx.redis, job_id, ctx.key_prefix)
    try:
        req = parse_request(payload)
    except JobError as err:
        return _error(stream, str(err))
    if datetime.now(UTC) >= req.expires_at:
        return _error(stream, EXPIRED)
    stream.start(req.label, ctx.runner)
    cancelled = _cancel_check(ctx.redis, contract.redis_key("cancel", prefix=ctx.key_prefix, jobId=req.job_id))
    if cancelled():  # cancelled while it waited
        stream.done("cancelled", 0, 0, (time.monotonic() - taken) * 1000, 0.0)
        return {"status": "done", "finishReason": "cancelled", "usage": {"promptTokens": 0, "completionTokens": 0}}
    try:
        entry = ctx.models.get(req.ref)
        if req.task == "classify":
            return _classify(req, entry, stream, taken)
        return _chat(req, entry, stream, taken, cancelled, ctx.fault)
    except JobError as err:
        return _error(stream, str(err))
    except Exception as err:  # noqa: BLE001 - the request fails, the process and its models stay
        log.error("generate %s failed:\n%s", req.job_id, traceback.format_exc(limit=8))
        return _error(stream, f"{type(err).__name__}: {err}")


def _error(stream: TokenStream, message: str) -> dict:
    stream.error(message)
    return {"status": "error", "message": message}


def _cancel_check(client, key: str) -> Callable[[], bool]:
    """True once the request's cancel key is set; Redis is asked at most every CANCEL_CHECK_SECONDS."""
    state = {"next": 0.0, "set": False}

    def check() -> bool:
        now = time.monotonic()
        if not state["set"] and now >= state["next"]:
            state["next"] = now + CANCEL_CHECK_SECONDS
            try:
                state["set"] = bool(client.get(key))
            except Exception as err:  # noqa: BLE001 - Redis away: keep generating
                log.warning("cancel key unreadable: %s", err)
        return state["set"]

    return check


# ---- chat ---------------------------------------------------------------------------------------------------------

def stop_token_ids(tokenizer, model_config) -> set[int]:
    """EOS (tokenizer and model) and the chat template's end-of-turn token (what follows an assistant message:
    <|im_end|> for ChatML, <|eot_id|> for Llama 3 …), when it is a special token."""
    ids = {tokenizer.eos_token_id}
    eos = getattr(model_config, "eos_token_id", None)
    ids |= set(eos) if isinstance(eos, list | tuple) else {eos}
    if getattr(tokenizer, "chat_template", None):
        mark = "\x00whetstone-answer\x00"
        rendered = render(tokenizer, [{"role": "user", "content": "q"}, {"role": "assistant", "content": mark}])
        after = rendered.split(mark, 1)[1] if mark in rendered else ""
        first = tokenizer(after, add_special_tokens=False)["input_ids"][:1] if after else []
        if first and first[0] in set(tokenizer.all_special_ids):
            ids.add(first[0])
    return {i for i in ids if i is not None}


class _Streamer:
    """transformers' streamer interface (put/end), writing each decoded piece to the stream as it comes.

    Like TextIteratorStreamer: special tokens skipped, a piece is held back while the decoded text ends in an
    incomplete UTF-8 character (U+FFFD), and the cache restarts after a newline so decoding stays cheap."""

    def __init__(self, tokenizer, stream: TokenStream, cancelled: Callable[[], bool], delay: float = 0.0):
        self.tok, self.stream, self.cancelled, self.delay = tokenizer, stream, cancelled, delay
        self.prompt_seen = False
        self.cache: list[int] = []
        self.printed = 0
        self.generated: list[int] = []
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.stop = False

    def _decode(self) -> str:
        return self.tok.decode(self.cache, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def put(self, value) -> None:
        if not self.prompt_seen:  # generate() passes the prompt first
            self.prompt_seen = True
            return
        ids = value.reshape(-1).tolist()
        self.generated += ids
        self.cache += ids
        text = self._decode()
        if not text.endswith("\ufffd"):
            piece = text[self.printed:]
            if piece:
                self.stream.token(piece)
            if text.endswith("\n"):
                self.cache, self.printed = [], 0
            else:
                self.printed = len(text)
        now = time.monotonic()
        self.first_at = self.first_at or now
        self.last_at = now
        if self.delay:
            time.sleep(self.delay)  # tests: a slow generation (fault "slow:<seconds per token>")
        if self.cancelled():
            self.stop = True

    def end(self) -> None:
        piece = self._decode()[self.printed:]
        if piece:
            self.stream.token(piece)
        self.cache, self.printed = [], 0


class _StopOnCancel:
    def __init__(self, streamer: _Streamer):
        self.streamer = streamer

    def __call__(self, input_ids, scores, **kwargs):
        return torch.full((input_ids.shape[0],), self.streamer.stop, dtype=torch.bool, device=input_ids.device)


def _chat(req: GenerationRequest, entry, stream: TokenStream, taken: float, cancelled, fault: str | None) -> dict:
    from transformers import GenerationConfig, StoppingCriteriaList

    if entry.is_classifier:
        raise JobError(f"model {req.label!r} is a classification model: ask it with task 'classify'")
    tok = entry.tokenizer
    ids = tok(render(tok, req.messages, add_generation_prompt=True), add_special_tokens=False,
              return_tensors="pt")["input_ids"]
    max_new = req.max_new_tokens
    limit = getattr(entry.config, "max_position_embeddings", None)
    if limit:  # the answer gets the room the prompt leaves (at least half the context); the prompt keeps its end
        max_new = max(1, min(max_new, limit - min(ids.shape[1], limit // 2)))
        ids = ids[:, -(limit - max_new):]
    stops = sorted(stop_token_ids(tok, entry.config))
    sample = req.temperature > 0
    gen = GenerationConfig(max_new_tokens=max_new, do_sample=sample, temperature=req.temperature if sample else None,
                           top_p=req.top_p if sample else None, top_k=None, eos_token_id=stops,
                           pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else stops[0])
    if sample:
        torch.manual_seed(req.seed) if req.seed is not None else torch.seed()
    delay = float(fault.split(":", 1)[1]) if fault and fault.startswith("slow:") else 0.0
    streamer = _Streamer(tok, stream, cancelled, delay)
    t0 = time.monotonic()
    with torch.inference_mode(), entry.use() as model:
        ids = ids.to(entry.device)
        model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), generation_config=gen, streamer=streamer,
                       stopping_criteria=StoppingCriteriaList([_StopOnCancel(streamer)]))
    end = time.monotonic()
    n = len(streamer.generated)
    if streamer.stop:
        reason = "cancelled"
    elif n and streamer.generated[-1] in stops:
        reason = "stop"
    else:
        reason = "length" if n >= max_new else "stop"
    first = streamer.first_at or end
    if n >= 2 and streamer.last_at > first:
        tps = (n - 1) / (streamer.last_at - first)  # decode rate, after the first token
    else:
        tps = n / max(end - t0, 1e-9)
    stream.done(reason, int(ids.shape[1]), n, (first - taken) * 1000, tps)
    return {"status": "done", "finishReason": reason, "usage": {"promptTokens": int(ids.shape[1]), "completionTokens": n}}


# ---- classify -----------------------------------------------------------------------------------------------------

def _classify(req: GenerationRequest, entry, stream: TokenStream, taken: float) -> dict:
    if not entry.is_classifier:
        raise JobError(f"model {req.label!r} has no classification head: ask it with task 'chat'")
    text = next((m["content"] for m in reversed(req.messages) if m["role"] == "user"), req.messages[-1]["content"])
    ids = entry.tokenizer(text, add_special_tokens=False)["input_ids"]  # as the classification technique trains
    limit = getattr(entry.config, "max_position_embeddings", None)
    ids = torch.tensor([ids[:limit] if limit else ids])
    with torch.inference_mode(), entry.use() as model:
        ids = ids.to(entry.device)
        logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits[0].float()
    probs = torch.softmax(logits, dim=-1).tolist()
    labels = {entry.id2label[i]: p for i, p in enumerate(probs)}
    stream.probs(labels)
    stream.done("stop", int(ids.shape[1]), 0, (time.monotonic() - taken) * 1000, 0.0)
    return {"status": "done", "finishReason": "stop", "usage": {"promptTokens": int(ids.shape[1]), "completionTokens": 0}}


# ---- direct runs (tests, benchmarks) ------------------------------------------------------------------------------

def run_direct(payload: dict, redis_url: str, storage, workdir: Path, *, key_prefix: str | None = None,
               models=None, runner: str = "test-runner") -> dict:
    """Run one request in this process, writing its stream to Redis at `redis_url`; `models` (a ModelCache) is
    kept between calls when given."""
    import redis

    from ..inference.models import ModelCache
    from . import run_job

    client = redis.Redis.from_url(redis_url, socket_timeout=10)
    try:
        ctx = GenerateContext(runner=runner, attempt=1, emit=lambda e: None, storage=storage, workdir=workdir,
                              redis=client, key_prefix=key_prefix, models=models or ModelCache(storage, workdir),
                              taken_at=time.monotonic())
        return run_job(payload, ctx)
    finally:
        client.close()
