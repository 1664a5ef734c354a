"""Fixtures for tests on the real pretrained model and the real sample datasets (see whetstone_runner.pretrained and
whetstone_runner.sample_data). Use them by importing into a test module:

    from tests.real_model import sample_data_dir, smollm2_dir  # noqa: F401  (pytest fixtures)

SmolLM2 is converted once into a stable folder ($WHETSTONE_CACHE or ~/.cache/whetstone/smollm2-135m-instruct), so a
machine pays the ~30 s conversion on its first test run only; afterwards the folder loads in about a second.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    """The converted SmolLM2-135M-Instruct folder (a plain Hugging Face checkpoint: bf16 safetensors + tokenizer)."""
    from whetstone_runner import pretrained

    return Path(pretrained.convert(pretrained.default_dir())["path"])


@pytest.fixture(scope="session")
def sample_data_dir(tmp_path_factory) -> Path:
    """The sample datasets, short: 64 train and 40 test rows per dataset, texts cut at 300 characters."""
    from whetstone_runner import sample_data

    out = tmp_path_factory.mktemp("sample-data")
    sample_data.write(out, rows=64, test_rows=40, max_chars=300)
    return out
