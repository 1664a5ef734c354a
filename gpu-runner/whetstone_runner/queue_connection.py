"""The Redis connection options of the runner's BullMQ workers.

BullMQ's Python worker waits for work with `BZPOPMIN marker <timeout>` on a connection of its own, the timeout up to
10 s (until the next delayed job is due, or `drainDelay`). redis-py 8 gives every connection a 5 s socket timeout by
default, so any wait longer than 5 s ended in a client-side TimeoutError that redis-py's retry silently re-sent, up
to 20 times with backoff: a retry delayed 30 s after a crash started minutes late, or only when another job's
arrival woke the worker. The socket timeout here stays above the longest block, so the worker wakes when the delayed
job is due (docs/decisions/0011-liveness-and-final-events.md).
"""

from __future__ import annotations

from redis.connection import parse_url

# BullMQ's longest block (bullmq.worker.default_maximum_block_timeout, 10 s) plus room for a slow reply.
SOCKET_TIMEOUT_SECONDS = 20.0
CONNECT_TIMEOUT_SECONDS = 5.0


def bullmq_connection(redis_url: str) -> dict:
    """Connection options for `bullmq.Worker(..., {"connection": ...})` from a redis:// or rediss:// URL."""
    opts = parse_url(redis_url)
    connection_class = opts.pop("connection_class", None)
    if redis_url.startswith("rediss://"):
        opts["ssl"] = True
    elif connection_class is not None and "path" in opts:  # unix:///path/to/redis.sock
        opts["unix_socket_path"] = opts.pop("path")
        opts.pop("host", None)
        opts.pop("port", None)
    opts["socket_timeout"] = max(float(opts.get("socket_timeout") or 0), SOCKET_TIMEOUT_SECONDS)
    opts.setdefault("socket_connect_timeout", CONNECT_TIMEOUT_SECONDS)
    return opts
