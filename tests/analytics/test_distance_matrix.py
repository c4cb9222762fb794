"""Great-circle distances for the allocation: a metric, and right where it is known."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.analytics.allocate import distance_matrix_km

lat = st.floats(-89.0, 89.0)
lon = st.floats(-179.0, 179.0)
points = st.lists(st.tuples(lat, lon), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(points)
def test_it_is_a_metric(pts):
    la, lo = zip(*pts, strict=True)
    d = distance_matrix_km(la, lo, la, lo)
    assert np.allclose(np.diag(d), 0.0, atol=1e-6)
    assert np.allclose(d, d.T, atol=1e-6)
    assert (d >= 0).all() and (d <= np.pi * 6371.0089).all()
    n = len(pts)
    for i in range(n):
        for j in range(n):
            assert (d[i, j] <= d[i, :] + d[:, j] + 1e-6).all()  # triangle inequality


def test_known_distances():
    # One degree of latitude is ~111.2 km; Wuhan (30.59 N, 114.31 E) to Beijing
    # (39.90 N, 116.41 E) is ~1,050 km great-circle.
    d = distance_matrix_km([0.0, 30.59], [0.0, 114.31], [1.0, 39.90], [0.0, 116.41])
    assert d[0, 0] == pytest.approx(111.2, abs=0.1)
    assert d[1, 1] == pytest.approx(1052, abs=5)


def test_bad_input_is_a_value_error():
    with pytest.raises(ValueError, match="same length"):
        distance_matrix_km([1.0, 2.0], [1.0], [0.0], [0.0])
