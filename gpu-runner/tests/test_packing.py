"""Packing keeps documents isolated: a document inside a packed row gets the logits it gets alone, and padding-free SFT
batches give the loss of the padded batch of the same rows."""

from __future__ import annotations

import pytest
import torch

from tests.conftest import run_direct
from tests.helpers import chat_rows, example_payload, make_payload, text_rows
from whetstone_runner.config import Hyperparameters
from whetstone_runner.data import IGNORE, Collator
from whetstone_runner.packing import BlockCollator, RowPackingCollator, documents, first_fit, least_padding
from whetstone_runner.techniques import sft
from whetstone_runner.techniques.continued_pretraining import tokenize_texts

TOL = 1e-4  # float32


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


def load(tiny_model, attn: str):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(tiny_model, attn_implementation=attn, dtype=torch.float32).eval()


def texts(n: int = 40) -> list[str]:
    return [r["text"] for r in text_rows(n)]


def alone_vs_packed(model, blocks: list[dict], batch: dict) -> float:
    """Largest difference between a document's logits inside the packed rows and the same document run alone."""
    with torch.no_grad():
        packed = model(**{k: v for k, v in batch.items() if k != "labels"}).logits
        worst = 0.0
        for r, block in enumerate(blocks):
            at = 0
            for doc in documents(block):
                n = len(doc["input_ids"])
                alone = model(input_ids=torch.tensor([doc["input_ids"]])).logits[0]
                worst = max(worst, (alone - packed[r, at:at + n]).abs().max().item())
                at += n
    return worst


def test_blocks_are_full_and_know_their_documents(tokenizer):
    blocks = tokenize_texts(tokenizer, texts(), 64, packing=True)
    eos = tokenizer.eos_token_id
    assert len(blocks) > 3 and all(len(b["input_ids"]) == 64 == sum(b["doc_lens"]) for b in blocks)
    for b in blocks:
        docs = documents(b)
        assert all(d["input_ids"][-1] == eos for d in docs[:-1])  # every document but the last piece ends the text
        assert sum(d["input_ids"].count(eos) for d in docs) == b["input_ids"].count(eos)
    assert max(len(b["doc_lens"]) for b in blocks) >= 3


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_a_document_in_a_packed_block_has_its_logits_alone(tiny_model, tokenizer, attn):
    model = load(tiny_model, attn)
    blocks = tokenize_texts(tokenizer, texts(), 64, packing=True)[:6]
    batch = BlockCollator(tokenizer.pad_token_id)(blocks)
    assert batch["input_ids"].shape == (6, 64) and batch["use_cache"] is False and "attention_mask" not in batch
    assert alone_vs_packed(model, blocks, batch) < TOL
    # the old collation (all-ones mask, positions running through the block) lets documents see each other
    old = Collator(pad_id=tokenizer.pad_token_id)([{"input_ids": b["input_ids"], "labels": b["labels"]} for b in blocks])
    assert alone_vs_packed(model, blocks, old) > 1e-2


def test_positions_alone_do_not_isolate_when_the_model_builds_a_cache(tiny_model, tokenizer):
    """Why every packed batch carries use_cache=False: with a cache transformers ignores the position boundaries."""
    model = load(tiny_model, "sdpa")
    blocks = tokenize_texts(tokenizer, texts(), 64, packing=True)[:2]
    batch = BlockCollator(tokenizer.pad_token_id)(blocks)
    assert alone_vs_packed(model, blocks, {**batch, "use_cache": True}) > 1e-2


def test_packed_block_labels_never_cross_documents(tokenizer):
    blocks = tokenize_texts(tokenizer, texts(), 64, packing=True)[:4]
    batch = BlockCollator(tokenizer.pad_token_id)(blocks)
    # flash attention's varlen boundaries: every document of every row, over the batch laid end to end
    lens = [n for b in blocks for n in b["doc_lens"]]
    assert batch["cu_seq_lens_q"].tolist() == [sum(lens[:k]) for k in range(len(lens) + 1)]
    assert batch["cu_seq_lens_k"] is batch["cu_seq_lens_q"] and batch["max_length_q"] == max(lens) == batch["max_length_k"]
    for r, b in enumerate(blocks):
        starts = [sum(b["doc_lens"][:k]) for k in range(len(b["doc_lens"]))]
        assert [batch["labels"][r, s].item() for s in starts] == [IGNORE] * len(starts)
        assert [batch["position_ids"][r, s].item() for s in starts] == [0] * len(starts)


def hyperparameters(**hp) -> Hyperparameters:
    return Hyperparameters.from_payload({**example_payload()["hyperparameters"], **hp})


def varied_chats(n: int) -> list[dict]:
    """Chats of one, two and three exchanges (rows of different lengths, answers in several places)."""
    rows, more, most = chat_rows(n), chat_rows(n, seed=9), chat_rows(n, seed=10)
    for i in range(0, n, 3):
        rows[i]["messages"] += more[i]["messages"][1:] + (most[i]["messages"][1:] if i % 2 == 0 else [])
    return rows


def sft_items(tokenizer, n: int = 8, max_len: int = 256) -> list[dict]:
    items, _ = sft.tokenize(tokenizer, "chat", varied_chats(n), hyperparameters(maxSeqLength=max_len), None)
    return items


def test_first_fit_puts_every_row_in_one_pack_within_the_limit():
    rows = [{"input_ids": [1] * n} for n in (50, 40, 30, 20, 14, 10, 5)]
    packs = first_fit(rows, 64)
    assert sorted(len(x["input_ids"]) for p in packs for x in p) == sorted(len(x["input_ids"]) for x in rows)
    assert all(sum(len(x["input_ids"]) for x in p) <= 64 for p in packs) and len(packs) == 3


def test_least_padding_is_never_wider_than_the_padded_batch():
    same = [{"input_ids": [1] * 30} for _ in range(4)]
    assert [len(p) for p in least_padding(same)] == [1, 1, 1, 1]  # nothing to gain: the padded batch
    mixed = [{"input_ids": [1] * n} for n in (60, 10, 50, 20, 40, 30)]  # padded: 6 rows x 60 = 360 tokens
    packs = least_padding(mixed)
    assert [sum(len(x["input_ids"]) for x in p) for p in packs] == [60, 60, 60, 30]  # 4 rows x 60 = 240 tokens


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_padding_free_sft_batch_gives_the_padded_loss(tiny_model, tokenizer, attn):
    model = load(tiny_model, attn)
    items = sft_items(tokenizer)
    padded = Collator(pad_id=tokenizer.pad_token_id)(items)
    packed = RowPackingCollator(tokenizer.pad_token_id)(items)
    # the same answer tokens are scored (the loss shifts labels by one), in fewer rows no wider, with less padding
    assert (packed["labels"][:, 1:] != IGNORE).sum() == (padded["labels"][:, 1:] != IGNORE).sum()
    assert packed["input_ids"].shape[0] < padded["input_ids"].shape[0]
    assert packed["input_ids"].shape[1] <= padded["input_ids"].shape[1]
    assert packed["input_ids"].numel() < padded["input_ids"].numel()
    pad = tokenizer.pad_token_id
    assert (packed["input_ids"] != pad).sum() == (padded["input_ids"] != pad).sum()
    with torch.no_grad():
        loss_padded = model(**padded).loss.item()
        loss_packed = model(**packed).loss.item()
    assert abs(loss_packed - loss_padded) < TOL, (loss_packed, loss_padded)


def test_sft_packs_unless_neftune(tokenizer):
    assert isinstance(sft.collator(tokenizer, hyperparameters(packing=True, neftuneNoiseAlpha=None)), RowPackingCollator)
    assert isinstance(sft.collator(tokenizer, hyperparameters(packing=True, neftuneNoiseAlpha=5.0)), Collator)
    assert isinstance(sft.collator(tokenizer, hyperparameters(packing=False, neftuneNoiseAlpha=None)), Collator)


def test_sft_job_with_packing_trains_on_the_same_tokens(tmp_path, storage_root, tiny_model):
    """The whole train job, packed and not: the same rows per step (the same real tokens seen), nearly the same loss."""
    runs = {}
    for packing in (False, True):
        payload = make_payload(storage_root, tiny_model, [("support", "chat", "jsonl", varied_chats(80))],
                               packing=packing, maxSeqLength=256, maxSteps=10, logEverySteps=5, evalEverySteps=10)
        result, events = run_direct(payload, storage_root, tmp_path / f"work-{packing}")
        assert result["status"] == "succeeded"
        runs[packing] = (result["summary"], events.metric("train_loss"), events.metric("val_loss"))
    (s0, tl0, vl0), (s1, tl1, vl1) = runs[False], runs[True]
    assert s0["tokens_seen"] == s1["tokens_seen"]
    assert len(tl0) == len(tl1) and all(abs(a[1] - b[1]) < 1e-3 for a, b in zip(tl0, tl1, strict=True)), (tl0, tl1)
    assert vl1 and abs(vl0[-1][1] - vl1[-1][1]) < 1e-3, (vl0, vl1)


@pytest.mark.parametrize(("technique", "hp", "says"), [
    ("continued_pretraining", {"packing": True}, "full blocks of 128 tokens"),
    ("sft", {"packing": True, "neftuneNoiseAlpha": None}, "packed into sequences no longer than its longest row"),
    ("sft", {"packing": True, "neftuneNoiseAlpha": 5.0}, None),
    ("continued_pretraining", {"packing": False}, None),
])
def test_model_card_mentions_isolated_packing_when_on(technique, hp, says):
    from whetstone_runner.config import TrainingConfig
    from whetstone_runner.training.model_card import render_model_card

    p = example_payload()
    p["technique"] = technique
    p["hyperparameters"].update(maxSeqLength=128, **hp)
    card = render_model_card(TrainingConfig.from_payload(p), {"summary": {}}, "adapter")
    assert ("Isolated packing" in card) == (says is not None)
    assert says is None or says in card


def test_packed_pretraining_job_trains_on_full_blocks_and_says_so(tmp_path, storage_root, tiny_model):
    payload = make_payload(storage_root, tiny_model, [("notes", "text", "jsonl", text_rows(120))],
                           technique="continued_pretraining", packing=True, maxSeqLength=64, maxSteps=6,
                           evalEverySteps=3)
    result, events = run_direct(payload, storage_root, tmp_path / "work")
    assert result["status"] == "succeeded"
    assert result["summary"]["tokens_seen"] == 6 * 4 * 64  # every block full, no padding
    assert len(events.metric("val_loss")) == 2
    card = next(a for a in result["artifacts"] if a["kind"] == "adapter" and a["name"] == "README.md")
    assert "Isolated packing: the texts were packed into full blocks of 64 tokens" in (storage_root / card["key"]).read_text()
