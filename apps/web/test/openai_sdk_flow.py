"""The official `openai` Python package against Whetstone's /v1, unchanged but for base_url and the key (run by
openai-sdk-e2e.test.ts with the tools venv .venv-openai). Prints one JSON object with what it saw; the TypeScript
test asserts on it. Env: OPENAI_BASE_URL, OPENAI_API_KEY, WHETSTONE_MODEL, WHETSTONE_DATA and WHETSTONE_VALID (JSONL files)."""

from __future__ import annotations

import json
import os
import sys
import time

import openai
from openai import OpenAI

client = OpenAI(base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"], max_retries=0)
model = os.environ["WHETSTONE_MODEL"]
out: dict = {"sdk_version": openai.__version__}

# Upload (the Python SDK sends `purpose` before the file part).
with open(os.environ["WHETSTONE_DATA"], "rb") as f:
    uploaded = client.files.create(file=f, purpose="fine-tune")
out["file"] = uploaded.model_dump()

# A validation file: validated on in full instead of a share of the training file.
with open(os.environ["WHETSTONE_VALID"], "rb") as f:
    valid = client.files.create(file=f, purpose="fine-tune")
out["valid_file"] = valid.model_dump()

# An error in OpenAI's shape: a purpose other than fine-tune.
try:
    with open(os.environ["WHETSTONE_DATA"], "rb") as f:
        client.files.create(file=f, purpose="assistants")
    out["purpose_error"] = None
except openai.BadRequestError as err:
    out["purpose_error"] = {"status": err.status_code, "type": err.type, "param": err.param, "code": err.code,
                            "body": err.body}

# A fine-tune; Whetstone's own knobs ride in extra_body (no evaluation job after it, to keep the test short).
job = client.fine_tuning.jobs.create(
    model=model,
    training_file=uploaded.id,
    validation_file=valid.id,
    suffix="py",
    seed=3,
    metadata={"sdk": "python"},
    method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2, "batch_size": "auto"}}},
    extra_body={"whetstone": {"hyperparameters": {"testSplit": 0}}},
)
out["created"] = job.model_dump()

# Follow the events to the end, as OpenAI's docs do: page through what is new until the job is final.
seen: dict[str, str] = {}
deadline = time.time() + 240
while True:
    for event in client.fine_tuning.jobs.list_events(fine_tuning_job_id=job.id, limit=5):  # auto-paginates
        seen.setdefault(event.id, event.message)
    job = client.fine_tuning.jobs.retrieve(job.id)
    if job.status in ("succeeded", "failed", "cancelled"):
        break
    if time.time() > deadline:
        sys.exit(f"the job did not finish in time: {job.status}")
    time.sleep(0.5)
for event in client.fine_tuning.jobs.list_events(fine_tuning_job_id=job.id, limit=5):
    seen.setdefault(event.id, event.message)
out["final"] = job.model_dump()
out["events"] = list(seen.values())
out["checkpoints"] = [c.model_dump() for c in client.fine_tuning.jobs.checkpoints.list(job.id)]
out["listed"] = [j.id for j in client.fine_tuning.jobs.list(metadata={"sdk": "python"})]
out["models"] = [m.id for m in client.models.list()]

if job.fine_tuned_model:
    completion = client.chat.completions.create(
        model=job.fine_tuned_model, messages=[{"role": "user", "content": "Where is my tent?"}], max_tokens=6,
        temperature=0)
    out["completion"] = completion.model_dump()
    stream = client.chat.completions.create(
        model=job.fine_tuned_model, messages=[{"role": "user", "content": "Where is my tent?"}], max_tokens=6,
        stream=True, stream_options={"include_usage": True})
    out["stream"] = [chunk.model_dump() for chunk in stream]
    # a checkpoint's model, called like any other
    out["ckpt_completion"] = client.chat.completions.create(
        model=out["checkpoints"][-1]["fine_tuned_model_checkpoint"],
        messages=[{"role": "user", "content": "Where is my tent?"}], max_tokens=6, temperature=0).model_dump()

# Cancel another job while it waits or runs.
other = client.fine_tuning.jobs.create(model=model, training_file=uploaded.id,
                                       extra_body={"whetstone": {"hyperparameters": {"testSplit": 0}}})
cancelled = client.fine_tuning.jobs.cancel(other.id)
deadline = time.time() + 120
while cancelled.status not in ("cancelled", "succeeded", "failed") and time.time() < deadline:
    time.sleep(0.5)
    cancelled = client.fine_tuning.jobs.retrieve(other.id)
out["cancelled"] = cancelled.model_dump()

# Pausing the finished job: a 400 in OpenAI's shape.
try:
    client.fine_tuning.jobs.pause(job.id)
    out["pause_error"] = None
except openai.BadRequestError as err:
    out["pause_error"] = {"status": err.status_code, "type": err.type, "code": err.code, "body": err.body}

# Another team's model does not exist for this key.
try:
    client.models.retrieve("ft:tiny-llama:someone-else::nope")
    out["model_error"] = None
except openai.NotFoundError as err:
    out["model_error"] = {"status": err.status_code, "code": err.code}

print(json.dumps(out))
