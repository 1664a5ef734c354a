"""The token stream of one generation request: a Redis stream at the contract's `generationStream` key, one field
`data` per entry holding JSON. The web app reads it with a blocking XREAD and forwards it as server-sent events.

Entries, in order:

    {"type": "start", "model": <label>, "runner": <runner name>}
    {"type": "token", "text": "…"}                      one per decoded text piece (task chat)
    {"type": "probs", "labels": {<label>: p, …}}         once (task classify)
    then exactly one of
    {"type": "done", "finishReason": "stop" | "length" | "cancelled",
     "usage": {"promptTokens": n, "completionTokens": m}, "ttftMs": x, "tokensPerSecond": y}
    {"type": "error", "message": "…"}

Every XADD is capped (MAXLEN ~ 10000) and renews the key's expiry (600 s after the last entry), so a stream whose
reader went away disappears on its own.
"""

from __future__ import annotations

import json

from .. import contract

MAXLEN = 10_000
TTL_SECONDS = 600


def stream_key(job_id: str, key_prefix: str | None = None) -> str:
    return contract.redis_key("generationStream", prefix=key_prefix, jobId=job_id)


def _encode(entry: dict) -> dict:
    return {"data": json.dumps(entry, separators=(",", ":"), ensure_ascii=False)}


class TokenStream:
    """Writes the entries of one request (a synchronous redis client: the inference process writes in its own
    thread of control, one round trip per entry)."""

    def __init__(self, client, job_id: str, key_prefix: str | None = None):
        self.r = client
        self.key = stream_key(job_id, key_prefix)
        self.finished = False

    def write(self, entry: dict) -> None:
        pipe = self.r.pipeline(transaction=False)
        pipe.xadd(self.key, _encode(entry), maxlen=MAXLEN, approximate=True)
        pipe.expire(self.key, TTL_SECONDS)
        pipe.execute()
        if entry["type"] in ("done", "error"):
            self.finished = True

    def start(self, model: str, runner: str) -> None:
        self.write({"type": "start", "model": model, "runner": runner})

    def token(self, text: str) -> None:
        self.write({"type": "token", "text": text})

    def probs(self, labels: dict[str, float]) -> None:
        self.write({"type": "probs", "labels": labels})

    def done(self, finish_reason: str, prompt_tokens: int, completion_tokens: int, ttft_ms: float,
             tokens_per_second: float) -> None:
        self.write({"type": "done", "finishReason": finish_reason,
                    "usage": {"promptTokens": prompt_tokens, "completionTokens": completion_tokens},
                    "ttftMs": round(ttft_ms, 2), "tokensPerSecond": round(tokens_per_second, 2)})

    def error(self, message: str) -> None:
        self.write({"type": "error", "message": message})


async def write_error_async(client, job_id: str, message: str, key_prefix: str | None = None) -> None:
    """The agent's own error entry (a request refused before the inference process saw it, or one in flight when
    the process died), with an asyncio redis client."""
    key = stream_key(job_id, key_prefix)
    pipe = client.pipeline(transaction=False)
    pipe.xadd(key, _encode({"type": "error", "message": message}), maxlen=MAXLEN, approximate=True)
    pipe.expire(key, TTL_SECONDS)
    await pipe.execute()
