"""Triage of citizens' appeals from their Chinese text: segmentation, a linear model, topics.

Pure (no Django, no I/O beyond what the caller hands in). Tokens are jieba's words
(``jieba.lcut``, the precise mode) plus character bigrams of the Chinese runs, so a word
jieba splits unexpectedly (a compound's name, 血氧) still leaves evidence. The model is a
multinomial naive Bayes with Laplace smoothing (Manning, Raghavan & Schütze, *Introduction
to Information Retrieval*, 2008, §13.2): linear in the token counts, trained in
milliseconds on a few hundred labelled appeals, and a prediction is one sparse dot
product — well inside the 5 ms budget per appeal. Fitted on the labelled set the project
ships (``warroom/appeals/data/labelled.csv``); nothing is downloaded.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

_HAN = re.compile(r"[\u4e00-\u9fff]+")
_STOP = frozenset(
    [
        "的",
        "了",
        "是",
        "我",
        "在",
        "有",
        "和",
        "就",
        "都",
        "也",
        "很",
        "吗",
        "呢",
        "吧",
        "啊",
        "请",
        "你们",
        "我们",
        "一个",
        "这个",
        "那个",
        "，",
        "。",
        "？",
        "！",
        "、",
    ]
)
_ALPHA = 1.0  # Laplace smoothing (Manning et al. 2008, eq. 13.7)


def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def tokens(text: str) -> list[str]:
    """The words (jieba, stop words dropped) and the Chinese character bigrams of ``text``."""
    jieba = _jieba()
    words = [
        w
        for w in jieba.lcut(text)  # type: ignore[attr-defined]
        if w.strip() and w not in _STOP and not w.isspace()
    ]
    grams = [run[i : i + 2] for run in _HAN.findall(text) for i in range(len(run) - 1)]
    return words + ["§" + g for g in grams]


def words(text: str) -> list[str]:
    """The topic words of ``text``: jieba's words of two characters or more, no stop words."""
    return [w for w in _jieba().lcut(text) if len(w) >= 2 and w not in _STOP and _HAN.match(w)]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class NaiveBayes:
    """A fitted multinomial naive Bayes: classes, vocabulary, log priors, log likelihoods."""

    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    log_prior: NDArray[np.float64]  # (k,)
    log_likelihood: NDArray[np.float64]  # (k, v)

    def scores(self, text: str) -> NDArray[np.float64]:
        """The posterior probability of each class for ``text`` (sums to 1)."""
        idx = [self.vocabulary[t] for t in tokens(text) if t in self.vocabulary]
        logp = self.log_prior + (self.log_likelihood[:, idx].sum(axis=1) if idx else 0.0)
        p = np.exp(logp - logp.max())
        return np.asarray(p / p.sum(), dtype=np.float64)

    def predict(self, text: str) -> tuple[str, float]:
        """The most probable class and its probability."""
        p = self.scores(text)
        i = int(np.argmax(p))
        return self.classes[i], float(p[i])


def fit(texts: Sequence[str], labels: Sequence[str], *, alpha: float = _ALPHA) -> NaiveBayes:
    """Fit the model on ``texts`` labelled ``labels``.

    Raises ``ValueError`` on empty input, lengths that differ or ``alpha`` ≤ 0.
    """
    if len(texts) != len(labels):
        raise ValueError("texts and labels must have the same length")
    if not texts:
        raise ValueError("cannot fit on no examples")
    if not alpha > 0:
        raise ValueError("alpha must be positive")
    classes = tuple(sorted(set(labels)))
    cls = {c: i for i, c in enumerate(classes)}
    docs = [Counter(tokens(t)) for t in texts]
    vocabulary = {w: i for i, w in enumerate(sorted({w for d in docs for w in d}))}
    counts = np.zeros((len(classes), len(vocabulary)))
    prior = np.zeros(len(classes))
    for doc, label in zip(docs, labels, strict=True):
        k = cls[label]
        prior[k] += 1
        for w, n in doc.items():
            counts[k, vocabulary[w]] += n
    smoothed = counts + alpha
    log_likelihood = np.log(smoothed / smoothed.sum(axis=1, keepdims=True))
    return NaiveBayes(classes, vocabulary, np.log(prior / prior.sum()), log_likelihood)


@dataclass(frozen=True)
class Evaluation:
    """Accuracy and per-class recall of a model on a labelled set."""

    n: int
    accuracy: float
    recall: dict[str, float]
    support: dict[str, int]


def evaluate(model: NaiveBayes, texts: Sequence[str], labels: Sequence[str]) -> Evaluation:
    if len(texts) != len(labels) or not texts:
        raise ValueError("need as many labels as texts, and at least one")
    hits: Counter[str] = Counter()
    support: Counter[str] = Counter(labels)
    for text, label in zip(texts, labels, strict=True):
        if model.predict(text)[0] == label:
            hits[label] += 1
    recall = {c: hits[c] / support[c] for c in sorted(support)}
    return Evaluation(len(texts), sum(hits.values()) / len(texts), recall, dict(support))


def similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard similarity of two texts' character bigram sets (near-identical ≥ 0.8)."""
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def bigrams(text: str) -> set[str]:
    """The character bigrams of ``text``'s Chinese and alphanumeric runs."""
    runs = re.findall(r"[\u4e00-\u9fff0-9A-Za-z]+", text)
    return {r[i : i + 2] for r in runs for i in range(max(len(r) - 1, 1))}


@dataclass(frozen=True)
class Surge:
    term: str
    today: int
    baseline: float  # mean count per day over the days before


def surges(days: Sequence[Counter[str]], *, factor: float = 3.0, minimum: int = 10) -> list[Surge]:
    """Terms whose count on the last day is ≥ ``minimum`` and ≥ ``factor`` × their mean on
    the days before (a new term's baseline is 0, so it surges once it reaches ``minimum``).

    ``days`` are term counts, oldest first; the last is "today". Sorted by today's count.
    """
    if factor <= 0 or minimum < 1:
        raise ValueError("factor must be positive and minimum at least 1")
    if not days:
        return []
    *before, today = days
    out = []
    for term, n in today.items():
        if n < minimum:
            continue
        base = sum(d.get(term, 0) for d in before) / len(before) if before else 0.0
        if n >= factor * base:
            out.append(Surge(term, n, base))
    return sorted(out, key=lambda s: (-s.today, s.term))
