"""The appeals' text analytics: the classifier's contract, similarity, surges (properties)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.analytics import appeals_text as A

CJK = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80), max_size=30)
TRAIN = ["我需要床位住院", "请帮忙买降压药", "网上谣言断水断电", "需要住院床位", "药店没有药"]
LABELS = ["admission", "medicine", "rumour", "admission", "medicine"]
MODEL = A.fit(TRAIN, LABELS)


@settings(max_examples=60, deadline=None)
@given(CJK)
def test_the_posterior_is_a_probability_over_the_classes(text):
    p = MODEL.scores(text)
    assert p.shape == (3,) and np.all(p >= 0) and abs(p.sum() - 1) < 1e-9
    label, prob = MODEL.predict(text)
    assert label in MODEL.classes and prob == pytest.approx(p.max())


def test_the_model_learns_its_examples_and_refuses_bad_input():
    assert MODEL.predict("住院需要床位")[0] == "admission"
    with pytest.raises(ValueError):
        A.fit(["a"], [])
    with pytest.raises(ValueError):
        A.fit([], [])
    with pytest.raises(ValueError):
        A.fit(["a"], ["x"], alpha=0)


@given(CJK, CJK)
def test_similarity_is_symmetric_and_one_for_the_same_text(a, b):
    ga, gb = A.bigrams(a), A.bigrams(b)
    assert A.similarity(ga, gb) == A.similarity(gb, ga)
    assert 0 <= A.similarity(ga, gb) <= 1
    if len(ga):
        assert A.similarity(ga, ga) == 1


@given(
    st.lists(
        st.dictionaries(st.sampled_from("甲乙丙丁戊"), st.integers(0, 40), max_size=5),
        min_size=1,
        max_size=8,
    ),
    st.floats(1.0, 5.0),
    st.integers(1, 20),
)
def test_a_surge_is_exactly_a_term_over_the_minimum_and_factor_times_its_baseline(
    days, factor, minimum
):
    counters = [Counter(d) for d in days]
    found = {s.term for s in A.surges(counters, factor=factor, minimum=minimum)}
    *before, today = counters
    for term, n in today.items():
        base = sum(c.get(term, 0) for c in before) / len(before) if before else 0.0
        assert (term in found) == (n >= minimum and n >= factor * base)


TERMS = st.lists(
    st.lists(
        st.sampled_from(
            ["床位", "住院", "发烧", "降压药", "买药", "大米", "团购", "谣言", "辟谣", "解封"]
        ),
        max_size=5,
    ),
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(TERMS, st.randoms(use_true_random=False), st.floats(0.05, 1.0), st.integers(1, 4))
def test_topics_partition_the_appeals_deterministically_whatever_their_order(
    docs, rnd, threshold, min_size
):
    found = A.topics(docs, threshold=threshold, min_size=min_size)
    members = [i for t in found for i in t.members]
    assert sorted(members) == list(range(len(docs)))  # every appeal in exactly one topic
    assert A.topics(docs, threshold=threshold, min_size=min_size) == found
    labels = [t.label for t in found]
    assert len(set(labels)) == len(labels) and all(len(t.label) <= 3 for t in found)
    for t in found:
        if t.label:  # a label is made of terms its members use; only "other" has none
            assert len(t.members) >= min_size
            used = {w for i in t.members for w in docs[i]}
            assert set(t.label) <= used
        else:
            assert t is found[-1]
    perm = list(range(len(docs)))
    rnd.shuffle(perm)
    shuffled = A.topics([docs[i] for i in perm], threshold=threshold, min_size=min_size)
    assert {t.label: sorted(perm[i] for i in t.members) for t in shuffled} == {
        t.label: list(t.members) for t in found
    }


def test_topics_group_what_is_about_the_same_thing():
    docs = [["床位", "住院", "发烧"]] * 3 + [["降压药", "买药"]] * 2 + [["解封"]] + [[]]
    found = A.topics(docs)
    assert [(t.label, t.members) for t in found] == [
        (("住院", "发烧", "床位"), (0, 1, 2)),
        (("降压药", "买药"), (3, 4)),  # the longer term first among equals
        ((), (5, 6)),
    ]
    assert found[0].key == "住院 发烧 床位"
    assert A.topics([]) == []
    with pytest.raises(ValueError):
        A.topics(docs, threshold=0)
