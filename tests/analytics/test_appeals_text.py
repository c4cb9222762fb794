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
