"""Events to the Redis Stream of the contract's `eventsStream` key: one entry per event, a single field `data` holding
its JSON.

Writing never blocks training for long: `emit` appends to an in-memory queue and a background thread sends
in order; while Redis is away the events wait in memory and go out, still in order, when it returns.

Events sent in the last minutes are kept too: when Redis lost its data (a FLUSHALL, a restart without persistence —
the agent notices its alive key gone), entries the worker had not read yet went with it, and `resend_recent` sends
them again. The worker applies each event id once, so what it had already read changes nothing.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime

import redis

log = logging.getLogger("whetstone_runner.events")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def make_event(type_: str, runner: str, **fields) -> dict:
    return {"type": type_, "eventId": str(uuid.uuid4()), "ts": now_iso(), "runner": runner, **fields}


class EventSink:
    def __init__(self, redis_url: str, stream: str, max_buffer: int = 100_000, keep_seconds: float = 600.0):
        self.stream = stream
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=2)
        self._buf: deque[str] = deque(maxlen=max_buffer)
        self._sent: deque[tuple[float, str]] = deque(maxlen=max_buffer)  # (monotonic time sent, event)
        self._keep_seconds = keep_seconds
        self._inflight = 0  # events at the front of _buf the sender thread is writing
        self._cv = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="event-sink", daemon=True)
        self._thread.start()

    def emit(self, event: dict) -> None:
        with self._cv:
            self._buf.append(json.dumps(event, separators=(",", ":")))
            self._cv.notify()

    def resend_recent(self) -> int:
        """Queue again, ahead of what waits, every event sent in the last `keep_seconds`; -> how many."""
        horizon = time.monotonic() - self._keep_seconds
        with self._cv:
            recent = [data for at, data in self._sent if at >= horizon]
            self._sent.clear()
            # Behind the batch the sender thread is writing now (it removes that many from the front when done).
            inflight = [self._buf.popleft() for _ in range(min(self._inflight, len(self._buf)))]
            self._buf.extendleft(reversed(recent))
            self._buf.extendleft(reversed(inflight))
            self._cv.notify()
        return len(recent)

    def pending(self) -> int:
        with self._cv:
            return len(self._buf)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every buffered event is written; False if Redis stayed away for `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pending() == 0:
                return True
            time.sleep(0.02)
        return self.pending() == 0

    def close(self, timeout: float = 10.0) -> None:
        self.flush(timeout)
        with self._cv:
            self._closed = True
            self._cv.notify()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        backoff = 0.1
        while True:
            with self._cv:
                while not self._buf and not self._closed:
                    self._cv.wait()
                if self._closed and not self._buf:
                    return
                batch = list(self._buf)[:200]
                self._inflight = len(batch)
            try:
                pipe = self._redis.pipeline(transaction=False)
                for data in batch:
                    pipe.xadd(self.stream, {"data": data})
                pipe.execute()
            except redis.RedisError as err:
                # Keep the events; a batch may be partly written, which the idempotent consumer absorbs.
                log.warning("events stream unavailable (%s); %d events buffered", err, self.pending())
                time.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                if self._closed:
                    return
                continue
            backoff = 0.1
            now = time.monotonic()
            with self._cv:
                for _ in batch:
                    self._sent.append((now, self._buf.popleft()))
                self._inflight = 0
                while self._sent and self._sent[0][0] < now - self._keep_seconds:
                    self._sent.popleft()
