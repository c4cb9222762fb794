"""Stored audit messages read in the reader's language: a mapping of codes to counts (the
clearance's backlogs per duty) shows each code by its label, never the stored code."""

from __future__ import annotations

import re

from django.utils import translation

from warroom.audit.messages import describe
from warroom.audit.models import AuditEntry

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_clearances_backlogs_per_duty_read_by_their_labels() -> None:
    stored = "clearance 2020-02-12: {'admit': 5, 'isolate': 1246, 'test': 0, 'treat': 3}"
    entry = AuditEntry(action="compute", object_type="cases.clearancesnapshot", message=stored)
    with translation.override("zh-hans"):
        text = describe(entry)
    assert "2020-02-12" in text and "1246" in text and "5" in text
    assert not re.search(r"admit|isolate|treat|'test'", text), text
    assert HAN.search(text), text
    with translation.override("en"):
        english = describe(entry)
    assert "1246" in english and "{" not in english, english


def test_a_value_that_is_not_a_mapping_is_shown_as_stored() -> None:
    entry = AuditEntry(
        action="compute", object_type="cases.clearancesnapshot", message="clearance 2020-02-12: ?"
    )
    with translation.override("zh-hans"):
        assert describe(entry).endswith("?")
