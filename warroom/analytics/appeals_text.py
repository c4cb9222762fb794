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

import functools
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
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
# Filler words of two characters or more that say nothing of a topic ("always", "not
# have", "please ask"...): left out of the topic words and the topics' labels.
_FILLER = frozenset(
    [
        "一直",
        "没有",
        "已经",
        "现在",
        "什么",
        "怎么",
        "可以",
        "能不能",
        "请问",
        "时候",
        "什么时候",
        "还是",
        "需要",
        "他们",
        "这样",
        "因为",
        "所以",
        "但是",
        "还有",
        "就是",
        "不是",
        "知道",
        "问题",
        "情况",
        "帮忙",
        "希望",
        "真的",
        "大家",
        "自己",
        "不能",
        "能否",
        "如何",
        "为什么",
    ]
)
_ALPHA = 1.0  # Laplace smoothing (Manning et al. 2008, eq. 13.7)


def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


@functools.lru_cache(maxsize=256)
def _cut(text: str) -> tuple[str, ...]:
    """jieba's words of ``text``, kept for the latest texts: the intake asks for a text's
    tokens twice (category, urgency) and its topic words once; jieba cuts it once."""
    return tuple(_jieba().lcut(text))  # type: ignore[attr-defined]


def tokens(text: str) -> list[str]:
    """The words (jieba, stop words dropped) and the Chinese character bigrams of ``text``."""
    words = [w for w in _cut(text) if w.strip() and w not in _STOP and not w.isspace()]
    grams = [run[i : i + 2] for run in _HAN.findall(text) for i in range(len(run) - 1)]
    return words + ["§" + g for g in grams]


def words(text: str) -> list[str]:
    """The topic words of ``text``: jieba's words of two characters or more, no stop words."""
    return [
        w
        for w in _cut(text)
        if len(w) >= 2 and w not in _STOP and w not in _FILLER and _HAN.match(w)
    ]


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


def evaluate(
    model: NaiveBayes | Callable[[str], str], texts: Sequence[str], labels: Sequence[str]
) -> Evaluation:
    """Accuracy and per-class recall of ``model`` (a fitted model, or any function from a
    text to its label) on ``texts`` labelled ``labels``."""
    if len(texts) != len(labels) or not texts:
        raise ValueError("need as many labels as texts, and at least one")
    predict = (lambda t: model.predict(t)[0]) if isinstance(model, NaiveBayes) else model
    hits: Counter[str] = Counter()
    support: Counter[str] = Counter(labels)
    for text, label in zip(texts, labels, strict=True):
        if predict(text) == label:
            hits[label] += 1
    recall = {c: hits[c] / support[c] for c in sorted(support)}
    return Evaluation(len(texts), sum(hits.values()) / len(texts), recall, dict(support))


# Urgency signs: words that make an appeal at least this urgent whatever the model says
# (a person who cannot breathe, a pregnant woman, a dialysis patient, medicine run out).
# The model learns urgency from few examples; these are the cases a duty desk must never
# file as routine. Chosen from the deadlines' meaning (docs/appeals.md), not fitted.
URGENCY_SIGNS: dict[str, tuple[str, ...]] = {
    "immediate": (
        "呼吸困难",
        "喘不上气",
        "喘不过气",
        "血氧",
        "昏迷",
        "嘴唇发紫",
        "重症",
        "跳楼",
        "不想活",
        "割腕",
        "遗书",
        "活着没意思",
        "人快不行",
        "撑不住",
        "来不及",
    ),
    "urgent": (
        "发烧",
        "高烧",
        "孕妇",
        "预产期",
        "透析",
        "断药",
        "化疗",
        "胰岛素",
        "断粮",
        "婴儿",
        "确诊",
        "阳性",
    ),
}
URGENCY_ORDER = ("routine", "normal", "urgent", "immediate")  # least to most urgent


def urgency_floor(text: str) -> str | None:
    """The most urgent level whose sign ``text`` contains (:data:`URGENCY_SIGNS`), or None."""
    for level in reversed(URGENCY_ORDER):
        if any(sign in text for sign in URGENCY_SIGNS.get(level, ())):
            return level
    return None


def more_urgent(a: str, b: str | None) -> str:
    """The more urgent of ``a`` and ``b`` (``b`` None: ``a``; unknown levels rank lowest)."""
    if b is None:
        return a
    rank = {u: i for i, u in enumerate(URGENCY_ORDER)}
    return b if rank.get(b, -1) > rank.get(a, -1) else a


def similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard similarity of two texts' character bigram sets (near-identical ≥ 0.8)."""
    sa = a if isinstance(a, set | frozenset) else set(a)
    sb = b if isinstance(b, set | frozenset) else set(b)
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


# --- topic clusters ---------------------------------------------------------------------

_TOPIC_THRESHOLD = 0.3  # cosine similarity to join a topic (Manning et al. 2008, §16.4)
_TOPIC_VOCABULARY = 400  # the terms kept (the most frequent; rarer ones carry no topic)
_TOPIC_MAX = 200  # topics at most: past it a document joins the nearest (bounded memory)
_TOPIC_PASSES = 3  # reassignment passes after the single leader pass (spherical k-means)


@dataclass(frozen=True)
class Topic:
    """A cluster of appeals: its label (the top terms of its centroid), its members (the
    indices of the documents given), and the weight of each label term."""

    label: tuple[str, ...]
    members: tuple[int, ...]

    @property
    def key(self) -> str:
        """The label as one string (a stable identifier of the topic for a link)."""
        return " ".join(self.label)


def tfidf(
    docs: Sequence[Sequence[str]], *, vocabulary_size: int = _TOPIC_VOCABULARY
) -> tuple[list[str], NDArray[np.float64]]:
    """TF-IDF vectors of ``docs`` (each a list of terms), L2-normalised, over the
    ``vocabulary_size`` terms found in most documents (ties by the term).

    Term frequency sublinear (1 + log tf), idf smoothed log((1 + n) / (1 + df)) + 1
    (Manning et al. 2008, §6.2–6.4.1). Filler words are left out. A document without any
    kept term is a zero row.
    """
    if vocabulary_size < 1:
        raise ValueError("vocabulary_size must be at least 1")
    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d) - _FILLER)
    vocab = sorted(sorted(df), key=lambda t: -df[t])[:vocabulary_size]
    index = {t: i for i, t in enumerate(vocab)}
    x = np.zeros((len(docs), len(vocab)))
    for row, d in enumerate(docs):
        for t, n in Counter(d).items():
            if t in index:
                x[row, index[t]] = 1.0 + np.log(n)
    if vocab:
        idf = np.log((1.0 + len(docs)) / (1.0 + np.array([df[t] for t in vocab]))) + 1.0
        x *= idf
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    np.divide(x, norms, out=x, where=norms > 0)
    return vocab, x


def topics(
    docs: Sequence[Sequence[str]],
    *,
    threshold: float = _TOPIC_THRESHOLD,
    min_size: int = 2,
    label_terms: int = 3,
    vocabulary_size: int = _TOPIC_VOCABULARY,
    max_topics: int = _TOPIC_MAX,
) -> list[Topic]:
    """Group documents (each a list of terms) into topics; every document is in exactly one.

    TF-IDF vectors (:func:`tfidf`); a single leader pass in a canonical order (the
    documents sorted by their term sets, so the result does not depend on the order they
    are given in): a document joins the most similar topic centroid when the cosine is at
    least ``threshold``, else starts a topic (up to ``max_topics``); then
    :data:`_TOPIC_PASSES` passes reassign every document to its nearest centroid
    (spherical k-means, Dhillon & Modha 2001).
    Topics smaller than ``min_size`` and documents with no kept term go to one last topic
    with an empty label ("other"). A topic's label is its centroid's ``label_terms``
    heaviest terms that its members use (ties: the longer term, then the term); topics
    that end up with the same label are one topic. Sorted by size, then label.
    Deterministic: no randomness.
    """
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    if min_size < 1 or label_terms < 1 or max_topics < 1:
        raise ValueError("min_size, label_terms and max_topics must be at least 1")
    n = len(docs)
    if n == 0:
        return []
    # Work in a canonical order (the documents sorted by their term counts), so that the
    # result, floating-point sums included, does not depend on the order given.
    keys = [tuple(sorted(Counter(d).items())) for d in docs]
    order = sorted(range(n), key=lambda i: keys[i])
    vocab, x = tfidf([docs[i] for i in order], vocabulary_size=vocabulary_size)
    live = np.flatnonzero(x.any(axis=1))
    assign = np.full(n, -1)
    sums = np.zeros((max(min(len(live), max_topics), 1), len(vocab)))
    unit = np.zeros_like(sums)  # the normalised centroids, kept up to date row by row
    k = 0
    previous: int | None = None
    for i in map(int, live):  # the leader pass; equal documents (adjacent here) join the same topic
        if previous is not None and keys[order[i]] == keys[order[previous]]:
            best = int(assign[previous])
        else:
            best = -1
            if k:
                sims = unit[:k] @ x[i]
                best = int(np.argmax(sims))
                if sims[best] < threshold:
                    best = -1
            if best < 0 and k < max_topics:
                best, k = k, k + 1
            elif best < 0:  # no room for another topic: the nearest one
                best = int(np.argmax(sims))
        assign[i] = best
        sums[best] += x[i]
        unit[best] = sums[best] / np.linalg.norm(sums[best])
        previous = i
    sums = sums[:k]
    for _pass in range(_TOPIC_PASSES):
        if not k:
            break
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        c = np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)
        new = np.argmax(x[live] @ c.T, axis=1)  # ties: the earliest topic
        if np.array_equal(new, assign[live]):
            break
        assign[live] = new
        sums = np.zeros((k, len(vocab)))
        np.add.at(sums, new, x[live])
    merged: dict[tuple[str, ...], list[int]] = {}
    rest = [order[i] for i in range(n) if assign[i] < 0]
    for topic in range(k):
        rows = np.flatnonzero(assign == topic)
        if len(rows) == 0:
            continue
        members = [order[i] for i in rows]
        if len(members) < min_size:
            rest += members
            continue
        weight = x[rows].sum(axis=0)
        used = np.flatnonzero(x[rows].any(axis=0))
        # The heaviest terms; among equals the longer (more specific), then by the term.
        ranked = sorted(used, key=lambda j: (-round(float(weight[j]), 9), -len(vocab[j]), vocab[j]))
        label = tuple(vocab[j] for j in ranked[:label_terms])
        merged[label] = merged.get(label, []) + members  # one topic per label
    found = [Topic(label, tuple(sorted(m))) for label, m in merged.items()]
    found.sort(key=lambda t: (-len(t.members), t.label))
    if rest:
        found.append(Topic((), tuple(sorted(rest))))
    return found
