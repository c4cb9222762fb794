"""Triage of an appeal's Chinese text: milliseconds per appeal, accuracy, per-class recall.

Figure: the median time to propose a category and an urgency for one appeal (jieba
segmentation + two naive Bayes models), over the labelled set's held-out phrasings;
target ≤ 5 ms. Accuracy and per-class recall on the held-out split are printed (the split
is by phrasing: see scripts/appeals_labelled.py), the urgency with and without its signs.
Then the time to cluster 200, 1,400 and 5,000 appeals into topics.

Peer: the same multinomial naive Bayes written the obvious way in pure Python (a dict of
log-likelihoods per class, summed per token) on the same tokens; the ratio is ours / peer.

    python bench/bench_appeals_classify.py
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import finish, median_ms, target

from warroom.analytics import appeals_text


def _rows(split: str) -> list[dict[str, str]]:
    import csv

    path = Path(__file__).resolve().parent.parent / "warroom/appeals/data/labelled.csv"
    with path.open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["split"] == split]


def _peer_fit(texts: list[str], labels: list[str]):  # type: ignore[no-untyped-def]
    counts: dict[str, Counter[str]] = {}
    prior: Counter[str] = Counter(labels)
    for t, y in zip(texts, labels, strict=True):
        counts.setdefault(y, Counter()).update(appeals_text.tokens(t))
    vocab = {w for c in counts.values() for w in c}
    model = {}
    for y, c in counts.items():
        total = sum(c.values()) + len(vocab)
        model[y] = (
            math.log(prior[y] / len(labels)),
            {w: math.log((c[w] + 1) / total) for w in vocab},
        )
    return model


def _peer_predict(model, text: str) -> str:  # type: ignore[no-untyped-def]
    toks = appeals_text.tokens(text)
    best, score = "", -math.inf
    for y, (lp, ll) in model.items():
        s = lp + sum(ll[t] for t in toks if t in ll)
        if s > score:
            best, score = y, s
    return best


def main() -> None:
    train, test = _rows("train"), _rows("test")
    texts = [r["text"] for r in train]
    t0 = time.perf_counter()
    cat = appeals_text.fit(texts, [r["category"] for r in train])
    urg = appeals_text.fit(texts, [r["urgency"] for r in train])
    fitted = time.perf_counter() - t0
    peer_cat = _peer_fit(texts, [r["category"] for r in train])
    peer_urg = _peer_fit(texts, [r["urgency"] for r in train])
    probe = [r["text"] for r in test] * 5
    ours, peer = [], []
    for text in probe:
        s = time.perf_counter()
        cat.predict(text)
        appeals_text.more_urgent(urg.predict(text)[0], appeals_text.urgency_floor(text))
        ours.append((time.perf_counter() - s) * 1000)
        s = time.perf_counter()
        _peer_predict(peer_cat, text)
        _peer_predict(peer_urg, text)
        peer.append((time.perf_counter() - s) * 1000)
    ms, pm = statistics.median(ours), statistics.median(peer)
    p99 = sorted(ours)[int(len(ours) * 0.99) - 1]
    print(f"appeals classify: fitted on {len(train)} appeals in {fitted:.2f} s (jieba included)")
    print(
        f"appeals classify: {ms:.3f} ms per appeal (median; p99 {p99:.3f} ms) "
        f"{target('classify ms', ms, 5.0, 'ms')}; pure-Python peer {pm:.3f} ms, "
        f"ratio {ms / pm:.2f}"
    )

    def urgency(text: str) -> str:  # the model raised to its signs' floor (as triage does)
        return appeals_text.more_urgent(urg.predict(text)[0], appeals_text.urgency_floor(text))

    for name, model, key in (
        ("category", cat, "category"),
        ("urgency (model alone)", urg, "urgency"),
        ("urgency (with signs)", urgency, "urgency"),
    ):
        ev = appeals_text.evaluate(model, [r["text"] for r in test], [r[key] for r in test])
        recall = ", ".join(f"{k} {v:.2f}" for k, v in ev.recall.items())
        print(f"  {name}: held-out accuracy {ev.accuracy:.3f} (n={ev.n}); recall: {recall}")
    _topics(train + test)
    finish()


def _topics(rows: list[dict[str, str]]) -> None:
    """Topic clusters: the median time to cluster a day of the demo (200 appeals), a week
    (1,400) and a busy day of W1's peak (5,000), drawn from the labelled set's words.
    Peer: counting the same appeals' terms (what the term table does), ratio ours / peer."""
    import random

    words = [appeals_text.words(r["text"]) for r in rows]
    for n in (200, 1400, 5000):
        rnd = random.Random(n)
        docs = [rnd.choice(words) for _ in range(n)]
        ms = median_ms(lambda docs=docs: appeals_text.topics(docs), repeat=3, warmup=1)
        found = appeals_text.topics(docs)
        peer = median_ms(lambda docs=docs: Counter(w for d in docs for w in set(d)), repeat=5)
        print(
            f"appeals topics: {n} appeals into {len(found)} topics in {ms:.0f} ms (median); "
            f"counting their terms {peer:.1f} ms, ratio {ms / peer:.0f}"
        )


if __name__ == "__main__":
    main()
