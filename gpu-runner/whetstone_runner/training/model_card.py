"""The model card (README.md) a train job writes into its adapter or model folder, with what the runner knows: the base
model, the data, the hyperparameters, the training results and how to load and serve the model.

The evaluation against the base runs after training, as its own job. The card keeps a section for it between two
markers; the platform fills that section in from the evaluation's report when the folder is downloaded as one archive
(packages/api/src/artifacts/model-card.ts), so the card in the archive is always the current one.
"""

from __future__ import annotations

from dataclasses import asdict

from .. import __version__

EVALUATION_START = "<!-- whetstone-evaluation -->"
EVALUATION_END = "<!-- /whetstone-evaluation -->"

_TECHNIQUES = {"sft": "supervised fine-tuning", "continued_pretraining": "continued pre-training",
               "classification": "sequence classification", "preference": "preference tuning (DPO)"}


def _base_id(ref) -> str:
    """The base model as a serving tool names it: the Hub id, a local path, or (an earlier job's output) its root."""
    while ref.source == "artifact" and ref.parent is not None:
        ref = ref.parent
    return ref.ref


def _versions() -> str:
    import importlib.metadata as md

    out = []
    for pkg in ("torch", "transformers", "peft", "trl"):
        try:
            out.append(f"{pkg} {md.version(pkg)}")
        except md.PackageNotFoundError:
            pass
    return ", ".join(out)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return "—" if v is None else str(v)


def _packing(cfg) -> list[str]:
    """A paragraph on isolated packing, when the job packed."""
    from ..techniques.sft import packs

    hp = cfg.hp
    if cfg.technique == "continued_pretraining" and hp.packing:
        how = f"the texts were packed into full blocks of {hp.max_seq_length} tokens"
    elif cfg.technique == "sft" and packs(hp):
        how = "the rows of each batch were packed into sequences no longer than its longest row, instead of padded"
    else:
        return []
    return [f"Isolated packing: {how}; each document kept its own positions and attended only to itself, so it trained "
            "as it would alone.", ""]


def render_model_card(cfg, metrics: dict, kind: str) -> str:
    """README.md for the `kind` folder (adapter, model or merged_model) of the train job `cfg`."""
    peft = kind == "adapter"
    base = _base_id(cfg.base_model)
    summary = metrics.get("summary", {})
    classifier = cfg.technique == "classification"
    front = ["---", f"base_model: {base}", f"library_name: {'peft' if peft else 'transformers'}",
             f"pipeline_tag: {'text-classification' if classifier else 'text-generation'}",
             "tags:", "- whetstone", f"- {cfg.technique}", f"- {cfg.method}", "---", ""]
    what = {"adapter": f"a {cfg.method.upper()} adapter (PEFT) on top of the base model",
            "model": "the full fine-tuned weights", "merged_model": "the base model with the adapter merged in"}[kind]
    lines = front + [
        f"# Fine-tune of {cfg.base_model.name}",
        "",
        f"Whetstone job `{cfg.job_id}`: {_TECHNIQUES.get(cfg.technique, cfg.technique)} of **{cfg.base_model.name}** "
        f"with {cfg.method}. This folder holds {what}, the tokenizer, and this card.",
        "",
        "## Base model",
        "",
        f"- name: {cfg.base_model.name}",
        f"- source: {cfg.base_model.source}, `{cfg.base_model.ref}`"
        + (f" (revision `{cfg.base_model.revision}`)" if cfg.base_model.revision else ""),
        f"- loads from: `{base}`",
        "",
        "## Data",
        "",
        "| dataset | format | rows | weight | sha256 |",
        "| --- | --- | --- | --- | --- |",
        *[f"| {d.name} | {d.format} | {d.rows} | {_fmt(d.weight)} | `{d.sha256[:16]}…` |" for d in cfg.datasets],
        "",
        f"Held out before training: {_fmt(cfg.hp.test_split)} of each dataset for the test split (never trained on), "
        + (f"then {_fmt(cfg.hp.validation_split)} of the rest for validation." if not cfg.validation_datasets else
           "nothing for validation: validated on "
           + ", ".join(f"**{d.name}** ({d.rows} rows, `{d.sha256[:16]}…`)" for d in cfg.validation_datasets) + "."),
        "",
        *_packing(cfg),
        "## Hyperparameters",
        "",
        "| name | value |",
        "| --- | --- |",
        *[f"| {k} | {_fmt(v)} |" for k, v in asdict(cfg.hp).items()],
        "",
        "## Training results",
        "",
        "| metric | value |",
        "| --- | --- |",
        *[f"| {k} | {_fmt(v)} |" for k, v in summary.items()],
        "",
        "## Evaluation against the base",
        "",
        EVALUATION_START,
        "Not evaluated when this card was written: the evaluation on the held-out test split runs after training. "
        "The archive downloaded from Whetstone carries its results here.",
        EVALUATION_END,
        "",
        *_usage(cfg, kind, base, classifier),
        "",
        f"Written by whetstone-runner {__version__} ({_versions()}).",
        "",
    ]
    return "\n".join(lines)


def _vllm_rank(r: int) -> int:
    """vLLM's --max-lora-rank takes one of a few values: the smallest that holds rank r."""
    return next((x for x in (8, 16, 32, 64, 128, 256, 320, 512) if x >= r), r)


def _usage(cfg, kind: str, base: str, classifier: bool) -> list[str]:
    auto = "AutoModelForSequenceClassification" if classifier else "AutoModelForCausalLM"
    load = ([f"base = {auto}.from_pretrained(\"{base}\")", "model = PeftModel.from_pretrained(base, \".\")"]
            if kind == "adapter" else [f"model = {auto}.from_pretrained(\".\")"])
    out = ["## Use it", "", "In the unpacked folder:", "", "```python",
           f"from transformers import {auto}, AutoTokenizer"]
    if kind == "adapter":
        out.append("from peft import PeftModel")
    out += ["", "tokenizer = AutoTokenizer.from_pretrained(\".\")", *load]
    if kind == "adapter":
        out += ["# merged weights: model.merge_and_unload().save_pretrained(\"merged\"); tokenizer.save_pretrained(\"merged\")"]
    out += ["```", ""]
    if classifier:
        return out
    if kind == "adapter":
        out += ["Serve the adapter with vLLM (LoRA adapters; `--max-lora-rank` at least the adapter's rank):", "",
                "```bash", f"vllm serve {base} --enable-lora --max-lora-rank {_vllm_rank(cfg.hp.lora_r)} \\",
                f"  --lora-modules {cfg.job_id}=$PWD", "```", "",
                f"then ask for `\"model\": \"{cfg.job_id}\"` on its OpenAI-compatible API. With Ollama: "
                "`ollama create <name> -f Modelfile` (the Modelfile in the archive names the base).", ""]
    else:
        out += ["Serve it with vLLM: `vllm serve $PWD`; with Ollama: `ollama create <name> -f Modelfile`.", ""]
    return out
