"""The classifier's proposal for an appeal: fitted once per process on the shipped set."""

from __future__ import annotations

import csv
import functools
import threading
from dataclasses import dataclass
from pathlib import Path

from warroom.analytics import appeals_text

LABELLED = Path(__file__).resolve().parent / "data" / "labelled.csv"


@dataclass(frozen=True)
class Proposal:
    category: str
    urgency: str
    confidence: float  # the category's posterior probability


def labelled(split: str | None = None) -> list[dict[str, str]]:
    """The labelled set's rows (text, category, urgency, split), optionally one split."""
    with LABELLED.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if split is None or r["split"] == split]


_FITTING = threading.Lock()


def models(split: str = "train") -> tuple[appeals_text.NaiveBayes, appeals_text.NaiveBayes]:
    """The category and urgency models, fitted on ``split`` ("train", or "all" for service)
    once per process: the server's threads that ask at once wait for one fit (a few
    seconds with jieba's dictionary) instead of each fitting its own."""
    with _FITTING:
        return _fitted(split)


@functools.cache
def _fitted(split: str) -> tuple[appeals_text.NaiveBayes, appeals_text.NaiveBayes]:
    rows = labelled(None if split == "all" else split)
    texts = [r["text"] for r in rows]
    return (
        appeals_text.fit(texts, [r["category"] for r in rows]),
        appeals_text.fit(texts, [r["urgency"] for r in rows]),
    )


def propose(text: str) -> Proposal:
    """Category and urgency proposed for ``text`` (the model fitted on the whole set)."""
    category_model, urgency_model = models("all")
    category, confidence = category_model.predict(text)
    return Proposal(category, urgency(urgency_model, text), round(confidence, 3))


def urgency(model: appeals_text.NaiveBayes, text: str) -> str:
    """The model's urgency raised to the floor of the text's urgency signs (发烧, 呼吸困难,
    孕妇, 透析, 断药…: ``appeals_text.URGENCY_SIGNS``)."""
    return appeals_text.more_urgent(model.predict(text)[0], appeals_text.urgency_floor(text))
