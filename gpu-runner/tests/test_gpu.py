"""The CUDA path of every technique on the tiny model (issue 14 §1). Marked `gpu`: deselected by default
(pyproject's addopts), run on a CUDA machine with `pytest -m gpu` — bench/gpu-check.sh does, and skips the whole
check with its reason where there is no GPU. A test here that finds no GPU fails: selecting them says there is one.
"""

from __future__ import annotations

import pytest
import torch

from tests.conftest import run_direct
from tests.helpers import chat_rows, classification_rows, make_payload, text_rows
from whetstone_runner.settings import device_info

pytestmark = pytest.mark.gpu

TECHNIQUE_DATA = {
    "sft": ("chat", "jsonl", lambda: chat_rows(80), {}),
    "continued_pretraining": ("text", "jsonl", lambda: text_rows(120), {"packing": True, "maxSeqLength": 64}),
    "classification": ("classification", "csv", lambda: classification_rows(160),
                       {"maxSeqLength": 32, "learningRate": 1e-2, "batchSize": 8}),
}


def _falls(events) -> None:
    series = [v for _s, v in events.metric("train_loss")]
    assert len(series) >= 2 and min(series[-2:]) < series[0], series


def test_device_info_reports_the_gpu_and_its_memory():
    assert torch.cuda.is_available(), "selected with -m gpu on a machine without CUDA"
    info = device_info()
    props = torch.cuda.get_device_properties(0)
    assert info["gpuName"] == props.name
    assert info["vramMb"] == props.total_memory // 2**20 and info["vramMb"] > 1000
    assert info["gpuCount"] == torch.cuda.device_count() >= 1
    assert info["cudaVersion"]


@pytest.mark.parametrize("method", ["lora", "qlora", "full"])
@pytest.mark.parametrize("technique", list(TECHNIQUE_DATA))
def test_every_technique_trains_on_cuda(tmp_path, storage_root, tiny_model, technique, method):
    fmt, container, rows, hp = TECHNIQUE_DATA[technique]
    payload = make_payload(storage_root, tiny_model, [("d", fmt, container, rows())], technique=technique,
                           method=method, **({"maxSteps": 16, "learningRate": 5e-3, "evalEverySteps": 8} | hp))
    seen: dict = {}

    def after_train(model, _tokenizer):
        params = list(model.named_parameters())
        seen["devices"] = {p.device.type for _n, p in params}
        seen["adapter_dtypes"] = {p.dtype for n, p in params if "lora_" in n}
        seen["trainable_dtypes"] = {p.dtype for _n, p in params if p.requires_grad}
        seen["frozen_dtypes"] = {p.dtype for _n, p in params if not p.requires_grad}
        seen["modules"] = {type(m).__name__ for m in model.modules()}

    torch.cuda.reset_peak_memory_stats()
    result, events = run_direct(payload, storage_root, tmp_path / "work", after_train=after_train)
    assert result["status"] == "succeeded"
    _falls(events)
    assert seen["devices"] == {"cuda"}, seen["devices"]
    assert torch.cuda.max_memory_allocated() > 0
    if method == "qlora":
        # the base is 4-bit (bitsandbytes), the adapters train in higher precision
        assert "Linear4bit" in seen["modules"], seen["modules"]
        assert torch.uint8 in seen["frozen_dtypes"]
    elif method == "lora":
        # the frozen base in the GPU's compute dtype (bf16 where supported), the adapters in fp32
        expected = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        assert expected in seen["frozen_dtypes"], seen["frozen_dtypes"]
        assert seen["adapter_dtypes"] == {torch.float32}, seen["adapter_dtypes"]
    else:
        assert seen["trainable_dtypes"] == {torch.float32} and not seen["frozen_dtypes"]
