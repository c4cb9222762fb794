"""The quality findings in the reader's language: the rule's name and its finding.

``warroom.analytics.quality`` is pure (no Django, no translations) and writes an English
sentence into each flag; the pages show this one instead, built from the flag's stored
facts (area, day, column, measured, expected) with a translatable sentence per rule, the
area and the column by their names, not their codes (issue 16).
"""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

RULE_LABELS = {
    "duplicate_report": gettext_lazy("Duplicate report"),
    "negative_value": gettext_lazy("Negative count"),
    "future_date": gettext_lazy("Report dated in the future"),
    "cumulative_decrease": gettext_lazy("Cumulative count fell"),
    "identity_broken": gettext_lazy("Counts do not add up"),
    "severity_exceeds": gettext_lazy("More severe than under treatment"),
    "new_vs_cumulative": gettext_lazy("Daily and cumulative disagree"),
    "children_sum": gettext_lazy("Sub-areas do not add up"),
    "stale_figure": gettext_lazy("Same report repeated"),
    "outlier_jump": gettext_lazy("Sudden jump"),
    "last_digit": gettext_lazy("Last digits uneven"),
    "benford": gettext_lazy("Leading digits off Benford's law"),
    "line_list_mismatch": gettext_lazy("Report and line list disagree"),
    "supervision_report": gettext_lazy("Raised by supervision"),
}


def rule_label(rule: str) -> str:
    label = RULE_LABELS.get(rule)
    return str(label) if label is not None else rule


def column_label(column: str) -> str:
    from warroom.surveillance.models import DailyReport

    if not column:
        return ""
    try:
        return str(DailyReport._meta.get_field(column).verbose_name)
    except Exception:
        return column


def _num(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return _("unknown")
    return f"{x:.0f}" if x == round(x) else f"{x:.3g}"


def finding_text(flag: Any) -> str:
    """The flag's finding as a sentence in the active language."""
    from warroom.geo.models import Area

    area: Area = flag.area
    facts = {
        "area": area.name_zh,
        "day": flag.day.isoformat(),
        "column": column_label(flag.column),
        "m": _num(flag.measured),
        "e": _num(flag.expected),
    }
    texts = {
        "duplicate_report": _(
            "%(area)s filed more than one report for %(day)s; the last one was used: confirm it."
        ),
        "negative_value": _(
            "%(area)s reported %(column)s = %(m)s on %(day)s; a count cannot be negative."
        ),
        "future_date": _(
            "%(area)s filed a report dated %(day)s, after today; check the date of the report."
        ),
        "cumulative_decrease": _(
            "%(area)s: %(column)s fell to %(m)s on %(day)s from %(e)s; a cumulative count "
            "never falls: correct it or explain the revision."
        ),
        "identity_broken": _(
            "%(area)s on %(day)s: cumulative confirmed %(m)s differ from deaths + discharged "
            "+ under treatment = %(e)s; find the patients missing from one of the counts."
        ),
        "severity_exceeds": _(
            "%(area)s on %(day)s: severe and critical (%(m)s) exceed the %(e)s under "
            "treatment; correct one of the three figures."
        ),
        "new_vs_cumulative": _(
            "%(area)s on %(day)s: %(column)s = %(m)s but the cumulative count rose by %(e)s; "
            "reconcile the daily and the cumulative figure."
        ),
        "children_sum": _(
            "%(area)s reported %(column)s = %(m)s on %(day)s but its sub-areas add up to "
            "%(e)s; reconcile the area with its sub-areas."
        ),
        "stale_figure": _(
            "%(area)s has filed the same report for several days up to %(day)s (new "
            "confirmed %(m)s) while neighbouring areas' figures changed; confirm it is "
            "updated."
        ),
        "outlier_jump": _(
            "%(area)s: %(column)s jumped from %(e)s to %(m)s on %(day)s, far outside its "
            "usual day-to-day change; verify the figure with the reporting unit."
        ),
        "last_digit": _(
            "%(area)s: the last digits of its reports up to %(day)s are unevenly spread "
            "(chi-square %(m)s above %(e)s), unlikely by chance; audit how its figures are "
            "produced."
        ),
        "benford": _(
            "%(area)s: the leading digits of its reports up to %(day)s are far from "
            "Benford's law (chi-square %(m)s above %(e)s), unlikely by chance; audit how its "
            "figures are produced."
        ),
        "line_list_mismatch": _(
            "%(area)s reported %(m)s new confirmed on %(day)s but the case line list holds "
            "%(e)s; enter the missing cases or correct the count."
        ),
    }
    text = texts.get(flag.rule)
    return text % facts if text is not None else str(flag.message)
