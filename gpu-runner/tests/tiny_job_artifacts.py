"""Not a test: a helper for apps/web/test/model-archive.test.ts. Trains the tiny model with LoRA for a few steps as
the runner does (run_direct: the real train job, the real artifact writer) into a local storage folder, merged
weights too, and prints {"tinyModel", "jobId", "outputPrefix", "artifacts"} as JSON on its last line.

    python tests/tiny_job_artifacts.py STORAGE_DIR WORK_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import run_direct  # noqa: E402  (sets the offline environment)
from tests.helpers import chat_rows, make_payload  # noqa: E402
from whetstone_runner.tiny_model import build  # noqa: E402


def main(storage: Path, work: Path) -> None:
    tiny = build(work / "tiny-model")
    payload = make_payload(storage, tiny, [("support-chat", "chat", "jsonl", chat_rows(48))], maxSteps=6,
                           learningRate=5e-3, evalEverySteps=3, mergeWeights=True)
    result, _events = run_direct(payload, storage, work / "job")
    assert result["status"] == "succeeded", result
    print(json.dumps({"tinyModel": str(tiny), "jobId": payload["jobId"], "outputPrefix": payload["outputPrefix"],
                      "artifacts": result["artifacts"]}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
