"""GB 11643 check digit, plausibility, phones and masking."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warroom.cases.identity import (
    PROVINCES,
    check_digit,
    make_resident_id,
    mask_id,
    mask_phone,
    validate_phone,
    validate_resident_id,
)

regions = st.builds(
    lambda p, rest: p + rest,
    st.sampled_from(sorted(PROVINCES)),
    st.from_regex(r"[0-9]{4}", fullmatch=True),
)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31))
valid_ids = st.builds(make_resident_id, regions, births, st.integers(0, 999))


@given(valid_ids)
def test_generated_valid_ids_pass(value):
    assert validate_resident_id(value) == value
    assert validate_resident_id(value.lower()) == value


@given(valid_ids, st.integers(0, 17), st.integers(1, 10))
def test_any_single_character_change_fails(value, position, shift):
    alphabet = "0123456789X"
    options = alphabet if position == 17 else alphabet[:10]
    old = value[position]
    new = options[(options.index(old) + shift) % len(options)]
    if new == old:
        new = options[(options.index(old) + 1) % len(options)]
    changed = value[:position] + new + value[position + 1 :]
    with pytest.raises(ValueError):
        validate_resident_id(changed)


def test_the_check_digit_of_the_standards_example():
    # GB 11643-1999 appendix example: 11010519491231002X
    assert check_digit("11010519491231002") == "X"
    assert validate_resident_id("11010519491231002X") == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1101051949123100", "17 digits"),
        ("99010519491231002X", "province"),
        ("110105194913310021", "not a date"),
        (make_resident_id("420102", dt.date(1880, 1, 1), 1), "plausible"),
        ("110105194912310021", "check digit"),
    ],
)
def test_implausible_ids_are_refused_with_the_reason(value, reason):
    with pytest.raises(ValueError, match=reason):
        validate_resident_id(value)


def test_an_id_born_tomorrow_is_refused():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValueError, match="plausible"):
        validate_resident_id(make_resident_id("420102", tomorrow, 5))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("027-85123456", "027-85123456"),
        ("0755 1234567", "07551234567"),
    ],
)
def test_phones(raw, clean):
    assert validate_phone(raw) == clean


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "85123456", "abc"])
def test_bad_phones(raw):
    with pytest.raises(ValueError):
        validate_phone(raw)


def test_masking():
    assert mask_id("420102198001011234") == "4201**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id("E1234") == "*****"
