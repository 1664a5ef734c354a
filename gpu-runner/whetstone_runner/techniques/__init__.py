"""One module per technique behind this dispatch table. Adding one is a new module that builds a `Technique` and one
entry here; its name must be in the queue contract (a test checks)."""

from __future__ import annotations

from ..config import JobError
from . import classification, continued_pretraining, preference, sft
from .technique import Technique

TECHNIQUES: dict[str, Technique] = {t.name: t for t in (
    sft.TECHNIQUE,
    continued_pretraining.TECHNIQUE,
    classification.TECHNIQUE,
    preference.TECHNIQUE,
)}


def get(name: str) -> Technique:
    if name not in TECHNIQUES:
        raise JobError(f"technique: {name!r} is not one this runner trains (it trains: {', '.join(TECHNIQUES)})")
    return TECHNIQUES[name]
