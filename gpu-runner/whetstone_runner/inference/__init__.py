"""Inference on the runner (decision 0007): one long-lived process that keeps recently used models loaded and
answers `generate` requests, writing their tokens straight to the request's Redis stream.

    stream.py    the token stream of one request (the format the web app reads)
    models.py    the LRU of loaded models; a base and its adapters share one copy of the base weights
    process.py   the inference process (its loop) and the agent's handle on it (start, submit, restart, close)

The handler itself is jobs/generate.py.
"""
